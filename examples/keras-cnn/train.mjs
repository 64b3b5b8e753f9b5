// Trains the seed's Keras model (model.mjs) on Fashion-MNIST as the seed does: Adam, sparse categorical
// cross-entropy from logits, batch 32, 5 epochs; then reports the test accuracy (the target is >= 90%).
//
//   node examples/keras-cnn/train.mjs [--epochs 5] [--batch-size 32] [--limit N] [--dir DIR] [--embedded]
//                                     [--seed N] [--curves FILE.svg] [--validate] [--verbose 0|1|2]
//
// --validate evaluates the test set after every epoch (val_loss, val_acc), as the TensorFlow tutorial does.
//
// The data set is looked for as sn.datasets.fashionMnist.load does (--dir, $SIMDNET_DATA, Debian's
// /usr/share/datasets/fashion-mnist); --embedded trains on the small subset shipped with simdnet instead.
import * as sn from 'simdnet';
import { parseArgs } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileKerasCnn, kerasCnn } from './model.mjs';

/**
 * Loads the data, builds, trains and evaluates the model. Returns the numbers and the History; the model
 * and data are disposed unless keep is true.
 */
export async function trainKerasCnn({
  epochs = 5,
  batchSize = 32,
  limit,
  dir,
  embedded = false,
  fallbackToEmbedded = false,
  seed,
  verbose = 1,
  validate = false,
  log = console.log,
} = {}) {
  await sn.ready();
  const data = await sn.datasets.fashionMnist.load({
    ...(embedded ? { embedded: true } : { dir, fallbackToEmbedded }),
    ...(limit ? { limit: { train: limit } } : {}),
  });
  if (data.note) log(`Note: ${data.note}`);
  const { train, test } = data;
  log(`Fashion-MNIST from ${data.source}${data.embedded ? ' (the embedded subset)' : ''}: ${train.images.shape[0]} training and ${test.images.shape[0]} test images`);

  const model = compileKerasCnn(kerasCnn({ seed }));
  if (verbose) model.summary({ printFn: log });
  const started = Date.now();
  // As the TensorFlow CNN tutorial does, the test set can double as validation data, giving a test curve.
  const validationData = validate ? [test.images, test.labels] : undefined;
  const history = await model.fit(train.images, train.labels, { epochs, batchSize, verbose, seed, validationData });
  const seconds = (Date.now() - started) / 1000;
  const [testLoss, testAccuracy] = model.evaluate(test.images, test.labels, { batchSize: 256 });
  const result = { history, testLoss, testAccuracy, seconds, embedded: data.embedded, source: data.source, trainSize: train.images.shape[0], testSize: test.images.shape[0] };
  model.dispose();
  data.dispose();
  return result;
}

/** Writes the History's curves as SVG; the validation curve is named `validationLabel` in the legend. */
function writeCurves(file, history, title, validationLabel = 'validation') {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, sn.plot.trainingCurvesSvg(history, { title, validationLabel }));
  return path.resolve(file);
}

export { writeCurves };

async function main() {
  const { values } = parseArgs({
    options: {
      epochs: { type: 'string', default: '5' },
      'batch-size': { type: 'string', default: '32' },
      limit: { type: 'string' },
      dir: { type: 'string' },
      embedded: { type: 'boolean', default: false },
      seed: { type: 'string' },
      curves: { type: 'string' },
      validate: { type: 'boolean', default: false },
      verbose: { type: 'string', default: '1' },
    },
  });
  const r = await trainKerasCnn({
    validate: values.validate,
    epochs: Number(values.epochs),
    batchSize: Number(values['batch-size']),
    limit: values.limit ? Number(values.limit) : undefined,
    dir: values.dir,
    embedded: values.embedded,
    seed: values.seed === undefined ? undefined : Number(values.seed),
    verbose: Number(values.verbose),
  });
  console.log(`Test accuracy: ${(100 * r.testAccuracy).toFixed(2)}% (loss ${r.testLoss.toFixed(4)}) after ${r.history.epoch.length} epoch(s), ${r.seconds.toFixed(0)} s of training`);
  if (values.curves) console.log(`Training curves: ${writeCurves(values.curves, r.history, 'Keras CNN on Fashion-MNIST', 'test')}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
