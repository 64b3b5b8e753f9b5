// Functional models: graphs of layers applied to symbolic tensors (residual add, concatenate, shared
// layers, several inputs and outputs), checked against the same layers run by hand on real tensors;
// summary's "Connected to" column; training through the shared fit; save/load; PyTorch import; errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertClose, assertSameBits, assertThrowsMessage, bitsOf } from '../helpers/compare.mjs';
import { lenetFixture } from '../helpers/fixtures.mjs';

const L = sn.layers;

function using(model, fn) {
  try {
    return fn(model);
  } finally {
    model.dispose();
  }
}

async function usingAsync(model, fn) {
  try {
    return await fn(model);
  } finally {
    model.dispose();
  }
}

/** A small residual network: conv, a residual block with add, a concatenate, pooling and dense. */
function residual(seed = 1) {
  const input = sn.input({ shape: [7, 6, 2] });
  const c1 = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' });
  const c2 = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same' });
  const sum = L.add();
  const cat = L.concatenate();
  const pool = L.globalAveragePooling2d();
  const head = L.dense({ units: 3 });
  const a = c1.apply(input);
  const b = c2.apply(a);
  const s = sum.apply([b, a]);
  const y = head.apply(pool.apply(cat.apply([s, a])));
  const model = sn.model({ inputs: input, outputs: y, seed });
  /** The same computation, layer by layer on real tensors. */
  const byHand = (x) =>
    sn.tidy(() => {
      const ra = c1.apply(x);
      const rs = sum.apply([c2.apply(ra), ra]);
      return head.apply(pool.apply(cat.apply([rs, ra])));
    });
  return { model, byHand };
}

test('a residual graph computes what its layers compute by hand, in predict, apply and evaluate', () => {
  const { model, byHand } = residual();
  using(model, () => {
    const x = sn.randomNormal([5, 7, 6, 2], { seed: 3 });
    const expected = byHand(x);
    const p = model.predict(x, { batchSize: 2 });
    assert.equal(p.shape, [5, 3]);
    assertSameBits(bitsOf(p), bitsOf(expected), 'predict vs by hand');
    const a = model.apply(x);
    assertSameBits(bitsOf(a), bitsOf(expected), 'apply vs by hand');
    assert.is(model.layers.length, 7);
    assert.equal(model.inputShape, [null, 7, 6, 2]);
    assert.equal(model.outputShape, [null, 3]);
    assert.is(model.countParams(), 2 * 9 * 4 + 4 + 4 * 9 * 4 + 4 + 8 * 3 + 3);
    for (const t of [x, expected, p, a]) t.dispose();
  });
});

test('a model seed makes the weights repeatable', () => {
  const w1 = using(residual(5).model, (m) => m.getWeights().map((t) => bitsOf(t)));
  const w2 = using(residual(5).model, (m) => m.getWeights().map((t) => bitsOf(t)));
  const w3 = using(residual(6).model, (m) => m.getWeights().map((t) => bitsOf(t)));
  w1.forEach((w, i) => assertSameBits(w2[i], w, `weight ${i}`));
  assert.not.equal(w1[0], w3[0]);
});

test('concatenate and add pass the right gradients back (against hand-derived values)', () => {
  const a = sn.randomNormal([2, 3, 2], { seed: 1 });
  const b = sn.randomNormal([2, 3, 4], { seed: 2 });
  const w = sn.randomNormal([2, 3, 6], { seed: 3 });
  const cat = L.concatenate();
  const { grads } = sn.valueAndGrads((p, q) => sn.sum(sn.mul(cat.apply([p, q]), w)))([a, b]);
  const wd = w.dataSync();
  const da = [];
  const db = [];
  for (let r = 0; r < 6; r++) {
    for (let k = 0; k < 2; k++) da.push(wd[r * 6 + k]);
    for (let k = 0; k < 4; k++) db.push(wd[r * 6 + 2 + k]);
  }
  assertClose(grads[0].dataSync(), da, 0, 'd/da of concatenate');
  assertClose(grads[1].dataSync(), db, 0, 'd/db of concatenate');
  // Along a middle axis too.
  const mid = L.concatenate({ axis: 1 });
  const y = mid.apply([a, sn.randomNormal([2, 1, 2], { seed: 4 })]);
  assert.equal(y.shape, [2, 4, 2]);
  assertClose(y.dataSync().slice(0, 6), a.dataSync().slice(0, 6), 0, 'first rows kept');
  const sum = L.add();
  const [p1, p2, p3] = [5, 6, 7].map((seed) => sn.randomNormal([2, 3, 2], { seed }));
  const g = sn.grads((p, q, r) => sn.sum(sn.mul(sum.apply([p, q, r]), a)))([p1, p2, p3]);
  for (const t of g) assertClose(t.dataSync(), a.dataSync(), 0, 'd/dx of add');
  for (const t of [a, b, w, y, p1, p2, p3, ...g, ...grads]) t.dispose();
});

test('several inputs and outputs: apply and predict take and give lists', () => {
  const left = sn.input({ shape: [4], name: 'left' });
  const right = sn.input({ shape: [3], name: 'right' });
  const shared = L.dense({ units: 5, activation: 'relu' });
  const joined = L.concatenate().apply([left, right]);
  const h = shared.apply(joined);
  const out1 = L.dense({ units: 2 }).apply(h);
  const out2 = L.dense({ units: 1 }).apply(L.add().apply([h, shared.apply(joined)]));
  using(sn.model({ inputs: [left, right], outputs: [out1, out2], seed: 2 }), (model) => {
    const xl = sn.randomNormal([5, 4], { seed: 1 });
    const xr = sn.randomNormal([5, 3], { seed: 2 });
    const [p1, p2] = model.predict([xl, xr], { batchSize: 2 });
    const [a1, a2] = model.apply([xl, xr]);
    assert.equal(p1.shape, [5, 2]);
    assert.equal(p2.shape, [5, 1]);
    assertSameBits(bitsOf(p1), bitsOf(a1), 'output 1');
    assertSameBits(bitsOf(p2), bitsOf(a2), 'output 2');
    // The shared dense layer appears once, with one set of weights.
    assert.is(model.layers.filter((l) => l === shared).length, 1);
    assertThrowsMessage(() => model.predict(xl), /the model has 2 input\(s\); got one tensor/);
    assertThrowsMessage(() => model.inputShape, /has 2 inputs and 2 outputs; fit, evaluate, trainOnBatch/);
    for (const t of [xl, xr, p1, p2, a1, a2]) t.dispose();
  });
});

test('summary has a "Connected to" column, one line per input of a merge', () => {
  const { model } = residual();
  using(model, () => {
    const lines = [];
    model.summary({ printFn: (l) => lines.push(l) });
    assert.match(lines[2], /^Layer \(type\) +Output Shape +Param # +Connected to/);
    const add = lines.findIndex((l) => /^add_\d+ \(Add\)/.test(l));
    const [c1, c2] = [model.layers[1].name, model.layers[2].name];
    assert.match(lines[add], new RegExp(`\\(None, 7, 6, 4\\) +0 +${c2}\\[0\\]\\[0\\]`));
    assert.match(lines[add + 1], new RegExp(`^ +${c1}\\[0\\]\\[0\\]`));
    assert.match(
      lines.find((l) => /InputLayer/.test(l)),
      /\(None, 7, 6, 2\) +0 *$/,
    );
    assert.ok(lines.includes(`Total params: ${model.countParams()}`));
  });
});

test('fit, evaluate and trainOnBatch train a functional model; memory stays flat', async () => {
  const { model } = residual(3);
  await usingAsync(model, async () => {
    const x = sn.randomNormal([24, 7, 6, 2], { seed: 9 });
    const labels = Int32Array.from({ length: 24 }, (_, i) => i % 3);
    const y = sn.tensor(labels, [24], 'int32');
    model.compile({
      optimizer: sn.train.adam({ learningRate: 0.02 }),
      loss: sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }),
      metrics: ['accuracy'],
    });
    const before = model.evaluate(x, y)[0];
    const h = await model.fit(x, y, { epochs: 15, batchSize: 8, verbose: 0, seed: 1 });
    const n0 = sn.memory().numTensors;
    model.trainOnBatch(x, y);
    const p = model.predict(x);
    p.dispose();
    assert.is(sn.memory().numTensors, n0, 'no tensors leak from trainOnBatch and predict');
    const after = model.evaluate(x, y)[0];
    assert.ok(after < before * 0.8, `loss ${before} → ${after}`);
    assert.is(h.history.loss.length, 15);
    model.optimizer.dispose();
    for (const t of [x, y]) t.dispose();
  });
});

test('save and loadModel round-trip a functional model with a shared layer, bit for bit', async () => {
  const input = sn.input({ shape: [5] });
  const shared = L.dense({ units: 5, activation: 'tanh' });
  const y = L.dense({ units: 2 }).apply(L.add().apply([shared.apply(input), shared.apply(shared.apply(input))]));
  const model = sn.model({ inputs: input, outputs: y, seed: 4 });
  model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
  const x = sn.randomNormal([6, 5], { seed: 1 });
  const t = sn.randomNormal([6, 2], { seed: 2 });
  model.trainOnBatch(x, t);
  const saved = await model.save();
  assert.is(saved.config.modelConfig.className, 'Functional');
  const loaded = await sn.loadModel(saved); // the original is alive: layer names get a suffix
  assert.ok(loaded instanceof sn.Functional);
  const p = model.predict(x);
  const q = loaded.predict(x);
  assertSameBits(bitsOf(q), bitsOf(p), 'loaded predictions');
  // Training goes on identically (optimizer state restored).
  const l1 = model.trainOnBatch(x, t);
  const l2 = loaded.trainOnBatch(x, t);
  assert.is(l2, l1);
  const lines = [];
  loaded.summary({ printFn: (l) => lines.push(l) });
  assert.is(lines.filter((l) => /\(Dense\)/.test(l)).length, 2, 'shared dense listed once, plus the head');
  for (const m of [model, loaded]) m.dispose();
  for (const v of [x, t, p, q]) v.dispose();
});

test('PyTorch LeNet weights load into a functional LeNet and give its logits', () => {
  const { json, safetensors } = lenetFixture();
  const input = sn.input({ shape: [32, 32, 3] });
  let h = L.conv2d({ filters: 6, kernelSize: 5, activation: 'relu' }).apply(input);
  h = L.maxPooling2d({ poolSize: 2 }).apply(h);
  h = L.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }).apply(h);
  h = L.flatten().apply(L.maxPooling2d({ poolSize: 2 }).apply(h));
  h = L.dense({ units: 120, activation: 'relu' }).apply(h);
  h = L.dense({ units: 84, activation: 'relu' }).apply(h);
  using(sn.model({ inputs: input, outputs: L.dense({ units: 10 }).apply(h) }), (model) => {
    model.loadWeights(safetensors, { from: 'pytorch' });
    const [n, c, hh, w] = json.x_nchw.shape;
    const d = new Float32Array(n * hh * w * c);
    for (let i = 0; i < n; i++)
      for (let ch = 0; ch < c; ch++)
        for (let y = 0; y < hh; y++)
          for (let x = 0; x < w; x++)
            d[((i * hh + y) * w + x) * c + ch] = json.x_nchw.data[((i * c + ch) * hh + y) * w + x];
    const x = sn.tensor(d, [n, hh, w, c]);
    const logits = model.predict(x);
    assertClose(logits.dataSync(), json.logits.data, 1e-4, 'logits');
    x.dispose();
    logits.dispose();
  });
});

test('bad graphs and inputs are refused with messages that say why', () => {
  const input = sn.input({ shape: [4, 4, 1] });
  const flat = L.flatten().apply(input);
  assertThrowsMessage(
    () => L.conv2d({ filters: 2, kernelSize: 3 }).apply(flat),
    /conv2d_\d+ \(Conv2D\)\.apply: cannot take the output of flatten_\d+ \(Flatten\) \(None, 16\): .*expects images/,
  );
  assertThrowsMessage(() => L.add().apply([flat, L.dense({ units: 3 }).apply(flat)]), /adds tensors of one shape/);
  assertThrowsMessage(() => L.add().apply(flat), /takes a list of/);
  assertThrowsMessage(() => L.dense({ units: 2 }).apply([flat, flat]), /takes one input; got a list of 2/);
  assertThrowsMessage(() => L.concatenate({ axis: 0 }), /option 'axis' must be a non-zero integer/);
  const other = sn.input({ shape: [16] });
  const joined = L.add().apply([flat, other]);
  assertThrowsMessage(
    () => sn.model({ inputs: input, outputs: joined }),
    /the outputs depend on input_\d+ \(InputLayer\), which is not in 'inputs'/,
  );
  assertThrowsMessage(
    () => sn.model({ inputs: flat, outputs: joined }),
    /model inputs must be tensors made by sn\.input/,
  );
  assertThrowsMessage(
    () => sn.model({ inputs: input, outputs: sn.zeros([1]) }),
    /option 'outputs' must be a symbolic tensor/,
  );
  assertThrowsMessage(() => sn.input({ shape: [0, 3] }), /input: option 'shape' must be a non-empty array/);
  assertThrowsMessage(() => sn.input({ shape: [2], batchSize: 3 }), /unknown option 'batchSize'/);
  const shared = L.dense({ units: 2 });
  shared.apply(flat);
  assertThrowsMessage(
    () => shared.apply(sn.input({ shape: [5] })),
    /was first applied for inputs \(None, 16\); a shared layer cannot take \(None, 5\)/,
  );
  using(sn.model({ inputs: input, outputs: flat }), (model) => {
    const x = sn.zeros([2, 4, 4, 2]);
    assertThrowsMessage(() => model.predict(x), /must have shape \(None, 4, 4, 1\)/);
    x.dispose();
  });
});

test('batch norm after a conv is folded at inference, in functional and Sequential models, and follows weight changes', () => {
  if (typeof L.batchNormalization !== 'function') return;
  const input = sn.input({ shape: [6, 5, 3] });
  let h = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(input);
  h = L.activation({ activation: 'relu' }).apply(L.batchNormalization().apply(h));
  // A depthwise conv folds too (its kernel's last two axes are the output channel).
  h = L.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 2 }).apply(h);
  h = L.batchNormalization().apply(h);
  h = L.conv2d({ filters: 5, kernelSize: 3 }).apply(h);
  const shortcut = h;
  h = L.batchNormalization({ epsilon: 1e-5 }).apply(h);
  // The second BN's conv output also feeds the add: it must not be folded (its raw output is needed).
  const y = L.dense({ units: 2 }).apply(L.flatten().apply(L.add().apply([h, shortcut])));
  const functional = sn.model({ inputs: input, outputs: y, seed: 3 });
  const sequential = sn.sequential({
    seed: 4,
    layers: [
      L.conv2d({ filters: 4, kernelSize: 3, inputShape: [6, 5, 3] }),
      L.batchNormalization(),
      L.flatten(),
      L.dense({ units: 2 }),
    ],
  });
  const x = sn.randomNormal([7, 6, 5, 3], { seed: 8 });
  const t = sn.randomNormal([7, 2], { seed: 9 });
  for (const model of [functional, sequential]) {
    model.compile({ optimizer: sn.train.sgd({ learningRate: 0.02 }), loss: 'meanSquaredError' });
    // Move the moving statistics and weights away from their initial values, then compare twice
    // (the second time after another step: the folded weights must be recomputed).
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 3; i++) model.trainOnBatch(x, t);
      model.foldBatchNorm = true;
      const folded = model.predict(x);
      model.foldBatchNorm = false;
      const plain = model.predict(x);
      assertClose(folded.dataSync(), plain.dataSync(), 1e-5, `${model.name} round ${round}: folded vs unfolded`);
      folded.dispose();
      plain.dispose();
    }
    // Which batch norms ran on their own: none that follow a conv alone; the functional model's second
    // one (its conv output also feeds the add) always.
    const bns = model.layers.filter((l) => l.className === 'BatchNormalization');
    const calls = bns.map(() => 0);
    bns.forEach((bn, i) => {
      const apply = bn.apply.bind(bn);
      bn.apply = (...args) => (calls[i]++, apply(...args));
    });
    const n0 = sn.memory().numTensors;
    model.foldBatchNorm = true;
    model.predict(x).dispose();
    assert.equal(calls, model === functional ? [0, 0, 1] : [0], `${model.name}: batch-norm layers run at inference`);
    model.trainOnBatch(x, t);
    assert.equal(calls, model === functional ? [1, 1, 2] : [1], `${model.name}: batch-norm layers run in training`);
    const n1 = sn.memory().numTensors;
    model.predict(x).dispose();
    assert.is(sn.memory().numTensors, n1, `${model.name}: the fold cache does not grow per predict`);
    assert.ok(n1 >= n0);
    model.optimizer.dispose();
    model.dispose();
  }
  x.dispose();
  t.dispose();
});

test.run();
