import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertClose, assertThrowsMessage } from '../helpers/compare.mjs';
import { rng } from '../helpers/random.mjs';
import { casesOf } from '../helpers/fixtures.mjs';
import { finiteDifferenceGrads, matMulRef } from '../helpers/reference-conv.mjs';

const f32Array = (r, n) => Float64Array.from(Float32Array.from(r.array(n)));
const transpose = (a, rows, cols) => {
  const t = new Float64Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
};

/** A random product: m, k, n over 1..max (odd sizes, not multiples of the 4x8 tile), bias and relu for dense. */
function randomCase(r, max, dense) {
  return {
    m: r.int(1, max),
    k: r.int(1, max),
    n: r.int(1, max),
    bias: dense && r.next() < 0.7,
    relu: dense && r.next() < 0.4,
  };
}

function caseData(r, c) {
  return { a: f32Array(r, c.m * c.k), b: f32Array(r, c.k * c.n), bias: c.bias ? f32Array(r, c.n) : null };
}

const describeCase = (c) => `m ${c.m} k ${c.k} n ${c.n} bias ${c.bias} relu ${c.relu}`;

/** The op's output and gradients (seeded with dy) with respect to a, b (and bias). */
function runOp(c, d, dy, dense) {
  return sn.tidy(() => {
    const inputs = [sn.tensor(d.a, [c.m, c.k]), sn.tensor(d.b, [c.k, c.n])];
    if (d.bias) inputs.push(sn.tensor(d.bias, [c.n]));
    const f = dense ? (x, w, b) => sn.dense(x, w, b, c.relu ? 'relu' : 'linear') : (x, w) => sn.matMul(x, w);
    const { value, grads } = sn.valueAndGrads(f)(inputs, sn.tensor(dy, [c.m, c.n]));
    assert.equal(value.shape, [c.m, c.n]);
    grads.forEach((g, i) => assert.equal(g.shape, inputs[i].shape));
    return { y: value.dataSync(), grads: grads.map((g) => g.dataSync()) };
  });
}

test('matMul and dense match the float64 reference on 200 random shapes each', () => {
  const r = rng(11);
  for (const dense of [false, true]) {
    for (let i = 0; i < 200; i++) {
      const c = randomCase(r, i < 20 ? 90 : 33, dense);
      const d = caseData(r, c);
      const expected = matMulRef(d.a, c.m, c.k, d.b, c.n, d.bias, c.relu);
      const y = sn.tidy(() => {
        const a = sn.tensor(d.a, [c.m, c.k]);
        const b = sn.tensor(d.b, [c.k, c.n]);
        const out = dense
          ? sn.dense(a, b, d.bias ? sn.tensor(d.bias) : undefined, c.relu ? 'relu' : 'linear')
          : sn.matMul(a, b);
        return out.dataSync();
      });
      assertClose(y, expected, 1e-4, `${dense ? 'dense' : 'matMul'} case ${i}: ${describeCase(c)}`);
    }
  }
});

test('gradients match central finite differences on 100 random small cases', () => {
  const r = rng(22);
  for (let i = 0; i < 100; i++) {
    const dense = i % 2 === 1;
    const c = randomCase(r, 11, dense);
    const d = caseData(r, c);
    const dy = f32Array(r, c.m * c.n);
    const f = ([a, b, bias]) => matMulRef(a, c.m, c.k, b, c.n, bias, c.relu);
    const expected = finiteDifferenceGrads(f, [d.a, d.b, d.bias], dy);
    const { grads } = runOp(c, d, dy, dense);
    assertClose(grads[0], expected[0], 1e-4, `da, case ${i}: ${describeCase(c)}`);
    assertClose(grads[1], expected[1], 1e-4, `db, case ${i}: ${describeCase(c)}`);
    if (d.bias) assertClose(grads[2], expected[2], 1e-4, `dbias, case ${i}: ${describeCase(c)}`);
  }
});

test('gradients on larger shapes match dA = dY·Bᵀ and dB = Aᵀ·dY in float64', () => {
  const r = rng(33);
  for (let i = 0; i < 20; i++) {
    const c = randomCase(r, 70, false);
    const d = caseData(r, c);
    const dy = f32Array(r, c.m * c.n);
    const { grads } = runOp(c, d, dy, false);
    assertClose(grads[0], matMulRef(dy, c.m, c.n, transpose(d.b, c.k, c.n), c.k), 1e-4, `da, ${describeCase(c)}`);
    assertClose(grads[1], matMulRef(transpose(d.a, c.m, c.k), c.k, c.m, dy, c.n), 1e-4, `db, ${describeCase(c)}`);
  }
  // More rows than one weight-gradient chunk (256), so chunks must accumulate.
  const c = { m: 600, k: 13, n: 9 };
  const d = caseData(r, c);
  const dy = f32Array(r, c.m * c.n);
  const { grads } = runOp(c, d, dy, false);
  assertClose(grads[1], matMulRef(transpose(d.a, c.m, c.k), c.k, c.m, dy, c.n), 1e-4, 'db, m 600');
});

test('edge tiles: every m 1..9 against every n 1..17', () => {
  const r = rng(44);
  for (let m = 1; m <= 9; m++) {
    for (let n = 1; n <= 17; n++) {
      const c = { m, k: 5, n, bias: true, relu: false };
      const d = caseData(r, c);
      const dy = f32Array(r, m * n);
      const { y, grads } = runOp(c, d, dy, true);
      assertClose(y, matMulRef(d.a, m, 5, d.b, n, d.bias), 1e-4, `y, m ${m} n ${n}`);
      assertClose(grads[0], matMulRef(dy, m, n, transpose(d.b, 5, n), 5), 1e-4, `da, m ${m} n ${n}`);
      assertClose(grads[1], matMulRef(transpose(d.a, m, 5), 5, m, dy, n), 1e-4, `db, m ${m} n ${n}`);
      const dbias = Array.from({ length: n }, (_, j) => {
        let s = 0;
        for (let i = 0; i < m; i++) s += dy[i * n + j];
        return s;
      });
      assertClose(grads[2], dbias, 1e-4, `dbias, m ${m} n ${n}`);
    }
  }
});

/** dense's gradients with respect to the inputs named in `wrt` only (the others are constants), seeded with dy. */
function partialGrads(c, d, dy, wrt) {
  return sn.tidy(() => {
    const all = { x: sn.tensor(d.a, [c.m, c.k]), w: sn.tensor(d.b, [c.k, c.n]), b: sn.tensor(d.bias, [c.n]) };
    const f = (...args) => {
      const v = { ...all };
      wrt.forEach((name, i) => {
        v[name] = args[i];
      });
      return sn.dense(v.x, v.w, v.b, c.relu ? 'relu' : 'linear');
    };
    return sn
      .grads(f)(
        wrt.map((name) => all[name]),
        sn.tensor(dy, [c.m, c.n]),
      )
      .map((g) => g.dataSync());
  });
}

test('dense with relu: edge tiles and every subset of inputs differentiated (the masked gradient is prepared once)', () => {
  const r = rng(45);
  for (let m = 1; m <= 9; m += 2) {
    for (let n = 1; n <= 17; n++) {
      const c = { m, k: r.int(1, 12), n, bias: true, relu: true };
      const d = caseData(r, c);
      const dy = f32Array(r, m * n);
      const y = matMulRef(d.a, m, c.k, d.b, n, d.bias);
      const g = dy.map((v, i) => (y[i] > 0 ? v : 0));
      const exact = {
        x: matMulRef(g, m, n, transpose(d.b, c.k, n), c.k),
        w: matMulRef(transpose(d.a, m, c.k), c.k, m, g, n),
        b: Array.from({ length: n }, (_, j) => {
          let s = 0;
          for (let i = 0; i < m; i++) s += g[i * n + j];
          return s;
        }),
      };
      for (const wrt of [['x', 'w', 'b'], ['w', 'b'], ['x'], ['b'], ['w']]) {
        const got = partialGrads(c, d, dy, wrt);
        wrt.forEach((name, i) => assertClose(got[i], exact[name], 1e-4, `d${name} wrt ${wrt}, ${describeCase(c)}`));
      }
    }
  }
});

test('PyTorch fixtures: y, dx, dw, db for every dense case', () => {
  const cases = casesOf('dense');
  assert.ok(cases.length >= 4, `only ${cases.length} dense fixtures`);
  for (const [i, c] of cases.entries()) {
    const what = `fixture ${i} x ${JSON.stringify(c.x.shape)} w ${JSON.stringify(c.w.shape)}`;
    const inputs = [sn.tensor(c.x.data, c.x.shape), sn.tensor(c.w.data, c.w.shape), sn.tensor(c.b.data, c.b.shape)];
    const { value, grads } = sn.valueAndGrads((x, w, b) => sn.dense(x, w, b))(inputs, sn.tensor(c.dy.data, c.dy.shape));
    assertClose(value.dataSync(), c.y.data, 1e-4, `y, ${what}`);
    assertClose(grads[0].dataSync(), c.dx.data, 1e-4, `dx, ${what}`);
    assertClose(grads[1].dataSync(), c.dw.data, 1e-4, `dw, ${what}`);
    assertClose(grads[2].dataSync(), c.db.data, 1e-4, `db, ${what}`);
    for (const t of [...inputs, value, ...grads]) t.dispose();
  }
});

test('dense relu clamps the output and masks every gradient where y <= 0', () => {
  const x = sn.tensor([
    [1, 2],
    [-1, -2],
  ]);
  const w = sn.tensor([[1], [1]]);
  const b = sn.tensor([0.5]);
  const { value, grads } = sn.valueAndGrads((p, q, r) => sn.dense(p, q, r, 'relu'))([x, w, b]);
  assert.equal(Array.from(value.dataSync()), [3.5, 0]);
  assert.equal(Array.from(grads[0].dataSync()), [1, 1, 0, 0]);
  assert.equal(Array.from(grads[1].dataSync()), [1, 2]);
  assert.equal(Array.from(grads[2].dataSync()), [1]);
  for (const t of [x, w, b, value, ...grads]) t.dispose();
});

test('an empty inner dimension gives zeros (plus bias) and zero gradients', () => {
  const a = sn.zeros([3, 0]);
  const b = sn.zeros([0, 2]);
  const bias = sn.tensor([1, -2]);
  const y = sn.matMul(a, b);
  assert.equal(y.array(), [
    [0, 0],
    [0, 0],
    [0, 0],
  ]);
  const z = sn.dense(a, b, bias, 'relu');
  assert.equal(z.array(), [
    [1, 0],
    [1, 0],
    [1, 0],
  ]);
  const [ga, gb] = sn.grads((p, q) => sn.matMul(p, q))([a, b]);
  assert.equal(ga.shape, [3, 0]);
  assert.equal(gb.shape, [0, 2]);
  for (const t of [a, b, bias, y, z, ga, gb]) t.dispose();
});

test('invalid arguments give specific errors', () => {
  const start = sn.memory().numTensors;
  sn.tidy(() => {
    const a = sn.zeros([2, 3]);
    const b = sn.zeros([3, 4]);
    assertThrowsMessage(
      () => sn.matMul(sn.zeros([2, 3, 1]), b),
      /matMul: argument 'a' must be rank 2 \[m,k\]; got rank 3 with shape \[2,3,1\]/,
    );
    assertThrowsMessage(
      () => sn.matMul(a, sn.zeros([3])),
      /matMul: argument 'b' must be rank 2 \[k,n\]; got rank 1 with shape \[3\]/,
    );
    assertThrowsMessage(
      () => sn.matMul(a, sn.zeros([4, 3])),
      /matMul: inner dimensions must agree: argument 'a' has shape \[2,3\] \(k = 3\) but argument 'b' has shape \[4,3\] \(k = 4\)/,
    );
    assertThrowsMessage(() => sn.matMul(a, 'b'), /matMul: argument 'b' must be a Tensor; got "b"/);
    assertThrowsMessage(
      () => sn.matMul(sn.tensor([[1]], undefined, 'int32'), sn.zeros([1, 1])),
      /matMul: argument 'a' must have dtype float32; got int32/,
    );
    assertThrowsMessage(
      () => sn.dense(sn.zeros([3]), b),
      /dense: argument 'x' must be rank 2 \[n,in\]; got rank 1 with shape \[3\]/,
    );
    assertThrowsMessage(
      () => sn.dense(a, sn.zeros([2, 4])),
      /dense: argument 'w' must have shape \[in,out\] with in = 3 \(x's last axis\); got shape \[2,4\]/,
    );
    assertThrowsMessage(
      () => sn.dense(a, b, sn.zeros([3])),
      /dense: argument 'b' must have shape \[4\] \(out = w's last axis\); got shape \[3\]/,
    );
    assertThrowsMessage(
      () => sn.dense(a, b, sn.zeros([1, 4])),
      /dense: argument 'b' must be rank 1 \[out\]; got rank 2 with shape \[1,4\]/,
    );
    assertThrowsMessage(
      () => sn.dense(a, b, undefined, 'softmax'),
      /dense: argument 'activation' must be 'linear' or 'relu'; got "softmax"/,
    );
  });
  assert.is(sn.memory().numTensors, start);
});

test('10,000 tidied matMul and dense calls leave wasmBytes and numTensors flat', () => {
  const x = sn.randomNormal([7, 13], { seed: 1 });
  const w = sn.randomNormal([13, 10], { seed: 2 });
  const b = sn.randomNormal([10], { seed: 3 });
  const g = sn.grads((p, q, r) => sn.dense(p, q, r, 'relu'));
  const step = (i) =>
    sn.tidy(() => {
      sn.matMul(x, w);
      sn.dense(x, w, b);
      if (i % 100 === 0) g([x, w, b]);
    });
  for (let i = 0; i < 20; i++) step(i);
  const before = sn.memory();
  for (let i = 0; i < 10000; i++) step(i);
  const after = sn.memory();
  assert.is(after.numTensors, before.numTensors);
  assert.is(after.numBytes, before.numBytes);
  assert.is(after.wasmBytes, before.wasmBytes);
  for (const t of [x, w, b]) t.dispose();
});

test.run();
