import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertThrowsMessage } from '../helpers/compare.mjs';

test('tensor from nested arrays infers the shape and copies the data', () => {
  const t = sn.tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.equal(t.shape, [2, 3]);
  assert.is(t.size, 6);
  assert.is(t.dtype, 'float32');
  assert.equal(Array.from(t.dataSync()), [1, 2, 3, 4, 5, 6]);
  assert.equal(t.array(), [
    [1, 2, 3],
    [4, 5, 6],
  ]);
  t.dispose();
});

test('tensor from a typed array with a shape, and int32', () => {
  const t = sn.tensor(new Float32Array([1, 2, 3, 4]), [2, 2]);
  assert.equal(t.array(), [
    [1, 2],
    [3, 4],
  ]);
  const l = sn.tensor([3, 1, 2], undefined, 'int32');
  assert.is(l.dtype, 'int32');
  assert.ok(l.dataSync() instanceof Int32Array);
  t.dispose();
  l.dispose();
});

test('dataSync returns a copy', () => {
  const t = sn.tensor([1, 2]);
  const d = t.dataSync();
  d[0] = 99;
  assert.is(t.dataSync()[0], 1);
  t.dispose();
});

test('zeros, ones, fill, scalar', () => {
  assert.equal(sn.zeros([2]).array(), [0, 0]);
  assert.equal(sn.ones([1, 2]).array(), [[1, 1]]);
  assert.equal(sn.fill([3], 7).array(), [7, 7, 7]);
  assert.is(sn.scalar(5).array(), 5);
});

test('random tensors are reproducible with a seed', () => {
  const a = sn.randomNormal([1000], { seed: 42 }).dataSync();
  const b = sn.randomNormal([1000], { seed: 42 }).dataSync();
  const c = sn.randomNormal([1000], { seed: 43 }).dataSync();
  assert.equal(Array.from(a), Array.from(b));
  assert.not.equal(Array.from(a), Array.from(c));
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
  assert.ok(Math.abs(mean) < 0.1, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.15, `variance ${variance}`);
  const u = sn.randomUniform([1000], { seed: 1, minval: -2, maxval: 3 }).dataSync();
  assert.ok(u.every((v) => v >= -2 && v < 3));
});

test('reshape copies into a new shape, with -1 inferred', () => {
  const t = sn.tensor([1, 2, 3, 4, 5, 6]);
  assert.equal(t.reshape([2, -1]).array(), [
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.equal(sn.flatten(sn.ones([2, 2, 3])).shape, [2, 6]);
  assertThrowsMessage(() => t.reshape([4, 2]), /reshape: cannot reshape a tensor of shape \[6\] \(size 6\) to \[4,2\]/);
});

test('bad values and shapes give specific errors', () => {
  assertThrowsMessage(
    () => sn.tensor([1, 2, 3], [2, 2]),
    /tensor: data length 3 does not match shape \[2,2\] \(size 4\)/,
  );
  assertThrowsMessage(() => sn.tensor([[1, 2], [3]]), /ragged/);
  assertThrowsMessage(() => sn.tensor([1, 2], [NaN]), /argument 'shape' must contain non-negative integers; got NaN/);
  assertThrowsMessage(() => sn.zeros([2, 1.5]), /zeros: argument 'shape' must contain non-negative integers; got 1.5/);
  assertThrowsMessage(
    () => sn.tensor([1.5], undefined, 'int32'),
    /tensor: int32 tensors need integers in \[-2\^31, 2\^31\); got 1.5 at flat index 0/,
  );
  assertThrowsMessage(() => sn.tensor(['a']), /must contain only numbers/);
});

test('a disposed tensor cannot be used', () => {
  const t = sn.tensor([1, 2]);
  t.dispose();
  assert.ok(t.isDisposed);
  assertThrowsMessage(() => t.dataSync(), /disposed/);
  assertThrowsMessage(() => sn.flatten(t), /flatten: argument 'x' is a disposed tensor/);
  t.dispose(); // twice is harmless
});

test('tidy disposes what fn made except what it returns; keep exempts', () => {
  const start = sn.memory().numTensors;
  let kept;
  const out = sn.tidy(() => {
    sn.ones([10]);
    kept = sn.keep(sn.zeros([3]));
    const inner = sn.tidy(() => {
      sn.ones([2]);
      return sn.ones([4]);
    });
    return { inner, list: [sn.zeros([1])] };
  });
  assert.is(sn.memory().numTensors, start + 3);
  assert.not.ok(out.inner.isDisposed);
  assert.not.ok(kept.isDisposed);
  out.inner.dispose();
  out.list[0].dispose();
  kept.dispose();
  assert.is(sn.memory().numTensors, start);
});

test('tidy rejects async functions and disposes on throw', () => {
  const start = sn.memory().numTensors;
  assertThrowsMessage(
    () =>
      sn.tidy(() => {
        sn.ones([2]);
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.is(sn.memory().numTensors, start);
  assertThrowsMessage(() => sn.tidy(async () => 1), /synchronous/);
});

test('memory grows for big tensors and freed memory is reused', () => {
  const before = sn.memory();
  const big = sn.zeros([16 * 1024 * 1024]); // 64 MB
  assert.ok(sn.memory().wasmBytes >= 64 * 1024 * 1024, `wasmBytes ${sn.memory().wasmBytes}`);
  assert.ok(sn.memory().wasmBytes > before.wasmBytes);
  big.dispose();
  const afterFree = sn.memory().wasmBytes;
  for (let i = 0; i < 50; i++) sn.tidy(() => sn.ones([1024 * 1024]).dataSync());
  assert.is(sn.memory().wasmBytes, afterFree);
  // views stay valid after growth
  const t = sn.tensor([1, 2, 3]);
  const big2 = sn.zeros([40 * 1024 * 1024]);
  assert.equal(Array.from(t.dataSync()), [1, 2, 3]);
  big2.dispose();
  t.dispose();
});

test('backendInfo names the build', () => {
  const info = sn.backendInfo();
  assert.ok(info.simd === 'relaxed' || info.simd === 'plain');
  assert.is(info.simd, process.env.SIMDNET_SIMD || info.simd);
});

test.run();
