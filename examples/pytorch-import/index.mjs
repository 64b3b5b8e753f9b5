// Runs PyTorch's CIFAR-10 LeNet in simdnet: builds the same network (channels-last), loads the PyTorch
// checkpoint, and compares the logits with PyTorch's on the batch saved beside it.
//   node examples/pytorch-import/index.mjs [lenet.safetensors] [lenet.json]
// By default both come from tests/fixtures (the reference files made with PyTorch 1.13).
import * as sn from 'simdnet';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lenet } from '../lenet/model.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = process.env.SIMDNET_FIXTURES || path.resolve(here, '../../tests/fixtures');

/** PyTorch batches are NCHW; simdnet's are NHWC. */
function toNhwc({ shape: [n, c, h, w], data }) {
  const out = new Float32Array(n * h * w * c);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          out[((i * h + y) * w + x) * c + ch] = data[((i * c + ch) * h + y) * w + x];
        }
  return sn.tensor(out, [n, h, w, c]);
}

export async function importLenet({
  checkpoint = path.join(fixtures, 'lenet.safetensors'),
  reference = path.join(fixtures, 'lenet.json'),
  log = console.log,
} = {}) {
  await sn.ready();
  const model = lenet({ inputShape: [32, 32, 3] }); // the network of examples/lenet, for CIFAR-10's images
  // The one line that matters: PyTorch layouts (OIHW convs, [out, in] linears, C,H,W flatten order)
  // are converted while loading.
  model.loadWeights(readFileSync(checkpoint), { from: 'pytorch' });

  const ref = JSON.parse(readFileSync(reference, 'utf8'));
  const x = toNhwc(ref.x_nchw);
  const logits = model.predict(x);
  const ours = logits.dataSync();
  let diff = 0;
  let scale = 0;
  ours.forEach((v, i) => {
    diff = Math.max(diff, Math.abs(v - ref.logits.data[i]));
    scale = Math.max(scale, Math.abs(ref.logits.data[i]));
  });
  const classes = logits.shape[1];
  const predicted = Array.from({ length: logits.shape[0] }, (_, i) => {
    const row = Array.from(ours.subarray(i * classes, (i + 1) * classes));
    return row.indexOf(Math.max(...row));
  });
  log(`loaded ${model.countParams()} parameters from ${path.basename(checkpoint)}`);
  log(`predicted classes: ${predicted.join(', ')}`);
  log(`largest difference from PyTorch's logits: ${(diff / scale).toExponential(2)} (relative)`);
  x.dispose();
  logits.dispose();
  model.dispose();
  return { predicted, relativeError: diff / scale };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await importLenet({ checkpoint: process.argv[2], reference: process.argv[3] });
}
