// The seed's Keras CNN trained for real: one epoch on the first 10,000 Fashion-MNIST training images must
// reach >= 75% on the 10,000 test images, with a constant number of live tensors throughout. Needs the full
// data set (e.g. Debian's dataset-fashion-mnist, or $SIMDNET_DATA); without it the test is skipped with a note.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { compileKerasCnn, kerasCnn } from '../../examples/keras-cnn/model.mjs';

let data = null;
try {
  data = await sn.datasets.fashionMnist.load({ limit: { train: 10000 }, normalize: [-1, 1] });
} catch (e) {
  console.log(`fashion-mnist.test: SKIPPED, the full Fashion-MNIST data set was not found.\n${e.message}`);
}
const withData = data ? test : test.skip;

withData('Keras CNN: one epoch on 10,000 images reaches >= 75% test accuracy; numTensors stays flat', async () => {
  const { train, test: testSplit } = data;
  assert.equal(train.images.shape, [10000, 28, 28, 1]);
  assert.equal(testSplit.images.shape, [10000, 28, 28, 1]);
  const model = compileKerasCnn(kerasCnn({ seed: 1 }));
  const counts = [];
  const started = Date.now();
  const history = await model.fit(train.images, train.labels, {
    epochs: 1,
    batchSize: 32,
    seed: 1,
    verbose: 2,
    callbacks: { onBatchEnd: (batch) => batch > 0 && counts.push(sn.memory().numTensors) },
  });
  const trainSeconds = (Date.now() - started) / 1000;
  assert.is(counts.length, 312);
  assert.ok(
    counts.every((n) => n === counts[0]),
    `numTensors changed during fit: ${[...new Set(counts)]}`,
  );
  const afterFit = sn.memory().numTensors;
  const [loss, accuracy] = model.evaluate(testSplit.images, testSplit.labels, { batchSize: 256 });
  assert.is(sn.memory().numTensors, afterFit, 'evaluate leaves no tensors');
  const predictions = model.predict(testSplit.images, { batchSize: 500 });
  assert.equal(predictions.shape, [10000, 10]);
  assert.is(
    sn.metrics.sparseCategoricalAccuracy(testSplit.labels, predictions),
    accuracy,
    'predict agrees with evaluate',
  );
  predictions.dispose();
  assert.is(sn.memory().numTensors, afterFit, 'predict leaves only its output');
  console.log(
    `fashion-mnist.test: train loss ${history.history.loss[0].toFixed(4)}, acc ${history.history.acc[0].toFixed(4)}; test loss ${loss.toFixed(4)}, accuracy ${(100 * accuracy).toFixed(2)}% (${trainSeconds.toFixed(0)} s of training)`,
  );
  assert.ok(accuracy >= 0.75, `test accuracy ${accuracy}`);
  model.dispose();
});

test.after(() => data?.dispose());

test.run();
