import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertClose, assertThrowsMessage } from '../helpers/compare.mjs';
import { rng, sizeOf } from '../helpers/random.mjs';
import { casesOf } from '../helpers/fixtures.mjs';
import { avgPoolRef, globalAvgPoolRef, maxPoolGradRef, maxPoolRef, numericGrad } from '../helpers/reference-pool.mjs';

/** A float32 tensor and the float32-rounded values it holds (what the references must see). */
function input(values, shape) {
  const data = Float32Array.from(values);
  return { t: sn.tensor(data, shape), data };
}

/** Random pooling geometry: odd and even sizes, channels around the 4- and 16-lane blocks, any stride. */
function randomCase(r, maxSize = 9) {
  const shape = [r.int(1, 3), r.int(1, maxSize), r.int(1, maxSize), r.pick([1, 2, 3, 4, 5, 7, 8, 13, 16, 17, 21, 35])];
  const padding = r.pick(['valid', 'same']);
  const limit = (d) => (padding === 'valid' ? Math.min(d, 4) : 4);
  const poolSize = [r.int(1, limit(shape[1])), r.int(1, limit(shape[2]))];
  const strides = [r.int(1, 4), r.int(1, 4)];
  return { shape, params: { poolSize, strides, padding } };
}

/** Values all different by at least 0.01, so no window has a tie and finite differences keep the argmax. */
function distinctValues(r, n) {
  const v = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.01);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r.next() * (i + 1));
    [v[i], v[j]] = [v[j], v[i]];
  }
  return v;
}

const poolOps = [
  { name: 'maxPool2d', op: (x, p) => sn.maxPool2d(x, p), ref: maxPoolRef },
  { name: 'avgPool2d', op: (x, p) => sn.avgPool2d(x, p), ref: avgPoolRef },
];

for (const { name, op, ref } of poolOps) {
  test(`${name}: 250 random forward cases match the float64 reference, taped or not`, () => {
    const r = rng(name === 'maxPool2d' ? 101 : 202);
    for (let i = 0; i < 250; i++) {
      const { shape, params } = randomCase(r);
      const what = `case ${i} x ${JSON.stringify(shape)} ${JSON.stringify(params)}`;
      sn.tidy(() => {
        const { t, data } = input(r.array(sizeOf(shape), -3, 3), shape);
        const expected = ref(data, shape, params);
        const y = op(t, params);
        assert.equal(y.shape, expected.shape, what);
        assertClose(y.dataSync(), expected.y, 1e-4, what);
        // Under a tape max pooling runs another kernel (it also records the argmax): check it too.
        const { value } = sn.valueAndGrads((a) => op(a, params))([t]);
        assertClose(value.dataSync(), expected.y, 1e-4, `${what} (taped)`);
      });
    }
  });
}

test('maxPool2d: 250 random gradients match the first-maximum reference, ties included', () => {
  const r = rng(303);
  for (let i = 0; i < 250; i++) {
    const { shape, params } = randomCase(r);
    const what = `case ${i} x ${JSON.stringify(shape)} ${JSON.stringify(params)}`;
    sn.tidy(() => {
      // Half the cases draw from three values only, so most windows hold tied maxima.
      const values = i % 2 ? r.array(sizeOf(shape), -2, 2) : Array.from({ length: sizeOf(shape) }, () => r.int(0, 2));
      const { t, data } = input(values, shape);
      const y = maxPoolRef(data, shape, params);
      const dyData = r.array(y.y.length);
      const [dx] = sn.grads((a) => sn.maxPool2d(a, params))([t], sn.tensor(Float32Array.from(dyData), y.shape));
      assertClose(dx.dataSync(), maxPoolGradRef(data, shape, params, Float32Array.from(dyData)), 1e-4, what);
    });
  }
});

test('maxPool2d: 120 random gradients match central finite differences (inputs without ties)', () => {
  const r = rng(404);
  for (let i = 0; i < 120; i++) {
    const { shape, params } = randomCase(r, 6);
    shape[0] = r.int(1, 2);
    const what = `case ${i} x ${JSON.stringify(shape)} ${JSON.stringify(params)}`;
    sn.tidy(() => {
      const { t, data } = input(distinctValues(r, sizeOf(shape)), shape);
      const out = maxPoolRef(data, shape, params);
      const dy = Float32Array.from(r.array(out.y.length));
      const [dx] = sn.grads((a) => sn.maxPool2d(a, params))([t], sn.tensor(dy, out.shape));
      const fd = numericGrad((v) => maxPoolRef(v, shape, params).y, data, dy, 1e-4);
      assertClose(dx.dataSync(), fd, 1e-4, what);
    });
  }
});

test('avgPool2d: 120 random gradients match central finite differences', () => {
  const r = rng(505);
  for (let i = 0; i < 120; i++) {
    const { shape, params } = randomCase(r, 6);
    shape[0] = r.int(1, 2);
    const what = `case ${i} x ${JSON.stringify(shape)} ${JSON.stringify(params)}`;
    sn.tidy(() => {
      const { t, data } = input(r.array(sizeOf(shape)), shape);
      const out = avgPoolRef(data, shape, params);
      const dy = Float32Array.from(r.array(out.y.length));
      const [dx] = sn.grads((a) => sn.avgPool2d(a, params))([t], sn.tensor(dy, out.shape));
      const fd = numericGrad((v) => avgPoolRef(v, shape, params).y, data, dy);
      assertClose(dx.dataSync(), fd, 1e-4, what);
    });
  }
});

test('maxPool2d: with tied maxima the gradient goes to the first one in row-major window order', () => {
  for (const c of [1, 5, 16, 19]) {
    sn.tidy(() => {
      // Every value equal: each 2x2 window's first cell (top-left) takes the gradient.
      const x = sn.zeros([1, 4, 4, c]);
      const [dx] = sn.grads((a) => sn.maxPool2d(a))([x], sn.ones([1, 2, 2, c]));
      const d = dx.dataSync();
      for (let y = 0; y < 4; y++) {
        for (let xx = 0; xx < 4; xx++) {
          for (let ch = 0; ch < c; ch++) {
            const want = y % 2 === 0 && xx % 2 === 0 ? 1 : 0;
            assert.is(d[(y * 4 + xx) * c + ch], want, `c ${c} at (${y},${xx},${ch})`);
          }
        }
      }
      // A tie between the second and fourth cells of one window, above a smaller first cell: the second wins.
      const v = new Float32Array(4 * c);
      for (let ch = 0; ch < c; ch++) {
        v[0 * c + ch] = -1;
        v[1 * c + ch] = 2;
        v[2 * c + ch] = 1;
        v[3 * c + ch] = 2;
      }
      const [g] = sn.grads((a) => sn.maxPool2d(a))([sn.tensor(v, [1, 2, 2, c])], sn.fill([1, 1, 1, c], 3));
      const gd = g.dataSync();
      for (let ch = 0; ch < c; ch++)
        assert.equal([gd[ch], gd[c + ch], gd[2 * c + ch], gd[3 * c + ch]], [0, 3, 0, 0], `c ${c} channel ${ch}`);
    });
  }
});

test('maxPool2d: overlapping windows add their gradients into a shared maximum', () => {
  // 1x3 row, pool 2 stride 1: the middle cell is the maximum of both windows.
  const [dx] = sn.grads((a) => sn.maxPool2d(a, { poolSize: [1, 2], strides: 1 }))(
    [sn.tensor([1, 5, 2], [1, 1, 3, 1])],
    sn.tensor([10, 20], [1, 1, 2, 1]),
  );
  assert.equal(Array.from(dx.dataSync()), [0, 30, 0]);
});

test("'same' padding: max ignores padded cells, average divides by the cells inside", () => {
  // All negative, so a zero-padded max would show up as 0.
  const x = sn.tensor([-1, -2, -3, -4, -5, -6, -7, -8, -9], [1, 3, 3, 1]);
  const m = sn.maxPool2d(x, { poolSize: 2, strides: 2, padding: 'same' });
  assert.equal(m.shape, [1, 2, 2, 1]);
  // out = ceil(3/2) = 2, total pad = 1: none before, one after.
  assert.equal(Array.from(m.dataSync()), [-1, -3, -7, -9]);
  const a = sn.avgPool2d(x, { poolSize: 2, strides: 2, padding: 'same' });
  assert.equal(Array.from(a.dataSync()), [-3, -4.5, -7.5, -9]);
  const [dx] = sn.grads((t) => sn.avgPool2d(t, { poolSize: 2, strides: 2, padding: 'same' }))(
    [x],
    sn.ones([1, 2, 2, 1]),
  );
  assert.equal(Array.from(dx.dataSync()), [0.25, 0.25, 0.5, 0.25, 0.25, 0.5, 0.5, 0.5, 1]);
  // pool 3 stride 1 on width 4: total pad 2, one on each side.
  const r = sn.avgPool2d(sn.tensor([1, 2, 3, 4], [1, 1, 4, 1]), { poolSize: [1, 3], strides: 1, padding: 'same' });
  assert.equal(Array.from(r.dataSync()), [1.5, 2, 3, 3.5]);
  [x, m, a, dx, r].forEach((t) => t.dispose());
});

for (const op of ['maxPool2d', 'avgPool2d']) {
  test(`${op}: every PyTorch fixture (forward and dx)`, () => {
    const cases = casesOf(op);
    assert.ok(cases.length >= 5, `${cases.length} fixtures`);
    for (const c of cases) {
      const what = `${op} ${JSON.stringify(c.params)} x ${JSON.stringify(c.x.shape)}`;
      sn.tidy(() => {
        const x = sn.tensor(c.x.data, c.x.shape);
        const { value, grads } = sn.valueAndGrads((a) => sn[op](a, c.params))([x], sn.tensor(c.dy.data, c.dy.shape));
        assert.equal(value.shape, c.y.shape, what);
        assertClose(value.dataSync(), c.y.data, 1e-4, `${what} y`);
        assertClose(grads[0].dataSync(), c.dx.data, 1e-4, `${what} dx`);
        assertClose(sn[op](x, c.params).dataSync(), c.y.data, 1e-4, `${what} y (untaped)`);
      });
    }
  });
}

test('globalAvgPool2d: 250 random forward cases and 120 finite-difference gradients', () => {
  const r = rng(606);
  for (let i = 0; i < 250; i++) {
    const shape = [r.int(1, 3), r.int(1, 9), r.int(1, 9), r.pick([1, 3, 4, 6, 16, 17, 23])];
    sn.tidy(() => {
      const { t, data } = input(r.array(sizeOf(shape), -3, 3), shape);
      const want = globalAvgPoolRef(data, shape);
      const y = sn.globalAvgPool2d(t);
      assert.equal(y.shape, want.shape);
      assertClose(y.dataSync(), want.y, 1e-4, `case ${i} ${JSON.stringify(shape)}`);
    });
  }
  for (let i = 0; i < 120; i++) {
    const shape = [r.int(1, 2), r.int(1, 4), r.int(1, 4), r.pick([1, 3, 5, 17])];
    sn.tidy(() => {
      const { t, data } = input(r.array(sizeOf(shape)), shape);
      const dy = Float32Array.from(r.array(shape[0] * shape[3]));
      const [dx] = sn.grads((a) => sn.globalAvgPool2d(a))([t], sn.tensor(dy, [shape[0], shape[3]]));
      const fd = numericGrad((v) => globalAvgPoolRef(v, shape).y, data, dy);
      assertClose(dx.dataSync(), fd, 1e-4, `grad case ${i} ${JSON.stringify(shape)}`);
    });
  }
});

test('pooling validates its arguments before running a kernel', () => {
  const x = sn.zeros([1, 4, 5, 3]);
  for (const fn of ['maxPool2d', 'avgPool2d']) {
    const op = (...a) => sn[fn](...a);
    assertThrowsMessage(
      () => op(sn.zeros([4, 5, 3])),
      new RegExp(`${fn}: argument 'x' must be rank 4 \\[n,h,w,c\\]; got rank 3 with shape \\[4,5,3\\]`),
    );
    assertThrowsMessage(() => op([1, 2]), new RegExp(`${fn}: argument 'x' must be a Tensor; got array of length 2`));
    assertThrowsMessage(
      () => op(sn.zeros([1, 2, 2, 1], 'int32')),
      new RegExp(`${fn}: argument 'x' must have dtype float32; got int32`),
    );
    assertThrowsMessage(
      () => op(x, { poolSize: 0 }),
      new RegExp(`${fn}: option 'poolSize' must be a positive integer or a pair \\[h, w\\] of them; got 0`),
    );
    assertThrowsMessage(
      () => op(x, { poolSize: [2, 1.5] }),
      new RegExp(`${fn}: option 'poolSize' must be a positive integer or a pair \\[h, w\\] of them; got \\[2,1.5\\]`),
    );
    assertThrowsMessage(
      () => op(x, { poolSize: [2, 2, 2] }),
      new RegExp(`${fn}: option 'poolSize' must be a positive integer or a pair \\[h, w\\] of them; got \\[2,2,2\\]`),
    );
    assertThrowsMessage(
      () => op(x, { strides: -1 }),
      new RegExp(`${fn}: option 'strides' must be a positive integer or a pair \\[h, w\\] of them; got -1`),
    );
    assertThrowsMessage(
      () => op(x, { strides: '2' }),
      new RegExp(`${fn}: option 'strides' must be a positive integer or a pair \\[h, w\\] of them; got "2"`),
    );
    assertThrowsMessage(
      () => op(x, { padding: 'full' }),
      new RegExp(`${fn}: option 'padding' must be 'valid', 'same', p, \\[ph, pw\\] or .*; got "full"`),
    );
    assertThrowsMessage(
      () => op(x, { poolSize: [5, 2] }),
      new RegExp(
        `${fn}: the 5x2 pool window does not fit the 4x5 input with padding 'valid'; use a smaller pool window`,
      ),
    );
    assertThrowsMessage(
      () => op(x, { pool_size: 2 }),
      new RegExp(`${fn}: unknown option 'pool_size'; did you mean 'poolSize'\\?`),
    );
    assertThrowsMessage(() => op(x, 2), new RegExp(`${fn}: argument 'options' must be an object`));
    // The same window is fine with 'same'.
    assert.equal(op(x, { poolSize: [5, 2], padding: 'same' }).shape, [1, 1, 3, 3]);
  }
  assertThrowsMessage(
    () => sn.globalAvgPool2d(sn.zeros([2, 3])),
    /globalAvgPool2d: argument 'x' must be rank 4 \[n,h,w,c\]; got rank 2 with shape \[2,3\]/,
  );
  assertThrowsMessage(
    () => sn.globalAvgPool2d(sn.zeros([1, 0, 2, 3])),
    /globalAvgPool2d: argument 'x' must have a non-empty height and width/,
  );
  x.dispose();
});

test('defaults: poolSize 2, strides = poolSize, padding valid', () => {
  sn.tidy(() => {
    const x = sn.tensor(
      Float32Array.from({ length: 5 * 7 * 2 }, (_, i) => i),
      [1, 5, 7, 2],
    );
    assert.equal(sn.maxPool2d(x).shape, [1, 2, 3, 2]);
    assert.equal(sn.avgPool2d(x, { poolSize: 3 }).shape, [1, 1, 2, 2]);
    assert.equal(sn.maxPool2d(x, { poolSize: [2, 3], strides: [1, 2] }).shape, [1, 4, 3, 2]);
  });
});

test('no tensor outlives tidy: forward, taped forward, backward', () => {
  const start = sn.memory().numTensors;
  sn.tidy(() => {
    const x = sn.randomNormal([2, 6, 7, 5], { seed: 1 });
    sn.maxPool2d(x);
    sn.avgPool2d(x, { padding: 'same', poolSize: 3 });
    sn.globalAvgPool2d(x);
    sn.grads((a) => sn.globalAvgPool2d(sn.avgPool2d(sn.maxPool2d(a, { strides: 1 }), { padding: 'same' })))([x]);
    const { value, grads } = sn.valueAndGrads((a) => sn.maxPool2d(a))([x]);
    value.dispose();
    grads[0].dispose();
  });
  assert.is(sn.memory().numTensors, start);
});

test.run();
