// Threads in the layer ops (depthwise conv, batch norm, global pooling, softmax and its cross-entropy,
// reductions, broadcast elementwise, pad/concat/transpose): outputs and gradients are bit-identical for
// 1, 2, 3 and 4 threads, on shapes big enough to be split and with odd sizes (scalar tails, partial rows).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertSameBits, bitsOf } from '../helpers/compare.mjs';
import { rng, sizeOf } from '../helpers/random.mjs';
import { fitBits } from '../helpers/fit-bits.mjs';

const oneThreadSuite = process.env.SIMDNET_THREADS === '1';

function randomTensor(r, shape) {
  return sn.tensor(Float32Array.from(r.array(sizeOf(shape))), shape);
}

/** Records f's output and the gradient of every input for a random dy (or a scalar loss). */
function outputAndGrads(out, name, f, inputs, r) {
  const y = f(...inputs);
  out[`${name} y`] = bitsOf(y);
  const dy = y.rank === 0 ? undefined : randomTensor(r, y.shape);
  sn.grads(f)(inputs, dy).forEach((g, i) => {
    if (g) out[`${name} d${i}`] = bitsOf(g);
  });
}

const DEPTHWISE_CASES = [
  { x: [8, 33, 31, 20], w: [3, 3, 20, 1], options: { padding: 'same' }, bias: true },
  { x: [8, 33, 31, 20], w: [3, 3, 20, 1], options: { strides: 2 } },
  // multiplier 2, dilation, explicit padding, channels with a scalar tail (7·2 = 14)
  {
    x: [6, 29, 27, 7],
    w: [3, 5, 7, 2],
    options: {
      dilation: [2, 1],
      padding: [
        [2, 1],
        [0, 3],
      ],
    },
    bias: true,
  },
  // one image: the forward splits inside it by output rows
  { x: [1, 95, 61, 36], w: [5, 5, 36, 1], options: { padding: 'same' } },
];

function depthwise(out, r) {
  DEPTHWISE_CASES.forEach((c, i) => {
    const inputs = [randomTensor(r, c.x), randomTensor(r, c.w)];
    if (c.bias) inputs.push(randomTensor(r, [c.w[2] * c.w[3]]));
    const f = (x, w, b) => sn.depthwiseConv2d(x, w, { ...c.options, ...(b ? { bias: b } : {}) });
    outputAndGrads(out, `depthwise${i}`, f, inputs, r);
  });
}

function softmaxes(out, r) {
  for (const shape of [
    [4097, 10],
    [1501, 67],
  ]) {
    outputAndGrads(out, `softmax ${shape}`, (x) => sn.softmax(x), [randomTensor(r, shape)], r);
    const logits = randomTensor(r, shape);
    const [n, k] = shape;
    const sparse = sn.tensor(
      Array.from({ length: n }, (_, i) => (i * 7) % k),
      [n],
      'int32',
    );
    outputAndGrads(out, `sparse CE ${shape}`, (z) => sn.softmaxCrossEntropy(z, sparse), [logits], r);
    const dense = randomTensor(r, shape);
    const f = (z, t) => sn.softmaxCrossEntropy(z, t, { sparse: false });
    outputAndGrads(out, `dense CE ${shape}`, f, [logits, dense], r);
  }
}

function reductions(out, r) {
  const cases = [
    { shape: [1_000_003], axis: undefined },
    { shape: [5, 70_001], axis: 0 }, // one outer row: columns split
    { shape: [3, 400_003], axis: 1 }, // contiguous runs, fewer than the threads: block sums
    { shape: [64, 999, 7], axis: 1 },
    { shape: [301, 2_001], axis: 1 },
  ];
  for (const { shape, axis } of cases) {
    const x = randomTensor(r, shape);
    outputAndGrads(out, `sum ${shape} axis ${axis}`, (x) => sn.sum(x, axis), [x], r);
    outputAndGrads(out, `mean ${shape} axis ${axis}`, (x) => sn.mean(x, axis), [x], r);
  }
}

function globalPools(out, r) {
  for (const shape of [
    [16, 23, 21, 40],
    [1, 203, 190, 13],
  ]) {
    outputAndGrads(out, `globalAvgPool2d ${shape}`, (x) => sn.globalAvgPool2d(x), [randomTensor(r, shape)], r);
  }
}

function batchNorms(out, r) {
  const shape = [64, 17, 19, 24];
  const x = randomTensor(r, shape);
  const [scale, offset] = [randomTensor(r, [24]), randomTensor(r, [24])];
  // The training op's three outputs all feed the loss, so every gradient term is exercised.
  const [wy, wm, wv] = [randomTensor(r, shape), randomTensor(r, [24]), randomTensor(r, [24])];
  const train = (x, scale, offset) => {
    const { y, mean, variance } = sn.batchNormTraining(x, { scale, offset });
    out['batchNormTraining y'] = bitsOf(y);
    out['batchNormTraining mean'] = bitsOf(mean);
    out['batchNormTraining variance'] = bitsOf(variance);
    return sn.add(sn.sum(sn.mul(y, wy)), sn.add(sn.sum(sn.mul(mean, wm)), sn.sum(sn.mul(variance, wv))));
  };
  outputAndGrads(out, 'batchNormTraining loss', train, [x, scale, offset], r);
  // Without scale and offset, and with only x's gradient (one channel: the affine runs along the rows).
  outputAndGrads(out, 'batchNormTraining plain', (x) => sn.batchNormTraining(x).y, [x], r);
  const one = randomTensor(r, [400_003, 1]);
  outputAndGrads(out, 'batchNormTraining c=1', (x) => sn.batchNormTraining(x).y, [one], r);
  const [mean, variance] = [randomTensor(r, [24]), sn.tensor(Float32Array.from(r.array(24), (v) => Math.abs(v) + 0.1))];
  const infer = (x, m, v, o, s) => sn.batchNorm(x, m, v, o, s);
  outputAndGrads(out, 'batchNorm', infer, [x, mean, variance, offset, scale], r);
  for (const [name, t, axes] of [
    ['NHWC', x, [0, 1, 2]],
    ['middle', randomTensor(r, [40, 999, 13]), [1]],
    ['last', randomTensor(r, [300, 3001]), [1]],
    ['last, few rows', randomTensor(r, [3, 300_001]), [1]],
  ]) {
    const f = (t) => {
      const m = sn.moments(t, axes);
      return sn.add(sn.sum(m.mean), sn.sum(sn.mul(m.variance, m.variance)));
    };
    const m = sn.moments(t, axes);
    out[`moments ${name} mean`] = bitsOf(m.mean);
    out[`moments ${name} variance`] = bitsOf(m.variance);
    outputAndGrads(out, `moments ${name}`, f, [t], r);
  }
}

function broadcasts(out, r) {
  // Short rows (the pattern path, cols 29 and 6 not multiples of 4), long rows, and a scalar b.
  for (const [shape, bShape] of [
    [[512, 33, 29], [29]],
    [
      [3001, 6],
      [1, 6],
    ],
    [[701, 401], [401]],
    [[400_003], [1]],
  ]) {
    const a = randomTensor(r, shape);
    const b = randomTensor(r, bShape);
    for (const op of ['add', 'sub', 'mul']) outputAndGrads(out, `${op} ${shape} + ${bShape}`, sn[op], [a, b], r);
  }
  // Same shapes: sub's gradient of b is a scaled copy.
  const [a, b] = [randomTensor(r, [400_003]), randomTensor(r, [400_003])];
  outputAndGrads(out, 'sub same shapes', sn.sub, [a, b], r);
}

function copies(out, r) {
  const x = randomTensor(r, [8, 61, 59, 33]);
  const paddings = [
    [0, 0],
    [2, 1],
    [1, 3],
    [0, 0],
  ];
  outputAndGrads(out, 'pad', (x) => sn.pad(x, paddings, 0.5), [x], r);
  // One padded run per value (d3 = 1), and one image (few outer runs).
  const thin = randomTensor(r, [1, 701, 601]);
  const thinPad = [
    [0, 0],
    [3, 0],
    [1, 2],
  ];
  outputAndGrads(out, 'pad thin', (x) => sn.pad(x, thinPad), [thin], r);
  const parts = [randomTensor(r, [16, 40, 40, 20]), randomTensor(r, [16, 40, 40, 13])];
  outputAndGrads(out, 'concat channels', (a, b) => sn.concat([a, b], 3), parts, r);
  const flat = [randomTensor(r, [300_001]), randomTensor(r, [200_003])];
  outputAndGrads(out, 'concat axis 0', (a, b) => sn.concat([a, b], 0), flat, r);
  outputAndGrads(out, 'transpose NHWC→NCHW', (x) => sn.transpose(x, [0, 3, 1, 2]), [x], r);
  outputAndGrads(out, 'transpose 2-D', (x) => sn.transpose(x, [1, 0]), [randomTensor(r, [2049, 301])], r);
}

/** Every output and gradient, as bit lists, computed with the threads now in use. */
function computeAll() {
  const r = rng(23);
  const out = {};
  for (const part of [depthwise, softmaxes, reductions, globalPools, batchNorms, broadcasts, copies])
    sn.tidy(() => part(out, r));
  return out;
}

test('layer ops: outputs and gradients are bit-identical for 1, 2, 3 and 4 threads', async () => {
  if (oneThreadSuite) return; // loaded without shared memory: no workers to compare
  const reference = {};
  for (const threads of [1, 2, 3, 4]) {
    await sn.ready({ threads });
    assert.is(sn.backendInfo().threads, threads);
    const results = computeAll();
    for (const [name, bits] of Object.entries(results)) {
      if (threads === 1) reference[name] = bits;
      else assertSameBits(bits, reference[name], `${threads} threads, ${name}`);
    }
  }
  await sn.ready({ threads: 'auto' });
});

/** Weights and predictions after a short Adam fit of a model with batch norm, depthwise conv and pooling. */
async function trainLayers() {
  const model = sn.sequential({
    seed: 5,
    layers: [
      sn.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', inputShape: [20, 20, 6] }),
      sn.layers.batchNormalization(),
      sn.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu' }),
      sn.layers.batchNormalization(),
      sn.layers.zeroPadding2d({ padding: 1 }),
      sn.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, depthMultiplier: 2 }),
      sn.layers.globalAveragePooling2d(),
      sn.layers.dense({ units: 10 }),
    ],
  });
  return fitBits(model, { shape: [20, 20, 6], n: 64, batchSize: 32, seed: 6, step: 3 });
}

test('fit of a batch norm + depthwise + global pooling model: the same weights on 1 and 2 threads', async () => {
  if (oneThreadSuite) return;
  const results = [];
  for (const threads of [1, 2]) {
    await sn.ready({ threads });
    results.push(await trainLayers());
  }
  for (const [name, bits] of Object.entries(results[1])) assertSameBits(bits, results[0][name], `2 threads, ${name}`);
  await sn.ready({ threads: 'auto' });
});

test.run();
