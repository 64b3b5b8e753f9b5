import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertClose, assertThrowsMessage } from '../helpers/compare.mjs';
import { rng, sizeOf } from '../helpers/random.mjs';
import { casesOf } from '../helpers/fixtures.mjs';
import { conv2dBackwardRef, conv2dRef, finiteDifferenceGrads, resolvePaddingRef } from '../helpers/reference-conv.mjs';

/** Random values already rounded to float32, so the float64 reference sees exactly what the op sees. */
const f32Array = (r, n) => Float64Array.from(Float32Array.from(r.array(n)));

/**
 * A random convolution: odd channel counts (both below and above the row-tap threshold of 8), stride,
 * dilation, and every padding form. `maxCost` bounds params * forward multiply-adds (for finite differences).
 */
function randomCase(r, { small = false, maxCost = Infinity } = {}) {
  for (;;) {
    const pointwise = r.next() < 0.1;
    const kh = pointwise ? 1 : r.int(1, small ? 3 : 5);
    const kw = pointwise ? 1 : r.int(1, small ? 3 : 5);
    const strides = pointwise ? [1, 1] : [r.int(1, 3), r.int(1, 3)];
    const dilation = !pointwise && r.next() < 0.3 ? [r.int(1, 3), r.int(1, 3)] : [1, 1];
    const kind = pointwise ? 'valid' : r.pick(['valid', 'same', 'explicit']);
    const padding =
      kind === 'explicit'
        ? [
            [r.int(0, 3), r.int(0, 3)],
            [r.int(0, 3), r.int(0, 3)],
          ]
        : kind;
    const [pt, pb, pl, pr] = kind === 'explicit' ? padding.flat() : [0, 0, 0, 0];
    const winH = (kh - 1) * dilation[0] + 1;
    const winW = (kw - 1) * dilation[1] + 1;
    const h = r.int(Math.max(1, winH - pt - pb), Math.max(1, winH - pt - pb) + (small ? 4 : 9));
    const w = r.int(Math.max(1, winW - pl - pr), Math.max(1, winW - pl - pr) + (small ? 4 : 9));
    const cin = r.pick(small ? [1, 2, 3, 5, 8, 9] : [1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 16, 17, 24]);
    const cout = r.pick(small ? [1, 2, 3, 5, 8, 9] : [1, 2, 3, 5, 7, 8, 9, 12, 15, 16, 17, 24, 33]);
    const n = r.int(1, small ? 2 : 3);
    const c = {
      xShape: [n, h, w, cin],
      wShape: [kh, kw, cin, cout],
      strides,
      dilation,
      padding,
      bias: r.next() < 0.5,
      relu: r.next() < 0.3,
    };
    const [t, b, l, rt] = resolvePaddingRef(padding, h, w, kh, kw, strides, dilation);
    const oh = Math.floor((h + t + b - winH) / strides[0]) + 1;
    const ow = Math.floor((w + l + rt - winW) / strides[1]) + 1;
    const cost = (n * h * w * cin + kh * kw * cin * cout) * n * oh * ow * kh * kw * cin * cout;
    if (cost <= maxCost) return c;
  }
}

function caseData(r, c) {
  return {
    x: f32Array(r, sizeOf(c.xShape)),
    w: f32Array(r, sizeOf(c.wShape)),
    b: c.bias ? f32Array(r, c.wShape[3]) : null,
  };
}

const refOptions = (c, b) => ({ strides: c.strides, dilation: c.dilation, padding: c.padding, bias: b, relu: c.relu });
const opOptions = (c, bias) => ({
  strides: c.strides,
  dilation: c.dilation,
  padding: c.padding,
  bias,
  activation: c.relu ? 'relu' : 'linear',
});
const describeCase = (c) =>
  `x ${JSON.stringify(c.xShape)} w ${JSON.stringify(c.wShape)} s ${c.strides} d ${c.dilation} pad ${JSON.stringify(c.padding)} bias ${c.bias} relu ${c.relu}`;

/** sn.grads of conv2d with respect to x, w (and bias), seeded with dy; returns Float32Arrays. */
function opGrads(c, d, dy, yShape) {
  return sn.tidy(() => {
    const inputs = [sn.tensor(d.x, c.xShape), sn.tensor(d.w, c.wShape)];
    if (d.b) inputs.push(sn.tensor(d.b, [c.wShape[3]]));
    const f = (x, w, b) => sn.conv2d(x, w, opOptions(c, b));
    const grads = sn.grads(f)(inputs, sn.tensor(dy, yShape));
    grads.forEach((g, i) => assert.equal(g.shape, inputs[i].shape));
    return grads.map((g) => g.dataSync());
  });
}

/** y, dx, dw and db of one case (with bias) against the exact float64 forward and backward references. */
function checkForwardAndBackward(r, c) {
  const d = caseData(r, c);
  const ref = conv2dRef(d.x, c.xShape, d.w, c.wShape, refOptions(c, d.b));
  const dy = f32Array(r, ref.y.length);
  const exact = conv2dBackwardRef(d.x, c.xShape, d.w, c.wShape, dy, refOptions(c, d.b));
  const y = sn.tidy(() =>
    sn.conv2d(sn.tensor(d.x, c.xShape), sn.tensor(d.w, c.wShape), opOptions(c, sn.tensor(d.b))).dataSync(),
  );
  assertClose(y, ref.y, 1e-4, `y, ${describeCase(c)}`);
  const [dx, dw, db] = opGrads(c, d, dy, ref.shape);
  assertClose(dx, exact.dx, 1e-4, `dx, ${describeCase(c)}`);
  assertClose(dw, exact.dw, 1e-4, `dw, ${describeCase(c)}`);
  assertClose(db, exact.db, 1e-4, `db, ${describeCase(c)}`);
}

test('forward matches the float64 reference on 200 random shapes', () => {
  const r = rng(101);
  for (let i = 0; i < 200; i++) {
    const c = randomCase(r);
    const d = caseData(r, c);
    const ref = conv2dRef(d.x, c.xShape, d.w, c.wShape, refOptions(c, d.b));
    const y = sn.tidy(() => {
      const out = sn.conv2d(
        sn.tensor(d.x, c.xShape),
        sn.tensor(d.w, c.wShape),
        opOptions(c, d.b ? sn.tensor(d.b) : undefined),
      );
      assert.equal(out.shape, ref.shape, `case ${i}: ${describeCase(c)}`);
      return out.dataSync();
    });
    assertClose(y, ref.y, 1e-4, `case ${i}: ${describeCase(c)}`);
  }
});

test('dx, dw, db match central finite differences on 100 random small cases', () => {
  const r = rng(202);
  for (let i = 0; i < 100; i++) {
    const c = randomCase(r, { small: true, maxCost: 4e5 });
    const d = caseData(r, c);
    const { shape } = conv2dRef(d.x, c.xShape, d.w, c.wShape, refOptions(c, d.b));
    const dy = f32Array(r, sizeOf(shape));
    const f = ([x, w, b]) => conv2dRef(x, c.xShape, w, c.wShape, refOptions(c, b)).y;
    const expected = finiteDifferenceGrads(f, [d.x, d.w, d.b], dy);
    const got = opGrads(c, d, dy, shape);
    assertClose(got[0], expected[0], 1e-4, `dx, case ${i}: ${describeCase(c)}`);
    assertClose(got[1], expected[1], 1e-4, `dw, case ${i}: ${describeCase(c)}`);
    if (d.b) assertClose(got[2], expected[2], 1e-4, `db, case ${i}: ${describeCase(c)}`);
  }
});

test('the exact float64 backward reference agrees with finite differences', () => {
  const r = rng(303);
  for (let i = 0; i < 10; i++) {
    const c = randomCase(r, { small: true, maxCost: 2e5 });
    const d = caseData(r, c);
    const { shape } = conv2dRef(d.x, c.xShape, d.w, c.wShape, refOptions(c, d.b));
    const dy = f32Array(r, sizeOf(shape));
    const f = ([x, w, b]) => conv2dRef(x, c.xShape, w, c.wShape, refOptions(c, b)).y;
    const [fdx, fdw, fdb] = finiteDifferenceGrads(f, [d.x, d.w, d.b], dy);
    const exact = conv2dBackwardRef(d.x, c.xShape, d.w, c.wShape, dy, refOptions(c, d.b));
    assertClose(exact.dx, fdx, 1e-7, `dx, ${describeCase(c)}`);
    assertClose(exact.dw, fdw, 1e-7, `dw, ${describeCase(c)}`);
    if (d.b) assertClose(exact.db, fdb, 1e-7, `db, ${describeCase(c)}`);
  }
});

test('gradients on larger random shapes match the exact float64 reference', () => {
  const r = rng(404);
  for (let i = 0; i < 25; i++) {
    const c = randomCase(r);
    const d = caseData(r, c);
    const { shape } = conv2dRef(d.x, c.xShape, d.w, c.wShape, refOptions(c, d.b));
    const dy = f32Array(r, sizeOf(shape));
    const exact = conv2dBackwardRef(d.x, c.xShape, d.w, c.wShape, dy, refOptions(c, d.b));
    const got = opGrads(c, d, dy, shape);
    assertClose(got[0], exact.dx, 1e-4, `dx, case ${i}: ${describeCase(c)}`);
    assertClose(got[1], exact.dw, 1e-4, `dw, case ${i}: ${describeCase(c)}`);
    if (d.b) assertClose(got[2], exact.db, 1e-4, `db, case ${i}: ${describeCase(c)}`);
  }
});

test('many output pixels: dx blocks and weight-gradient chunks join up', () => {
  // M = 2*62*62 = 7688 and 2*40*40 = 3200 pixels: several dCol blocks and many 256-pixel weight-gradient chunks.
  const r = rng(505);
  for (const c of [
    {
      xShape: [2, 64, 64, 1],
      wShape: [3, 3, 1, 5],
      strides: [1, 1],
      dilation: [1, 1],
      padding: 'valid',
      bias: true,
      relu: false,
    },
    {
      xShape: [2, 40, 40, 9],
      wShape: [3, 3, 9, 10],
      strides: [1, 1],
      dilation: [1, 1],
      padding: 'same',
      bias: true,
      relu: true,
    },
    // 40 packed columns: backward blocks of 1536 pixels, so dy is masked, packed and summed in three blocks
    // (the last one partial), with row taps and with a pointwise kernel.
    {
      xShape: [2, 41, 41, 2],
      wShape: [2, 2, 2, 33],
      strides: [1, 1],
      dilation: [1, 1],
      padding: 'valid',
      bias: true,
      relu: true,
    },
    {
      xShape: [1, 59, 61, 3],
      wShape: [1, 1, 3, 35],
      strides: [1, 1],
      dilation: [1, 1],
      padding: 'valid',
      bias: true,
      relu: true,
    },
  ]) {
    checkForwardAndBackward(r, c);
  }
});

test('edge tiles: every output-pixel count 1..11 against every cout 1..17', () => {
  const r = rng(606);
  for (let m = 1; m <= 11; m++) {
    for (let cout = 1; cout <= 17; cout++) {
      for (const cin of [3, 10]) {
        // 1 x m output pixels from a 2x2 window over a 2 x (m+1) image.
        const c = {
          xShape: [1, 2, m + 1, cin],
          wShape: [2, 2, cin, cout],
          strides: [1, 1],
          dilation: [1, 1],
          padding: 'valid',
          bias: true,
          relu: false,
        };
        checkForwardAndBackward(r, c);
      }
    }
  }
});

test('every subset of inputs differentiated (the others constant) gives the reference gradients', () => {
  // A first layer's input needs no gradient (dx is skipped) and a frozen kernel none either (dw is skipped);
  // the masked output gradient is then prepared without its row-major copy.
  const r = rng(707);
  for (let i = 0; i < 40; i++) {
    const c = { ...randomCase(r), bias: true, relu: i % 2 === 0 };
    const d = caseData(r, c);
    const { shape } = conv2dRef(d.x, c.xShape, d.w, c.wShape, refOptions(c, d.b));
    const dy = f32Array(r, sizeOf(shape));
    const exact = conv2dBackwardRef(d.x, c.xShape, d.w, c.wShape, dy, refOptions(c, d.b));
    const expected = { x: exact.dx, w: exact.dw, b: exact.db };
    for (const wrt of [['w', 'b'], ['x'], ['x', 'b'], ['b'], ['w']]) {
      const got = sn.tidy(() => {
        const all = { x: sn.tensor(d.x, c.xShape), w: sn.tensor(d.w, c.wShape), b: sn.tensor(d.b, [c.wShape[3]]) };
        const f = (...args) => {
          const v = { ...all };
          wrt.forEach((name, j) => {
            v[name] = args[j];
          });
          return sn.conv2d(v.x, v.w, opOptions(c, v.b));
        };
        return sn
          .grads(f)(
            wrt.map((name) => all[name]),
            sn.tensor(dy, shape),
          )
          .map((g) => g.dataSync());
      });
      wrt.forEach((name, j) =>
        assertClose(got[j], expected[name], 1e-4, `d${name} wrt ${wrt}, case ${i}: ${describeCase(c)}`),
      );
    }
  }
});

test('PyTorch fixtures: y, dx, dw, db for every conv2d case', () => {
  const cases = casesOf('conv2d');
  assert.ok(cases.length >= 30, `only ${cases.length} conv2d fixtures`);
  for (const [i, c] of cases.entries()) {
    const what = `fixture ${i} ${JSON.stringify(c.params)} x ${JSON.stringify(c.x.shape)} w ${JSON.stringify(c.w.shape)}`;
    for (const padding of [c.params.padding, c.params.explicitPadding]) {
      const inputs = [sn.tensor(c.x.data, c.x.shape), sn.tensor(c.w.data, c.w.shape)];
      if (c.b) inputs.push(sn.tensor(c.b.data, c.b.shape));
      const opts = (b) => ({ strides: c.params.strides, dilation: c.params.dilation, padding, bias: b });
      const { value, grads } = sn.valueAndGrads((x, w, b) => sn.conv2d(x, w, opts(b)))(
        inputs,
        sn.tensor(c.dy.data, c.dy.shape),
      );
      assert.equal(value.shape, c.y.shape, what);
      assertClose(value.dataSync(), c.y.data, 1e-4, `y, ${what}`);
      assertClose(grads[0].dataSync(), c.dx.data, 1e-4, `dx, ${what}`);
      assertClose(grads[1].dataSync(), c.dw.data, 1e-4, `dw, ${what}`);
      if (c.b) assertClose(grads[2].dataSync(), c.db.data, 1e-4, `db, ${what}`);
      for (const t of [...inputs, value, ...grads]) t.dispose();
    }
  }
});

test("'same' padding follows TensorFlow: out = ceil(in/stride), the odd pixel at the bottom/right", () => {
  // 1 channel of ones through a 2x2 kernel of ones, stride 1: the extra padding row/column is at the end,
  // so the last row and column of the output see only half the window.
  const y = sn.conv2d(sn.ones([1, 3, 3, 1]), sn.ones([2, 2, 1, 1]), { padding: 'same' });
  assert.equal(y.shape, [1, 3, 3, 1]);
  assert.equal(Array.from(y.dataSync()), [4, 4, 2, 4, 4, 2, 2, 2, 1]);
  const s = sn.conv2d(sn.ones([1, 7, 8, 1]), sn.ones([3, 3, 1, 1]), { padding: 'same', strides: [2, 3] });
  assert.equal(s.shape, [1, 4, 3, 1]);
  y.dispose();
  s.dispose();
});

test('fused relu clamps the output and masks the gradient where y <= 0', () => {
  // y = x * w with w = [1, -1] over two output channels: channel 0 passes x, channel 1 passes -x.
  const x = sn.tensor([[[[2], [-3]]]]);
  const w = sn.tensor([[[[1, -1]]]]);
  const { value, grads } = sn.valueAndGrads((a, b) => sn.conv2d(a, b, { activation: 'relu' }))([x, w]);
  assert.equal(Array.from(value.dataSync()), [2, 0, 0, 3]);
  // d/dx: pixel 0 only through channel 0 (+1), pixel 1 only through channel 1 (-1).
  assert.equal(Array.from(grads[0].dataSync()), [1, -1]);
  // d/dw: w0 from pixel 0 (x = 2), w1 from pixel 1 (x = -3).
  assert.equal(Array.from(grads[1].dataSync()), [2, -3]);
  for (const t of [x, w, value, ...grads]) t.dispose();
});

test('strides and dilation given as one number or a pair agree', () => {
  const x = sn.randomNormal([1, 9, 9, 3], { seed: 7 });
  const w = sn.randomNormal([3, 3, 3, 4], { seed: 8 });
  const a = sn.conv2d(x, w, { strides: 2, dilation: 2, padding: 'same' });
  const b = sn.conv2d(x, w, { strides: [2, 2], dilation: [2, 2], padding: 'same' });
  assert.equal(Array.from(a.dataSync()), Array.from(b.dataSync()));
  for (const t of [x, w, a, b]) t.dispose();
});

test('invalid arguments give specific errors before any kernel runs', () => {
  const start = sn.memory().numTensors;
  sn.tidy(() => checkErrors());
  assert.is(sn.memory().numTensors, start);
});

function checkErrors() {
  const x = sn.zeros([1, 5, 5, 3]);
  const w = sn.zeros([3, 3, 3, 4]);
  assertThrowsMessage(
    () => sn.conv2d(sn.zeros([5, 5, 3]), w),
    /conv2d: argument 'x' must be rank 4 \[n,h,w,cin\]; got rank 3 with shape \[5,5,3\]/,
  );
  assertThrowsMessage(
    () => sn.conv2d(x, sn.zeros([3, 3, 2])),
    /conv2d: argument 'w' must be rank 4 \[kh,kw,cin,cout\]; got rank 3 with shape \[3,3,2\]/,
  );
  assertThrowsMessage(
    () => sn.conv2d(x, sn.zeros([3, 3, 2, 4])),
    /conv2d: argument 'w' must have cin = 3 \(x's last axis\).*got shape \[3,3,2,4\] \(cin = 2\)/,
  );
  assertThrowsMessage(
    () => sn.conv2d(x, w, { bias: sn.zeros([3]) }),
    /conv2d: argument 'bias' must have shape \[4\].*got shape \[3\]/,
  );
  assertThrowsMessage(
    () => sn.conv2d(x, w, { bias: sn.zeros([1, 4]) }),
    /conv2d: argument 'bias' must be rank 1 \[cout\]; got rank 2/,
  );
  assertThrowsMessage(
    () => sn.conv2d(x, w, { bias: [1, 2, 3, 4] }),
    /conv2d: argument 'bias' must be a Tensor; got array of length 4/,
  );
  assertThrowsMessage(
    () => sn.conv2d(x, sn.zeros([7, 3, 3, 4])),
    /conv2d: the 7x3 kernel does not fit the 5x5 input with padding 'valid'; use a smaller kernel, more padding, or padding 'same'/,
  );
  assertThrowsMessage(
    () => sn.conv2d(x, w, { dilation: 3 }),
    /conv2d: the 3x3 kernel \(7x7 dilated\) does not fit the 5x5 input with padding 'valid'/,
  );
  assertThrowsMessage(
    () => sn.conv2d(x, w, { strides: 0 }),
    /conv2d: option 'strides' must be a positive integer or a pair \[h, w\] of them; got 0/,
  );
  assertThrowsMessage(
    () => sn.conv2d(x, w, { strides: [1, 1.5] }),
    /conv2d: option 'strides' must be a positive integer or a pair \[h, w\] of them; got \[1,1.5\]/,
  );
  assertThrowsMessage(
    () => sn.conv2d(x, w, { strides: [1, 2, 3] }),
    /conv2d: option 'strides' must be a positive integer or a pair \[h, w\] of them; got \[1,2,3\]/,
  );
  assertThrowsMessage(
    () => sn.conv2d(x, w, { dilation: -1 }),
    /conv2d: option 'dilation' must be a positive integer or a pair \[h, w\] of them; got -1/,
  );
  assertThrowsMessage(
    () => sn.conv2d(x, w, { padding: 'full' }),
    /conv2d: option 'padding' must be 'valid', 'same', p, \[ph, pw\] or \[\[top, bottom\], \[left, right\]\] \(non-negative integers\); got "full"/,
  );
  assertThrowsMessage(
    () => sn.conv2d(x, w, { padding: [1, 1, 1] }),
    /conv2d: option 'padding' must be 'valid', 'same', p, .*; got \[1,1,1\]/,
  );
  assertThrowsMessage(
    () => sn.conv2d(x, w, { padding: 1.5 }),
    /conv2d: option 'padding' must be 'valid', 'same', p, .*; got 1.5/,
  );
  assertThrowsMessage(
    () =>
      sn.conv2d(x, sn.zeros([7, 3, 3, 4]), {
        padding: [
          [1, 0],
          [0, 0],
        ],
      }),
    /conv2d: the 7x3 kernel does not fit the 5x5 input with padding \[\[1,0\],\[0,0\]\] \(padded input 6x5\)/,
  );
  assertThrowsMessage(
    () =>
      sn.conv2d(x, w, {
        padding: [
          [1, -1],
          [0, 0],
        ],
      }),
    /conv2d: option 'padding' must be .*\(non-negative integers\); got \[\[1,-1\],\[0,0\]\]/,
  );
  assertThrowsMessage(
    () => sn.conv2d(x, w, { activation: 'tanh' }),
    /conv2d: argument 'activation' must be 'linear' or 'relu'; got "tanh"/,
  );
  assertThrowsMessage(
    () => sn.conv2d(x, w, { stride: 2 }),
    /conv2d: unknown option 'stride'; did you mean 'strides'\?/,
  );
  assertThrowsMessage(() => sn.conv2d(x, w, 'same'), /conv2d: argument 'options' must be an object; got "same"/);
  assertThrowsMessage(() => sn.conv2d([[1]], w), /conv2d: argument 'x' must be a Tensor; got array of length 1/);
  assertThrowsMessage(
    () => sn.conv2d(sn.zeros([1, 0, 5, 3]), w),
    /conv2d: argument 'x' must have non-zero height, width and channels; got shape \[1,0,5,3\]/,
  );
  const disposed = sn.zeros([3, 3, 3, 4]);
  disposed.dispose();
  assertThrowsMessage(() => sn.conv2d(x, disposed), /conv2d: argument 'w' is a disposed tensor/);
}

test('an empty batch or no output channels give an empty output and zero gradients', () => {
  const x = sn.zeros([0, 5, 5, 3]);
  const w = sn.ones([3, 3, 3, 4]);
  const { value, grads } = sn.valueAndGrads((a, b) => sn.conv2d(a, b))([x, w]);
  assert.equal(value.shape, [0, 3, 3, 4]);
  assert.equal(grads[0].shape, [0, 5, 5, 3]);
  assert.ok(grads[1].dataSync().every((v) => v === 0));
  for (const t of [x, w, value, ...grads]) t.dispose();
  // No output channels: an empty output and a zero input gradient.
  const x2 = sn.ones([2, 5, 5, 3]);
  const w2 = sn.zeros([3, 3, 3, 0]);
  const r = sn.valueAndGrads((a, b) => sn.conv2d(a, b))([x2, w2]);
  assert.equal(r.value.shape, [2, 3, 3, 0]);
  assert.ok(r.grads[0].dataSync().every((v) => v === 0));
  for (const t of [x2, w2, r.value, ...r.grads]) t.dispose();
});

test('10,000 tidied conv2d calls leave wasmBytes and numTensors flat', () => {
  const x = sn.randomNormal([2, 6, 6, 5], { seed: 1 });
  const w = sn.randomNormal([3, 3, 5, 9], { seed: 2 });
  const b = sn.randomNormal([9], { seed: 3 });
  const g = sn.grads((p, q, r) => sn.conv2d(p, q, { bias: r, padding: 'same', strides: 2, activation: 'relu' }));
  const step = (i) =>
    sn.tidy(() => {
      sn.conv2d(x, w, {
        bias: b,
        padding: [
          [1, 0],
          [2, 1],
        ],
        dilation: i % 2 ? 1 : 2,
      });
      if (i % 100 === 0) g([x, w, b]);
    });
  for (let i = 0; i < 20; i++) step(i); // scratch buffers reach their steady size
  const before = sn.memory();
  for (let i = 0; i < 10000; i++) step(i);
  const after = sn.memory();
  assert.is(after.numTensors, before.numTensors);
  assert.is(after.numBytes, before.numBytes);
  assert.is(after.wasmBytes, before.wasmBytes);
  for (const t of [x, w, b]) t.dispose();
});

test.run();
