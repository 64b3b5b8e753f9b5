// Trains the residual network of model.mjs on Fashion-MNIST with augmentation: Adam (lr 0.001), batch
// 64, pixels in [-1, 1]; reports the test accuracy after the epochs listed in --report and the training
// throughput. examples/resnet/README.md has the measured figures beside PyTorch's (pytorch_resnet.py).
//
//   node examples/resnet/train.mjs [--epochs 15] [--report 5,15] [--width 8] [--batch-size 64] [--seed 1]
//                                  [--limit N] [--dir DIR] [--embedded] [--verbose 0|1|2] [--save DIR]
import * as sn from 'simdnet';
import { parseArgs } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileResnet, resnet } from './model.mjs';

export async function trainResnet({
  epochs = 15,
  report = [5, 15],
  width = 8,
  batchSize = 64,
  seed = 1,
  limit,
  dir,
  embedded = false,
  verbose = 1,
  save,
  log = console.log,
} = {}) {
  await sn.ready();
  const data = await sn.datasets.fashionMnist.load({
    ...(embedded ? { embedded: true } : { dir, fallbackToEmbedded: true }),
    normalize: [-1, 1],
    ...(limit ? { limit: { train: limit } } : {}),
  });
  if (data.note) log(`Note: ${data.note}`);
  const { train, test } = data;
  log(`Fashion-MNIST from ${data.source}: ${train.images.shape[0]} training and ${test.images.shape[0]} test images`);
  const model = compileResnet(resnet({ width, seed }));
  if (verbose) model.summary({ printFn: log });
  const results = [];
  let trainSeconds = 0;
  const reportAt = new Set(report);
  const callbacks = {
    onEpochEnd: (epoch) => {
      if (!reportAt.has(epoch + 1)) return;
      const [loss, acc] = model.evaluate(test.images, test.labels, { batchSize: 256 });
      results.push({ epochs: epoch + 1, testLoss: loss, testAccuracy: acc, trainSeconds });
      log(
        `After ${epoch + 1} epoch(s): test accuracy ${(100 * acc).toFixed(2)}% (loss ${loss.toFixed(4)}), ${trainSeconds.toFixed(0)} s of training, ${((train.images.shape[0] * (epoch + 1)) / trainSeconds).toFixed(0)} images/s`,
      );
    },
  };
  let t0 = 0;
  const timer = {
    onEpochBegin: () => (t0 = Date.now()),
    onEpochEnd: () => (trainSeconds += (Date.now() - t0) / 1000),
  };
  const history = await model.fit(train.images, train.labels, {
    epochs,
    batchSize,
    seed,
    verbose,
    callbacks: [timer, callbacks],
  });
  if (save) await model.save(save);
  model.optimizer.dispose(); // an optimizer passed to compile stays the caller's to free
  model.dispose();
  data.dispose();
  return { history, results, trainSeconds, trainSize: train.images.shape[0] };
}

async function main() {
  const { values } = parseArgs({
    options: {
      epochs: { type: 'string', default: '15' },
      report: { type: 'string', default: '5,15' },
      width: { type: 'string', default: '8' },
      'batch-size': { type: 'string', default: '64' },
      seed: { type: 'string', default: '1' },
      limit: { type: 'string' },
      dir: { type: 'string' },
      embedded: { type: 'boolean', default: false },
      verbose: { type: 'string', default: '1' },
      save: { type: 'string' },
    },
  });
  await trainResnet({
    epochs: Number(values.epochs),
    report: values.report.split(',').map(Number),
    width: Number(values.width),
    batchSize: Number(values['batch-size']),
    seed: Number(values.seed),
    limit: values.limit ? Number(values.limit) : undefined,
    dir: values.dir,
    embedded: values.embedded,
    verbose: Number(values.verbose),
    save: values.save,
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
