// AdamW against PyTorch's torch.optim.AdamW (tests/fixtures/adamw.json), learning-rate schedules against
// their formulas and as an optimizer's learningRate, and the earlyStopping / reduceLROnPlateau callbacks
// on fits whose logs they are fed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sn } from '../helpers/setup.mjs';
import { assertClose, assertThrowsMessage } from '../helpers/compare.mjs';
import { fixturesDir } from '../helpers/fixtures.mjs';

const adamwCases = JSON.parse(readFileSync(path.join(fixturesDir, 'adamw.json'), 'utf8')).cases;

test('AdamW matches PyTorch step by step (defaults, custom options, cosine schedule)', () => {
  for (const c of adamwCases) {
    const p = sn.variable(sn.tensor(Float32Array.from(c.p0.data), c.p0.shape), { name: `adamw_${c.name}` });
    const options = { ...c.options };
    if (c.cosine)
      options.learningRate = sn.train.schedules.cosineDecay({
        initialLearningRate: c.options.learningRate,
        decaySteps: c.cosine.decaySteps,
        alpha: c.cosine.alpha,
      });
    const opt = sn.train.adamw(options);
    c.grads.forEach((g, k) => {
      const grad = sn.tensor(Float32Array.from(g.data), g.shape);
      opt.applyGradients({ [p.name]: grad });
      grad.dispose();
      assertClose(p.dataSync(), c.params[k].data, 1e-5, `${c.name}: step ${k + 1}`);
    });
    opt.dispose();
    p.dispose();
  }
  const cfg = sn.train.adamw().getConfig();
  assert.is(cfg.className, 'AdamW');
  assert.is(cfg.weightDecay, 0.01);
  assert.is(cfg.epsilon, 1e-8);
  assertThrowsMessage(() => sn.train.adamw({ weight_decay: 0.1 }), /adamw: unknown option 'weight_decay'/);
});

test('AdamW without its decay misses PyTorch by more than the tolerance (the comparison can fail)', () => {
  const c = adamwCases.find((x) => x.name === 'custom');
  const p = sn.variable(sn.tensor(Float32Array.from(c.p0.data), c.p0.shape), { name: 'adamw_no_decay' });
  const opt = sn.train.adamw({ ...c.options, weightDecay: 0 });
  for (const g of c.grads) {
    const grad = sn.tensor(Float32Array.from(g.data), g.shape);
    opt.applyGradients({ [p.name]: grad });
    grad.dispose();
  }
  const last = c.params[c.params.length - 1].data;
  const got = p.dataSync();
  const diff = Math.max(...last.map((v, i) => Math.abs(v - got[i])));
  assert.ok(diff > 1e-4, `without decay still within ${diff}`);
  opt.dispose();
  p.dispose();
});

test('schedules follow their formulas and drive an optimizer step by step', () => {
  const cos = sn.train.schedules.cosineDecay({ initialLearningRate: 0.1, decaySteps: 10, alpha: 0.2 });
  for (const t of [0, 3, 10, 25]) {
    const d = Math.min(t, 10);
    assertClose([cos.at(t)], [0.1 * (0.8 * 0.5 * (1 + Math.cos((Math.PI * d) / 10)) + 0.2)], 1e-12, `cosine at ${t}`);
  }
  const warm = sn.train.schedules.cosineDecay({
    initialLearningRate: 0,
    decaySteps: 4,
    warmupTarget: 1,
    warmupSteps: 2,
  });
  assert.equal(
    [0, 1, 2, 4, 6].map((t) => +warm.at(t).toFixed(6)),
    [0, 0.5, 1, 0.5, 0],
  );
  const exp = sn.train.schedules.exponentialDecay({
    initialLearningRate: 1,
    decaySteps: 2,
    decayRate: 0.5,
    staircase: true,
  });
  assert.equal(
    [0, 1, 2, 5].map((t) => exp.at(t)),
    [1, 1, 0.5, 0.25],
  );
  // As SGD's learning rate: p <- p - lr_t · g with g = 1.
  const p = sn.variable(sn.zeros([1]), { name: 'scheduled_sgd' });
  const sgd = sn.train.sgd({ learningRate: cos });
  const one = sn.ones([1]);
  let expected = 0;
  for (let t = 0; t < 5; t++) {
    assertClose([sgd.learningRate], [cos.at(t)], 1e-12, `learningRate before step ${t}`);
    sgd.applyGradients({ [p.name]: one });
    expected -= cos.at(t);
    assertClose(p.dataSync(), [expected], 1e-6, `parameter after step ${t}`);
  }
  assert.equal(sgd.getConfig().learningRate, cos.getConfig());
  // A saved config makes the same schedule again.
  const { className, ...saved } = sgd.getConfig();
  assert.is(className, 'SGD');
  const again = sn.train.sgd(saved);
  again.setState({ iterations: 3 });
  assertClose([again.learningRate], [cos.at(3)], 1e-12, 'schedule from config');
  sgd.learningRate = 0.5; // a number replaces the schedule
  assert.is(sgd.learningRate, 0.5);
  assertThrowsMessage(
    () => sn.train.schedules.cosineDecay({ initialLearningRate: 0.1 }),
    /option 'decaySteps' is required/,
  );
  for (const t of [p, one]) t.dispose();
  sgd.dispose();
  again.dispose();
});

/** A model whose fit logs we fully control: the callbacks see a scripted validation loss. */
function scripted(values, monitor = 'val_loss') {
  let epoch = 0;
  return {
    onEpochEnd(_e, logs) {
      logs[monitor] = values[epoch++];
    },
  };
}

async function fitWith(callbacks, epochs, model) {
  const x = sn.randomNormal([8, 3], { seed: 1 });
  const y = sn.randomNormal([8, 2], { seed: 2 });
  try {
    return await model.fit(x, y, { epochs, batchSize: 4, verbose: 0, callbacks, seed: 1 });
  } finally {
    x.dispose();
    y.dispose();
  }
}

function tinyModel(optimizer = sn.train.sgd({ learningRate: 0.01 })) {
  const input = sn.input({ shape: [3] });
  const model = sn.model({ inputs: input, outputs: sn.layers.dense({ units: 2 }).apply(input), seed: 1 });
  model.compile({ optimizer, loss: 'meanSquaredError' });
  return model;
}

test('earlyStopping stops after patience epochs without improvement and restores the best weights', async () => {
  const model = tinyModel();
  // Epoch losses: best at epoch 1, then 3 epochs without improvement → stop at epoch 4 (patience 3).
  const script = scripted([5, 1, 2, 3, 4, 0.5, 0.1]);
  const weightsAt = [];
  const recorder = { onEpochEnd: () => weightsAt.push(model.getWeights().map((t) => [t.dataSync().slice(), t])) };
  const stop = sn.callbacks.earlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true });
  const n0 = sn.memory().numTensors;
  const h = await fitWith([script, recorder, stop], 7, model);
  assert.is(h.epoch.length, 5, 'epochs run');
  assert.is(stop.stoppedEpoch, 4);
  assert.is(stop.bestEpoch, 1);
  const now = model.getWeights();
  now.forEach((t, i) => assertClose(t.dataSync(), weightsAt[1][i][0], 0, `weight ${i} restored from epoch 2`));
  for (const t of now) t.dispose();
  for (const ws of weightsAt) for (const [, t] of ws) t.dispose();
  assert.is(sn.memory().numTensors, n0, 'the kept copies are freed');
  // Without validation data the message says what the logs hold.
  const bad = sn.callbacks.earlyStopping();
  await fitWith([bad], 1, model).then(
    () => assert.unreachable('expected an error'),
    (e) => assert.match(e.message, /monitor 'val_loss' is not in the epoch's logs, which have 'loss'.*validationData/),
  );
  assertThrowsMessage(() => sn.callbacks.earlyStopping({ patiense: 2 }), /unknown option 'patiense'/);
  // 'acc' monitors grow: mode auto picks max.
  assert.is(sn.callbacks.earlyStopping({ monitor: 'val_acc' }).monitor.direction, 'max');
  model.optimizer.dispose();
  model.dispose();
});

test('reduceLROnPlateau multiplies the rate by factor after patience epochs, with cooldown and minLR', async () => {
  const model = tinyModel(sn.train.adam({ learningRate: 0.1 }));
  const rates = [];
  const script = scripted([1, 1, 1, 1, 1, 1, 1, 1]);
  const reduce = sn.callbacks.reduceLROnPlateau({ factor: 0.5, patience: 2, cooldown: 1, minLR: 0.02 });
  const log = { onEpochEnd: () => rates.push(model.optimizer.learningRate) };
  await fitWith([script, reduce, log], 8, model);
  // As Keras: epoch 0 sets the best; 1, 2 wait → reduce at 2; the cooldown epoch 3 ends the cooldown and
  // counts again, so 4 reduces; likewise 6, where minLR caps the rate.
  assertClose(rates, [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02], 1e-12, 'rates');
  model.optimizer.dispose();
  model.dispose();
});

test.run();
