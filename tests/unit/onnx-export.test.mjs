// toOnnx for the layers beyond the seed models: SeparableConv2D, Conv1D, 1-D pooling, global pools,
// ZeroPadding2D, BatchNormalization anywhere, LeakyReLU, relu6, Rescaling, Reshape. Each model is written
// at opsets 11, 13, 17 and 21, run by ONNX Runtime (in this process) and compared with simdnet's predict
// within 1e-4; loadOnnx reads the file back (1-D models too) to the same outputs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { loadOnnx, toOnnx } from '../../dist/onnx.js';
import { rng, sizeOf } from '../helpers/random.mjs';
import { ortRun } from '../helpers/onnx.mjs';
import { maxAbsDiff } from '../helpers/onnx-check.mjs';

const L = sn.layers;

/** Channels-last data to channels-first (NHWC -> NCHW, NWC -> NCW). */
function channelsFirst(data, shape) {
  const [n, ...rest] = shape;
  const c = rest[rest.length - 1];
  const pixels = sizeOf(rest) / c;
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++)
    for (let p = 0; p < pixels; p++)
      for (let ch = 0; ch < c; ch++) out[(b * c + ch) * pixels + p] = data[(b * pixels + p) * c + ch];
  return out;
}

function predict(model, data, shape) {
  return sn.tidy(() => model.predict(sn.tensor(data, shape)).dataSync());
}

/** Sets every weight to seeded random values (batch-norm variances positive), so nothing is trivially 0 or 1. */
function randomizeWeights(model, seed) {
  const r = rng(seed);
  for (const layer of model.layers) {
    if (!layer.weights.length) continue;
    const values = layer.weights.map((v) =>
      sn.tensor(
        Float32Array.from(r.array(v.size, v.name.includes('variance') ? 0.5 : -1, v.name.includes('variance') ? 2 : 1)),
        v.shape,
      ),
    );
    layer.setWeights(values);
    for (const t of values) t.dispose();
  }
}

/**
 * toOnnx at each opset, ONNX Runtime on channels-first data (and on NHWC data with inputLayout 'nhwc'),
 * and loadOnnx of the file, all against simdnet's predict; `loadBack` false where loadOnnx has no layer.
 */
async function checkExport(model, shape, { seed = 1, loadBack = true } = {}) {
  const x = Float32Array.from(rng(seed).array(sizeOf(shape)));
  const expected = predict(model, x, shape);
  const spatial = shape.length >= 3;
  const cf = spatial ? channelsFirst(x, shape) : x;
  const cfShape = spatial ? [shape[0], shape[shape.length - 1], ...shape.slice(1, -1)] : shape;
  const outShape = model.outputShape;
  const outCf = (y) => (outShape.length >= 3 ? channelsFirst(y, [shape[0], ...outShape.slice(1)]) : y);
  for (const opset of [11, 13, 17, 21]) {
    const bytes = await toOnnx(model, { opset });
    const ref = await ortRun(bytes, cf, cfShape);
    const diff = maxAbsDiff(outCf(expected), ref.data);
    assert.ok(diff <= 1e-4, `${model.name} opset ${opset}: max |diff| ${diff}`);
  }
  const nhwc = await ortRun(await toOnnx(model, { inputLayout: 'nhwc' }), x, shape);
  assert.ok(maxAbsDiff(expected, nhwc.data) <= 1e-4, `${model.name} nhwc`);
  if (loadBack) {
    const before = sn.memory().numTensors;
    const back = await loadOnnx(await toOnnx(model));
    const diff = maxAbsDiff(outCf(expected), predict(back, cf, cfShape));
    for (const l of back.layers) l.dispose();
    assert.ok(diff <= 1e-4, `${model.name} loaded back: max |diff| ${diff}`);
    assert.is(sn.memory().numTensors, before);
  }
  for (const l of model.layers) l.dispose();
}

test('toOnnx: SeparableConv2D, ZeroPadding2D, LeakyReLU, relu6, BatchNormalization after a pool, GlobalMaxPooling2D', async () => {
  const model = sn.sequential({
    seed: 1,
    name: 'separable',
    layers: [
      L.zeroPadding2d({
        padding: [
          [1, 2],
          [0, 1],
        ],
        inputShape: [9, 8, 3],
      }),
      L.separableConv2d({
        filters: 5,
        kernelSize: 3,
        depthMultiplier: 2,
        strides: 2,
        padding: 'same',
      }),
      // After the pool, so that negative values reach the leaky slope.
      L.maxPooling2d({ poolSize: 2, padding: 'same' }),
      L.leakyReLU({ alpha: 0.15 }),
      L.batchNormalization({ epsilon: 1e-3 }),
      L.separableConv2d({
        filters: 4,
        kernelSize: [2, 3],
        useBias: false,
        padding: [
          [1, 0],
          [1, 1],
        ],
      }),
      L.activation({ activation: 'relu6' }),
      L.globalMaxPooling2d(),
      L.batchNormalization(),
      L.dense({ units: 3, activation: 'relu6' }),
    ],
  });
  randomizeWeights(model, 2);
  await checkExport(model, [2, 9, 8, 3]);
});

test('toOnnx: Clip with both bounds, with only an upper one (an empty ONNX input) and with only a lower one', async () => {
  const model = sn.sequential({
    name: 'clips',
    layers: [
      L.conv2d({ filters: 4, kernelSize: 3, inputShape: [6, 5, 2] }),
      L.clip({ min: -0.5, max: 0.75 }),
      L.conv2d({ filters: 3, kernelSize: 1 }),
      L.clip({ max: 0.25 }),
      L.conv2d({ filters: 3, kernelSize: 1 }),
      L.clip({ min: -0.1 }),
    ],
  });
  randomizeWeights(model, 5);
  await checkExport(model, [2, 6, 5, 2]);
});

test('toOnnx: Rescaling (per channel and scalar), Reshape, BatchNormalization on features, Concatenate and Add in a functional model', async () => {
  const inp = sn.input({ shape: [6, 5, 3] });
  const norm = L.rescaling({ scale: [0.5, 2, -1], offset: [0.1, 0, -0.2] }).apply(inp);
  const a = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(norm);
  const b = L.leakyReLU().apply(L.conv2d({ filters: 4, kernelSize: 1 }).apply(norm));
  const sum = L.add().apply([a, b]);
  const cat = L.concatenate({ axis: 2 }).apply([sum, a]);
  const flat = L.reshape({ targetShape: [30, 8] }).apply(L.rescaling({ scale: 0.5, offset: 1 }).apply(cat));
  const feats = L.batchNormalization().apply(L.flatten().apply(flat));
  const model = sn.model({
    inputs: inp,
    outputs: L.dense({ units: 4, activation: 'softmax' }).apply(feats),
    name: 'functional',
  });
  randomizeWeights(model, 3);
  await checkExport(model, [3, 6, 5, 3]);
});

test('toOnnx: Conv1D (same, causal, dilated), MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, BatchNormalization on sequences', async () => {
  const model = sn.sequential({
    seed: 3,
    name: 'sequence',
    layers: [
      L.conv1d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'tanh', inputShape: [17, 3] }),
      L.conv1d({ filters: 4, kernelSize: 3, padding: 'causal', dilationRate: 2 }),
      L.batchNormalization(),
      L.maxPooling1d({ poolSize: 2, padding: 'same' }),
      L.conv1d({ filters: 6, kernelSize: 2, strides: 2 }),
      L.averagePooling1d({ poolSize: 2, strides: 1, padding: 'same' }),
      L.globalAveragePooling1d(),
      L.dense({ units: 2 }),
    ],
  });
  randomizeWeights(model, 4);
  await checkExport(model, [2, 17, 3]);
  // A 3-D output is channels-first (NCW) by default.
  const seq = sn.sequential({
    seed: 5,
    name: 'ncw',
    layers: [L.conv1d({ filters: 3, kernelSize: 2, inputShape: [7, 2] })],
  });
  await checkExport(seq, [2, 7, 2]);
});

test('toOnnx: a layer class it cannot export is named', async () => {
  const model = sn.sequential({ layers: [L.randomFlip({ inputShape: [4, 4, 1] }), L.flatten()] });
  try {
    await toOnnx(model);
    assert.unreachable('RandomFlip');
  } catch (e) {
    assert.match(e.message, /toOnnx: random_flip_\d+ \(RandomFlip\): layer class 'RandomFlip' cannot be exported yet/);
  }
  for (const l of model.layers) l.dispose();
});

test.run();
