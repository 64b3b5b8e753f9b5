import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertClose, assertThrowsMessage } from '../helpers/compare.mjs';
import { rng, sizeOf } from '../helpers/random.mjs';
import { layerCasesOf } from '../helpers/fixtures.mjs';
import { finiteDifferenceGrads } from '../helpers/reference-conv.mjs';
import { conv1dRef, padding1dRef } from '../helpers/reference-seq.mjs';

const f32Array = (r, n) => Float64Array.from(Float32Array.from(r.array(n)));

function randomCase(r, small = false) {
  for (;;) {
    const k = r.int(1, small ? 3 : 7);
    const strides = r.int(1, 3);
    const dilation = r.next() < 0.3 ? r.int(1, 3) : 1;
    const padding = r.pick(['valid', 'same', 'causal', r.int(0, 3), [r.int(0, 3), r.int(0, 3)]]);
    const w = r.int(1, small ? 8 : 30);
    const [pl, pr] = padding1dRef(padding, w, k, strides, dilation);
    if ((k - 1) * dilation + 1 > w + pl + pr) continue;
    const cin = r.pick(small ? [1, 2, 3] : [1, 2, 3, 5, 7, 8, 9, 16, 17]);
    const cout = r.pick(small ? [1, 2, 3] : [1, 2, 3, 5, 8, 9, 16, 17]);
    return {
      xShape: [r.int(1, small ? 2 : 3), w, cin],
      wShape: [k, cin, cout],
      strides,
      dilation,
      padding,
      bias: r.next() < 0.7,
    };
  }
}
const describeCase = (c) => JSON.stringify(c);

function run(c, d, dy, yShape) {
  return sn.tidy(() => {
    const inputs = [sn.tensor(d.x, c.xShape), sn.tensor(d.w, c.wShape)];
    if (d.b) inputs.push(sn.tensor(d.b, [d.b.length]));
    const f = (x, w, b) => sn.conv1d(x, w, { strides: c.strides, dilation: c.dilation, padding: c.padding, bias: b });
    const y = f(...inputs);
    assert.equal(y.shape, yShape, describeCase(c));
    const grads = sn.grads(f)(inputs, sn.tensor(dy, yShape));
    return { y: y.dataSync(), grads: grads.map((g) => g.dataSync()) };
  });
}

test('conv1d: 150 random cases, forward against float64, gradients against finite differences', () => {
  const r = rng(601);
  for (let i = 0; i < 150; i++) {
    const c = randomCase(r, i >= 100);
    const d = {
      x: f32Array(r, sizeOf(c.xShape)),
      w: f32Array(r, sizeOf(c.wShape)),
      b: c.bias ? f32Array(r, c.wShape[2]) : null,
    };
    const opts = (b) => ({ strides: c.strides, dilation: c.dilation, padding: c.padding, bias: b });
    const ref = conv1dRef(d.x, c.xShape, d.w, c.wShape, opts(d.b));
    const dy = f32Array(r, ref.y.length);
    const got = run(c, d, dy, ref.shape);
    const what = `case ${i}: ${describeCase(c)}`;
    assertClose(got.y, ref.y, 1e-4, `y, ${what}`);
    if (i < 100 && sizeOf(c.xShape) * sizeOf(c.wShape) > 4000) continue;
    const expected = finiteDifferenceGrads(
      ([x, w, b]) => conv1dRef(x, c.xShape, w, c.wShape, opts(b)).y,
      [d.x, d.w, d.b],
      dy,
    );
    assertClose(got.grads[0], expected[0], 1e-4, `dx, ${what}`);
    assertClose(got.grads[1], expected[1], 1e-4, `dw, ${what}`);
    if (d.b) assertClose(got.grads[2], expected[2], 1e-4, `db, ${what}`);
  }
});

test('conv1d: PyTorch fixtures, forward and every gradient', () => {
  const cases = layerCasesOf('conv1d');
  assert.ok(cases.length >= 4);
  for (const [i, fx] of cases.entries()) {
    const c = { xShape: fx.x.shape, wShape: fx.w.shape, ...fx.params };
    const got = run(c, { x: fx.x.data, w: fx.w.data, b: fx.b.data }, fx.dy.data, fx.y.shape);
    assertClose(got.y, fx.y.data, 1e-4, `y, fixture ${i}`);
    assertClose(got.grads[0], fx.dx.data, 1e-4, `dx, fixture ${i}`);
    assertClose(got.grads[1], fx.dw.data, 1e-4, `dw, fixture ${i}`);
    assertClose(got.grads[2], fx.db.data, 1e-4, `db, fixture ${i}`);
  }
});

test('conv1d: bad arguments throw naming conv1d and the argument', () => {
  sn.tidy(() => {
    const x = sn.zeros([2, 9, 3]);
    assertThrowsMessage(() => sn.conv1d(x, sn.zeros([3, 2, 4])), /conv1d: argument 'w' must have cin = 3/);
    assertThrowsMessage(
      () => sn.conv1d(sn.zeros([2, 9, 3, 1]), sn.zeros([3, 3, 4])),
      /conv1d: argument 'x' must be rank 3 \[n,w,cin\]/,
    );
    assertThrowsMessage(
      () => sn.conv1d(x, sn.zeros([3, 3, 4]), { padding: 'full' }),
      /argument 'padding' must be 'valid', 'same', 'causal'/,
    );
    assertThrowsMessage(
      () => sn.conv1d(x, sn.zeros([3, 3, 4]), { strides: 0 }),
      /argument 'strides' must be a positive integer; got 0/,
    );
  });
});

test('conv1d frees its intermediate copies, taped or not', () => {
  const x = sn.randomNormal([2, 9, 3], { seed: 1 });
  const w = sn.randomNormal([3, 3, 4], { seed: 2 });
  const before = sn.memory().numTensors;
  sn.conv1d(x, w, { padding: 'causal' }).dispose();
  assert.is(sn.memory().numTensors, before, 'forward');
  for (const g of sn.grads((a, b) => sn.conv1d(a, b))([x, w])) g.dispose();
  assert.is(sn.memory().numTensors, before, 'under a tape');
  x.dispose();
  w.dispose();
});

test.run();
