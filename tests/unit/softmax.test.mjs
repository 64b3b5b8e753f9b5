import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertClose, assertThrowsMessage } from '../helpers/compare.mjs';
import { rng, sizeOf } from '../helpers/random.mjs';
import { casesOf } from '../helpers/fixtures.mjs';
import { crossEntropyRef, numericGrad, softmaxRef } from '../helpers/reference-pool.mjs';

function input(values, shape) {
  const data = Float32Array.from(values);
  return { t: sn.tensor(data, shape), data };
}

const int32 = (values) => sn.tensor(Int32Array.from(values), [values.length], 'int32');

/** Random soft labels: non-negative rows summing to 1, or one-hot rows. */
function denseLabels(r, n, k) {
  const t = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    if (r.next() < 0.5) {
      t[i * k + r.int(0, k - 1)] = 1;
    } else {
      const row = Array.from({ length: k }, () => r.next());
      const s = row.reduce((a, b) => a + b, 0);
      row.forEach((v, j) => (t[i * k + j] = v / s));
    }
  }
  return t;
}

// ---- softmax ----

test('softmax: 250 random forward cases (ranks 1 to 3, rows of 1 to 37) match the float64 reference', () => {
  const r = rng(11);
  for (let i = 0; i < 250; i++) {
    const shape = [...Array.from({ length: r.int(0, 2) }, () => r.int(1, 5)), r.int(1, 37)];
    const scale = r.pick([1, 5, 30]);
    sn.tidy(() => {
      const { t, data } = input(r.array(sizeOf(shape), -scale, scale), shape);
      const y = sn.softmax(t);
      assert.equal(y.shape, shape);
      const want = softmaxRef(data, shape[shape.length - 1]);
      assertClose(y.dataSync(), want, 1e-4, `case ${i} ${JSON.stringify(shape)}`);
      // Relative accuracy of each probability too, not just norm-wise: catches a poor exp.
      const got = y.dataSync();
      for (let j = 0; j < got.length; j++) {
        if (want[j] > 1e-30)
          assert.ok(
            Math.abs(got[j] - want[j]) <= 1e-5 * want[j] + 1e-37,
            `case ${i} element ${j}: ${got[j]} vs ${want[j]}`,
          );
      }
    });
  }
});

test('softmax: 120 random gradients match central finite differences', () => {
  const r = rng(12);
  for (let i = 0; i < 120; i++) {
    const shape = [...Array.from({ length: r.int(0, 2) }, () => r.int(1, 3)), r.int(1, 13)];
    const k = shape[shape.length - 1];
    sn.tidy(() => {
      const { t, data } = input(r.array(sizeOf(shape), -3, 3), shape);
      const dy = Float32Array.from(r.array(sizeOf(shape)));
      const [dx] = sn.grads((a) => sn.softmax(a))([t], sn.tensor(dy, shape));
      assertClose(
        dx.dataSync(),
        numericGrad((v) => softmaxRef(v, k), data, dy),
        1e-4,
        `case ${i} ${JSON.stringify(shape)}`,
      );
    });
  }
});

test('softmax: every PyTorch fixture (forward and dx)', () => {
  const cases = casesOf('softmax');
  assert.ok(cases.length >= 2);
  for (const c of cases) {
    sn.tidy(() => {
      const x = sn.tensor(c.x.data, c.x.shape);
      const { value, grads } = sn.valueAndGrads((a) => sn.softmax(a))([x], sn.tensor(c.dy.data, c.dy.shape));
      assertClose(value.dataSync(), c.y.data, 1e-4, 'y');
      assertClose(grads[0].dataSync(), c.dx.data, 1e-4, 'dx');
    });
  }
});

test('softmax: stable at +-1e4 and exact at the extremes', () => {
  sn.tidy(() => {
    const y = sn.softmax(
      sn.tensor([
        [1e4, -1e4, 0, 1e4],
        [-1e4, -1e4, -1e4, -1e4],
        [88, -88, 0, 1],
      ]),
    );
    const d = y.dataSync();
    assert.ok(d.every(Number.isFinite), `${d}`);
    assertClose(d.subarray(0, 8), [0.5, 0, 0, 0.5, 0.25, 0.25, 0.25, 0.25], 1e-6);
    assertClose(d.subarray(8), softmaxRef([88, -88, 0, 1], 4), 1e-6);
    assert.is(d[1], 0);
  });
});

// ---- softmax cross-entropy ----

test('softmaxCrossEntropy: 250 random forward cases (sparse and dense labels) match the float64 reference', () => {
  const r = rng(21);
  for (let i = 0; i < 250; i++) {
    const n = r.int(1, 9);
    const k = r.int(1, 37);
    const sparse = i % 2 === 0;
    const scale = r.pick([1, 10, 100]);
    sn.tidy(() => {
      const { t, data } = input(r.array(n * k, -scale, scale), [n, k]);
      const labelValues = sparse ? Array.from({ length: n }, () => r.int(0, k - 1)) : denseLabels(r, n, k);
      const labels = sparse ? int32(labelValues) : sn.tensor(labelValues, [n, k]);
      const loss = sn.softmaxCrossEntropy(t, labels, { sparse });
      assert.equal(loss.shape, []);
      const want = crossEntropyRef(data, n, k, labelValues, sparse);
      assertClose(loss.dataSync(), [want], 1e-4, `case ${i} n ${n} k ${k} sparse ${sparse}`);
    });
  }
});

test('softmaxCrossEntropy: 120 random gradients (logits, and soft labels) match central finite differences', () => {
  const r = rng(22);
  for (let i = 0; i < 120; i++) {
    const n = r.int(1, 5);
    const k = r.int(1, 11);
    const sparse = i % 2 === 0;
    const what = `case ${i} n ${n} k ${k} sparse ${sparse}`;
    sn.tidy(() => {
      const { t, data } = input(r.array(n * k, -4, 4), [n, k]);
      const dy = Float32Array.of(r.pick([1, -0.7, 2.5]));
      if (sparse) {
        const labelValues = Array.from({ length: n }, () => r.int(0, k - 1));
        const [dz] = sn.grads((z) => sn.softmaxCrossEntropy(z, int32(labelValues)))([t], sn.tensor(dy, []));
        const fd = numericGrad((v) => crossEntropyRef(v, n, k, labelValues, true), data, dy);
        assertClose(dz.dataSync(), fd, 1e-4, what);
      } else {
        // Labels that do not sum to 1 check the exact gradient, softmax * sum(t) - t.
        const labelValues = Float32Array.from(r.array(n * k, 0, 1));
        const lt = sn.tensor(labelValues, [n, k]);
        const [dz, dt] = sn.grads((z, l) => sn.softmaxCrossEntropy(z, l, { sparse: false }))(
          [t, lt],
          sn.tensor(dy, []),
        );
        assertClose(
          dz.dataSync(),
          numericGrad((v) => crossEntropyRef(v, n, k, labelValues, false), data, dy),
          1e-4,
          `${what} dlogits`,
        );
        assertClose(
          dt.dataSync(),
          numericGrad((v) => crossEntropyRef(data, n, k, v, false), labelValues, dy),
          1e-4,
          `${what} dlabels`,
        );
      }
    });
  }
});

test('softmaxCrossEntropy: one-hot float labels give the same loss and gradient as class indices', () => {
  sn.tidy(() => {
    const z = sn.randomNormal([6, 7], { seed: 3 });
    const idx = [0, 6, 3, 3, 1, 5];
    const onehot = new Float32Array(6 * 7);
    idx.forEach((c, i) => (onehot[i * 7 + c] = 1));
    const a = sn.valueAndGrads((x) => sn.softmaxCrossEntropy(x, int32(idx)))([z]);
    const b = sn.valueAndGrads((x) => sn.softmaxCrossEntropy(x, sn.tensor(onehot, [6, 7]), { sparse: false }))([z]);
    assertClose(a.value.dataSync(), b.value.dataSync(), 1e-6);
    assertClose(a.grads[0].dataSync(), b.grads[0].dataSync(), 1e-6);
  });
});

test('softmaxCrossEntropy: every PyTorch sparseCategoricalCrossentropy fixture (loss and dlogits)', () => {
  const cases = casesOf('sparseCategoricalCrossentropy');
  assert.ok(cases.length >= 2);
  for (const c of cases) {
    sn.tidy(() => {
      const x = sn.tensor(c.x.data, c.x.shape);
      const labels = int32(Array.isArray(c.labels) ? c.labels : c.labels.data);
      const { value, grads } = sn.valueAndGrads((z) => sn.softmaxCrossEntropy(z, labels))([x]);
      assertClose(value.dataSync(), [typeof c.y === 'number' ? c.y : c.y.data[0]], 1e-5, 'loss');
      assertClose(grads[0].dataSync(), c.dx.data, 1e-4, 'dx');
    });
  }
});

test('softmaxCrossEntropy: logits of +-1e4 give finite, exact losses and gradients', () => {
  sn.tidy(() => {
    const z = [1e4, -1e4, 0, 1e4, -1e4, 1e4, -1e4, -1e4, 0, -1e4, 1e4, 5];
    const n = 3;
    const k = 4;
    for (const sparse of [true, false]) {
      const idx = [1, 1, 3];
      const dense = new Float32Array(n * k);
      idx.forEach((c, i) => (dense[i * k + c] = 1));
      const labelValues = sparse ? idx : dense;
      const labels = sparse ? int32(idx) : sn.tensor(dense, [n, k]);
      const { value, grads } = sn.valueAndGrads((x) => sn.softmaxCrossEntropy(x, labels, { sparse }))([
        sn.tensor(z, [n, k]),
      ]);
      const loss = value.dataSync()[0];
      const g = grads[0].dataSync();
      assert.ok(Number.isFinite(loss), `loss ${loss}`);
      assert.ok(g.every(Number.isFinite), `gradient ${g}`);
      // Row 0: lse = 1e4 + log 2, label logit -1e4; row 1: exactly 0; row 2: lse = 1e4, label logit 5.
      assertClose([loss], [crossEntropyRef(z, n, k, labelValues, sparse)], 1e-6, `loss, sparse ${sparse}`);
      assertClose(
        g,
        [0.5 / 3, -1 / 3, 0, 0.5 / 3, 0, 0, 0, 0, 0, 0, 1 / 3, -1 / 3],
        1e-6,
        `gradient, sparse ${sparse}`,
      );
    }
  });
});

test('softmaxCrossEntropy validates logits, labels and options with clear messages', () => {
  const fn = 'softmaxCrossEntropy';
  sn.tidy(() => {
    const z = sn.zeros([3, 4]);
    assertThrowsMessage(
      () => sn.softmaxCrossEntropy(sn.zeros([3]), int32([0, 1, 2])),
      new RegExp(`${fn}: argument 'logits' must be rank 2 \\[n,k\\]; got rank 1 with shape \\[3\\]`),
    );
    assertThrowsMessage(
      () => sn.softmaxCrossEntropy(z, int32([0, 4, 1])),
      new RegExp(`${fn}: argument 'labels' must hold class indices in \\[0, 4\\) for 4 classes; got 4 at index 1`),
    );
    assertThrowsMessage(
      () => sn.softmaxCrossEntropy(z, int32([0, 1, -1])),
      new RegExp(`${fn}: argument 'labels' must hold class indices in \\[0, 4\\) for 4 classes; got -1 at index 2`),
    );
    assertThrowsMessage(
      () => sn.softmaxCrossEntropy(z, sn.tensor([0, 1, 2])),
      new RegExp(`${fn}: argument 'labels' must have dtype int32 \\(class indices\\) with sparse: true; got float32`),
    );
    assertThrowsMessage(
      () => sn.softmaxCrossEntropy(z, int32([0, 1])),
      new RegExp(
        `${fn}: argument 'labels' must have shape \\[3\\] \\(one class index per row of logits\\); got \\[2\\]`,
      ),
    );
    assertThrowsMessage(
      () => sn.softmaxCrossEntropy(z, sn.zeros([3, 3]), { sparse: false }),
      new RegExp(
        `${fn}: argument 'labels' must have the shape of 'logits' \\[3,4\\] with sparse: false; got \\[3,3\\]`,
      ),
    );
    assertThrowsMessage(
      () => sn.softmaxCrossEntropy(z, int32([0, 1, 2]), { sparse: false }),
      new RegExp(
        `${fn}: argument 'labels' must have dtype float32 \\(one-hot or soft labels\\) with sparse: false; got int32`,
      ),
    );
    assertThrowsMessage(
      () => sn.softmaxCrossEntropy(z, int32([0, 1, 2]), { sparse: 'yes' }),
      new RegExp(`${fn}: argument 'sparse' must be a boolean; got "yes"`),
    );
    assertThrowsMessage(
      () => sn.softmaxCrossEntropy(z, int32([0, 1, 2]), { fromLogits: true }),
      new RegExp(`${fn}: unknown option 'fromLogits'; the options are 'sparse'`),
    );
    assertThrowsMessage(
      () => sn.softmaxCrossEntropy(z, [0, 1, 2]),
      new RegExp(`${fn}: argument 'labels' must be a Tensor; got array of length 3`),
    );
    assertThrowsMessage(
      () => sn.softmaxCrossEntropy(sn.zeros([3, 0]), int32([0, 0, 0])),
      new RegExp(`${fn}: argument 'logits' must have at least one class; got shape \\[3,0\\]`),
    );
    assertThrowsMessage(
      () => sn.softmaxCrossEntropy(sn.zeros([3, 4], 'int32'), int32([0, 1, 2])),
      new RegExp(`${fn}: argument 'logits' must have dtype float32; got int32`),
    );
  });
});

test('softmax validates its argument', () => {
  sn.tidy(() => {
    assertThrowsMessage(
      () => sn.softmax(sn.scalar(1)),
      /softmax: argument 'x' must have rank >= 1 \(softmax is over the last axis\); got a scalar/,
    );
    assertThrowsMessage(
      () => sn.softmax(sn.zeros([2], 'int32')),
      /softmax: argument 'x' must have dtype float32; got int32/,
    );
    assertThrowsMessage(() => sn.softmax(null), /softmax: argument 'x' must be a Tensor; got null/);
  });
});

test('no tensor outlives tidy: softmax and cross-entropy, forward and backward', () => {
  const start = sn.memory().numTensors;
  sn.tidy(() => {
    const z = sn.randomNormal([4, 10], { seed: 2 });
    const labels = int32([1, 2, 3, 9]);
    sn.softmax(z);
    sn.softmaxCrossEntropy(z, labels);
    sn.grads((a) => sn.softmaxCrossEntropy(sn.softmax(a), labels))([z]);
    sn.grads((a, t) => sn.softmaxCrossEntropy(a, t, { sparse: false }))([z, sn.softmax(z)]);
  });
  assert.is(sn.memory().numTensors, start);
});

test.run();
