import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertClose, assertThrowsMessage } from '../helpers/compare.mjs';
import { rng, sizeOf } from '../helpers/random.mjs';
import { numericGrad, sumRef } from '../helpers/reference-pool.mjs';

function input(values, shape) {
  const data = Float32Array.from(values);
  return { t: sn.tensor(data, shape), data };
}

/** Random rank 0 to 4 shape with odd sizes and inner sizes around the 4- and 16-lane blocks, and an axis. */
function randomCase(r, maxDim = 7) {
  const rank = r.int(0, 4);
  const shape = Array.from({ length: rank }, () =>
    r.pick([1, 2, 3, 4, 5, maxDim, 17].filter((d) => d <= Math.max(maxDim, 5))),
  );
  if (rank > 0 && r.next() < 0.3) shape[rank - 1] = r.pick([16, 19, 33]);
  const axis = rank === 0 || r.next() < 0.25 ? undefined : r.int(-rank, rank - 1);
  return { shape, axis };
}

for (const op of ['sum', 'mean']) {
  const isMean = op === 'mean';

  test(`${op}: 250 random forward cases (all elements or one axis, negative axes) match the float64 reference`, () => {
    const r = rng(isMean ? 31 : 32);
    for (let i = 0; i < 250; i++) {
      const { shape, axis } = randomCase(r);
      const what = `case ${i} ${JSON.stringify(shape)} axis ${axis}`;
      sn.tidy(() => {
        const { t, data } = input(r.array(sizeOf(shape), -2, 2), shape);
        const want = sumRef(data, shape, axis, isMean);
        const y = sn[op](t, axis);
        assert.equal(y.shape, want.shape, what);
        assertClose(y.dataSync(), want.y, 1e-4, what);
      });
    }
  });

  test(`${op}: 120 random gradients match central finite differences`, () => {
    const r = rng(isMean ? 41 : 42);
    for (let i = 0; i < 120; i++) {
      const { shape, axis } = randomCase(r, 5);
      const what = `case ${i} ${JSON.stringify(shape)} axis ${axis}`;
      sn.tidy(() => {
        const { t, data } = input(r.array(sizeOf(shape)), shape);
        const out = sumRef(data, shape, axis, isMean);
        const dy = Float32Array.from(r.array(out.y.length));
        const [dx] = sn.grads((a) => sn[op](a, axis))([t], sn.tensor(dy, out.shape));
        assertClose(
          dx.dataSync(),
          numericGrad((v) => sumRef(v, shape, axis, isMean).y, data, dy),
          1e-4,
          what,
        );
      });
    }
  });
}

test('sum and mean: small exact examples and shapes', () => {
  sn.tidy(() => {
    const x = sn.tensor([
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      [
        [7, 8, 9],
        [10, 11, 12],
      ],
    ]); // [2,2,3]
    assert.equal(sn.sum(x).shape, []);
    assert.is(sn.sum(x).array(), 78);
    assert.is(sn.mean(x).array(), 6.5);
    assert.equal(sn.sum(x, 0).array(), [
      [8, 10, 12],
      [14, 16, 18],
    ]);
    assert.equal(sn.sum(x, 1).array(), [
      [5, 7, 9],
      [17, 19, 21],
    ]);
    assert.equal(sn.sum(x, 2).array(), [
      [6, 15],
      [24, 33],
    ]);
    assert.equal(sn.sum(x, -1).array(), [
      [6, 15],
      [24, 33],
    ]);
    assert.equal(sn.mean(x, -3).array(), [
      [4, 5, 6],
      [7, 8, 9],
    ]);
    assert.is(sn.sum(sn.scalar(3)).array(), 3);
    assert.equal(sn.sum(sn.zeros([2, 0]), 1).array(), [0, 0]);
    assert.is(sn.sum(sn.zeros([0])).array(), 0);
    assert.ok(Number.isNaN(sn.mean(sn.zeros([0])).array()));
    const [dx] = sn.grads((a) => sn.mean(a, 1))(
      [x],
      sn.tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    );
    assert.equal(dx.array(), [
      [
        [0.5, 1, 1.5],
        [0.5, 1, 1.5],
      ],
      [
        [2, 2.5, 3],
        [2, 2.5, 3],
      ],
    ]);
  });
});

test('sum of four million elements stays accurate (blocked accumulation)', () => {
  sn.tidy(() => {
    const n = 1 << 22;
    const r = rng(7);
    const { t, data } = input(r.array(n, 0, 1), [n]);
    let want = 0;
    for (const v of data) want += v;
    // Sixteen float32 lanes summing everything are off by 3e-6 relative here; blocks of 4096 summed in
    // f64 by 4e-9 (the final rounding to float32 is 6e-8).
    assertClose(sn.sum(t).dataSync(), [want], 2e-7, 'sum');
    assertClose(
      sn.mean(t.reshape([2, n / 2]), 1).dataSync(),
      sumRef(data, [2, n / 2], 1, true).y,
      2e-7,
      'mean of rows',
    );
  });
});

test('sum and mean validate x and axis', () => {
  sn.tidy(() => {
    const x = sn.zeros([2, 3]);
    for (const op of ['sum', 'mean']) {
      assertThrowsMessage(
        () => sn[op](x, 2),
        new RegExp(`${op}: argument 'axis' must be an integer in \\[-2, 1\\] for x of rank 2; got 2`),
      );
      assertThrowsMessage(
        () => sn[op](x, -3),
        new RegExp(`${op}: argument 'axis' must be an integer in \\[-2, 1\\] for x of rank 2; got -3`),
      );
      assertThrowsMessage(
        () => sn[op](x, 0.5),
        new RegExp(`${op}: argument 'axis' must be an integer in \\[-2, 1\\] for x of rank 2; got 0.5`),
      );
      assertThrowsMessage(
        () => sn[op](x, '1'),
        new RegExp(`${op}: argument 'axis' must be an integer in \\[-2, 1\\] for x of rank 2; got "1"`),
      );
      assertThrowsMessage(
        () => sn[op](sn.scalar(1), 0),
        new RegExp(`${op}: argument 'axis' must be left out for a scalar x \\(rank 0\\); got 0`),
      );
      assertThrowsMessage(
        () => sn[op](sn.zeros([2], 'int32')),
        new RegExp(`${op}: argument 'x' must have dtype float32; got int32`),
      );
      assertThrowsMessage(
        () => sn[op]([1, 2]),
        new RegExp(`${op}: argument 'x' must be a Tensor; got array of length 2`),
      );
    }
  });
});

test('no tensor outlives tidy: sum and mean, forward and backward', () => {
  const start = sn.memory().numTensors;
  sn.tidy(() => {
    const x = sn.randomNormal([3, 4, 5], { seed: 5 });
    sn.sum(x);
    sn.mean(x, 1);
    sn.grads((a) => sn.sum(sn.mean(a, -1)))([x]);
    sn.grads((a) => sn.mean(sn.sum(a, 0)))([x]);
  });
  assert.is(sn.memory().numTensors, start);
});

test.run();
