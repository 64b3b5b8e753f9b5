// PyTorch checkpoints in simdnet: the layout copies (against index formulas written out here), then
// model.loadWeights(bytes, { from: 'pytorch' }) on the LeNet fixture, which must reproduce PyTorch's
// logits, loss and gradients.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertThrowsMessage } from '../helpers/compare.mjs';
import { rng } from '../helpers/random.mjs';

function bits(t) {
  const d = t.dataSync();
  return new Uint32Array(d.buffer, d.byteOffset, d.length);
}

test('fromPyTorchLayout moves conv weights OIHW → [kh,kw,cin,cout] and back, bit for bit', () => {
  const r = rng(1);
  for (let trial = 0; trial < 5; trial++) {
    const [o, i, kh, kw] = [r.int(1, 5), r.int(1, 4), r.int(1, 4), r.int(1, 3)];
    const src = Float32Array.from(r.array(o * i * kh * kw));
    src[0] = NaN;
    src[src.length - 1] = -0;
    const w = sn.tensor(src, [o, i, kh, kw]);
    const ours = sn.io.fromPyTorchLayout(w, 'conv2d');
    assert.equal([...ours.shape], [kh, kw, i, o]);
    const got = ours.dataSync();
    const srcBits = new Uint32Array(src.buffer);
    const gotBits = bits(ours);
    for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) for (let c = 0; c < i; c++) for (let d = 0; d < o; d++) {
      const at = ((a * kw + b) * i + c) * o + d;
      const from = ((d * i + c) * kh + a) * kw + b;
      if (gotBits[at] !== srcBits[from]) assert.unreachable(`[${a},${b},${c},${d}] is ${got[at]}; expected ${src[from]}`);
    }
    const back = sn.io.toPyTorchLayout(ours, 'conv2d');
    assert.equal([...back.shape], [o, i, kh, kw]);
    assert.equal(Array.from(bits(back)), Array.from(srcBits));
    for (const t of [w, ours, back]) t.dispose();
  }
});

test('fromPyTorchLayout transposes linear weights and, after a flatten, reorders rows from C,H,W to H,W,C', () => {
  const r = rng(2);
  const [h, w, c, out] = [3, 2, 5, 4];
  const src = Float32Array.from(r.array(out * c * h * w));
  const t = sn.tensor(src, [out, c * h * w]);
  const plain = sn.io.fromPyTorchLayout(t, 'dense');
  assert.equal([...plain.shape], [c * h * w, out]);
  const p = plain.dataSync();
  for (let row = 0; row < c * h * w; row++) for (let u = 0; u < out; u++) assert.is(p[row * out + u], src[u * c * h * w + row]);
  const flat = sn.io.fromPyTorchLayout(t, 'dense', { flattenedFrom: [h, w, c] });
  assert.equal([...flat.shape], [h * w * c, out]);
  const f = flat.dataSync();
  // simdnet's feature (y, x, ch) sits at row (y*w + x)*c + ch; PyTorch's at column ch*h*w + y*w + x.
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) for (let u = 0; u < out; u++) {
    assert.is(f[((y * w + x) * c + ch) * out + u], src[u * c * h * w + ch * h * w + y * w + x]);
  }
  const back = sn.io.toPyTorchLayout(flat, 'dense', { flattenedFrom: [h, w, c] });
  assert.equal(Array.from(back.dataSync()), Array.from(src));
  const backPlain = sn.io.toPyTorchLayout(plain, 'dense');
  assert.equal(Array.from(backPlain.dataSync()), Array.from(src));
  const b = sn.tensor([1, 2, 3]);
  const bb = sn.io.fromPyTorchLayout(b, 'bias');
  assert.equal(Array.from(bb.dataSync()), [1, 2, 3]);
  assert.is.not(bb, b, 'a copy');
  for (const x of [t, plain, flat, back, backPlain, b, bb]) x.dispose();
});

test('layout conversions check their arguments', () => {
  const start = sn.memory().numTensors;
  const w = sn.zeros([2, 3]);
  assertThrowsMessage(() => sn.io.fromPyTorchLayout(w, 'conv2d'), /io.fromPyTorchLayout: a conv2d weight in PyTorch's layout is rank 4 \[cout, cin, kh, kw\]; got shape \[2,3\]/);
  assertThrowsMessage(() => sn.io.toPyTorchLayout(w, 'conv2d'), /io.toPyTorchLayout: a conv2d weight in simdnet's layout is rank 4 \[kh, kw, cin, cout\]; got shape \[2,3\]/);
  assertThrowsMessage(() => sn.io.fromPyTorchLayout(w, 'bias'), /a bias weight in PyTorch's layout is rank 1 \[units\]; got shape \[2,3\]/);
  assertThrowsMessage(() => sn.io.fromPyTorchLayout(w, 'linear'), /argument 'kind' must be 'conv2d', 'dense' or 'bias'; got "linear"/);
  assertThrowsMessage(() => sn.io.fromPyTorchLayout(w, 'dense', { flattenedFrom: [1, 2, 2] }), /option 'flattenedFrom' \[1,2,2\] has 4 features; the dense weight has 3 inputs/);
  assertThrowsMessage(() => sn.io.fromPyTorchLayout(w, 'dense', { flattenedFrom: [3, 1] }), /option 'flattenedFrom' must be \[height, width, channels\], three positive integers; got \[3,1\]/);
  assertThrowsMessage(() => sn.io.fromPyTorchLayout([1, 2], 'dense'), /io.fromPyTorchLayout: argument 'weight' must be a Tensor/);
  w.dispose();
  assert.is(sn.memory().numTensors, start);
});

test.run();
