// The shared PyTorch residual network (tests/fixtures/resnet.safetensors, README there): loaded with
// loadWeights({ from: 'pytorch' }) into the same network built with the functional API, it must give
// PyTorch's eval-mode logits (running statistics; here batch norms are folded into the convs before them)
// and its train-mode loss (batch statistics) within 1e-4; folded and unfolded inference must agree too.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sn } from '../helpers/setup.mjs';
import { assertClose } from '../helpers/compare.mjs';
import { fixturesDir } from '../helpers/fixtures.mjs';

const L = sn.layers;
const READY = typeof L.batchNormalization === 'function' && typeof L.depthwiseConv2d === 'function';
if (!READY) console.log('resnet-fixture.test: batchNormalization/depthwiseConv2d not in this build; skipped');
const maybe = READY ? test : test.skip;

function nhwc({ shape: [n, c, h, w], data }) {
  const out = new Float32Array(n * h * w * c);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) out[((i * h + y) * w + x) * c + ch] = data[((i * c + ch) * h + y) * w + x];
  return sn.tensor(out, [n, h, w, c]);
}

/** The fixture's network, layer for module, in the state_dict's order. */
function fixtureNet() {
  const eps = 1e-5;
  const bn = (name) => L.batchNormalization({ epsilon: eps, momentum: 0.9, name });
  const relu = () => L.activation({ activation: 'relu' });
  const input = sn.input({ shape: [12, 12, 1] });
  let x = L.conv2d({ name: 'stem', filters: 8, kernelSize: 3, padding: 'same', useBias: false }).apply(input);
  x = relu().apply(bn('bn0').apply(x));
  let y = L.conv2d({ name: 'conv1', filters: 8, kernelSize: 3, padding: 'same', useBias: false }).apply(x);
  y = relu().apply(bn('bn1').apply(y));
  y = L.conv2d({ name: 'conv2', filters: 8, kernelSize: 3, padding: 'same', useBias: false }).apply(y);
  x = relu().apply(L.add().apply([bn('bn2').apply(y), x]));
  // PyTorch's stride-2 conv with padding 1 on 12 pixels pads both sides (TensorFlow's 'same' would not).
  x = L.zeroPadding2d({ padding: 1 }).apply(x);
  x = L.conv2d({ name: 'down', filters: 16, kernelSize: 3, strides: 2, activation: 'relu' }).apply(x);
  x = L.depthwiseConv2d({ name: 'dw', kernelSize: 3, padding: 'same', useBias: false }).apply(x);
  x = L.conv2d({ name: 'pw', filters: 24, kernelSize: 1 }).apply(x);
  x = relu().apply(bn('bn3').apply(x));
  x = L.globalAveragePooling2d().apply(x);
  return sn.model({ inputs: input, outputs: L.dense({ name: 'fc', units: 10 }).apply(x) });
}

maybe('the PyTorch resnet fixture: eval logits (folded and not) and train-mode loss within 1e-4', () => {
  const json = JSON.parse(readFileSync(path.join(fixturesDir, 'resnet.json'), 'utf8'));
  const bytes = readFileSync(path.join(fixturesDir, 'resnet.safetensors'));
  const model = fixtureNet();
  try {
    model.loadWeights(bytes, { from: 'pytorch' });
    const x = nhwc(json.x_nchw);
    const labels = sn.tensor(Int32Array.from(json.labels), [json.labels.length], 'int32');
    const folded = model.predict(x);
    assertClose(folded.dataSync(), json.logits_eval.data, 1e-4, 'eval logits, batch norms folded into convs');
    model.foldBatchNorm = false;
    const plain = model.predict(x);
    assertClose(plain.dataSync(), json.logits_eval.data, 1e-4, 'eval logits, batch norms on their own');
    model.foldBatchNorm = true;
    const loss = sn.losses.sparseCategoricalCrossentropy({ fromLogits: true });
    const value = sn.tidy(() => loss(labels, model.apply(x, { training: true })).dataSync()[0]);
    assertClose([value], [json.loss_train], 1e-4, 'train-mode loss (batch statistics)');
    assert.ok(Math.abs(value - json.loss_train) < 1e-4);
    for (const t of [x, labels, folded, plain]) t.dispose();
  } finally {
    model.dispose();
  }
});

test.run();
