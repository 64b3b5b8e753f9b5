// model.save() / sn.loadModel() / model.loadWeights(): the saved format, bit-identical predictions and
// training that carries on exactly where it stopped, directories and in-memory artifacts, and errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sn } from '../helpers/setup.mjs';
import { assertSameBits, assertThrowsMessage, bitsOf } from '../helpers/compare.mjs';
import { rng } from '../helpers/random.mjs';

function batch(seed, n = 6) {
  const r = rng(seed);
  const x = sn.tensor(Float32Array.from(r.array(n * 8 * 8 * 3)), [n, 8, 8, 3]);
  const y = sn.tensor(
    Int32Array.from({ length: n }, () => r.int(0, 4)),
    [n],
    'int32',
  );
  return { x, y };
}

/** A small CNN with every kind of layer that has a config worth keeping. */
function smallCnn({ optimizer = 'adam', dropout = false } = {}) {
  const model = sn.sequential({
    seed: 7,
    layers: [
      sn.layers.conv2d({ inputShape: [8, 8, 3], filters: 5, kernelSize: 3, padding: 'same', activation: 'relu' }),
      sn.layers.maxPooling2d({ poolSize: 2 }),
      sn.layers.conv2d({ filters: 4, kernelSize: [2, 3], strides: 1, useBias: false, activation: 'tanh' }),
      sn.layers.flatten(),
      ...(dropout ? [sn.layers.dropout({ rate: 0.25, seed: 3 })] : []),
      sn.layers.dense({ units: 7, activation: 'relu' }),
      sn.layers.dense({ units: 5 }),
    ],
  });
  model.compile({
    optimizer,
    loss: sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    metrics: ['accuracy'],
  });
  return model;
}

async function expectReject(promise, pattern, what = '') {
  try {
    await promise;
  } catch (e) {
    assert.match(e.message, pattern, `${what} message: ${e.message}`);
    return e;
  }
  assert.unreachable(`${what}: expected a rejection matching ${pattern}`);
}

test('save() without a target gives { config, weights }: model.json as documented and a safetensors file', async () => {
  const start = sn.memory().numTensors;
  const model = smallCnn();
  const { x, y } = batch(1);
  model.trainOnBatch(x, y);
  const { config, weights } = await model.save();
  assert.is(config.format, 'simdnet');
  assert.is(config.version, 1);
  assert.is(config.modelConfig.className, 'Sequential');
  assert.equal(
    config.modelConfig.layers.map((l) => l.className),
    ['Conv2D', 'MaxPooling2D', 'Conv2D', 'Flatten', 'Dense', 'Dense'],
  );
  assert.equal(config.modelConfig.layers[0].config.inputShape, [8, 8, 3]);
  assert.is(config.modelConfig.layers[2].config.useBias, false);
  assert.equal(
    config.weights.map((w) => w.shape),
    model.weights.map((w) => [...w.shape]),
  );
  assert.equal(
    config.weights.map((w) => w.name),
    model.weights.map((w) => w.name),
  );
  assert.equal(config.trainingConfig.optimizer.className, 'Adam');
  assert.equal(config.trainingConfig.loss, { name: 'sparseCategoricalCrossentropy', fromLogits: true });
  assert.equal(config.trainingConfig.metrics, ['accuracy']);
  assert.equal(config.optimizerState, { iterations: 1, slotNames: ['momentum', 'velocity'] });
  assert.equal(JSON.parse(JSON.stringify(config)), config, 'plain JSON');
  assert.ok(weights instanceof Uint8Array);
  const tensors = sn.io.readSafetensors(weights);
  const names = model.weights.map((w) => w.name);
  assert.equal([...tensors.keys()].slice(0, names.length), names);
  for (const w of model.weights) assertSameBits(bitsOf(tensors.get(w.name)), bitsOf(w), w.name);
  for (const w of model.weights)
    for (const slot of ['momentum', 'velocity'])
      assert.ok(tensors.has(`optimizer/${slot}/${w.name}`), `${slot} of ${w.name}`);
  assert.is(sn.io.readSafetensorsHeader(weights).metadata.format, 'simdnet');
  for (const t of tensors.values()) t.dispose();
  model.dispose();
  x.dispose();
  y.dispose();
  assert.is(sn.memory().numTensors, start);
});

test('a loaded model predicts bit-identically and trains on exactly as the original would', async () => {
  const start = sn.memory().numTensors;
  const model = smallCnn();
  const first = batch(2);
  for (let i = 0; i < 3; i++) model.trainOnBatch(first.x, first.y);
  const artifacts = await model.save();
  // The original is still alive, so its layer names are taken: the copy gets fresh ones.
  const copy = await sn.loadModel(artifacts);
  assert.is.not(copy, model);
  copy.layers.forEach((l, i) => {
    if (l.weights.length > 0)
      assert.is(l.name, `${model.layers[i].name}_1`, 'fresh names for layers whose weights are taken');
    else assert.is(l.name, model.layers[i].name, 'weightless layers keep theirs');
  });
  assert.equal(
    copy.layers.map((l) => l.className),
    model.layers.map((l) => l.className),
  );
  const p1 = model.predict(first.x);
  const p2 = copy.predict(first.x);
  assertSameBits(bitsOf(p2), bitsOf(p1), 'predictions');
  // Same optimizer, same state (Adam's moments and step count): the next steps agree bit for bit.
  assert.is(copy.optimizer.getConfig().className, 'Adam');
  assert.is(copy.optimizer.iterations, 3);
  const next = batch(3);
  for (let i = 0; i < 2; i++) {
    const l1 = model.trainOnBatch(next.x, next.y);
    const l2 = copy.trainOnBatch(next.x, next.y);
    assert.equal(l2, l1, 'loss and accuracy');
  }
  model.weights.forEach((w, i) => assertSameBits(bitsOf(copy.weights[i]), bitsOf(w), `after training: ${w.name}`));
  for (const t of [p1, p2, first.x, first.y, next.x, next.y]) t.dispose();
  model.dispose();
  copy.dispose();
  assert.is(sn.memory().numTensors, start, 'no tensor leaked (optimizer slots included)');
});

test('a model saved after its original is gone keeps its layer names', async () => {
  const model = smallCnn({ optimizer: 'sgd' });
  const { x, y } = batch(6);
  model.trainOnBatch(x, y);
  const names = model.layers.map((l) => l.name);
  const artifacts = await model.save();
  model.dispose();
  const copy = await sn.loadModel(artifacts);
  assert.equal(
    copy.layers.map((l) => l.name),
    names,
  );
  assert.is(copy.optimizer.getConfig().className, 'SGD');
  assert.equal(artifacts.config.optimizerState, { iterations: 1, slotNames: [] }, 'plain SGD has no slots');
  assert.is(copy.optimizer.iterations, 1);
  copy.dispose();
  x.dispose();
  y.dispose();
});

test('save(directory) writes model.json and weights.safetensors; loadModel reads the directory or its model.json', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'simdnet-io-'));
  try {
    const model = smallCnn({ dropout: true });
    const target = path.join(dir, 'nested', 'cnn');
    const returned = await model.save(target);
    const json = JSON.parse(readFileSync(path.join(target, 'model.json'), 'utf8'));
    assert.equal(json, returned.config);
    assert.equal(new Uint8Array(readFileSync(path.join(target, 'weights.safetensors'))), returned.weights);
    const x = batch(4).x;
    const p = model.predict(x);
    for (const source of [target, path.join(target, 'model.json')]) {
      const copy = await sn.loadModel(source);
      const q = copy.predict(x);
      assertSameBits(bitsOf(q), bitsOf(p), source);
      const dropout = copy.layers.find((l) => l.className === 'Dropout');
      assert.is(dropout.rate, 0.25);
      q.dispose();
      copy.dispose();
    }
    p.dispose();
    x.dispose();
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadModel takes the config as JSON text and the weights as an ArrayBuffer (what storage hands back)', async () => {
  const model = smallCnn();
  const { config, weights } = await model.save();
  const copy = await sn.loadModel({ config: JSON.stringify(config), weights: weights.slice().buffer });
  model.weights.forEach((w, i) => assertSameBits(bitsOf(copy.weights[i]), bitsOf(w), w.name));
  copy.dispose();
  model.dispose();
});

test('a model compiled with a custom loss, or never compiled, loads uncompiled with its weights', async () => {
  const model = sn.sequential({ layers: [sn.layers.dense({ inputShape: [3], units: 2 })] });
  const plain = await model.save();
  assert.is(plain.config.trainingConfig, undefined);
  model.compile({ optimizer: 'sgd', loss: (a, b) => sn.mean(sn.mul(sn.sub(a, b), sn.sub(a, b))) });
  const custom = await model.save();
  assert.is(custom.config.trainingConfig, undefined);
  const copy = await sn.loadModel(custom);
  assert.is(copy.optimizer, null);
  const handMade = { learningRate: 0, applyGradients() {}, dispose() {} };
  model.compile({ optimizer: handMade, loss: 'meanSquaredError' });
  assert.is((await model.save()).config.trainingConfig, undefined, 'an optimizer without getConfig');
  assertSameBits(bitsOf(copy.weights[0]), bitsOf(model.weights[0]), 'kernel');
  copy.dispose();
  model.dispose();
});

test('model.loadWeights reads weights.safetensors into a model built the same way', async () => {
  const model = smallCnn();
  const { weights } = await model.save();
  const other = smallCnn(); // other layer names, same seed... so train the first a little to differ
  const { x, y } = batch(5);
  model.trainOnBatch(x, y);
  const trained = await model.save();
  other.loadWeights(trained.weights);
  model.weights.forEach((w, i) => assertSameBits(bitsOf(other.weights[i]), bitsOf(w), w.name));
  model.loadWeights(weights); // by its own names
  assertThrowsMessage(
    () => sn.sequential({ layers: [sn.layers.dense({ inputShape: [3], units: 2 })] }).loadWeights(weights),
    /loadWeights: the model has 2 weights; the file has 7/,
  );
  for (const t of [x, y]) t.dispose();
  model.dispose();
  other.dispose();
});

test('save and loadModel say what is wrong, and a failed load leaks nothing', async () => {
  const model = smallCnn();
  const { config, weights } = await model.save();
  const start = sn.memory().numTensors;
  const clone = () => JSON.parse(JSON.stringify(config));
  await expectReject(
    sn.loadModel(42),
    /loadModel: argument 'source' must be a directory path or \{ config, weights \}/,
  );
  await expectReject(
    sn.loadModel('/nonexistent/simdnet-model'),
    /loadModel: \/nonexistent\/simdnet-model is not a directory holding model.json and weights.safetensors/,
  );
  await expectReject(sn.loadModel({ config: '{', weights }), /loadModel: 'config' is not valid JSON/);
  await expectReject(
    sn.loadModel({ config: { ...clone(), format: 'keras' }, weights }),
    /not a simdnet model: 'format' is "keras"/,
  );
  await expectReject(
    sn.loadModel({ config: { ...clone(), version: 99 }, weights }),
    /saved in format version 99; this simdnet reads up to version 1/,
  );
  await expectReject(
    sn.loadModel({ config: { ...clone(), modelConfig: { className: 'Graph', layers: [] } }, weights }),
    /only "Sequential" and "Functional" models can be loaded/,
  );
  await expectReject(
    sn.loadModel({ config: { ...clone(), modelConfig: { className: 'Functional', layers: [] } }, weights }),
    /modelConfig.inputLayers is not a list of \[layer, node, output\]/,
  );
  const wrongShape = clone();
  wrongShape.weights[0].shape = [9, 9, 9, 9];
  await expectReject(
    sn.loadModel({ config: wrongShape, weights }),
    /tensor '.*\/kernel' for layer '.*' \(Conv2D\) has shape \[3,3,3,5\] in the weights file; model.json says \[9,9,9,9\]/,
  );
  const badLayer = clone();
  badLayer.modelConfig.layers[0].config.filters = 6;
  await expectReject(
    sn.loadModel({ config: badLayer, weights }),
    /weight 0 of the rebuilt model is '.*' \[3,3,3,6\]; model.json lists/,
  );
  const unknownLayer = clone();
  unknownLayer.modelConfig.layers[1].className = 'Magic';
  await expectReject(
    sn.loadModel({ config: unknownLayer, weights }),
    /the saved architecture cannot be rebuilt: .*Magic/,
  );
  await expectReject(
    sn.loadModel({ config, weights: weights.subarray(0, weights.length - 4) }),
    /loadModel: .*run past the end of the data/,
  );
  const renamed = sn.io.readSafetensors(weights);
  const first = [...renamed.keys()][0];
  const missing = new Map([...renamed].filter(([k]) => k !== first));
  await expectReject(
    sn.loadModel({ config, weights: sn.io.writeSafetensors(missing) }),
    new RegExp(`the weights file has no tensor '${first}'`),
  );
  for (const t of renamed.values()) t.dispose();
  await expectReject(model.save(''), /save: argument 'target' must be a directory path, or left out/);
  await expectReject(model.save(42), /argument 'target' must be a directory path/);
  await expectReject(sn.io.saveModel({}), /io.saveModel: argument 'model' must be a Sequential or functional model/);
  assert.is(sn.memory().numTensors, start, 'no tensor leaked by failed loads');
  // And the layer names a failed load tried are free again: a good load still keeps fresh names working.
  const copy = await sn.loadModel({ config, weights });
  copy.dispose();
  model.dispose();
});

test('save(path) refuses a path that is a file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'simdnet-io-'));
  try {
    const file = path.join(dir, 'f');
    writeFileSync(file, 'x');
    const model = sn.sequential({ layers: [sn.layers.dense({ inputShape: [2], units: 1 })] });
    await expectReject(model.save(file), /is a file; the target must be a directory/);
    assert.ok(!existsSync(path.join(dir, 'f', 'model.json')));
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
