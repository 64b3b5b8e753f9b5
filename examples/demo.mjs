// `npm run demo`: trains the seed's Keras CNN on Fashion-MNIST with a Keras-style progress bar, prints the
// test accuracy and writes the training curves (training and test set per epoch) as an SVG file.
//
// It uses the full data set when it finds it (see sn.datasets.fashionMnist.load: $SIMDNET_DATA, or
// Debian's dataset-fashion-mnist package); otherwise the small subset shipped with simdnet, and says so.
//
//   npm run demo -- [--epochs 5] [--limit N] [--out demo-output/fashion-mnist-curves.svg]
import * as sn from 'simdnet';
import { parseArgs } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { trainKerasCnn, writeCurves } from './keras-cnn/train.mjs';

let featureMapsFile = '';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '5' },
    limit: { type: 'string' },
    out: { type: 'string', default: 'demo-output/fashion-mnist-curves.svg' },
  },
});

await sn.ready();
const info = sn.backendInfo();
console.log(
  `simdnet on ${info.runtime}, WASM ${info.simd === 'relaxed' ? 'relaxed SIMD (fused multiply-add)' : 'SIMD'}`,
);
try {
  const r = await trainKerasCnn({
    epochs: Number(values.epochs),
    limit: values.limit ? Number(values.limit) : undefined,
    fallbackToEmbedded: true,
    validate: true,
    seed: 1,
    afterTraining: (model, data) => {
      // What the first convolution sees in the first test image: one grayscale map per filter.
      const pixels = data.test.images.dataSync().subarray(0, 28 * 28);
      const svg = sn.tidy(() => {
        const image = sn.tensor(pixels, [1, 28, 28, 1]);
        return sn.plot.featureMapsSvg(model.layers[0].apply(image), {
          title: `conv2d_1 feature maps (32 filters) of test image 0 (${sn.datasets.fashionMnist.classes?.[data.test.labels.dataSync()[0]] ?? 'class ' + data.test.labels.dataSync()[0]})`,
        });
      });
      featureMapsFile = path.resolve(path.dirname(values.out), 'fashion-mnist-feature-maps.svg');
      mkdirSync(path.dirname(featureMapsFile), { recursive: true });
      writeFileSync(featureMapsFile, svg);
    },
  });
  console.log('');
  console.log(
    `Test accuracy: ${(100 * r.testAccuracy).toFixed(2)}% on ${r.testSize} test images (loss ${r.testLoss.toFixed(4)}), after ${r.history.epoch.length} epoch(s) on ${r.trainSize} training images in ${r.seconds.toFixed(0)} s`,
  );
  if (r.embedded) {
    console.log(
      '(This was the small embedded subset: install the full data set for the real result, e.g. `apt-get install dataset-fashion-mnist`, or set SIMDNET_DATA.)',
    );
  }
  const file = writeCurves(
    values.out,
    r.history,
    `Keras CNN on Fashion-MNIST${r.embedded ? ' (embedded subset)' : ''}`,
    'test',
  );
  console.log(`Training curves written to ${file}`);
  console.log(`Feature maps of the first conv layer written to ${featureMapsFile}`);
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
