// PyTorch checkpoints in simdnet: the layout copies (against index formulas written out here), then
// model.loadWeights(bytes, { from: 'pytorch' }) on the LeNet fixture, which must reproduce PyTorch's
// logits, loss and gradients.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { rng } from '../helpers/random.mjs';
import { lenetFixture } from '../helpers/fixtures.mjs';
import { assertClose, assertThrowsMessage } from '../helpers/compare.mjs';

function bits(t) {
  const d = t.dataSync();
  return new Uint32Array(d.buffer, d.byteOffset, d.length);
}

/** Bit-for-bit equality of two word lists, reporting the first difference (uvu's diff of long arrays is slow). */
function assertSameBits(actual, expected, what) {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i])
      assert.unreachable(
        `${what}: word ${i} is 0x${(actual[i] >>> 0).toString(16)}; expected 0x${(expected[i] >>> 0).toString(16)}`,
      );
  }
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
    for (let a = 0; a < kh; a++)
      for (let b = 0; b < kw; b++)
        for (let c = 0; c < i; c++)
          for (let d = 0; d < o; d++) {
            const at = ((a * kw + b) * i + c) * o + d;
            const from = ((d * i + c) * kh + a) * kw + b;
            if (gotBits[at] !== srcBits[from])
              assert.unreachable(`[${a},${b},${c},${d}] is ${got[at]}; expected ${src[from]}`);
          }
    const back = sn.io.toPyTorchLayout(ours, 'conv2d');
    assert.equal([...back.shape], [o, i, kh, kw]);
    assertSameBits(bits(back), srcBits, 'round trip');
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
  for (let row = 0; row < c * h * w; row++)
    for (let u = 0; u < out; u++) assert.is(p[row * out + u], src[u * c * h * w + row]);
  const flat = sn.io.fromPyTorchLayout(t, 'dense', { flattenedFrom: [h, w, c] });
  assert.equal([...flat.shape], [h * w * c, out]);
  const f = flat.dataSync();
  // simdnet's feature (y, x, ch) sits at row (y*w + x)*c + ch; PyTorch's at column ch*h*w + y*w + x.
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ch = 0; ch < c; ch++)
        for (let u = 0; u < out; u++) {
          assert.is(f[((y * w + x) * c + ch) * out + u], src[u * c * h * w + ch * h * w + y * w + x]);
        }
  const back = sn.io.toPyTorchLayout(flat, 'dense', { flattenedFrom: [h, w, c] });
  assertSameBits(bits(back), new Uint32Array(src.buffer), 'flattened round trip');
  const backPlain = sn.io.toPyTorchLayout(plain, 'dense');
  assertSameBits(bits(backPlain), new Uint32Array(src.buffer), 'plain round trip');
  const b = sn.tensor([1, 2, 3]);
  const bb = sn.io.fromPyTorchLayout(b, 'bias');
  assert.equal(Array.from(bb.dataSync()), [1, 2, 3]);
  assert.is.not(bb, b, 'a copy');
  for (const x of [t, plain, flat, back, backPlain, b, bb]) x.dispose();
});

test('layout conversions check their arguments', () => {
  const start = sn.memory().numTensors;
  const w = sn.zeros([2, 3]);
  assertThrowsMessage(
    () => sn.io.fromPyTorchLayout(w, 'conv2d'),
    /io.fromPyTorchLayout: a conv2d weight in PyTorch's layout is rank 4 \[cout, cin, kh, kw\]; got shape \[2,3\]/,
  );
  assertThrowsMessage(
    () => sn.io.toPyTorchLayout(w, 'conv2d'),
    /io.toPyTorchLayout: a conv2d weight in simdnet's layout is rank 4 \[kh, kw, cin, cout\]; got shape \[2,3\]/,
  );
  assertThrowsMessage(
    () => sn.io.fromPyTorchLayout(w, 'bias'),
    /a bias weight in PyTorch's layout is rank 1 \[units\]; got shape \[2,3\]/,
  );
  assertThrowsMessage(
    () => sn.io.fromPyTorchLayout(w, 'linear'),
    /argument 'kind' must be 'conv2d', 'depthwise', 'conv1d', 'dense' or 'bias'; got "linear"/,
  );
  assertThrowsMessage(
    () => sn.io.fromPyTorchLayout(w, 'dense', { flattenedFrom: [1, 2, 2] }),
    /option 'flattenedFrom' \[1,2,2\] has 4 features; the dense weight has 3 inputs/,
  );
  assertThrowsMessage(
    () => sn.io.fromPyTorchLayout(w, 'dense', { flattenedFrom: [3, 1] }),
    /option 'flattenedFrom' must be \[height, width, channels\], three positive integers; got \[3,1\]/,
  );
  assertThrowsMessage(
    () => sn.io.fromPyTorchLayout([1, 2], 'dense'),
    /io.fromPyTorchLayout: argument 'weight' must be a Tensor/,
  );
  w.dispose();
  assert.is(sn.memory().numTensors, start);
});

// ---- the LeNet checkpoint ----

const { json: lenet, safetensors: lenetBytes } = lenetFixture();

/** The seed's LeNet for 32x32x3 images, with names that say which PyTorch module each layer is. */
function buildLenet({ names = ['c1', 'c2', 'f1', 'f2', 'f3'], extra = [] } = {}) {
  return sn.sequential({
    layers: [
      sn.layers.conv2d({ name: names[0], inputShape: [32, 32, 3], filters: 6, kernelSize: 5, activation: 'relu' }),
      sn.layers.maxPooling2d({ poolSize: 2 }),
      sn.layers.conv2d({ name: names[1], filters: 16, kernelSize: 5, activation: 'relu' }),
      sn.layers.maxPooling2d({ poolSize: 2 }),
      sn.layers.flatten(),
      sn.layers.dense({ name: names[2], units: 120, activation: 'relu' }),
      sn.layers.dense({ name: names[3], units: 84, activation: 'relu' }),
      sn.layers.dense({ name: names[4], units: 10 }),
      ...extra,
    ],
  });
}

/** NCHW data → an NHWC tensor. */
function nhwc({ shape: [n, c, h, w], data }) {
  const out = new Float32Array(n * h * w * c);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          out[((i * h + y) * w + x) * c + ch] = data[((i * c + ch) * h + y) * w + x];
        }
  return sn.tensor(out, [n, h, w, c]);
}

const PYTORCH_OF = { c1: 'conv1', c2: 'conv2', f1: 'fc1', f2: 'fc2', f3: 'fc3' };

/** The model's logits on the fixture batch, its loss, and its gradients in PyTorch's names and layouts. */
function runLenet(model) {
  const x = nhwc(lenet.x_nchw);
  const labels = sn.tensor(Int32Array.from(lenet.labels), [lenet.labels.length], 'int32');
  const loss = sn.losses.sparseCategoricalCrossentropy({ fromLogits: true });
  const logits = model.predict(x);
  const { value, grads } = sn.variableGrads(() => loss(labels, model.apply(x)));
  const torchGrads = {};
  for (const layer of model.layers) {
    const [kernel, bias] = layer.weights;
    if (!kernel) continue;
    const module = PYTORCH_OF[layer.name];
    const kind = layer.className === 'Conv2D' ? 'conv2d' : 'dense';
    const options = layer.name === 'f1' ? { flattenedFrom: [5, 5, 16] } : undefined;
    const g = sn.io.toPyTorchLayout(grads[kernel.name], kind, options);
    torchGrads[`${module}.weight`] = { shape: [...g.shape], data: g.dataSync() };
    torchGrads[`${module}.bias`] = { shape: [...bias.shape], data: grads[bias.name].dataSync() };
    g.dispose();
  }
  const result = { logits: logits.dataSync(), loss: value.dataSync()[0], grads: torchGrads };
  for (const t of [x, labels, logits, value, ...Object.values(grads)]) t.dispose();
  return result;
}

function assertMatchesPyTorch(result, what) {
  assertClose(result.logits, lenet.logits.data, 1e-4, `${what}: logits`);
  assertClose([result.loss], [lenet.loss], 1e-4, `${what}: loss`);
  for (const [name, expected] of Object.entries(lenet.grads)) {
    const got = result.grads[name];
    assert.ok(got, `${what}: gradient of ${name}`);
    assert.equal(got.shape, expected.shape, `${what}: ${name} shape`);
    assertClose(got.data, expected.data, 1e-4, `${what}: gradient of ${name}`);
  }
}

/** Runs fn(model) and disposes the model even when an assertion fails (its layer names are then free). */
function using(model, fn) {
  try {
    return fn(model);
  } finally {
    model.dispose();
  }
}

test("LeNet with PyTorch's weights reproduces PyTorch's logits, loss and every gradient", () => {
  const start = sn.memory().numTensors;
  using(buildLenet(), (model) => {
    model.loadWeights(lenetBytes, { from: 'pytorch' });
    // The weights themselves, converted back, are PyTorch's bit for bit.
    const checkpoint = sn.io.readSafetensors(lenetBytes);
    try {
      for (const layer of model.layers.filter((l) => l.weights.length)) {
        const kind = layer.className === 'Conv2D' ? 'conv2d' : 'dense';
        const back = sn.io.toPyTorchLayout(
          layer.weights[0],
          kind,
          layer.name === 'f1' ? { flattenedFrom: [5, 5, 16] } : undefined,
        );
        const expected = bits(checkpoint.get(`${PYTORCH_OF[layer.name]}.weight`));
        const got = bits(back);
        back.dispose();
        assertSameBits(got, expected, layer.name);
      }
    } finally {
      for (const t of checkpoint.values()) t.dispose();
    }
    assertMatchesPyTorch(runLenet(model), 'LeNet');
  });
  assert.is(sn.memory().numTensors, start);
});

/** The fixture rewritten as safetensors.torch.save_file writes it: names sorted as strings. */
function sortedCheckpoint(rename = (n) => n) {
  const tensors = sn.io.readSafetensors(lenetBytes);
  const renamed = [...tensors].map(([k, t]) => [rename(k), t]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const bytes = sn.io.writeSafetensors(new Map(renamed), { format: 'pt' });
  for (const t of tensors.values()) t.dispose();
  return bytes;
}

test('a checkpoint whose names were sorted as strings is matched in natural module order', () => {
  // nn.Sequential numbering: 0, 3, 10 (sorted as strings: 0, 10, 3) and 12, 14 after them.
  const numbers = { conv1: '0', conv2: '3', fc1: '10', fc2: '12', fc3: '14' };
  const bytes = sortedCheckpoint((n) => `net.${numbers[n.split('.')[0]]}.${n.split('.')[1]}`);
  using(buildLenet(), (model) => {
    model.loadWeights(bytes, { from: 'pytorch' });
    assertMatchesPyTorch(runLenet(model), 'natural order');
  });
});

test('nameMap pairs layers and modules when the order cannot be guessed', () => {
  const rename = {
    conv1: 'features.0',
    conv2: 'features.3',
    fc1: 'classifier.1',
    fc2: 'classifier.4',
    fc3: 'classifier.6',
  };
  const bytes = sortedCheckpoint((n) => `${rename[n.split('.')[0]]}.${n.split('.')[1]}`);
  using(buildLenet(), (model) => {
    // In natural order 'classifier.*' comes first, so the first conv layer would get a linear weight.
    assertThrowsMessage(
      () => model.loadWeights(bytes, { from: 'pytorch' }),
      /loadWeights: c1 \(Conv2D\) takes module 'classifier.1': 'classifier.1.weight' has shape \[120,400\]; the layer needs \[6,3,5,5\] \(PyTorch OIHW \[cout, cin, kh, kw\]\)/,
    );
    model.loadWeights(bytes, { from: 'pytorch', nameMap: { c1: 'features.0', c2: 'features.3' } });
    assertMatchesPyTorch(runLenet(model), 'nameMap');
  });
});

function lenetVariant({ filters1 = 6, lastBias = true } = {}) {
  return sn.sequential({
    layers: [
      sn.layers.conv2d({ name: 'c1', inputShape: [32, 32, 3], filters: filters1, kernelSize: 5 }),
      sn.layers.maxPooling2d({ poolSize: 2 }),
      sn.layers.conv2d({ name: 'c2', filters: 16, kernelSize: 5 }),
      sn.layers.maxPooling2d({ poolSize: 2 }),
      sn.layers.flatten(),
      sn.layers.dense({ name: 'f1', units: 120 }),
      sn.layers.dense({ name: 'f2', units: 84 }),
      sn.layers.dense({ name: 'f3', units: 10, useBias: lastBias }),
    ],
  });
}

test('PyTorch import errors name the layers, modules and tensors', () => {
  const start = sn.memory().numTensors;
  using(buildLenet({ extra: [sn.layers.dense({ name: 'f4', units: 3 })] }), (model) => {
    assertThrowsMessage(
      () => model.loadWeights(lenetBytes, { from: 'pytorch' }),
      /the model has 6 layers with weights \(c1 \(Conv2D\), c2 \(Conv2D\), f1 \(Dense\), f2 \(Dense\), f3 \(Dense\), f4 \(Dense\)\); the checkpoint has 5 modules \('conv1', 'conv2', 'fc1', 'fc2', 'fc3'\)/,
    );
  });
  using(lenetVariant({ filters1: 8 }), (wide) => {
    assertThrowsMessage(
      () => wide.loadWeights(lenetBytes, { from: 'pytorch' }),
      /c1 \(Conv2D\) takes module 'conv1': 'conv1.weight' has shape \[6,3,5,5\]; the layer needs \[8,3,5,5\]/,
    );
    assertThrowsMessage(
      () => wide.loadWeights(lenetBytes, { from: 'pytorch', nameMap: { c9: 'conv1' } }),
      /option 'nameMap' names layer 'c9', but the model's layers with weights are 'c1', 'c2', 'f1', 'f2', 'f3'/,
    );
    assertThrowsMessage(
      () => wide.loadWeights(lenetBytes, { from: 'pytorch', nameMap: { c1: 'conv9' } }),
      /maps 'c1' to module "conv9", which the checkpoint does not have/,
    );
    assertThrowsMessage(
      () => wide.loadWeights(lenetBytes, { from: 'pytorch', nameMap: { c1: 'conv1', c2: 'conv1' } }),
      /gives module 'conv1' to more than one layer/,
    );
    assertThrowsMessage(
      () => wide.loadWeights(lenetBytes, { from: 'tf' }),
      /option 'from' must be 'simdnet' or 'pytorch'; got "tf"/,
    );
    assertThrowsMessage(
      () => wide.loadWeights(lenetBytes, { form: 'pytorch' }),
      /unknown option 'form'; the options are 'from', 'nameMap'/,
    );
    assertThrowsMessage(
      () => wide.loadWeights(lenetBytes.subarray(0, 100), { from: 'pytorch' }),
      /loadWeights: the header length is 768 bytes, which runs past the end of the 100-byte file/,
    );
  });
  using(lenetVariant({ lastBias: false }), (noBias) => {
    const before = noBias.weights.map((w) => bits(w));
    // Everything matches up to the last layer, which has no bias: nothing may have been written.
    assertThrowsMessage(
      () => noBias.loadWeights(lenetBytes, { from: 'pytorch' }),
      /f3 \(Dense\) takes module 'fc3', which has 'fc3.bias' but the layer has no bias/,
    );
    noBias.weights.forEach((w, i) => assertSameBits(bits(w), before[i], `${w.name} unchanged`));
  });
  using(buildLenet(), (model) => {
    const tensors = sn.io.readSafetensors(lenetBytes);
    const stray = sn.zeros([6]);
    const withBuffer = sn.io.writeSafetensors(new Map([...tensors, ['opt.momentum_buffer', stray]]));
    const noConv1Bias = sn.io.writeSafetensors(new Map([...tensors].filter(([k]) => k !== 'conv1.bias')));
    for (const t of [...tensors.values(), stray]) t.dispose();
    assertThrowsMessage(
      () => model.loadWeights(withBuffer, { from: 'pytorch' }),
      /tensors that are not a module's weight, bias or batch-norm statistics: 'opt.momentum_buffer'/,
    );
    assertThrowsMessage(
      () => model.loadWeights(noConv1Bias, { from: 'pytorch' }),
      /c1 \(Conv2D\) takes module 'conv1', which has no 'conv1.bias'/,
    );
  });
  assert.is(sn.memory().numTensors, start);
});

test('a float16 or bfloat16 checkpoint loads (converted to float32)', () => {
  // Re-encode the checkpoint as BF16 by hand: the top half of each float32 (truncation, exact for the check).
  const tensors = sn.io.readSafetensors(lenetBytes);
  const fields = [];
  const chunks = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const words = bits(t);
    const half = new Uint16Array(words.length);
    words.forEach((w, i) => (half[i] = w >>> 16));
    fields.push(
      `${JSON.stringify(name)}:${JSON.stringify({ dtype: 'BF16', shape: t.shape, data_offsets: [offset, offset + half.byteLength] })}`,
    );
    chunks.push(new Uint8Array(half.buffer));
    offset += half.byteLength;
    t.dispose();
  }
  const header = new TextEncoder().encode(`{${fields.join(',')}}`);
  const file = new Uint8Array(8 + header.length + offset);
  new DataView(file.buffer).setBigUint64(0, BigInt(header.length), true);
  file.set(header, 8);
  let at = 8 + header.length;
  for (const c of chunks) {
    file.set(c, at);
    at += c.length;
  }
  using(buildLenet(), (model) => {
    model.loadWeights(file, { from: 'pytorch' });
    const kernel = model.layers[0].weights[0];
    assert.ok(
      bits(kernel).every((w) => (w & 0xffff) === 0),
      'bfloat16 values widened exactly',
    );
    const { logits } = runLenet(model);
    // Rounding the weights to 8 bits of mantissa moves the logits by about 1%.
    assertClose(logits, lenet.logits.data, 0.05, 'bfloat16 logits');
  });
});

test('examples/pytorch-import runs the fixture and matches PyTorch', async () => {
  const { importLenet } = await import('../../examples/pytorch-import/index.mjs');
  const start = sn.memory().numTensors;
  const lines = [];
  const { predicted, relativeError } = await importLenet({ log: (l) => lines.push(l) });
  assert.is(lines.length, 3);
  assert.ok(relativeError <= 1e-4, `relative error ${relativeError}`);
  const expected = Array.from({ length: lenet.logits.shape[0] }, (_, i) => {
    const row = lenet.logits.data.slice(i * 10, i * 10 + 10);
    return row.indexOf(Math.max(...row));
  });
  assert.equal(predicted, expected);
  assert.is(sn.memory().numTensors, start);
});

test.run();
