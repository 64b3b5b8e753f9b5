// Classifies Fashion-MNIST images with a CNN trained in PyTorch and exported to ONNX (fashion_cnn.onnx,
// made by make_model.py beside this file), loaded with simdnet/onnx.
//   node examples/onnx/classify.mjs [model.onnx]
// PyTorch exports take NCHW; simdnet's datasets give NHWC. With one channel the two orders hold the same
// bytes, but the honest way to say "my data is NHWC" is inputLayout: 'nhwc', which leaves out the
// transpose at the model's edge.
import * as sn from 'simdnet';
import { loadOnnx } from 'simdnet/onnx';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

export async function classify({ file = path.join(here, 'fashion_cnn.onnx'), count = 2000, log = console.log } = {}) {
  await sn.ready();
  const model = await loadOnnx(readFileSync(file), { inputLayout: 'nhwc' });
  model.summary({ printFn: log });
  // The seed's normalisation, as in make_model.py: pixels to [-1, 1]. The embedded subset ships with the repo.
  const { test } = await sn.datasets.fashionMnist.load({ embedded: true, normalize: [-1, 1], train: false });
  const images = sn.tidy(() => sn.reshape(test.images, [test.images.shape[0], 28, 28, 1]));
  const n = Math.min(count, images.shape[0]);
  const t0 = performance.now();
  const logits = model.predict(images, { batchSize: 32 });
  const ms = performance.now() - t0;
  const scores = logits.dataSync();
  const labels = test.labels.dataSync();
  let correct = 0;
  const examples = [];
  for (let i = 0; i < n; i++) {
    const row = scores.subarray(i * 10, i * 10 + 10);
    const guess = row.indexOf(Math.max(...row));
    if (guess === labels[i]) correct++;
    if (i < 5) examples.push(`image ${i}: ${CLASSES[guess]} (true: ${CLASSES[labels[i]]})`);
  }
  const accuracy = correct / n;
  for (const line of examples) log(line);
  log(
    `accuracy on ${n} test images: ${(accuracy * 100).toFixed(2)}% (${(ms / 1000).toFixed(2)} s, ${Math.round((images.shape[0] * 1000) / ms)} images/s)`,
  );
  for (const t of [images, logits, test.images, test.labels]) t.dispose();
  for (const l of model.layers) l.dispose();
  return accuracy;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await classify({ file: process.argv[2] });
}
