// Trains the seed's PyTorch LeNet (model.mjs) for 2 epochs with SGD (learning rate 0.01, momentum 0.9),
// then reports the test accuracy (the target on Fashion-MNIST is >= 85%).
//
//   node examples/lenet/train.mjs [--cifar10 DIR] [--epochs 2] [--batch-size 32] [--limit N] [--dir DIR]
//                                 [--embedded] [--seed N] [--curves FILE.svg] [--verbose 0|1|2]
//
// By default it trains on Fashion-MNIST (28x28x1). With --cifar10 DIR, or $CIFAR10_DIR set, it trains on
// CIFAR-10 (32x32x3, the binary version's data_batch_*.bin and test_batch.bin) as the PyTorch tutorial
// does. Pixels are scaled to [-1, 1], the tutorial's Normalize((0.5, ...), (0.5, ...)).
import * as sn from 'simdnet';
import { parseArgs } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileLenet, lenet } from './model.mjs';
import { writeCurves } from '../keras-cnn/train.mjs';

export async function trainLenet({
  cifar10Dir,
  epochs = 2,
  batchSize = 32,
  limit,
  dir,
  embedded = false,
  seed,
  verbose = 1,
  log = console.log,
} = {}) {
  await sn.ready();
  const normalize = [-1, 1];
  const limitOption = limit ? { limit: { train: limit } } : {};
  const data = cifar10Dir
    ? await sn.datasets.cifar10.load({ dir: cifar10Dir, normalize, ...limitOption })
    : await sn.datasets.fashionMnist.load({ ...(embedded ? { embedded: true } : { dir }), normalize, ...limitOption });
  const name = cifar10Dir ? 'CIFAR-10' : 'Fashion-MNIST';
  const { train, test } = data;
  log(
    `${name} from ${data.source}${data.embedded ? ' (the embedded subset)' : ''}: ${train.images.shape[0]} training and ${test.images.shape[0]} test images`,
  );

  const model = compileLenet(lenet({ inputShape: train.images.shape.slice(1), seed }));
  if (verbose) model.summary({ printFn: log });
  const started = Date.now();
  const history = await model.fit(train.images, train.labels, { epochs, batchSize, verbose, seed });
  const seconds = (Date.now() - started) / 1000;
  const [testLoss, testAccuracy] = model.evaluate(test.images, test.labels, { batchSize: 256 });
  model.dispose();
  data.dispose();
  return { name, history, testLoss, testAccuracy, seconds };
}

async function main() {
  const { values } = parseArgs({
    options: {
      cifar10: { type: 'string' },
      epochs: { type: 'string', default: '2' },
      'batch-size': { type: 'string', default: '32' },
      limit: { type: 'string' },
      dir: { type: 'string' },
      embedded: { type: 'boolean', default: false },
      seed: { type: 'string' },
      curves: { type: 'string' },
      verbose: { type: 'string', default: '1' },
    },
  });
  const r = await trainLenet({
    cifar10Dir: values.cifar10 ?? process.env.CIFAR10_DIR,
    epochs: Number(values.epochs),
    batchSize: Number(values['batch-size']),
    limit: values.limit ? Number(values.limit) : undefined,
    dir: values.dir,
    embedded: values.embedded,
    seed: values.seed === undefined ? undefined : Number(values.seed),
    verbose: Number(values.verbose),
  });
  console.log(
    `${r.name} test accuracy: ${(100 * r.testAccuracy).toFixed(2)}% (loss ${r.testLoss.toFixed(4)}) after ${r.history.epoch.length} epoch(s), ${r.seconds.toFixed(0)} s of training`,
  );
  if (values.curves) console.log(`Training curves: ${writeCurves(values.curves, r.history, `LeNet on ${r.name}`)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
