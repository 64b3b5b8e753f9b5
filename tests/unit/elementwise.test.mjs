import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertClose, assertThrowsMessage } from '../helpers/compare.mjs';
import { rng, sizeOf } from '../helpers/random.mjs';
import { binaryRef, broadcastOf, finiteDiffGrads } from '../helpers/reference-pointwise.mjs';

const OPS = ['add', 'sub', 'mul'];

// Vector lengths chosen to cover both kernel paths: the replicated pattern (rows shorter than 256, with
// pattern lengths cols, 2 cols and 4 cols) and row by row (256 and longer, 4-aligned or with a scalar tail).
const COLS = [1, 2, 3, 5, 6, 7, 9, 10, 4, 8, 12, 16, 255, 256, 257, 300];

function randomShape(r, maxRank = 4, maxDim = 9) {
  const rank = r.int(1, maxRank);
  return Array.from({ length: rank }, () => r.int(1, maxDim));
}

/** A random (a shape, b shape) pair of one of the accepted kinds. */
function randomOperands(r, small = false) {
  const kind = r.pick(['same', 'vector', 'vectorOnes', 'scalar', 'scalar1']);
  let aShape = randomShape(r, 4, small ? 4 : 9);
  if (kind === 'same') return { aShape, bShape: aShape.slice() };
  if (kind === 'scalar') return { aShape, bShape: [] };
  if (kind === 'scalar1') return { aShape, bShape: Array(r.int(1, aShape.length)).fill(1) };
  const cols = small ? r.int(1, 7) : r.pick(COLS);
  aShape[aShape.length - 1] = cols;
  if (!small && cols > 16) aShape = [r.int(1, 5), cols];
  if (kind === 'vector') return { aShape, bShape: [cols] };
  const rank = r.int(1, aShape.length);
  return { aShape, bShape: [...Array(rank - 1).fill(1), cols] };
}

function randomTensor(r, shape, lo = -2, hi = 2) {
  const t = sn.tensor(r.array(sizeOf(shape), lo, hi), shape);
  return { t, data: Float64Array.from(t.dataSync()) };
}

for (const op of OPS) {
  test(`${op}: 200 random cases match a float64 reference (same shape, vector and scalar broadcast)`, () => {
    const r = rng(1000 + OPS.indexOf(op));
    const start = sn.memory().numTensors;
    for (let c = 0; c < 200; c++) {
      sn.tidy(() => {
        const { aShape, bShape } = randomOperands(r);
        const a = randomTensor(r, aShape);
        const b = randomTensor(r, bShape);
        const y = sn[op](a.t, b.t);
        const what = `${op} case ${c}: a ${JSON.stringify(aShape)} b ${JSON.stringify(bShape)}`;
        assert.equal(y.shape, aShape, `${what}: output shape`);
        const expected = binaryRef(op, a.data, aShape, b.data, bShape);
        const got = y.dataSync();
        assertClose(got, expected, 1e-4, what);
        // One float32 operation per element: the result is the correctly rounded float64 one, exactly.
        for (let i = 0; i < got.length; i++) {
          if (got[i] !== Math.fround(expected[i]))
            assert.unreachable(`${what}: element ${i} is ${got[i]}, expected ${Math.fround(expected[i])}`);
        }
      });
    }
    assert.is(sn.memory().numTensors, start);
  });

  test(`${op}: gradients of 100 random small cases match central finite differences`, () => {
    const r = rng(2000 + OPS.indexOf(op));
    const start = sn.memory().numTensors;
    for (let c = 0; c < 100; c++) {
      sn.tidy(() => {
        const { aShape, bShape } = randomOperands(r, true);
        const a = randomTensor(r, aShape);
        const b = randomTensor(r, bShape);
        const dy = randomTensor(r, aShape);
        const [da, db] = sn.grads((x, y) => sn[op](x, y))([a.t, b.t], dy.t);
        assert.equal(da.shape, aShape);
        assert.equal(db.shape, bShape);
        const [ea, eb] = finiteDiffGrads(([x, y]) => binaryRef(op, x, aShape, y, bShape), [a.data, b.data], dy.data);
        const what = `${op} grad case ${c}: a ${JSON.stringify(aShape)} b ${JSON.stringify(bShape)}`;
        assertClose(da.dataSync(), ea, 1e-4, `${what}: da`);
        assertClose(db.dataSync(), eb, 1e-4, `${what}: db`);
      });
    }
    assert.is(sn.memory().numTensors, start);
  });
}

test('bias gradient over many rows: the sum over n,h,w of dy, for every channel count path', () => {
  const r = rng(31);
  for (const [shape, bias] of [
    [[8, 13, 11, 6], [6]], // pattern path, 1144 rows
    [[4, 17, 19, 3], [3]],
    [[2, 9, 9, 16], [16]], // pattern path, aligned
    [[30, 256], [256]], // row path, aligned
    [[70, 257], [257]], // row path with a scalar tail
    [
      [40, 300],
      [1, 300],
    ],
    [[33, 33, 9], []], // scalar: every element
    [[20011], [1]],
  ]) {
    sn.tidy(() => {
      const a = randomTensor(r, shape);
      const b = randomTensor(r, bias);
      const dy = randomTensor(r, shape, -1, 1);
      for (const op of OPS) {
        const [, db] = sn.grads((x, y) => sn[op](x, y))([a.t, b.t], dy.t);
        const { cols } = broadcastOf(shape, bias);
        const expected = new Float64Array(cols);
        const magnitude = new Float64Array(cols);
        for (let i = 0; i < dy.data.length; i++) {
          const term = op === 'mul' ? dy.data[i] * a.data[i] : op === 'sub' ? -dy.data[i] : dy.data[i];
          expected[i % cols] += term;
          magnitude[i % cols] += Math.abs(term);
        }
        assert.equal(db.shape, bias);
        const what = `${op} db for a ${JSON.stringify(shape)}, b ${JSON.stringify(bias)}`;
        const got = db.dataSync();
        assertClose(got, expected, 1e-4, what);
        // A sum of random signs cancels, so bound the error by the sum of magnitudes instead: the blocked
        // float32 sum stays within ~10 ulps of it even over 20000 rows.
        for (let j = 0; j < cols; j++) {
          const err = Math.abs(got[j] - expected[j]);
          if (!(err <= 1e-6 * magnitude[j]))
            assert.unreachable(`${what}: column ${j} off by ${err}, sum of |terms| ${magnitude[j]}`);
        }
      }
    });
  }
});

test('bias gradient over 300000 same-sign terms does not drift (blocked sums with float64 totals)', () => {
  // A float32 running sum is off by ~7e-4 here, float32 blocks with float32 totals by ~2e-5.
  for (const [shape, bias] of [
    [[300000], []],
    [[100000, 3], [3]],
    [[60000, 5], [5]],
    [[75000, 4], [4]],
  ]) {
    sn.tidy(() => {
      const a = sn.zeros(shape);
      const b = sn.zeros(bias);
      const dy = sn.fill(shape, 0.1);
      const [, db] = sn.grads((x, y) => sn.add(x, y))([a, b], dy);
      const cols = bias.length ? bias[0] : 1;
      const expected = Array(cols).fill((Math.fround(0.1) * sizeOf(shape)) / cols);
      assertClose(db.dataSync(), expected, 2e-6, `db for ${JSON.stringify(shape)} + ${JSON.stringify(bias)}`);
    });
  }
});

test('a tensor used as both operands gets both gradients added', () => {
  const x = sn.tensor([1.5, -2, 3, 0.25, 7]);
  const dy = sn.tensor([1, 2, 3, 4, 5]);
  const [dx] = sn.grads((t) => sn.mul(t, t))([x], dy);
  assertClose(dx.dataSync(), [3, -8, 18, 2, 70], 1e-7, 'd(x*x)');
  const [dz] = sn.grads((t) => sn.sub(t, t))([x], dy);
  assert.equal(Array.from(dz.dataSync()), [0, 0, 0, 0, 0]);
});

test('results do not depend on the position in the SIMD lanes (tails use the same arithmetic)', () => {
  const r = rng(5);
  for (const n of [1, 2, 3, 5, 7, 9, 13]) {
    const a = randomTensor(r, [n]);
    const b = randomTensor(r, [n]);
    for (const op of OPS) {
      const y = sn[op](a.t, b.t).dataSync();
      for (let i = 0; i < n; i++) assert.is(y[i], Math.fround(binaryRef(op, [a.data[i]], [1], [b.data[i]], [1])[0]));
    }
  }
});

test('empty tensors and scalars', () => {
  assert.equal(sn.add(sn.zeros([0, 3]), sn.ones([3])).shape, [0, 3]);
  const [, db] = sn.grads((x, y) => sn.add(x, y))([sn.zeros([0, 3]), sn.ones([3])]);
  assert.equal(Array.from(db.dataSync()), [0, 0, 0]);
  assert.is(sn.mul(sn.scalar(3), sn.scalar(4)).array(), 12);
  assert.equal(sn.sub(sn.scalar(3), sn.tensor([1])).shape, []);
});

test('incompatible shapes: an error naming the op and both shapes', () => {
  const a = sn.zeros([2, 3]);
  assertThrowsMessage(
    () => sn.add(a, sn.zeros([2])),
    /add: arguments 'a' and 'b' have incompatible shapes \[2,3\] and \[2\]/,
  );
  assertThrowsMessage(() => sn.sub(a, sn.zeros([3, 2])), /sub: .*\[2,3\] and \[3,2\].*vector of length 3/);
  assertThrowsMessage(() => sn.mul(a, sn.zeros([2, 3, 1])), /mul: .*\[2,3\] and \[2,3,1\]/);
  // b broadcasts into a, not the other way round.
  assertThrowsMessage(() => sn.add(sn.zeros([3]), a), /add: .*\[3\] and \[2,3\]/);
  assertThrowsMessage(() => sn.add(sn.zeros([2, 3]), sn.zeros([2, 3, 3])), /incompatible shapes/);
});

test('wrong argument types and dtypes: specific errors', () => {
  const a = sn.zeros([2]);
  assertThrowsMessage(
    () => sn.add(a, sn.tensor([1, 2], undefined, 'int32')),
    /add: argument 'b' must have dtype float32; got int32/,
  );
  assertThrowsMessage(
    () => sn.mul(sn.tensor([1, 2], undefined, 'int32'), a),
    /mul: argument 'a' must have dtype float32; got int32/,
  );
  assertThrowsMessage(() => sn.sub(a, 3), /sub: argument 'b' must be a Tensor; got 3/);
  assertThrowsMessage(() => sn.add([1, 2], a), /add: argument 'a' must be a Tensor; got array of length 2/);
  const d = sn.zeros([2]);
  d.dispose();
  assertThrowsMessage(() => sn.add(a, d), /add: argument 'b' is a disposed tensor/);
});

test('no tensors leak from forward and backward inside tidy', () => {
  const start = sn.memory().numTensors;
  sn.tidy(() => {
    const a = sn.randomNormal([5, 7], { seed: 1 });
    const b = sn.randomNormal([7], { seed: 2 });
    sn.grads((x, y) => sn.mul(sn.add(x, y), sn.sub(x, y)))([a, b]);
  });
  assert.is(sn.memory().numTensors, start);
});

test.run();
