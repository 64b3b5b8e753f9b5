import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertClose, assertThrowsMessage } from '../helpers/compare.mjs';
import { rng, sizeOf } from '../helpers/random.mjs';
import { numericGrad } from '../helpers/reference-pool.mjs';
import { pool1dRef } from '../helpers/reference-seq.mjs';

/** Distinct values (no ties), so finite differences keep every argmax. */
function distinct(r, n) {
  const v = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.01);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r.next() * (i + 1));
    [v[i], v[j]] = [v[j], v[i]];
  }
  return Float64Array.from(Float32Array.from(v));
}

for (const kind of ['max', 'avg']) {
  test(`${kind}Pool1d: 150 random cases, forward against float64, gradient against finite differences`, () => {
    const r = rng(kind === 'max' ? 701 : 702);
    const op = kind === 'max' ? sn.maxPool1d : sn.avgPool1d;
    for (let i = 0; i < 150; i++) {
      const shape = [r.int(1, 3), r.int(1, 13), r.pick([1, 2, 3, 4, 5, 7, 16, 17])];
      const padding = r.pick(['valid', 'same']);
      const poolSize = r.int(1, padding === 'valid' ? Math.min(shape[1], 4) : 4);
      const params = { poolSize, strides: r.int(1, 4), padding };
      const x = distinct(r, sizeOf(shape));
      const ref = pool1dRef(x, shape, params, kind);
      const dy = Float64Array.from(Float32Array.from(r.array(ref.y.length)));
      const what = `case ${i} ${JSON.stringify(shape)} ${JSON.stringify(params)}`;
      sn.tidy(() => {
        const xt = sn.tensor(Float32Array.from(x), shape);
        const y = op(xt, params);
        assert.equal(y.shape, ref.shape, what);
        assertClose(y.dataSync(), ref.y, 1e-5, what);
        const [dx] = sn.grads((a) => op(a, params))([xt], sn.tensor(Float32Array.from(dy), ref.shape));
        const expected = numericGrad((v) => pool1dRef(v, shape, params, kind).y, x, dy, 1e-4);
        assertClose(dx.dataSync(), expected, 1e-3, `dx ${what}`);
      });
    }
  });
}

test('globalMaxPool2d, globalAvgPool1d, globalMaxPool1d: float64 references and gradients', () => {
  const r = rng(703);
  for (let i = 0; i < 60; i++) {
    const [n, h, w, c] = [r.int(1, 3), r.int(1, 7), r.int(1, 7), r.pick([1, 3, 4, 5, 16, 19])];
    const x = distinct(r, n * h * w * c);
    const refMax = (v) => {
      const y = new Float64Array(n * c).fill(-Infinity);
      for (let b = 0; b < n; b++)
        for (let p = 0; p < h * w; p++)
          for (let ch = 0; ch < c; ch++) y[b * c + ch] = Math.max(y[b * c + ch], v[(b * h * w + p) * c + ch]);
      return y;
    };
    const refAvg = (v) => {
      const y = new Float64Array(n * c);
      for (let b = 0; b < n; b++)
        for (let p = 0; p < h * w; p++)
          for (let ch = 0; ch < c; ch++) y[b * c + ch] += v[(b * h * w + p) * c + ch] / (h * w);
      return y;
    };
    const dy = Float64Array.from(Float32Array.from(r.array(n * c)));
    sn.tidy(() => {
      const x4 = sn.tensor(Float32Array.from(x), [n, h, w, c]);
      const x3 = sn.tensor(Float32Array.from(x), [n, h * w, c]);
      const dyt = sn.tensor(Float32Array.from(dy), [n, c]);
      for (const [name, f, t, ref] of [
        ['globalMaxPool2d', sn.globalMaxPool2d, x4, refMax],
        ['globalMaxPool1d', sn.globalMaxPool1d, x3, refMax],
        ['globalAvgPool1d', sn.globalAvgPool1d, x3, refAvg],
      ]) {
        const y = f(t);
        assert.equal(y.shape, [n, c], name);
        assertClose(y.dataSync(), ref(x), 1e-5, `${name} case ${i}`);
        const [dx] = sn.grads((a) => f(a))([t], dyt);
        assertClose(dx.dataSync(), numericGrad(ref, x, dy, 1e-4), 1e-3, `${name} dx case ${i}`);
      }
    });
  }
});

test('1-D pooling: bad arguments throw naming the op and the argument', () => {
  sn.tidy(() => {
    const x = sn.zeros([2, 5, 3]);
    assertThrowsMessage(() => sn.maxPool1d(sn.zeros([2, 5, 3, 1])), /maxPool1d: argument 'x' must be rank 3 \[n,w,c\]/);
    assertThrowsMessage(
      () => sn.avgPool1d(x, { poolSize: 6 }),
      /avgPool1d: argument 'poolSize' 6 is larger than the sequence length 5/,
    );
    assertThrowsMessage(() => sn.maxPool1d(x, { pool: 2 }), /unknown option 'pool'/);
    assertThrowsMessage(() => sn.maxPool1d(x, { strides: 1.5 }), /argument 'strides' must be a positive integer/);
    assertThrowsMessage(() => sn.globalMaxPool2d(x), /globalMaxPool2d: argument 'x' must be rank 4/);
  });
});

test.run();

test('1-D and global pooling free their intermediate copies, taped or not', () => {
  const x = sn.randomNormal([2, 9, 3], { seed: 1 });
  const img = sn.randomNormal([2, 4, 5, 3], { seed: 2 });
  const before = sn.memory().numTensors;
  for (const f of [
    () => sn.maxPool1d(x, { poolSize: 3 }),
    () => sn.avgPool1d(x),
    () => sn.globalAvgPool1d(x),
    () => sn.globalMaxPool1d(x),
    () => sn.globalMaxPool2d(img),
  ]) {
    f().dispose();
    assert.is(sn.memory().numTensors, before, f.toString());
  }
  const g = sn.grads((a) => sn.maxPool1d(a, { poolSize: 3 }))([x]);
  g[0].dispose();
  assert.is(sn.memory().numTensors, before, 'under a tape');
  x.dispose();
  img.dispose();
});
