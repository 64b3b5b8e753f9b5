// Running out of WASM memory: the error names the op and the bytes, nothing is leaked or half-changed,
// and the library goes on working (issue 10, defects 1 and 14). The huge requests here exceed the 4 GiB a
// 32-bit WASM memory can hold, so they fail at once without touching the machine's memory.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertThrowsMessage, assertClose } from '../helpers/compare.mjs';
import { conv2dRef } from '../helpers/reference-conv.mjs';
import { rng, sizeOf } from '../helpers/random.mjs';

const OOM =
  /out of WASM memory \(asked for [\d.]+ (GiB|MiB|KiB|bytes); the memory is [\d.]+ (GiB|MiB|KiB|bytes) of at most 4 GiB\)/;

function counts() {
  const m = sn.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes };
}

function randomTensor(r, shape) {
  return sn.tensor(Float32Array.from(r.array(sizeOf(shape))), shape);
}

test('a tensor too big for the memory: the error names the function, nothing changes, the next call works', () => {
  const before = sn.memory();
  for (const [name, make] of [
    ['zeros', () => sn.zeros([2 ** 30, 2])],
    ['ones', () => sn.ones([2 ** 20, 2 ** 11])],
    ['fill', () => sn.fill([2 ** 30, 4], 3)],
    ['randomNormal', () => sn.randomNormal([2 ** 30, 2])],
  ]) {
    const e = assertThrowsMessage(make, new RegExp(`^${name}: ` + OOM.source), name);
    assert.instance(e, Error);
    assert.equal(sn.memory(), before, `${name}: memory() unchanged`);
  }
  const t = sn.ones([3]);
  assert.equal(Array.from(t.dataSync()), [1, 1, 1]);
  t.dispose();
});

test('ops whose output does not fit name themselves and leak nothing', () => {
  const col = sn.zeros([2 ** 15, 1]);
  const row = sn.zeros([1, 2 ** 15]);
  const before = counts();
  // [2^15, 2^15] floats: exactly 4 GiB, more than the memory can ever hold beside anything else.
  assertThrowsMessage(() => sn.matMul(col, row), new RegExp('^matMul: ' + OOM.source));
  assertThrowsMessage(() => sn.dense(col, row), new RegExp('^dense: ' + OOM.source));
  assert.equal(counts(), before);
  col.dispose();
  row.dispose();
});

test('conv2d whose indirection buffer cannot grow: named error, no leak, later convolutions are correct', () => {
  const r = rng(7);
  // A small convolution first, so that the indirection scratch block exists (cin >= 8: pixel taps).
  const xs = randomTensor(r, [1, 5, 5, 8]);
  const ws = randomTensor(r, [3, 3, 8, 2]);
  sn.conv2d(xs, ws).dispose();

  // 200x200 taps over 201x201 output pixels: the indirection alone would be 6.5 GB.
  const xBig = sn.zeros([1, 400, 400, 8]);
  const wBig = sn.zeros([200, 200, 8, 1]);
  const before = counts();
  const wasmBefore = sn.memory().wasmBytes;
  const e = assertThrowsMessage(() => sn.conv2d(xBig, wBig), new RegExp('^conv2d: ' + OOM.source), 'conv2d');
  assert.ok(e.bytes > 4 * 2 ** 30, 'the error carries the bytes asked for');
  assert.equal(counts(), before, 'the failed call leaked no tensor');
  assert.ok(sn.memory().wasmBytes >= wasmBefore);
  xBig.dispose();
  wBig.dispose();

  // Tensors made now may take any freed memory; a later convolution must not write into them.
  const victims = [];
  for (let i = 0; i < 20; i++) victims.push(randomTensor(r, [16 + i * 7]));
  const saved = victims.map((v) => Array.from(v.dataSync()));
  for (let i = 0; i < 3; i++) {
    const y = sn.conv2d(xs, ws, { padding: 'same' });
    const ref = conv2dRef(xs.dataSync(), xs.shape, ws.dataSync(), ws.shape, { padding: 'same' });
    assertClose(y.dataSync(), ref.y, 1e-5, 'conv2d after the failure');
    y.dispose();
  }
  victims.forEach((v, i) => assert.equal(Array.from(v.dataSync()), saved[i], `live tensor ${i} untouched`));
  for (const v of victims) v.dispose(); // no "release of unknown block"
  xs.dispose();
  ws.dispose();
});

test('a model whose layer does not fit stays as it was and trains', () => {
  const model = sn.sequential({
    seed: 3,
    layers: [sn.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [6, 6, 8] }), sn.layers.flatten()],
  });
  const before = counts();
  // 32 inputs x 2^28 units: an 8 GiB kernel.
  assertThrowsMessage(() => model.add(sn.layers.dense({ units: 2 ** 28 })), OOM);
  assert.equal(counts(), before, 'nothing leaked');
  assert.is(model.layers.length, 2);
  model.add(sn.layers.dense({ units: 2 }));
  model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  const x = sn.randomNormal([4, 6, 6, 8], { seed: 1 });
  const y = sn.tensor([0, 1, 1, 0], [4], 'int32');
  const loss0 = model.trainOnBatch(x, y);
  const loss1 = model.trainOnBatch(x, y);
  assert.ok(Number.isFinite(loss0) && loss1 < loss0);
  model.dispose();
  x.dispose();
  y.dispose();
});

test.run();
