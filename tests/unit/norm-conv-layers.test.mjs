// The layers of the layers issue: batchNormalization (training vs inference, moving statistics),
// depthwiseConv2d, separableConv2d, conv1d, 1-D and global pooling, zeroPadding2d — each against its ops,
// inside Sequential (summary, fit, getWeights/setWeights, save/load), and loaded from PyTorch checkpoints.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sn } from '../helpers/setup.mjs';
import { rng } from '../helpers/random.mjs';
import { fixturesDir } from '../helpers/fixtures.mjs';
import { assertClose, assertThrowsMessage, bitsOf, assertSameBits } from '../helpers/compare.mjs';

const randomTensor = (r, shape, lo = -1, hi = 1) =>
  sn.tensor(
    Float32Array.from(
      r.array(
        shape.reduce((a, b) => a * b, 1),
        lo,
        hi,
      ),
    ),
    shape,
  );

test('batchNormalization: Keras defaults, weights gamma, beta, moving_mean, moving_variance (the last two non-trainable)', () => {
  const bn = sn.layers.batchNormalization({ name: 'bn_defaults' });
  assert.is(bn.axis, -1);
  assert.is(bn.momentum, 0.99);
  assert.is(bn.epsilon, 1e-3);
  assert.is(bn.center, true);
  assert.is(bn.scale, true);
  bn.build([null, 4, 4, 3]);
  assert.equal(
    bn.weights.map((w) => w.name),
    ['bn_defaults/gamma', 'bn_defaults/beta', 'bn_defaults/moving_mean', 'bn_defaults/moving_variance'],
  );
  assert.equal(bn.trainableWeights.length, 2);
  assert.equal(Array.from(bn.movingVariance.dataSync()), [1, 1, 1]);
  bn.trainable = false;
  assert.equal(bn.trainableWeights.length, 0);
  bn.trainable = true;
  assert.equal(
    bn.trainableWeights.map((w) => w.name),
    ['bn_defaults/gamma', 'bn_defaults/beta'],
  );
  const noAffine = sn.layers.batchNormalization({ center: false, scale: false, name: 'bn_plain' });
  noAffine.build([null, 5]);
  assert.equal(
    noAffine.weights.map((w) => w.name),
    ['bn_plain/moving_mean', 'bn_plain/moving_variance'],
  );
  assertThrowsMessage(() => sn.layers.batchNormalization({ axis: 1 }), /option 'axis' must be -1/);
  assertThrowsMessage(
    () => sn.layers.batchNormalization({ momentum: 2 }),
    /option 'momentum' must be a number in \[0, 1\]/,
  );
  assertThrowsMessage(() => sn.layers.batchNormalization({ epsilon: 0 }), /option 'epsilon' must be a positive number/);
  assertThrowsMessage(
    () => sn.layers.batchNormalization({ moving_mean_initializer: 'zeros' }),
    /did you mean 'movingMeanInitializer'/,
  );
  for (const l of [bn, noAffine]) l.dispose();
});

test('batchNormalization: batch statistics and moving-average updates in training, moving statistics in inference', () => {
  const r = rng(31);
  const bn = sn.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: 'bn_modes' });
  sn.tidy(() => {
    const x = randomTensor(r, [4, 3, 2, 5], 1, 3);
    bn.build([null, 3, 2, 5]);
    bn.gamma.assign(randomTensor(r, [5], 0.5, 1.5));
    bn.beta.assign(randomTensor(r, [5]));
    const { mean, variance } = sn.moments(x, [0, 1, 2]);
    const expected = sn.batchNormTraining(x, { scale: bn.gamma, offset: bn.beta, epsilon: 1e-5 }).y;
    const y = bn.apply(x, { training: true });
    assertClose(y.dataSync(), expected.dataSync(), 1e-6, 'training output');
    // moving = 0.9·moving + 0.1·batch, the variance unbiased (× n/(n-1), n = 24), as PyTorch.
    const m = mean.dataSync();
    const v = variance.dataSync();
    assertClose(
      bn.movingMean.dataSync(),
      Array.from(m, (a) => 0.1 * a),
      1e-6,
      'moving mean',
    );
    assertClose(
      bn.movingVariance.dataSync(),
      Array.from(v, (a) => 0.9 + 0.1 * a * (24 / 23)),
      1e-6,
      'moving variance',
    );
    const inference = bn.apply(x);
    const ref = sn.batchNorm(x, bn.movingMean, bn.movingVariance, bn.beta, bn.gamma, 1e-5);
    assertClose(inference.dataSync(), ref.dataSync(), 1e-6, 'inference output');
    // Frozen: training mode runs on the moving statistics and leaves them alone (TF2 Keras).
    bn.trainable = false;
    const before = bn.movingMean.dataSync();
    assertClose(bn.apply(x, { training: true }).dataSync(), ref.dataSync(), 1e-6, 'frozen layer in training');
    assert.equal(Array.from(bn.movingMean.dataSync()), Array.from(before));
    bn.trainable = true;
  });
  bn.dispose();
});

test('layers: depthwise, separable, conv1d, pooling and padding layers compute their ops', () => {
  const r = rng(32);
  sn.tidy(() => {
    const img = randomTensor(r, [2, 7, 6, 3]);
    const dw = sn.layers.depthwiseConv2d({
      kernelSize: 3,
      depthMultiplier: 2,
      padding: 'same',
      strides: 2,
      activation: 'relu',
      name: 'dw_t',
    });
    const y = dw.apply(img);
    assert.equal(y.shape, [2, 4, 3, 6]);
    assert.equal(dw.outputShape, [null, 4, 3, 6]);
    const ref = sn.relu(sn.depthwiseConv2d(img, dw.depthwiseKernel, { strides: 2, padding: 'same', bias: dw.bias }));
    assertClose(y.dataSync(), ref.dataSync(), 1e-6, 'depthwise layer');
    assert.equal(
      dw.weights.map((w) => w.shape),
      [[3, 3, 3, 2], [6]],
    );

    const sep = sn.layers.separableConv2d({ filters: 5, kernelSize: [3, 2], depthMultiplier: 1, name: 'sep_t' });
    const s = sep.apply(img);
    assert.equal(s.shape, [2, 5, 5, 5]);
    assert.equal(
      sep.weights.map((w) => w.name),
      ['sep_t/depthwise_kernel', 'sep_t/pointwise_kernel', 'sep_t/bias'],
    );
    const sref = sn.conv2d(sn.depthwiseConv2d(img, sep.depthwiseKernel), sep.pointwiseKernel, { bias: sep.bias });
    assertClose(s.dataSync(), sref.dataSync(), 1e-6, 'separable layer');

    const seq = randomTensor(r, [3, 11, 4]);
    const c1 = sn.layers.conv1d({ filters: 6, kernelSize: 3, padding: 'causal', dilationRate: 2, name: 'c1d_t' });
    const c = c1.apply(seq);
    assert.equal(c.shape, [3, 11, 6]);
    assertClose(
      c.dataSync(),
      sn.conv1d(seq, c1.kernel, { padding: 'causal', dilation: 2, bias: c1.bias }).dataSync(),
      1e-6,
      'conv1d layer',
    );

    const mp = sn.layers.maxPooling1d({ poolSize: 3, strides: 2 }).apply(seq);
    assert.equal(mp.shape, [3, 5, 4]);
    assertClose(mp.dataSync(), sn.maxPool1d(seq, { poolSize: 3, strides: 2 }).dataSync(), 0, 'maxPooling1d');
    const ap = sn.layers.averagePooling1d({ padding: 'same' }).apply(seq);
    assert.equal(ap.shape, [3, 6, 4]);
    assertClose(ap.dataSync(), sn.avgPool1d(seq, { poolSize: 2, padding: 'same' }).dataSync(), 0, 'averagePooling1d');
    assertClose(
      sn.layers.globalAveragePooling1d().apply(seq).dataSync(),
      sn.globalAvgPool1d(seq).dataSync(),
      0,
      'gap1d',
    );
    assertClose(sn.layers.globalMaxPooling2d().apply(img).dataSync(), sn.globalMaxPool2d(img).dataSync(), 0, 'gmp2d');
    const zp = sn.layers
      .zeroPadding2d({
        padding: [
          [1, 0],
          [2, 3],
        ],
      })
      .apply(img);
    assert.equal(zp.shape, [2, 8, 11, 3]);
    assertClose(
      zp.dataSync(),
      sn
        .pad(img, [
          [0, 0],
          [1, 0],
          [2, 3],
          [0, 0],
        ])
        .dataSync(),
      0,
      'zeroPadding2d',
    );
    for (const l of [dw, sep, c1]) l.dispose();
  });
  assertThrowsMessage(
    () => sn.layers.depthwiseConv2d({ kernelSize: 3 }).build([null, 5, 3]),
    /expects images of shape \(None, height, width, channels\)/,
  );
  assertThrowsMessage(
    () => sn.layers.conv1d({ filters: 2, kernelSize: 9 }).build([null, 5, 3]),
    /does not fit 5 steps with padding 'valid'/,
  );
  assertThrowsMessage(
    () => sn.layers.zeroPadding2d({ padding: -1 }),
    /option 'padding' must be a non-negative integer/,
  );
});

function imageModel(seed) {
  return sn.sequential({
    seed,
    layers: [
      sn.layers.zeroPadding2d({ padding: 1, inputShape: [8, 8, 2] }),
      sn.layers.conv2d({ filters: 6, kernelSize: 3, useBias: false }),
      sn.layers.batchNormalization(),
      sn.layers.activation({ activation: 'relu' }),
      sn.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 2 }),
      sn.layers.separableConv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      sn.layers.batchNormalization(),
      sn.layers.globalMaxPooling2d(),
      sn.layers.dense({ units: 3 }),
    ],
  });
}

test('Sequential with the new image layers: summary, fit (moving statistics move), getWeights/setWeights, save/load', async () => {
  const r = rng(33);
  const model = imageModel(1);
  const lines = [];
  model.summary({ printFn: (l) => lines.push(l) });
  const text = lines.join('\n');
  assert.match(text, /BatchNormalization\)\s+\(None, 8, 8, 6\)\s+24/);
  assert.match(text, /DepthwiseConv2D\)\s+\(None, 8, 8, 12\)\s+120/);
  assert.match(text, /SeparableConv2D\)\s+\(None, 4, 4, 8\)\s+212/);
  assert.match(text, /GlobalMaxPooling2D\)\s+\(None, 8\)\s+0/);
  assert.match(text, /Non-trainable params: 28/);
  model.compile({ optimizer: 'adam', loss: sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }) });
  const x = randomTensor(r, [12, 8, 8, 2], 0, 2);
  const labels = sn.tensor(
    Int32Array.from({ length: 12 }, (_, i) => i % 3),
    [12],
    'int32',
  );
  const bn = model.layers[2];
  const before = bn.movingMean.dataSync();
  await model.fit(x, labels, { epochs: 2, batchSize: 4, verbose: 0 });
  assert.not.equal(Array.from(bn.movingMean.dataSync()), Array.from(before), 'moving mean updated in fit');
  const predicted = model.predict(x);
  const again = model.predict(x);
  assertSameBits(bitsOf(again), bitsOf(predicted), 'inference is deterministic (moving statistics untouched)');

  const other = imageModel(2);
  const weights = model.getWeights();
  other.setWeights(weights);
  assertSameBits(bitsOf(other.predict(x)), bitsOf(predicted), 'setWeights copies the moving statistics too');
  const saved = await model.save();
  const loaded = await sn.loadModel(saved);
  assert.equal(
    loaded.layers.map((l) => l.className),
    model.layers.map((l) => l.className),
  );
  assertSameBits(bitsOf(loaded.predict(x)), bitsOf(predicted), 'save/load');
  for (const t of [...weights, predicted, again, x, labels]) t.dispose();
  for (const m of [model, other, loaded]) m.dispose();
});

test('Sequential with the new sequence layers: conv1d, pooling, batch norm over features', async () => {
  const r = rng(34);
  const model = sn.sequential({
    seed: 3,
    layers: [
      sn.layers.conv1d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [16, 2] }),
      sn.layers.maxPooling1d(),
      sn.layers.conv1d({ filters: 4, kernelSize: 3, padding: 'causal' }),
      sn.layers.averagePooling1d({ poolSize: 2 }),
      sn.layers.globalAveragePooling1d(),
      sn.layers.batchNormalization(),
      sn.layers.dense({ units: 2 }),
    ],
  });
  assert.equal(model.outputShape, [null, 2]);
  model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  const x = randomTensor(r, [8, 16, 2]);
  const y = sn.tensor(
    Int32Array.from({ length: 8 }, (_, i) => i % 2),
    [8],
    'int32',
  );
  const h = await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
  assert.ok(Number.isFinite(h.history.loss[0]));
  const loaded = await sn.loadModel(await model.save());
  assertSameBits(bitsOf(loaded.predict(x)), bitsOf(model.predict(x)), 'save/load');
  for (const m of [model, loaded]) m.dispose();
  x.dispose();
  y.dispose();
});

function importFixture(name) {
  return {
    json: JSON.parse(readFileSync(path.join(fixturesDir, `${name}.json`), 'utf8')),
    bytes: new Uint8Array(readFileSync(path.join(fixturesDir, `${name}.safetensors`))),
  };
}

/** Eval-mode logits and the train-mode loss of a model on a fixture, against PyTorch's. */
function checkAgainstPyTorch(model, fx, toChannelsLast) {
  sn.tidy(() => {
    const x = toChannelsLast(sn.tensor(Float32Array.from(fx.json.x.data), fx.json.x.shape));
    const logits = model.predict(x);
    assertClose(logits.dataSync(), fx.json.logits_eval.data, 1e-4, 'eval-mode logits');
    const labels = sn.tensor(Int32Array.from(fx.json.labels), [fx.json.labels.length], 'int32');
    const loss = sn.losses.sparseCategoricalCrossentropy({ fromLogits: true })(
      labels,
      model.apply(x, { training: true }),
    );
    assertClose(loss.dataSync(), [fx.json.loss_train], 1e-4, 'train-mode loss');
  });
}

test('loadWeights from PyTorch: Conv2d, BatchNorm2d, depthwise (multipliers 1 and 2), separable pair, Linear', () => {
  const fx = importFixture('import2d');
  const pytorchBn = { epsilon: 1e-5, momentum: 0.9 };
  const model = sn.sequential({
    layers: [
      sn.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false, inputShape: [9, 10, 3] }),
      sn.layers.batchNormalization(pytorchBn),
      sn.layers.activation({ activation: 'relu' }),
      sn.layers.separableConv2d({ filters: 12, kernelSize: 3, padding: 'same' }),
      sn.layers.batchNormalization(pytorchBn),
      sn.layers.activation({ activation: 'relu' }),
      sn.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, activation: 'relu' }),
      sn.layers.globalAveragePooling2d(),
      sn.layers.dense({ units: 5 }),
    ],
  });
  model.loadWeights(fx.bytes, { from: 'pytorch' });
  const toNhwc = (t) => sn.tidy(() => sn.tensor(nchwToNhwc(t), [t.shape[0], t.shape[2], t.shape[3], t.shape[1]]));
  checkAgainstPyTorch(model, fx, toNhwc);
  model.dispose();
});

function nchwToNhwc(t) {
  const [n, c, h, w] = t.shape;
  const src = t.dataSync();
  const out = new Float32Array(src.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) out[((b * h + y) * w + x) * c + ch] = src[((b * c + ch) * h + y) * w + x];
  return out;
}

test('loadWeights from PyTorch: Conv1d, BatchNorm1d, pooling, Linear', () => {
  const fx = importFixture('import1d');
  const model = sn.sequential({
    layers: [
      sn.layers.conv1d({ filters: 6, kernelSize: 3, padding: 'same', inputShape: [17, 4] }),
      sn.layers.batchNormalization({ epsilon: 1e-5 }),
      sn.layers.activation({ activation: 'relu' }),
      sn.layers.maxPooling1d(),
      sn.layers.conv1d({ filters: 8, kernelSize: 3, activation: 'relu' }),
      sn.layers.globalAveragePooling1d(),
      sn.layers.dense({ units: 3 }),
    ],
  });
  model.loadWeights(fx.bytes, { from: 'pytorch' });
  const toNwc = (t) =>
    sn.tidy(() => {
      const [n, c, l] = t.shape;
      return sn.tensor(nchwToNhwc({ shape: [n, c, 1, l], dataSync: () => t.dataSync() }), [n, l, c]);
    });
  checkAgainstPyTorch(model, fx, toNwc);
  model.dispose();
});

test('loadWeights from PyTorch: a BatchNorm without affine parameters where the checkpoint has them is an error', () => {
  const fx = importFixture('import1d');
  const model = sn.sequential({
    layers: [
      sn.layers.conv1d({ filters: 6, kernelSize: 3, padding: 'same', inputShape: [17, 4] }),
      sn.layers.batchNormalization({ center: false, scale: false, name: 'bn_bare' }),
      sn.layers.conv1d({ filters: 8, kernelSize: 3 }),
      sn.layers.globalAveragePooling1d(),
      sn.layers.dense({ units: 3 }),
    ],
  });
  assertThrowsMessage(
    () => model.loadWeights(fx.bytes, { from: 'pytorch' }),
    /bn_bare \(BatchNormalization\) takes module '1', which has '1.weight', '1.bias' but the layer has no weight\/bias \(center\/scale: false\?\)/,
  );
  model.dispose();
});

test('fromPyTorchLayout: depthwise [cin·m, 1, kh, kw] ↔ [kh, kw, cin, m] and conv1d [cout, cin, k] ↔ [k, cin, cout]', () => {
  const r = rng(35);
  sn.tidy(() => {
    const [cin, m, kh, kw] = [3, 2, 2, 3];
    const src = Float32Array.from(r.array(cin * m * kh * kw));
    const ours = sn.io.fromPyTorchLayout(sn.tensor(src, [cin * m, 1, kh, kw]), 'depthwise', { depthMultiplier: m });
    assert.equal(ours.shape, [kh, kw, cin, m]);
    const d = ours.dataSync();
    for (let a = 0; a < kh; a++)
      for (let b = 0; b < kw; b++)
        for (let c = 0; c < cin; c++)
          for (let j = 0; j < m; j++)
            assert.is(d[((a * kw + b) * cin + c) * m + j], src[((c * m + j) * kh + a) * kw + b]);
    const back = sn.io.toPyTorchLayout(ours, 'depthwise');
    assert.equal(back.shape, [cin * m, 1, kh, kw]);
    assert.equal(Array.from(back.dataSync()), Array.from(src));
    const [co, ci, k] = [4, 3, 5];
    const s1 = Float32Array.from(r.array(co * ci * k));
    const o1 = sn.io.fromPyTorchLayout(sn.tensor(s1, [co, ci, k]), 'conv1d');
    assert.equal(o1.shape, [k, ci, co]);
    const d1 = o1.dataSync();
    for (let t = 0; t < k; t++)
      for (let c = 0; c < ci; c++)
        for (let o = 0; o < co; o++) assert.is(d1[(t * ci + c) * co + o], s1[(o * ci + c) * k + t]);
    assert.equal(Array.from(sn.io.toPyTorchLayout(o1, 'conv1d').dataSync()), Array.from(s1));
    assertThrowsMessage(
      () => sn.io.fromPyTorchLayout(sn.zeros([5, 1, 3, 3]), 'depthwise', { depthMultiplier: 2 }),
      /\[cin·multiplier, 1, kh, kw\] with multiplier 2; got shape \[5,1,3,3\]/,
    );
  });
});

test.run();
