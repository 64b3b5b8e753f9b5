import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertClose, assertThrowsMessage } from '../helpers/compare.mjs';
import { rng, sizeOf } from '../helpers/random.mjs';
import { layerCasesOf } from '../helpers/fixtures.mjs';
import { finiteDifferenceGrads } from '../helpers/reference-conv.mjs';
import { depthwiseBackwardRef, depthwiseRef } from '../helpers/reference-depthwise.mjs';

const f32Array = (r, n) => Float64Array.from(Float32Array.from(r.array(n)));

/** A random depthwise case: odd sizes, channels around the 4- and 16-lane blocks, multipliers 1-5. */
function randomCase(r, small = false) {
  for (;;) {
    const kh = r.int(1, small ? 3 : 5);
    const kw = r.int(1, small ? 3 : 5);
    const strides = [r.int(1, 3), r.int(1, 3)];
    const dilation = r.next() < 0.3 ? [r.int(1, 3), r.int(1, 3)] : [1, 1];
    const kind = r.pick(['valid', 'same', 'explicit']);
    const padding =
      kind === 'explicit'
        ? [
            [r.int(0, 2), r.int(0, 2)],
            [r.int(0, 2), r.int(0, 2)],
          ]
        : kind;
    const cin = r.pick(small ? [1, 2, 3, 5] : [1, 2, 3, 4, 5, 7, 8, 13, 16, 17, 21, 32, 35]);
    const mult = r.pick(small ? [1, 1, 2, 3] : [1, 1, 1, 2, 3, 4, 5]);
    const h = r.int(1, small ? 6 : 12);
    const w = r.int(1, small ? 6 : 12);
    const [pt, pb, pl, pr] = kind === 'explicit' ? padding.flat() : [0, 0, 0, 0];
    if (kind !== 'same' && ((kh - 1) * dilation[0] + 1 > h + pt + pb || (kw - 1) * dilation[1] + 1 > w + pl + pr))
      continue;
    return {
      xShape: [r.int(1, small ? 2 : 3), h, w, cin],
      wShape: [kh, kw, cin, mult],
      strides,
      dilation,
      padding,
      bias: r.next() < 0.7,
    };
  }
}

const describeCase = (c) =>
  `x ${JSON.stringify(c.xShape)} w ${JSON.stringify(c.wShape)} s ${c.strides} d ${c.dilation} pad ${JSON.stringify(c.padding)} bias ${c.bias}`;

function run(c, d, dy, yShape) {
  return sn.tidy(() => {
    const inputs = [sn.tensor(d.x, c.xShape), sn.tensor(d.w, c.wShape)];
    if (d.b) inputs.push(sn.tensor(d.b, [d.b.length]));
    const f = (x, w, b) =>
      sn.depthwiseConv2d(x, w, { strides: c.strides, dilation: c.dilation, padding: c.padding, bias: b });
    const y = f(...inputs);
    assert.equal(y.shape, yShape, describeCase(c));
    const grads = sn.grads(f)(inputs, sn.tensor(dy, yShape));
    grads.forEach((g, i) => assert.equal(g.shape, inputs[i].shape));
    return { y: y.dataSync(), grads: grads.map((g) => g.dataSync()) };
  });
}

function caseData(r, c) {
  const x = f32Array(r, sizeOf(c.xShape));
  const w = f32Array(r, sizeOf(c.wShape));
  const b = c.bias ? f32Array(r, c.wShape[2] * c.wShape[3]) : null;
  return { x, w, b };
}

test('depthwiseConv2d: 200 random cases, forward and dx, dw, db against the float64 reference', () => {
  const r = rng(501);
  for (let i = 0; i < 200; i++) {
    const c = randomCase(r);
    const d = caseData(r, c);
    const options = { strides: c.strides, dilation: c.dilation, padding: c.padding, bias: d.b };
    const ref = depthwiseRef(d.x, c.xShape, d.w, c.wShape, options);
    const dy = f32Array(r, ref.y.length);
    const exact = depthwiseBackwardRef(d.x, c.xShape, d.w, c.wShape, dy, options);
    const got = run(c, d, dy, ref.shape);
    const what = `case ${i}: ${describeCase(c)}`;
    assertClose(got.y, ref.y, 1e-4, `y, ${what}`);
    assertClose(got.grads[0], exact.dx, 1e-4, `dx, ${what}`);
    assertClose(got.grads[1], exact.dw, 1e-4, `dw, ${what}`);
    if (d.b) assertClose(got.grads[2], exact.db, 1e-4, `db, ${what}`);
  }
});

test('depthwiseConv2d: gradients match central finite differences on 40 small cases', () => {
  const r = rng(502);
  for (let i = 0; i < 40; i++) {
    const c = randomCase(r, true);
    const d = caseData(r, c);
    const options = (b) => ({ strides: c.strides, dilation: c.dilation, padding: c.padding, bias: b });
    const ref = depthwiseRef(d.x, c.xShape, d.w, c.wShape, options(d.b));
    const dy = f32Array(r, ref.y.length);
    const f = ([x, w, b]) => depthwiseRef(x, c.xShape, w, c.wShape, options(b)).y;
    const expected = finiteDifferenceGrads(f, [d.x, d.w, d.b], dy);
    const got = run(c, d, dy, ref.shape);
    const what = `case ${i}: ${describeCase(c)}`;
    assertClose(got.grads[0], expected[0], 1e-4, `dx, ${what}`);
    assertClose(got.grads[1], expected[1], 1e-4, `dw, ${what}`);
    if (d.b) assertClose(got.grads[2], expected[2], 1e-4, `db, ${what}`);
  }
});

test('depthwiseConv2d: PyTorch fixtures (groups = cin), forward and every gradient', () => {
  const cases = layerCasesOf('depthwiseConv2d');
  assert.ok(cases.length >= 4);
  for (const [i, fx] of cases.entries()) {
    const c = {
      xShape: fx.x.shape,
      wShape: fx.w.shape,
      strides: fx.params.strides,
      dilation: fx.params.dilation ?? 1,
      padding: fx.params.padding,
    };
    const got = run(c, { x: fx.x.data, w: fx.w.data, b: fx.b.data }, fx.dy.data, fx.y.shape);
    assertClose(got.y, fx.y.data, 1e-4, `y, fixture ${i}`);
    assertClose(got.grads[0], fx.dx.data, 1e-4, `dx, fixture ${i}`);
    assertClose(got.grads[1], fx.dw.data, 1e-4, `dw, fixture ${i}`);
    assertClose(got.grads[2], fx.db.data, 1e-4, `db, fixture ${i}`);
  }
});

test('depthwiseConv2d: bad arguments throw before any kernel runs', () => {
  sn.tidy(() => {
    const x = sn.zeros([1, 5, 5, 3]);
    assertThrowsMessage(
      () => sn.depthwiseConv2d(x, sn.zeros([3, 3, 2, 1])),
      /depthwiseConv2d: argument 'w' must have cin = 3/,
    );
    assertThrowsMessage(
      () => sn.depthwiseConv2d(x, sn.zeros([3, 3, 3])),
      /argument 'w' must be rank 4 \[kh,kw,cin,multiplier\]/,
    );
    assertThrowsMessage(
      () => sn.depthwiseConv2d(x, sn.zeros([3, 3, 3, 2]), { bias: sn.zeros([3]) }),
      /argument 'bias' must have shape \[6\] \(cin·multiplier\)/,
    );
    assertThrowsMessage(
      () => sn.depthwiseConv2d(x, sn.zeros([7, 7, 3, 1])),
      /depthwiseConv2d: the 7x7 kernel does not fit the 5x5 input with padding 'valid'/,
    );
    assertThrowsMessage(() => sn.depthwiseConv2d(x, sn.zeros([3, 3, 3, 1]), { stride: 2 }), /unknown option 'stride'/);
  });
});

test.run();
