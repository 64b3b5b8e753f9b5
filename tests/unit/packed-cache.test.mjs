// Packed weights are cached per (weights, bias) and must never go stale: every way a Variable's value
// changes (assign, an optimizer step, setWeights) has to show in the next forward.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertClose } from '../helpers/compare.mjs';

const fresh = (v) => sn.tensor(v.dataSync(), v.shape);

function convBoth(x, w, b) {
  return sn.tidy(() => {
    const cached = sn.conv2d(x, w, { bias: b, padding: 'same' }).dataSync();
    const reference = sn.conv2d(x, fresh(w), { bias: fresh(b), padding: 'same' }).dataSync();
    return { cached, reference };
  });
}

test('conv2d sees a Variable assign and a bias assign after a cached pack', () => {
  const x = sn.randomNormal([2, 5, 5, 3], { seed: 1 });
  const w = sn.tidy(() => sn.variable(sn.randomNormal([3, 3, 3, 5], { seed: 2 }), { name: 'pc_w' }));
  const b = sn.tidy(() => sn.variable(sn.randomNormal([5], { seed: 3 }), { name: 'pc_b' }));
  let r = convBoth(x, w, b);
  assert.equal(Array.from(r.cached), Array.from(r.reference));
  sn.tidy(() => w.assign(sn.randomNormal([3, 3, 3, 5], { seed: 4 })));
  r = convBoth(x, w, b);
  assert.equal(Array.from(r.cached), Array.from(r.reference));
  sn.tidy(() => b.assign(sn.randomNormal([5], { seed: 5 })));
  r = convBoth(x, w, b);
  assert.equal(Array.from(r.cached), Array.from(r.reference));
  for (const t of [x, w, b]) t.dispose();
});

test('dense sees every optimizer step (the cached pack is invalidated by applyGradients)', () => {
  const x = sn.randomNormal([4, 7], { seed: 6 });
  const w = sn.tidy(() => sn.variable(sn.randomNormal([7, 3], { seed: 7 }), { name: 'pc_dense_w' }));
  const opt = sn.train.adam({ learningRate: 0.1 });
  for (let step = 0; step < 5; step++) {
    sn.tidy(() => {
      const { grads } = sn.variableGrads(() => sn.mean(sn.dense(x, w)));
      opt.applyGradients(grads);
      const cached = sn.dense(x, w).dataSync();
      const reference = sn.dense(x, fresh(w)).dataSync();
      assertClose(cached, reference, 0, `step ${step}`);
    });
  }
  opt.dispose();
  x.dispose();
  w.dispose();
});

test('a model predicts with its new weights after setWeights and after training', async () => {
  const model = sn.sequential({
    seed: 3,
    layers: [
      sn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 2] }),
      sn.layers.flatten(),
      sn.layers.dense({ units: 3 }),
    ],
  });
  model.compile({ optimizer: 'sgd', loss: sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }) });
  const x = sn.randomNormal([8, 6, 6, 2], { seed: 8 });
  const y = sn.tensor([0, 1, 2, 0, 1, 2, 0, 1], [8], 'int32');
  const before = sn.tidy(() => model.predict(x).dataSync());
  model.trainOnBatch(x, y);
  const after = sn.tidy(() => model.predict(x).dataSync());
  assert.not.equal(Array.from(after), Array.from(before), 'training changed the predictions');
  const zeros = model.getWeights().map((t) => sn.zeros(t.shape));
  model.setWeights(zeros);
  const zeroed = sn.tidy(() => model.predict(x).dataSync());
  assert.ok(
    zeroed.every((v) => v === 0),
    'all-zero weights predict zeros',
  );
  for (const t of [...zeros, x, y]) t.dispose();
  model.dispose();
});

test('packs of disposed weights are freed: wasmBytes stays flat', () => {
  const x = sn.randomNormal([1, 8, 8, 4], { seed: 9 });
  const run = () => sn.tidy(() => sn.conv2d(x, sn.randomNormal([3, 3, 4, 8]), { bias: sn.zeros([8]) }).dataSync());
  for (let i = 0; i < 50; i++) run();
  const start = sn.memory();
  for (let i = 0; i < 2000; i++) run();
  assert.is(sn.memory().wasmBytes, start.wasmBytes);
  assert.is(sn.memory().numTensors, start.numTensors);
  x.dispose();
});

test.run();
