// Sequential: shape inference at add, Keras's summary, configs and seeds, compile checks, losses against
// references, and training: fit/evaluate/predict/trainOnBatch on small synthetic problems, callbacks,
// History, repeatability, and a constant number of live tensors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertClose, assertThrowsMessage } from '../helpers/compare.mjs';
import { rng } from '../helpers/random.mjs';

const L = sn.layers;

function opsReady() {
  try {
    sn.tidy(() => {
      sn.conv2d(sn.zeros([1, 1, 1, 1]), sn.zeros([1, 1, 1, 1]));
      sn.dense(sn.zeros([1, 1]), sn.zeros([1, 1]));
      sn.maxPool2d(sn.zeros([1, 2, 2, 1]));
      sn.softmaxCrossEntropy(sn.zeros([1, 2]), sn.tensor([0], [1], 'int32'));
      sn.log(sn.clipByValue(sn.ones([1]), 0.5, 1));
      sn.mean(sn.mul(sn.sub(sn.ones([1]), sn.ones([1])), sn.ones([1])));
      sn.train.adam().dispose();
    });
    return true;
  } catch (e) {
    if (/not implemented/.test(e.message)) return false;
    throw e;
  }
}
const READY = opsReady();
if (!READY) console.log('sequential.test: ops or optimizers not implemented in this build; training tests are skipped');
const withOps = READY ? test : test.skip;

/** The seed's Keras model (Fashion-MNIST CNN). */
function kerasCnn(args = {}) {
  return sn.sequential({
    ...args,
    layers: [
      L.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      L.flatten(),
      L.dense({ units: 64, activation: 'relu' }),
      L.dense({ units: 10 }),
    ],
  });
}

function lenet(inputShape) {
  return sn.sequential({
    layers: [
      L.conv2d({ filters: 6, kernelSize: 5, activation: 'relu', inputShape }),
      L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.flatten(),
      L.dense({ units: 120, activation: 'relu' }),
      L.dense({ units: 84, activation: 'relu' }),
      L.dense({ units: 10 }),
    ],
  });
}

function summaryLines(model) {
  const lines = [];
  model.summary({ printFn: (l) => lines.push(l) });
  return lines;
}

test("summary of the seed's Keras model: Keras's table, 93,322 parameters", () => {
  const model = kerasCnn({ name: 'keras_cnn' });
  const lines = summaryLines(model);
  const names = model.layers.map((l) => l.name);
  const rows = [
    [`${names[0]} (Conv2D)`, '(None, 26, 26, 32)', '320'],
    [`${names[1]} (MaxPooling2D)`, '(None, 13, 13, 32)', '0'],
    [`${names[2]} (Conv2D)`, '(None, 11, 11, 64)', '18496'],
    [`${names[3]} (MaxPooling2D)`, '(None, 5, 5, 64)', '0'],
    [`${names[4]} (Conv2D)`, '(None, 3, 3, 64)', '36928'],
    [`${names[5]} (Flatten)`, '(None, 576)', '0'],
    [`${names[6]} (Dense)`, '(None, 64)', '36928'],
    [`${names[7]} (Dense)`, '(None, 10)', '650'],
  ];
  const c1 = Math.max(29, ...rows.map((r) => r[0].length + 1));
  const width = c1 + 26 + 10;
  const row = (a, b, c) => a.padEnd(c1) + b.padEnd(26) + c.padEnd(10);
  const expected = [
    'Model: "keras_cnn"',
    '_'.repeat(width),
    row('Layer (type)', 'Output Shape', 'Param #'),
    '='.repeat(width),
  ];
  rows.forEach((r, i) => expected.push(row(...r), i === rows.length - 1 ? '='.repeat(width) : '_'.repeat(width)));
  expected.push('Total params: 93,322', 'Trainable params: 93,322', 'Non-trainable params: 0', '_'.repeat(width));
  assert.equal(lines, expected);
  assert.is(model.countParams(), 93322);
  assert.equal(model.inputShape, [null, 28, 28, 1]);
  assert.equal(model.outputShape, [null, 10]);
  model.layers[6].trainable = false;
  const frozen = summaryLines(model);
  assert.ok(
    frozen.includes('Trainable params: 56,394') && frozen.includes('Non-trainable params: 36,928'),
    frozen.slice(-4).join('\n'),
  );
  model.dispose();
});

test('LeNet: 44,426 parameters on 28x28x1, 62,006 on 32x32x3 (the PyTorch tutorial count)', () => {
  const a = lenet([28, 28, 1]);
  const b = lenet([32, 32, 3]);
  assert.is(a.countParams(), 44426);
  assert.is(b.countParams(), 62006);
  assert.equal(b.layers[4].outputShape, [null, 400]);
  a.dispose();
  b.dispose();
});

test('add checks each layer against the previous output, with shapes in the message', () => {
  const m = sn.sequential({ layers: [L.conv2d({ filters: 4, kernelSize: 3, inputShape: [8, 8, 1] })] });
  assertThrowsMessage(
    () => m.add(L.dense({ units: 3 })),
    /cannot follow conv2d_\d+ \(Conv2D\), whose output is \(None, 6, 6, 4\): it expects a flat input of shape \(None, features\); got \(None, 6, 6, 4\); add a flatten layer/,
  );
  m.add(L.maxPooling2d({ poolSize: 2 }));
  m.add(L.maxPooling2d({ poolSize: 2 }));
  assertThrowsMessage(
    () => m.add(L.maxPooling2d({ poolSize: 2 })),
    /cannot follow max_pooling2d_\d+ \(MaxPooling2D\), whose output is \(None, 1, 1, 4\): the 2x2 pool window does not fit the 1x1 input/,
  );
  assertThrowsMessage(
    () => m.add(L.conv2d({ filters: 1, kernelSize: 3 })),
    /the 3x3 kernel does not fit the 1x1 input/,
  );
  assertThrowsMessage(
    () => m.add(L.flatten({ inputShape: [5] })),
    /declares inputShape \[5\], but max_pooling2d_\d+ \(MaxPooling2D\) outputs \(None, 1, 1, 4\)/,
  );
  assertThrowsMessage(
    () => m.add({ units: 3 }),
    /argument 'layer' must be a layer from sn.layers; got an instance of Object/,
  );
  const first = m.layers[0];
  assertThrowsMessage(() => m.add(first), /is already in the model/);
  assertThrowsMessage(() => m.add(L.flatten({ name: first.name })), /already has a layer named 'conv2d_\d+'/);
  assert.is(m.layers.length, 3, 'failed adds leave the model as it was');
  assertThrowsMessage(
    () => sn.sequential({ layers: [L.dense({ units: 2 })] }),
    /the first layer, dense_\d+ \(Dense\), needs an inputShape without the batch, e.g. inputShape: \[28, 28, 1\]/,
  );
  assertThrowsMessage(
    () => sn.sequential({ layer: [] }),
    /sequential: unknown option 'layer'; did you mean 'layers'\?/,
  );
  const empty = sn.sequential();
  assertThrowsMessage(() => empty.outputShape, /the model has no layers/);
  m.dispose();
});

test('a failed sequential({ layers }) frees the weights it had made', () => {
  const start = sn.memory().numTensors;
  assertThrowsMessage(
    () => sn.sequential({ layers: [L.dense({ units: 4, inputShape: [3] }), L.conv2d({ filters: 1, kernelSize: 1 })] }),
    /expects images/,
  );
  assert.is(sn.memory().numTensors, start);
});

test('a model seed repeats the weights; another seed changes them', () => {
  const weights = (seed) => {
    const m = kerasCnn({ seed });
    const values = m.weights.map((w) => Array.from(w.dataSync().slice(0, 20)));
    m.dispose();
    return values;
  };
  const a = weights(42);
  assert.equal(weights(42), a);
  assert.not.equal(weights(43), a);
  assert.not.equal(a[0], a[4], 'layers get different seeds');
});

test('getConfig is JSON; fromConfig rebuilds the same architecture', () => {
  const m = kerasCnn({ name: 'original', seed: 3 });
  const config = JSON.parse(JSON.stringify(m.getConfig()));
  assert.is(config.layers.length, 8);
  assert.is(config.layers[0].className, 'Conv2D');
  m.dispose(); // frees the layer names for the copy
  const copy = sn.Sequential.fromConfig(config);
  assert.equal(copy.getConfig(), config);
  assert.is(copy.countParams(), 93322);
  copy.dispose();
});

test('compile checks its options', () => {
  const m = sn.sequential({ layers: [L.dense({ units: 3, inputShape: [2] })] });
  assertThrowsMessage(() => m.compile({ optimizer: 'adam' }), /option 'loss' is required/);
  assertThrowsMessage(
    () => m.compile({ optimizer: 'rmsprop', loss: 'meanSquaredError' }),
    /option 'optimizer' must be 'adam', 'sgd' or an optimizer from sn.train; got "rmsprop"/,
  );
  assertThrowsMessage(
    () => m.compile({ optimizer: 'sgd', loss: 'hinge' }),
    /option 'loss' must be 'sparseCategoricalCrossentropy', 'categoricalCrossentropy', 'meanSquaredError' or a loss from sn.losses; got "hinge"/,
  );
  assertThrowsMessage(
    () => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['f1'] }),
    /option 'metrics' may contain 'accuracy'/,
  );
  assertThrowsMessage(
    () => m.compile({ optimizer: 'sgd', loss: 'mse', metric: ['accuracy'] }),
    /unknown option 'metric'; did you mean 'metrics'\?/,
  );
  assertThrowsMessage(
    () => sn.losses.sparseCategoricalCrossentropy({ from_logits: true }),
    /unknown option 'from_logits'; did you mean 'fromLogits'\?/,
  );
  const x = sn.zeros([4, 2]);
  const y = sn.zeros([4, 3]);
  assertThrowsMessage(() => m.evaluate(x, y), /call compile\(\{ optimizer, loss \}\) first/);
  x.dispose();
  y.dispose();
  m.dispose();
});

// ---- losses against references ----

withOps('losses: sparse and categorical cross-entropy from logits and from probabilities, MSE', () => {
  const logits = [
    [1, 2, 0.5],
    [-1, 0, 3],
    [0.2, 0.2, 0.2],
  ];
  const labels = [1, 2, 0];
  const lse = (row) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
  const ceRef = logits.reduce((s, row, i) => s + lse(row) - row[labels[i]], 0) / 3;
  const z = sn.tensor(logits);
  const li = sn.tensor(labels, [3], 'int32');
  const lf = sn.tensor(labels); // float labels are accepted too
  const oneHot = sn.tensor(labels.map((c) => [0, 1, 2].map((j) => (j === c ? 1 : 0))));
  const start = sn.memory().numTensors;
  const value = (f) => sn.tidy(() => f().dataSync()[0]);
  assertClose(
    [value(() => sn.losses.sparseCategoricalCrossentropy({ fromLogits: true })(li, z))],
    [ceRef],
    1e-5,
    'sparse from logits',
  );
  assertClose(
    [value(() => sn.losses.sparseCategoricalCrossentropy({ fromLogits: true })(lf, z))],
    [ceRef],
    1e-5,
    'sparse, float labels',
  );
  assertClose(
    [value(() => sn.losses.categoricalCrossentropy({ fromLogits: true })(oneHot, z))],
    [ceRef],
    1e-5,
    'categorical from logits',
  );
  // Probabilities that do not sum to 1 are normalised first, as in Keras.
  const probs = [
    [0.2, 0.6, 0.1],
    [0.3, 0.3, 0.4],
    [0.5, 0.25, 0.25],
  ];
  const pRef = probs.reduce((s, row, i) => s - Math.log(row[labels[i]] / row.reduce((a, b) => a + b, 0)), 0) / 3;
  const p = sn.tensor(probs);
  assertClose(
    [value(() => sn.losses.sparseCategoricalCrossentropy()(li, p))],
    [pRef],
    1e-5,
    'sparse from probabilities',
  );
  assertClose(
    [value(() => sn.losses.categoricalCrossentropy()(oneHot, p))],
    [pRef],
    1e-5,
    'categorical from probabilities',
  );
  const mseRef = probs.flat().reduce((s, v, i) => s + (v - oneHot.dataSync()[i]) ** 2, 0) / 9;
  assertClose([value(() => sn.losses.meanSquaredError()(oneHot, p))], [mseRef], 1e-5, 'mse');
  assert.is(sn.memory().numTensors, start + 1, 'only p was added');
  assertThrowsMessage(
    () => sn.losses.sparseCategoricalCrossentropy()(oneHot, p),
    /sparse labels must be class indices of shape \[3\] \(or \[3,1\]\).*one-hot labels\? use 'categoricalCrossentropy'/,
  );
  assertThrowsMessage(
    () => sn.losses.categoricalCrossentropy()(li, p),
    /labels must be one-hot of shape \[3,3\].*class indices\? use 'sparseCategoricalCrossentropy'/,
  );
  for (const t of [z, li, lf, oneHot, p]) t.dispose();
});

// ---- training on synthetic problems ----

/** Three Gaussian blobs in 2-D, labels int32. */
function blobs(n, seed) {
  const r = rng(seed);
  const centers = [
    [-2, 0],
    [2, 0],
    [0, 2.5],
  ];
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    const g = () => Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next());
    x[2 * i] = centers[c][0] + 0.6 * g();
    x[2 * i + 1] = centers[c][1] + 0.6 * g();
    y[i] = c;
  }
  return { x: sn.tensor(x, [n, 2]), y: sn.tensor(y, [n], 'int32') };
}

function blobModel(seed = 1) {
  const m = sn.sequential({
    seed,
    layers: [L.dense({ units: 16, activation: 'relu', inputShape: [2] }), L.dense({ units: 3 })],
  });
  m.compile({
    optimizer: sn.train.adam({ learningRate: 0.02 }),
    loss: sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    metrics: ['accuracy'],
  });
  return m;
}

withOps('fit learns separable blobs; History has loss, acc, val_loss, val_acc per epoch', async () => {
  const { x, y } = blobs(300, 5);
  const m = blobModel();
  const h = await m.fit(x, y, { epochs: 12, batchSize: 16, validationSplit: 0.2, verbose: 0, seed: 1 });
  assert.equal(h.epoch, [...Array(12).keys()]);
  assert.equal(Object.keys(h.history).sort(), ['acc', 'loss', 'val_acc', 'val_loss']);
  for (const k of Object.keys(h.history)) assert.is(h.history[k].length, 12, k);
  assert.ok(h.history.loss[11] < h.history.loss[0] / 3, `loss ${h.history.loss[0]} → ${h.history.loss[11]}`);
  assert.ok(
    h.history.acc[11] > 0.95 && h.history.val_acc[11] > 0.95,
    `acc ${h.history.acc[11]}, val_acc ${h.history.val_acc[11]}`,
  );
  assert.equal(h.params, { epochs: 12, batchSize: 16, samples: 240, steps: 15, validationSamples: 60 });
  assert.is(m.history, h);
  const [loss, acc] = m.evaluate(x, y, { batchSize: 7 });
  assert.type(loss, 'number');
  assert.ok(acc > 0.95, `evaluate acc ${acc}`);
  m.dispose();
  x.dispose();
  y.dispose();
});

withOps('the number of live tensors stays flat across epochs, evaluate and predict', async () => {
  const { x, y } = blobs(200, 6);
  const m = blobModel();
  const atEpochEnd = [];
  await m.fit(x, y, {
    epochs: 4,
    batchSize: 32,
    validationSplit: 0.25,
    verbose: 0,
    callbacks: { onEpochEnd: () => atEpochEnd.push(sn.memory().numTensors) },
  });
  assert.ok(
    atEpochEnd.every((n) => n === atEpochEnd[0]),
    `numTensors at each epoch end: ${atEpochEnd}`,
  );
  const afterFit = sn.memory().numTensors;
  assert.is(afterFit, atEpochEnd[0]);
  m.evaluate(x, y);
  assert.is(sn.memory().numTensors, afterFit, 'evaluate');
  const p = m.predict(x, { batchSize: 64 });
  assert.is(sn.memory().numTensors, afterFit + 1, 'predict adds only its output');
  p.dispose();
  m.trainOnBatch(x, y);
  assert.is(sn.memory().numTensors, afterFit, 'trainOnBatch');
  await m.fit(x, y, { epochs: 1, verbose: 0 });
  assert.is(sn.memory().numTensors, afterFit, 'a second fit');
  const bytes = sn.memory().numBytes;
  m.dispose();
  x.dispose();
  y.dispose();
  assert.ok(sn.memory().numBytes < bytes);
});

withOps('predict in batches equals apply on the whole input; evaluate equals the loss of predict', () => {
  const { x, y } = blobs(70, 7);
  const m = blobModel(3);
  const whole = m.apply(x);
  const batched = m.predict(x, { batchSize: 16 }); // 70 = 4 * 16 + 6
  assert.equal(batched.shape, [70, 3]);
  assertClose(batched.dataSync(), whole.dataSync(), 1e-6, 'predict');
  const loss = sn.tidy(() => m.loss(y, whole).dataSync()[0]);
  const acc = sn.metrics.sparseCategoricalAccuracy(y, whole);
  const [eLoss, eAcc] = m.evaluate(x, y, { batchSize: 16 });
  assertClose([eLoss], [loss], 1e-5, 'evaluate loss');
  assert.is(eAcc, acc);
  for (const t of [whole, batched, x, y]) t.dispose();
  m.dispose();
});

withOps('same model seed and fit seed give the same History; another fit seed does not', async () => {
  const { x, y } = blobs(120, 8);
  const run = async (fitSeed) => {
    const m = blobModel(11);
    const h = await m.fit(x, y, { epochs: 3, batchSize: 10, verbose: 0, seed: fitSeed });
    m.dispose();
    return h.history.loss;
  };
  const a = await run(1);
  assert.equal(await run(1), a);
  assert.not.equal(await run(2), a);
  x.dispose();
  y.dispose();
});

withOps('callbacks: order, batch logs, awaited promises, stopTraining', async () => {
  const { x, y } = blobs(50, 9);
  const m = blobModel();
  const events = [];
  let batchLossSum = 0;
  let slowDone = false;
  const h = await m.fit(x, y, {
    epochs: 2,
    batchSize: 20,
    verbose: 0,
    callbacks: [
      {
        onTrainBegin: () => events.push('trainBegin'),
        onEpochBegin: (e) => events.push(`epochBegin ${e}`),
        onBatchBegin: (b) => events.push(`batchBegin ${b}`),
        onBatchEnd: (b, logs) => {
          events.push(`batchEnd ${b} size ${logs.size}`);
          batchLossSum += logs.loss * logs.size;
          assert.ok(logs.acc >= 0 && logs.acc <= 1);
        },
        onEpochEnd: async (e, logs) => {
          await new Promise((r) => setTimeout(r, 5));
          slowDone = true;
          events.push(`epochEnd ${e} ${Object.keys(logs).join(',')}`);
        },
        onTrainEnd: () => events.push(`trainEnd ${slowDone}`),
      },
    ],
  });
  assert.equal(events.slice(0, 9), [
    'trainBegin',
    'epochBegin 0',
    'batchBegin 0',
    'batchEnd 0 size 20',
    'batchBegin 1',
    'batchEnd 1 size 20',
    'batchBegin 2',
    'batchEnd 2 size 10',
    'epochEnd 0 loss,acc',
  ]);
  assert.is(events[events.length - 1], 'trainEnd true');
  assert.is(events.length, 18);
  assert.ok(
    Math.abs(batchLossSum / 100 - (h.history.loss[0] + h.history.loss[1]) / 2) < 1e-9,
    'epoch loss = size-weighted mean of batch losses',
  );

  const stopped = await m.fit(x, y, {
    epochs: 5,
    batchSize: 10,
    verbose: 0,
    callbacks: { onBatchEnd: (b) => b === 1 && (m.stopTraining = true) },
  });
  assert.equal(stopped.epoch, [0], 'stopTraining ends fit after the current batch');
  m.dispose();
  x.dispose();
  y.dispose();
});

withOps('fit gives the event loop a turn while it trains', async () => {
  const { x, y } = blobs(60, 10);
  const m = blobModel();
  let ticks = 0;
  let fitDone = false;
  // A macrotask queued before fit must run while fit is still going (fit yields at least once an
  // epoch). setImmediate, not setTimeout: a 1 ms timer may legitimately not be due yet on a fast run.
  const tick = () => {
    if (fitDone) return;
    ticks++;
    setImmediate(tick);
  };
  setImmediate(tick);
  await m.fit(x, y, { epochs: 3, batchSize: 20, verbose: 0 });
  fitDone = true;
  assert.ok(ticks >= 1, `timers ran ${ticks} times during fit`);
  m.dispose();
  x.dispose();
  y.dispose();
});

withOps('fit checks x, y and its options before training', async () => {
  const { x, y } = blobs(30, 11);
  const m = blobModel();
  const rejects = async (p, pattern) => {
    try {
      await p;
    } catch (e) {
      assert.match(e.message, pattern);
      return;
    }
    assert.unreachable(`expected ${pattern}`);
  };
  const bad = sn.tensor(new Int32Array(30).fill(3), [30], 'int32');
  const wrongX = sn.zeros([30, 3]);
  const oneHot = sn.zeros([30, 3]);
  await rejects(
    m.fit(x, bad, { verbose: 0 }),
    /argument 'y' must hold integer class indices in \[0, 3\) \(the model has 3 outputs\); got 3 at index 0/,
  );
  await rejects(
    m.fit(wrongX, y, { verbose: 0 }),
    /argument 'x' must have shape \(None, 2\) \(the model's input\); got \[30,3\]/,
  );
  await rejects(
    m.fit(x, oneHot, { verbose: 0 }),
    /must hold class indices of shape \[30\] for sparseCategoricalCrossentropy; got \[30,3\] \(one-hot labels go with 'categoricalCrossentropy'\)/,
  );
  await rejects(m.fit(x, y, { epoch: 2 }), /unknown option 'epoch'; did you mean 'epochs'\?/);
  await rejects(m.fit(x, y, { batchSize: 0 }), /option 'batchSize' must be a positive integer; got 0/);
  await rejects(m.fit(x, y, { validationSplit: 1 }), /option 'validationSplit' must be a number in \[0, 1\)/);
  await rejects(m.fit(x, y, { verbose: 3 }), /option 'verbose' must be 0, 1 or 2/);
  await rejects(m.fit(x, y, { callbacks: 5, verbose: 0 }), /option 'callbacks' must be an object of hooks/);
  const running = m.fit(x, y, { epochs: 2, verbose: 0 });
  await rejects(m.fit(x, y, { verbose: 0 }), /the model is already training; await the running fit first/);
  await running;
  for (const t of [x, y, bad, wrongX, oneHot]) t.dispose();
  m.dispose();
});

withOps('trainOnBatch lowers the loss step by step and returns numbers', () => {
  const { x, y } = blobs(90, 12);
  const m = blobModel();
  const first = m.trainOnBatch(x, y);
  assert.is(first.length, 2);
  let last = first;
  for (let i = 0; i < 30; i++) last = m.trainOnBatch(x, y);
  assert.ok(last[0] < first[0] / 2, `loss ${first[0]} → ${last[0]}`);
  m.dispose();
  x.dispose();
  y.dispose();
});

withOps('a small CNN with dropout, one-hot labels, validationData and SGD learns where a bright spot is', async () => {
  // 8x8 images with a bright 2x2 spot in one of the four quadrants; the class is the quadrant.
  const r = rng(13);
  const make = (n) => {
    const xs = new Float32Array(n * 64);
    const ys = new Float32Array(n * 4);
    for (let i = 0; i < n; i++) {
      const q = i % 4;
      const top = (q >> 1) * 4 + r.int(0, 2);
      const left = (q & 1) * 4 + r.int(0, 2);
      for (let k = 0; k < 64; k++) xs[i * 64 + k] = 0.1 * r.next();
      for (const [dy, dx] of [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ])
        xs[i * 64 + (top + dy) * 8 + left + dx] = 1;
      ys[i * 4 + q] = 1;
    }
    return [sn.tensor(xs, [n, 8, 8, 1]), sn.tensor(ys, [n, 4])];
  };
  const [x, y] = make(160);
  const [xv, yv] = make(40);
  const m = sn.sequential({
    seed: 2,
    layers: [
      L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [8, 8, 1] }),
      L.maxPooling2d({ poolSize: 2 }),
      L.flatten(),
      L.dropout({ rate: 0.1 }),
      L.dense({ units: 4, activation: 'softmax' }),
    ],
  });
  m.compile({
    optimizer: sn.train.sgd({ learningRate: 0.1, momentum: 0.9 }),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  const h = await m.fit(x, y, { epochs: 15, batchSize: 16, validationData: [xv, yv], verbose: 0, seed: 3 });
  const last = h.history.val_acc[h.history.val_acc.length - 1];
  assert.ok(last >= 0.9, `val_acc ${h.history.val_acc.map((v) => v.toFixed(2))}`);
  for (const t of [x, y, xv, yv]) t.dispose();
  m.dispose();
});

test.run();
