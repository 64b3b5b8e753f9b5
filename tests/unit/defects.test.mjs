// One test per defect of issue 10 (the numbers are the issue's), each failing before its fix. Defects 1
// and 14 (out of memory) are in oom.test.mjs, 2 (atomic save) in save-atomic.test.mjs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { sn } from '../helpers/setup.mjs';
import { assertThrowsMessage } from '../helpers/compare.mjs';

async function rejects(promise, pattern) {
  try {
    await promise;
  } catch (e) {
    assert.match(e.message, pattern);
    return e;
  }
  assert.unreachable(`expected a rejection matching ${pattern}`);
}

function counts() {
  const m = sn.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes };
}

function smallModel(seed = 1) {
  const model = sn.sequential({
    seed,
    layers: [sn.layers.flatten({ inputShape: [2, 2, 1] }), sn.layers.dense({ units: 2 })],
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  return model;
}

function data(n = 8) {
  return {
    x: sn.randomNormal([n, 2, 2, 1], { seed: 4 }),
    y: sn.tensor(
      Array.from({ length: n }, (_, i) => i % 2),
      [n],
      'int32',
    ),
  };
}

test('3: fit stops when x or y is disposed during training instead of reading freed memory', async () => {
  for (const which of ['x', 'y']) {
    const model = smallModel();
    const { x, y } = data();
    const victim = which === 'x' ? x : y;
    await rejects(
      model.fit(x, y, {
        batchSize: 2,
        epochs: 2,
        verbose: 0,
        callbacks: { onBatchEnd: (b) => b === 1 && victim.dispose() },
      }),
      new RegExp(`\\.fit: argument '${which}' was disposed during training`),
    );
    model.dispose();
    x.dispose();
    y.dispose();
  }
});

test('4: a disposed model refuses every method; compile during fit is refused', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'simdnet-disposed-'));
  try {
    const { x, y } = data();
    const good = smallModel();
    await good.save(dir);
    const before = readFileSync(path.join(dir, 'weights.safetensors'));
    good.dispose();
    const disposed = /has been disposed/;
    await rejects(good.fit(x, y, { verbose: 0 }), disposed);
    await rejects(good.save(dir), disposed);
    assert.equal(readFileSync(path.join(dir, 'weights.safetensors')), before, 'the good save is untouched');
    assertThrowsMessage(() => good.predict(x), disposed);
    assertThrowsMessage(() => good.summary(0, undefined, () => {}), disposed);
    assertThrowsMessage(() => good.evaluate(x, y), disposed);
    assertThrowsMessage(() => good.trainOnBatch(x, y), disposed);
    assertThrowsMessage(() => good.getWeights(), disposed);
    assertThrowsMessage(() => good.compile({ optimizer: 'sgd', loss: 'meanSquaredError' }), disposed);
    assertThrowsMessage(() => good.add(sn.layers.dense({ units: 1 })), disposed);
    (await sn.loadModel(dir)).dispose();

    const model = smallModel();
    let error = null;
    await model.fit(x, y, {
      batchSize: 4,
      verbose: 0,
      callbacks: {
        onBatchEnd: () => {
          try {
            model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
          } catch (e) {
            error = e;
          }
        },
      },
    });
    assert.match(error?.message ?? '', /\.compile: the model is training/);
    model.dispose();
    x.dispose();
    y.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('5: integers beyond the kernels int32 arithmetic are refused, not truncated', () => {
  const x = sn.zeros([1, 4, 4, 1]);
  const w = sn.zeros([1, 1, 1, 1]);
  const big = 2 ** 32;
  assertThrowsMessage(
    () => sn.conv2d(x, w, { strides: [big, 1] }),
    /conv2d: option 'strides' .* at most 2\^24; got \[4294967296,1\]/,
  );
  assertThrowsMessage(() => sn.conv2d(x, w, { dilation: big }), /conv2d: option 'dilation' .* at most 2\^24/);
  assertThrowsMessage(
    () => sn.conv2d(x, w, { padding: big }),
    /conv2d: option 'padding' must hold amounts of at most 2\^24; got 4294967296/,
  );
  assertThrowsMessage(() => sn.maxPool2d(x, { poolSize: [big, 1] }), /maxPool2d: option 'poolSize' .* at most 2\^24/);
  assertThrowsMessage(() => sn.avgPool2d(x, { strides: big }), /avgPool2d: option 'strides' .* at most 2\^24/);
  assertThrowsMessage(() => sn.layers.conv2d({ filters: 1, kernelSize: big }), /option 'kernelSize' .* at most 2\^24/);
  assertThrowsMessage(() => sn.layers.dense({ units: big }), /option 'units' must be a positive integer below 2\^31/);
  x.dispose();
  w.dispose();
});

test('6: objects that merely look like tensors are refused', () => {
  const fake = { shape: [1, 2, 2, 1], dtype: 'float32', size: 4, dataSync: () => new Float32Array(4), rank: 4 };
  const w = sn.zeros([1, 1, 1, 1]);
  assertThrowsMessage(() => sn.relu(fake), /relu: argument 'x' must be a Tensor; got an instance of Object/);
  assertThrowsMessage(() => sn.conv2d(fake, w), /conv2d: argument 'x' must be a Tensor/);
  assertThrowsMessage(() => sn.add(w, fake), /add: argument 'b' must be a Tensor/);
  w.dispose();
});

test('7: int32 data is never reinterpreted as float32 bits', () => {
  const v = sn.variable(sn.zeros([2]), { name: 'defect7' });
  const ints = sn.tensor([1, 2], [2], 'int32');
  assertThrowsMessage(() => v.assign(ints), /Variable\.assign: argument 'value' must have dtype float32/);
  assert.equal(Array.from(v.dataSync()), [0, 0]);
  const model = smallModel();
  const weights = model.getWeights();
  const intWeights = weights.map((t) => sn.zeros(t.shape, 'int32'));
  assertThrowsMessage(
    () => model.setWeights(intWeights),
    /setWeights: .* has dtype float32; weights\[0\] has dtype int32/,
  );
  const x = sn.ones([2]);
  assertThrowsMessage(
    () => sn.grads((a) => sn.mul(a, a))([x], ints),
    /argument 'dy' must have dtype float32; got int32/,
  );
  for (const t of [v, ints, x, ...weights, ...intWeights]) t.dispose();
  model.dispose();
});

test("8: grads does not dispose the caller's input when f returns it", () => {
  const x = sn.tensor([1, 2, 3]);
  const [g] = sn.grads((a) => a)([x]);
  assert.not.ok(x.isDisposed);
  assert.equal(Array.from(x.dataSync()), [1, 2, 3]);
  assert.equal(Array.from(g.dataSync()), [1, 1, 1]);
  g.dispose();
  x.dispose();
});

test('9: tidy keeps tensors returned in a Set, a class instance or deep nesting; tidy(async) leaks nothing', () => {
  class Box {
    constructor(t) {
      this.t = t;
    }
  }
  const before = counts();
  const inSet = sn.tidy(() => new Set([sn.ones([1])]));
  const inBox = sn.tidy(() => new Box(sn.ones([1])));
  const deep = sn.tidy(() => {
    let v = sn.ones([1]);
    for (let i = 0; i < 20; i++) v = [v];
    return v;
  });
  let t = deep;
  while (Array.isArray(t)) t = t[0];
  for (const kept of [[...inSet][0], inBox.t, t]) {
    assert.equal(Array.from(kept.dataSync()), [1]);
    kept.dispose();
  }
  assert.equal(counts(), before);
  assertThrowsMessage(
    () =>
      sn.tidy(async () => {
        sn.ones([3]);
        await null;
      }),
    /tidy: fn must be synchronous/,
  );
  assert.equal(counts(), before, 'the tensors made before the first await are freed');
});

test('10: inherited property names are not names of losses, layers, initializers or options', () => {
  const model = smallModel();
  for (const loss of ['constructor', 'toString', '__proto__'])
    assertThrowsMessage(() => model.compile({ optimizer: 'sgd', loss }), /compile: option 'loss' must be/);
  assertThrowsMessage(
    () => sn.layers.deserialize({ className: 'toString', config: {} }),
    /unknown layer class "toString"/,
  );
  assertThrowsMessage(() => sn.layers.dense({ units: 1, kernelInitializer: 'constructor' }), /kernelInitializer/);
  assertThrowsMessage(() => sn.train.sgd({ constructor: 1 }), /sgd: unknown option 'constructor'/);
  assertThrowsMessage(() => sn.train.adam(JSON.parse('{"toString": 1}')), /adam: unknown option 'toString'/);
  model.dispose();
});

test('11: creation functions check dtype, int32 values and options, and leak nothing', () => {
  const before = counts();
  assertThrowsMessage(
    () => sn.zeros([2], 'bogus'),
    /zeros: argument 'dtype' must be 'float32' or 'int32'; got "bogus"/,
  );
  assertThrowsMessage(() => sn.fill([2], 1.5, 'int32'), /fill: int32 tensors need integers .* got 1.5/);
  assertThrowsMessage(
    () => sn.tensor([3e9], [1], 'int32'),
    /tensor: int32 tensors need integers in \[-2\^31, 2\^31\); got 3000000000/,
  );
  assertThrowsMessage(
    () => sn.randomNormal([2], { stddev: NaN }),
    /randomNormal: option 'stddev' must be a finite number >= 0; got NaN/,
  );
  assertThrowsMessage(
    () => sn.randomNormal([2], { stdev: 2 }),
    /randomNormal: unknown option 'stdev'; did you mean 'stddev'\?/,
  );
  assertThrowsMessage(
    () => sn.randomUniform([2], { maxval: Infinity }),
    /randomUniform: option 'maxval' must be a finite number/,
  );
  assertThrowsMessage(
    () => sn.tensor(new BigInt64Array(2)),
    /tensor: argument 'values' must be .*; got an instance of BigInt64Array/,
  );
  assertThrowsMessage(() => sn.keep(5), /keep: argument 't' must be a Tensor; got number/);
  assert.equal(counts(), before);
});

test('12: flatten of an empty batch keeps the feature size', () => {
  const x = sn.zeros([0, 3, 2]);
  const y = sn.flatten(x);
  assert.equal(y.shape, [0, 6]);
  x.dispose();
  y.dispose();
});

test('13: optimizer.setState refuses bad shapes and unknown variables', () => {
  const v = sn.variable(sn.zeros([2]), { name: 'defect13' });
  const opt = sn.train.adam();
  const slot = (shape) => ({ shape, data: new Float32Array(2) });
  assertThrowsMessage(
    () => opt.setState({ slots: { defect13: { momentum: slot([-1, -2]), velocity: slot([-1, -2]) } } }),
    /adam\.setState: argument 'slots\['defect13'\]\['momentum'\]\.shape' must contain non-negative integers; got -1/,
  );
  assertThrowsMessage(
    () => opt.setState({ slots: { nobody: { momentum: slot([2]), velocity: slot([2]) } } }),
    /adam\.setState: slots\['nobody'\] names no live variable/,
  );
  assert.equal(opt.getState().slots, {});
  opt.dispose();
  v.dispose();
});

test('15: fit stops at the first non-finite loss with the weights of before that batch', async () => {
  const model = smallModel();
  const { x, y } = data();
  const pixels = x.dataSync();
  pixels[4 * 5] = NaN; // sample 5: the third batch of 2
  const xNaN = sn.tensor(pixels, x.shape);
  let kept = null;
  await rejects(
    model.fit(xNaN, y, {
      batchSize: 2,
      shuffle: false,
      verbose: 0,
      callbacks: { onBatchEnd: (b) => b === 1 && (kept = model.getWeights().map((t) => Array.from(t.dataSync()))) },
    }),
    /\.fit: the loss is NaN at epoch 1, batch 3 \(of 4\); training stopped with the weights as they were before that batch/,
  );
  const now = model.getWeights();
  now.forEach((t, i) => assert.equal(Array.from(t.dataSync()), kept[i], `weight ${i}`));
  now.forEach((t) => t.dispose());
  const history = await model.fit(xNaN, y, { batchSize: 2, verbose: 0, terminateOnNaN: false });
  assert.ok(Number.isNaN(history.history.loss[0]), 'terminateOnNaN: false trains on');
  model.dispose();
  for (const t of [x, y, xNaN]) t.dispose();
});

test('16: a dataset dir missing files is an error naming the dir and files; a gzip bomb is not inflated', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'simdnet-ds-'));
  try {
    writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), new Uint8Array(16));
    await rejects(
      sn.datasets.fashionMnist.load({ dir }),
      new RegExp(
        `fashionMnist\\.load: could not find .*\\n  - ${dir} \\(option 'dir'\\): missing train-labels-idx1-ubyte\\[\\.gz\\]`,
      ),
    );
    // A label file whose header says 10 labels, followed by 64 MB of zeros, gzipped to a few kilobytes.
    const header = Buffer.alloc(8);
    header.writeUInt32BE(0x801, 0);
    header.writeUInt32BE(10, 4);
    const bomb = zlib.gzipSync(Buffer.concat([header, Buffer.alloc(64 * 2 ** 20)]));
    const imagesHeader = Buffer.alloc(16);
    [0x803, 10, 28, 28].forEach((v, i) => imagesHeader.writeUInt32BE(v, 4 * i));
    const images = Buffer.concat([imagesHeader, Buffer.alloc(10 * 28 * 28)]);
    const e = await rejects(
      sn.datasets.mnist.fromBytes({ trainLabels: bomb, trainImages: images }),
      /IDX file longer than its header says: .* got \d+ bytes/,
    );
    const got = Number(/got (\d+) bytes/.exec(e.message)[1]);
    assert.ok(got < 2 ** 20, `stopped after ${got} bytes, not 64 MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
