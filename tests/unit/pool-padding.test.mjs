// Pooling with PyTorch-style padding: explicit padding in every form (p, [ph, pw], [[top, bottom], [left,
// right]]), ceilMode and countIncludePad, against PyTorch (tests/fixtures/layers.json and
// pool-padding.json, forward and backward) and against the float64 reference on random odd shapes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sn } from '../helpers/setup.mjs';
import { assertClose, assertThrowsMessage } from '../helpers/compare.mjs';
import { rng, sizeOf } from '../helpers/random.mjs';
import { fixturesDir } from '../helpers/fixtures.mjs';
import { avgPoolRef, maxPoolGradRef, maxPoolRef, numericGrad } from '../helpers/reference-pool.mjs';

const fixture = (file) => JSON.parse(readFileSync(path.join(fixturesDir, file), 'utf8')).cases;
const ops = { maxPool2d: (x, p) => sn.maxPool2d(x, p), avgPool2d: (x, p) => sn.avgPool2d(x, p) };
const refs = { maxPool2d: maxPoolRef, avgPool2d: avgPoolRef };

/** A float32 tensor and the float32-rounded values it holds (what the references must see). */
function input(values, shape) {
  const data = Float32Array.from(values);
  return { t: sn.tensor(data, shape), data };
}

/**
 * Random explicit padding, at most half the window on each side, in one of the three forms, with or
 * without ceilMode; odd and even sizes, channels around the 4- and 16-lane blocks.
 */
function randomCase(r, op, maxSize = 9) {
  for (;;) {
    const shape = [r.int(1, 3), r.int(1, maxSize), r.int(1, maxSize), r.pick([1, 2, 3, 4, 5, 7, 8, 13, 16, 17, 21])];
    const poolSize = [r.int(1, 5), r.int(1, 5)];
    const strides = [r.int(1, 4), r.int(1, 4)];
    const half = poolSize.map((k) => Math.floor(k / 2));
    const sides = half.map((m) => [r.int(0, m), r.int(0, m)]);
    const form = r.int(0, 2);
    const padding =
      form === 0 ? r.int(0, Math.min(...half)) : form === 1 ? [r.int(0, half[0]), r.int(0, half[1])] : sides;
    const params = { poolSize, strides, padding, ceilMode: r.next() < 0.5 };
    if (op === 'avgPool2d' && r.next() < 0.5) params.countIncludePad = r.next() < 0.5;
    const explicit =
      typeof padding === 'number'
        ? [
            [padding, padding],
            [padding, padding],
          ]
        : typeof padding[0] === 'number'
          ? [
              [padding[0], padding[0]],
              [padding[1], padding[1]],
            ]
          : padding;
    // The window must fit the padded input (otherwise the op rightly refuses it; tested below).
    if (poolSize[0] > shape[1] + explicit[0][0] + explicit[0][1]) continue;
    if (poolSize[1] > shape[2] + explicit[1][0] + explicit[1][1]) continue;
    return { shape, params };
  }
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

for (const file of ['layers.json', 'pool-padding.json']) {
  test(`PyTorch fixtures in ${file}: forward and dx, taped and not`, () => {
    const cases = fixture(file).filter((c) => c.op in ops);
    assert.ok(cases.length >= (file === 'layers.json' ? 9 : 40), `${cases.length} pooling fixtures`);
    for (const c of cases) {
      const what = `${c.op} ${JSON.stringify(c.params)} x ${JSON.stringify(c.x.shape)}`;
      sn.tidy(() => {
        const x = sn.tensor(c.x.data, c.x.shape);
        const { value, grads } = sn.valueAndGrads((a) => ops[c.op](a, c.params))([x], sn.tensor(c.dy.data, c.dy.shape));
        assert.equal(value.shape, c.y.shape, what);
        assertClose(value.dataSync(), c.y.data, 1e-5, `${what} y`);
        assertClose(grads[0].dataSync(), c.dx.data, 1e-5, `${what} dx`);
        assertClose(ops[c.op](x, c.params).dataSync(), c.y.data, 1e-5, `${what} y (untaped)`);
      });
    }
  });
}

for (const op of ['maxPool2d', 'avgPool2d']) {
  test(`${op}: 300 random explicitly padded cases match the float64 reference, taped or not`, () => {
    const r = rng(op === 'maxPool2d' ? 1201 : 1202);
    for (let i = 0; i < 300; i++) {
      const { shape, params } = randomCase(r, op);
      const what = `case ${i} x ${JSON.stringify(shape)} ${JSON.stringify(params)}`;
      sn.tidy(() => {
        const { t, data } = input(r.array(sizeOf(shape), -3, 3), shape);
        const expected = refs[op](data, shape, params);
        const y = ops[op](t, params);
        assert.equal(y.shape, expected.shape, what);
        assertClose(y.dataSync(), expected.y, 1e-5, what);
        const { value } = sn.valueAndGrads((a) => ops[op](a, params))([t]);
        assertClose(value.dataSync(), expected.y, 1e-5, `${what} (taped)`);
      });
    }
  });
}

test('maxPool2d: 250 random padded gradients match the first-maximum reference, ties included', () => {
  const r = rng(1203);
  for (let i = 0; i < 250; i++) {
    const { shape, params } = randomCase(r, 'maxPool2d');
    const what = `case ${i} x ${JSON.stringify(shape)} ${JSON.stringify(params)}`;
    sn.tidy(() => {
      const values = i % 2 ? r.array(sizeOf(shape), -2, 2) : Array.from({ length: sizeOf(shape) }, () => r.int(0, 2));
      const { t, data } = input(values, shape);
      const y = maxPoolRef(data, shape, params);
      const dy = Float32Array.from(r.array(y.y.length));
      const [dx] = sn.grads((a) => sn.maxPool2d(a, params))([t], sn.tensor(dy, y.shape));
      assertClose(dx.dataSync(), maxPoolGradRef(data, shape, params, dy), 1e-5, what);
    });
  }
});

for (const op of ['maxPool2d', 'avgPool2d']) {
  test(`${op}: 120 random padded gradients match central finite differences`, () => {
    const r = rng(op === 'maxPool2d' ? 1204 : 1205);
    for (let i = 0; i < 120; i++) {
      const { shape, params } = randomCase(r, op, 6);
      shape[0] = r.int(1, 2);
      const what = `case ${i} x ${JSON.stringify(shape)} ${JSON.stringify(params)}`;
      sn.tidy(() => {
        const values = op === 'maxPool2d' ? distinctValues(r, sizeOf(shape)) : r.array(sizeOf(shape));
        const { t, data } = input(values, shape);
        const out = refs[op](data, shape, params);
        const dy = Float32Array.from(r.array(out.y.length));
        const [dx] = sn.grads((a) => ops[op](a, params))([t], sn.tensor(dy, out.shape));
        const fd = numericGrad((v) => refs[op](v, shape, params).y, data, dy, 1e-4);
        assertClose(dx.dataSync(), fd, 1e-4, what);
      });
    }
  });
}

test("the tutorial's example: a 3x3 max pool, padding 1, stride 2 over 0..15 gives [[5,7],[13,15]]", () => {
  sn.tidy(() => {
    const x = sn.tensor(
      Array.from({ length: 16 }, (_, i) => i),
      [1, 4, 4, 1],
    );
    assert.equal(sn.maxPool2d(x, { poolSize: 3, padding: 1, strides: 2 }).array(), [
      [
        [[5], [7]],
        [[13], [15]],
      ],
    ]);
    // PyTorch's avg_pool2d(x, 3, 2, 1): the corner window holds 0, 1, 4, 5 and five padded zeros.
    assertClose(
      sn.avgPool2d(x, { poolSize: 3, padding: 1, strides: 2 }).dataSync(),
      [10 / 9, 24 / 9, 51 / 9, 90 / 9],
      1e-6,
    );
    assertClose(
      sn.avgPool2d(x, { poolSize: 3, padding: 1, strides: 2, countIncludePad: false }).dataSync(),
      [10 / 4, 24 / 6, 51 / 6, 90 / 9],
      1e-6,
    );
  });
});

test('max pooling pads with -Infinity: all-negative inputs never see a padded 0', () => {
  sn.tidy(() => {
    const x = sn.fill([1, 3, 3, 5], -2);
    const y = sn.maxPool2d(x, { poolSize: 3, strides: 1, padding: 1 });
    assert.equal(y.shape, [1, 3, 3, 5]);
    assert.ok(
      y.dataSync().every((v) => v === -2),
      'every window max is -2',
    );
    const [dx] = sn.grads((a) =>
      sn.maxPool2d(a, {
        poolSize: 2,
        strides: 2,
        padding: [
          [1, 0],
          [0, 1],
        ],
      }),
    )([x]);
    // 2x2 windows with one padded row on top and one padded column on the right: 2x2 outputs, each taking
    // its first input cell; the four gradients land on four different cells.
    assert.is(
      dx.dataSync().reduce((s, v) => s + v, 0),
      4 * 5,
    );
  });
});

test('ceilMode: the output rounds up, but no window starts in the padding after the input', () => {
  sn.tidy(() => {
    const x = sn.ones([1, 5, 5, 1]);
    // floor((5 - 2) / 2) + 1 = 2; ceil gives 3, the last window covering only the fifth row/column.
    assert.equal(sn.maxPool2d(x, { poolSize: 2 }).shape, [1, 2, 2, 1]);
    assert.equal(sn.maxPool2d(x, { poolSize: 2, ceilMode: true }).shape, [1, 3, 3, 1]);
    // ceil((5 + 2 - 2) / 2) + 1 = 4, but the fourth window would start at 6 - 1 = 5, past the input: 3.
    assert.equal(sn.maxPool2d(x, { poolSize: 2, padding: 1, ceilMode: true }).shape, [1, 3, 3, 1]);
    // A ceil-mode window reaching past the padding does not count the cells beyond it, even with
    // countIncludePad: on all ones a 2x2 window over the last row/column of a 5x5 input averages to 1.
    assert.equal(Array.from(sn.avgPool2d(x, { poolSize: 2, padding: 0, ceilMode: true }).dataSync()), Array(9).fill(1));
  });
});

test("countIncludePad: default true for explicit padding, false for 'same'; both ways on request", () => {
  sn.tidy(() => {
    const x = sn.ones([1, 2, 2, 1]);
    const opts = { poolSize: 2, strides: 1 };
    assert.equal(
      Array.from(sn.avgPool2d(x, { ...opts, padding: 1 }).dataSync()),
      [0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25],
    );
    assert.equal(
      Array.from(sn.avgPool2d(x, { ...opts, padding: 1, countIncludePad: false }).dataSync()),
      Array(9).fill(1),
    );
    // 'same' with pool 2 stride 1 pads one cell after: the TensorFlow rule averages the cells inside.
    assert.equal(Array.from(sn.avgPool2d(x, { ...opts, padding: 'same' }).dataSync()), [1, 1, 1, 1]);
    assert.equal(
      Array.from(sn.avgPool2d(x, { ...opts, padding: 'same', countIncludePad: true }).dataSync()),
      [1, 0.5, 0.5, 0.25],
    );
  });
});

test('every padding form means the same as its explicit [[top, bottom], [left, right]]', () => {
  sn.tidy(() => {
    const x = sn.randomNormal([2, 7, 6, 5], { seed: 3 });
    const same = (a, b, what) => assert.equal(Array.from(a.dataSync()), Array.from(b.dataSync()), what);
    for (const op of ['maxPool2d', 'avgPool2d']) {
      const p = { poolSize: [3, 4], strides: [2, 3] };
      const full = (t, b, l, r) =>
        ops[op](x, {
          ...p,
          padding: [
            [t, b],
            [l, r],
          ],
        });
      same(ops[op](x, { ...p, padding: 1 }), full(1, 1, 1, 1), `${op} p`);
      same(ops[op](x, { ...p, padding: [1, 2] }), full(1, 1, 2, 2), `${op} [ph, pw]`);
      same(ops[op](x, { ...p, padding: 0 }), ops[op](x, { ...p, padding: 'valid' }), `${op} 0 = valid`);
    }
  });
});

test('pooling padding options are validated before any kernel runs', () => {
  const x = sn.zeros([1, 4, 5, 3]);
  for (const fn of ['maxPool2d', 'avgPool2d']) {
    const op = (o) => sn[fn](x, o);
    assertThrowsMessage(
      () => op({ padding: [1, 2, 3] }),
      new RegExp(
        `${fn}: option 'padding' must be 'valid', 'same', p, \\[ph, pw\\] or \\[\\[top, bottom\\], \\[left, right\\]\\] \\(non-negative integers\\); got \\[1,2,3\\]`,
      ),
    );
    assertThrowsMessage(() => op({ padding: -1 }), new RegExp(`${fn}: option 'padding' must be .*; got -1`));
    assertThrowsMessage(
      () => op({ padding: [[1, 0], [0]] }),
      new RegExp(`${fn}: option 'padding' must be .*; got \\[\\[1,0\\],\\[0\\]\\]`),
    );
    assertThrowsMessage(
      () => op({ poolSize: 3, padding: 2 }),
      new RegExp(
        `${fn}: option 'padding' must be at most half the pool window on each side \\(1x1 for a 3x3 window, as in PyTorch\\), so that every window holds an input cell; got 2`,
      ),
    );
    assertThrowsMessage(
      () =>
        op({
          poolSize: [2, 4],
          padding: [
            [0, 0],
            [0, 3],
          ],
        }),
      new RegExp(`${fn}: option 'padding' must be at most half the pool window .*\\(1x2 for a 2x4 window`),
    );
    assertThrowsMessage(() => op({ ceilMode: 1 }), new RegExp(`${fn}: option 'ceilMode' must be true or false; got 1`));
    assertThrowsMessage(
      () => op({ padding: 'same', ceilMode: true }),
      new RegExp(`${fn}: option 'ceilMode' cannot be combined with padding 'same'`),
    );
    assertThrowsMessage(
      () =>
        op({
          poolSize: [6, 2],
          padding: [
            [1, 0],
            [0, 0],
          ],
        }),
      new RegExp(
        `${fn}: the 6x2 pool window does not fit the 4x5 input with padding \\[\\[1,0\\],\\[0,0\\]\\] \\(padded input 5x5\\)`,
      ),
    );
  }
  assertThrowsMessage(
    () => sn.maxPool2d(x, { countIncludePad: false }),
    /maxPool2d: unknown option 'countIncludePad'; the options are 'poolSize', 'strides', 'padding', 'ceilMode'/,
  );
  assertThrowsMessage(
    () => sn.avgPool2d(x, { padding: 1, countIncludePad: 'yes' }),
    /avgPool2d: option 'countIncludePad' must be true or false; got "yes"/,
  );
  x.dispose();
});

test.run();
