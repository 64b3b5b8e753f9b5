// The functional-API examples as a user runs them: examples/conv1d learns its waveforms; the ResNet of
// examples/resnet has the same parameter count as its PyTorch twin (pytorch_resnet.py: 8,178) and trains.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';

test('examples/conv1d: a 1-D CNN tells four waveforms apart', async () => {
  const { trainConv1d } = await import('../../examples/conv1d/index.mjs');
  const n0 = sn.memory().numTensors;
  const r = await trainConv1d({ trainSize: 1000, testSize: 300, epochs: 4, verbose: 0 });
  assert.ok(r.testAccuracy > 0.8, `test accuracy ${r.testAccuracy}`);
  assert.is(sn.memory().numTensors, n0, 'everything freed');
});

test('examples/resnet: the functional ResNet matches PyTorch parameter for parameter and trains a step', async () => {
  const { resnet, compileResnet } = await import('../../examples/resnet/model.mjs');
  const model = compileResnet(resnet({ seed: 1 }));
  try {
    assert.is(
      model.trainableWeights.reduce((n, w) => n + w.size, 0),
      8178,
    );
    assert.equal(model.outputShape, [null, 10]);
    const x = sn.randomUniform([16, 28, 28, 1], { seed: 2, minval: -1, maxval: 1 });
    const y = sn.tensor(
      Int32Array.from({ length: 16 }, (_, i) => i % 10),
      [16],
      'int32',
    );
    const [first] = model.trainOnBatch(x, y);
    for (let i = 0; i < 4; i++) model.trainOnBatch(x, y);
    const [last] = model.trainOnBatch(x, y);
    assert.ok(last < first, `loss ${first} → ${last}`);
    const p = model.predict(x);
    assert.equal(p.shape, [16, 10]);
    // Saved and loaded (batch-norm statistics, augmentation settings and all), it predicts the same bits.
    const loaded = await sn.loadModel(await model.save());
    const q = loaded.predict(x);
    assert.equal(Array.from(q.dataSync()), Array.from(p.dataSync()));
    // It comes back compiled (the augmentation's random stream restarts from its seed, as in Keras).
    assert.ok(Number.isFinite(loaded.trainOnBatch(x, y)[0]));
    loaded.dispose();
    for (const t of [x, y, p, q]) t.dispose();
  } finally {
    model.optimizer.dispose();
    model.dispose();
  }
});

test.run();
