// The pieces ONNX import and export brought into the core: the leakyRelu op (SIMD kernel in
// assembly/leaky-relu.ts) and its gradient, the 'relu6' activation, and the LeakyReLU, Rescaling and
// Reshape layers (shapes, configs, serialisation, training, errors, no leaked tensors).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertClose, assertThrowsMessage } from '../helpers/compare.mjs';
import { rng, sizeOf } from '../helpers/random.mjs';
import { finiteDiffGrads, mapRef } from '../helpers/reference-pointwise.mjs';

const leakyRef = (alpha) => (x) => (x > 0 ? x : alpha * x);

test('leakyRelu: odd sizes (SIMD body and scalar tail) match a float64 reference, and its gradient finite differences', () => {
  const r = rng(70);
  const start = sn.memory().numTensors;
  for (let c = 0; c < 60; c++) {
    sn.tidy(() => {
      const shape = Array.from({ length: r.int(1, 4) }, () => r.int(1, 9));
      const alpha = r.pick([0.01, 0.2, 0.3, -0.5, 1.5, 0]);
      // Away from 0, where the derivative jumps (exact zeros test the x > 0 rule: alpha * 0 is 0).
      const values = Array.from({ length: sizeOf(shape) }, () =>
        r.next() < 0.05 ? 0 : (r.next() < 0.5 ? -1 : 1) * (0.01 + 3 * r.next()),
      );
      const x = sn.tensor(values, shape);
      const y = sn.leakyRelu(x, alpha);
      assert.equal(y.shape, shape);
      const data = Float64Array.from(x.dataSync());
      assertClose(y.dataSync(), mapRef(leakyRef(alpha), data), 1e-7, `case ${c}`);
      const dy = sn.tensor(r.array(values.length), shape);
      const [dx] = sn.grads((t) => sn.leakyRelu(t, alpha))([x], dy);
      const nonzero = values.map((v) => (v === 0 ? 1 : v));
      const [dx2] = sn.grads((t) => sn.leakyRelu(t, alpha))([sn.tensor(nonzero, shape)], dy);
      const [expected] = finiteDiffGrads(
        ([v]) => mapRef(leakyRef(alpha), v),
        [Float64Array.from(nonzero)],
        Float64Array.from(dy.dataSync()),
      );
      assertClose(dx2.dataSync(), expected, 1e-4, `grad case ${c}`);
      // At exactly 0 the gradient is alpha * dy (PyTorch's choice).
      const dxs = dx.dataSync();
      const dys = dy.dataSync();
      values.forEach((v, i) => v === 0 && assert.ok(Math.abs(dxs[i] - alpha * dys[i]) < 1e-6));
    });
  }
  assert.is(sn.memory().numTensors, start);
  assert.equal(
    Array.from(sn.tidy(() => sn.leakyRelu(sn.tensor([-2, 3])).dataSync())),
    [-0.4000000059604645, 3],
    'default alpha 0.2',
  );
  assertThrowsMessage(
    () => sn.leakyRelu(sn.tensor([1]), NaN),
    /leakyRelu: argument 'alpha' must be a finite number; got NaN/,
  );
  assertThrowsMessage(() => sn.leakyRelu([1, 2]), /leakyRelu: argument 'x' must be a Tensor/);
});

test("activation 'relu6': min(max(x, 0), 6) in Activation, Conv2D and Dense, with its gradient", () => {
  const start = sn.memory().numTensors;
  sn.tidy(() => {
    const x = sn.tensor([-3, 0.5, 5.9, 6.5, 100], [1, 5]);
    const act = sn.layers.activation({ activation: 'relu6' });
    assert.equal(Array.from(act.apply(x).dataSync()), [0, 0.5, 5.900000095367432, 6, 6]);
    const [dx] = sn.grads((t) => act.apply(t))([x], sn.ones([1, 5]));
    assert.equal(Array.from(dx.dataSync()), [0, 1, 1, 0, 0]);
    const dense = sn.layers.dense({ units: 3, activation: 'relu6', inputShape: [5] });
    dense.build([null, 5], 3);
    const y = dense.apply(sn.mul(x, sn.scalar(10))).dataSync();
    assert.ok(y.every((v) => v >= 0 && v <= 6));
    dense.dispose();
  });
  assert.is(sn.memory().numTensors, start);
});

test('layers.leakyReLU, layers.rescaling and layers.reshape: shapes, configs, serialisation and errors', () => {
  const L = sn.layers;
  const start = sn.memory().numTensors;
  const model = sn.sequential({
    seed: 4,
    layers: [
      L.rescaling({ scale: [0.5, 2, -1], offset: 1, inputShape: [4, 6, 3] }),
      L.conv2d({ filters: 4, kernelSize: 3 }),
      L.leakyReLU({ alpha: 0.1 }),
      L.reshape({ targetShape: [-1, 4] }),
      L.flatten(),
      L.dense({ units: 2 }),
    ],
  });
  assert.equal(model.layers[3].outputShape, [null, 8, 4]);
  const x = sn.tensor(rng(5).array(2 * 4 * 6 * 3), [2, 4, 6, 3]);
  const y = sn.tidy(() => model.predict(x).dataSync());
  // The same through the config: serialize/deserialize rebuilds every layer.
  const configs = model.layers.map((l) => L.serialize(l));
  assert.equal(configs[0].config.scale, [0.5, 2, -1]);
  assert.equal(configs[2].config.alpha, 0.1);
  assert.equal(configs[3].config.targetShape, [-1, 4]);
  const copy = sn.sequential({
    layers: configs.map((c) => L.deserialize({ ...c, config: { ...c.config, name: `${c.config.name}_copy` } })),
  });
  const weights = model.getWeights();
  copy.setWeights(weights);
  for (const w of weights) w.dispose();
  assertClose(
    sn.tidy(() => copy.predict(x).dataSync()),
    y,
    1e-6,
    'copy',
  );
  // Rescaling against its formula.
  const rs = sn.tidy(() => model.layers[0].apply(x).dataSync());
  const xs = x.dataSync();
  rs.forEach((v, i) => assert.ok(Math.abs(v - (xs[i] * [0.5, 2, -1][i % 3] + 1)) < 1e-6));
  // Trains (the gradient flows through Rescaling, LeakyReLU and Reshape).
  model.compile({ optimizer: sn.train.sgd({ learningRate: 0.05 }), loss: 'meanSquaredError' });
  const t = sn.zeros([2, 2]);
  const first = model.trainOnBatch(x, t);
  let last = first;
  for (let i = 0; i < 5; i++) last = model.trainOnBatch(x, t);
  assert.ok(last < first, `${first} -> ${last}`);
  for (const m of [model, copy]) for (const l of m.layers) l.dispose();
  for (const v of [x, t]) v.dispose();
  assert.is(sn.memory().numTensors, start, 'disposing frees the Rescaling constants too');

  assertThrowsMessage(
    () => L.leakyReLU({ alpha: '0.1' }),
    /layers.leakyReLU: option 'alpha' must be a finite number; got "0.1"/,
  );
  assertThrowsMessage(
    () => L.rescaling({ scale: [] }),
    /layers.rescaling: option 'scale' must be a finite number or a non-empty array of them; got/,
  );
  assertThrowsMessage(
    () => L.rescaling({ offset: [1, NaN] }),
    /option 'offset' must be a finite number or a non-empty array/,
  );
  assertThrowsMessage(
    () => sn.sequential({ layers: [L.rescaling({ scale: [1, 2], inputShape: [3, 3, 3] })] }),
    /has 2 values per channel; its input \(None, 3, 3, 3\) has 3 channels/,
  );
  assertThrowsMessage(
    () => L.reshape({ targetShape: [2, -1, -1] }),
    /layers.reshape: option 'targetShape' must be an array of positive integers .* with at most one -1; got \[2,-1,-1\]/,
  );
  assertThrowsMessage(
    () => sn.sequential({ layers: [L.reshape({ targetShape: [5, 2], inputShape: [3, 3] })] }),
    /cannot reshape \(None, 3, 3\) \(9 values per example\) to \[5,2\]/,
  );
});

test('layers.clip: values clamped to [min, max] (either bound open), config with null for an open bound, errors', () => {
  const L = sn.layers;
  const start = sn.memory().numTensors;
  const x = sn.tensor([-3, -0.5, 0, 0.4, 2, 7], [2, 3]);
  const both = L.clip({ min: -1, max: 1 });
  const upper = L.clip({ max: 0.25 });
  const lower = L.clip({ min: 0.5 });
  assert.equal(Array.from(sn.tidy(() => both.apply(x).dataSync())), [-1, -0.5, 0, 0.4000000059604645, 1, 1]);
  assert.equal(Array.from(sn.tidy(() => upper.apply(x).dataSync())), [-3, -0.5, 0, 0.25, 0.25, 0.25]);
  assert.equal(Array.from(sn.tidy(() => lower.apply(x).dataSync())), [0.5, 0.5, 0.5, 0.5, 2, 7]);
  const c = L.serialize(upper);
  assert.is(c.className, 'Clip');
  assert.is(c.config.min, null);
  assert.is(c.config.max, 0.25);
  const back = L.deserialize({ ...c, config: { ...c.config, name: 'clip_copy' } });
  assert.equal(Array.from(sn.tidy(() => back.apply(x).dataSync())), [-3, -0.5, 0, 0.25, 0.25, 0.25]);
  // The gradient passes where the value was not clamped.
  const [g] = sn.grads((v) => sn.sum(both.apply(v)))([x]);
  assert.equal(Array.from(g.dataSync()), [0, 1, 1, 1, 0, 0]);
  sn.dispose([x, g]);
  assert.is(sn.memory().numTensors, start);
  assertThrowsMessage(
    () => L.clip({ min: 2, max: 1 }),
    /layers.clip: option 'min' must be <= 'max'; got min = 2 and max = 1/,
  );
  assertThrowsMessage(() => L.clip({ max: 'a' }), /layers.clip: option 'max' must be a number or null; got "a"/);
  assertThrowsMessage(() => L.clip({ maximum: 1 }), /layers.clip/);
});

test.run();
