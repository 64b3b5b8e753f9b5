// The seed's PyTorch training loop (the CIFAR-10 tutorial) with simdnet's low-level API: the LeNet's
// parameters are variables, its forward pass is ops, each step takes sn.variableGrads of the loss and
// hands the gradients to sn.train.sgd({ learningRate: 0.001, momentum: 0.9 }). Mini-batches of 4, the
// running loss printed every 2000 of them, 2 epochs, then the accuracy on the test set, overall and per
// class, and the parameters saved as a safetensors file with PyTorch's names and layouts (a state_dict that
// PyTorch's safetensors loader, or model.loadWeights(bytes, { from: 'pytorch' }), reads back).
//
// CIFAR-10 when it is found (--dir, or $SIMDNET_DATA); otherwise Fashion-MNIST with the same network on 1
// channel (28x28x1: the first dense layer then has 16*4*4 = 256 inputs instead of 16*5*5 = 400).
//
//   node examples/lenet/loop.mjs [--epochs 2] [--batches N] [--print-every 2000] [--test-limit N]
//                                [--out FILE] [--dir DIR] [--seed 1]
// --batches N (or $SIMDNET_LOOP_BATCHES) stops each epoch after N mini-batches: a short run for tests.
import * as sn from 'simdnet';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const CIFAR_CLASSES = ['plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/**
 * CIFAR-10 if it can be found, else Fashion-MNIST; pixels scaled to [-1, 1] as the tutorial's
 * Normalize((0.5, ...), (0.5, ...)). `limit` keeps the first images of each split (short runs).
 */
async function loadData({ dir, trainLimit, testLimit }) {
  const normalize = [-1, 1];
  const limit = { ...(trainLimit ? { train: trainLimit } : {}), ...(testLimit ? { test: testLimit } : {}) };
  try {
    const data = await sn.datasets.cifar10.load({ dir, normalize, limit });
    return { data, name: 'CIFAR-10', classes: CIFAR_CLASSES };
  } catch (e) {
    if (!/could not find the CIFAR-10 files/.test(e.message)) throw e; // other errors (a broken file) stop the run
  }
  const data = await sn.datasets.fashionMnist.load({ dir, normalize, limit, fallbackToEmbedded: true });
  return { data, name: 'Fashion-MNIST', classes: data.classes };
}

/**
 * The tutorial's Net: conv1 (6 filters, 5x5), max pool 2, conv2 (16, 5x5), max pool 2, fc1 120, fc2 84,
 * fc3 10, ReLU after every layer but the last. Initialised as PyTorch does: uniform in ±1/sqrt(fan_in)
 * for weights and biases. Layouts are simdnet's: conv [kh, kw, cin, cout], dense [in, out].
 */
export function makeNet([h, w, channels], seed = 1) {
  const flat = 16 * (((h - 4) / 2 - 4) / 2) * (((w - 4) / 2 - 4) / 2);
  const shapes = {
    'conv1.weight': [5, 5, channels, 6],
    'conv1.bias': [6],
    'conv2.weight': [5, 5, 6, 16],
    'conv2.bias': [16],
    'fc1.weight': [flat, 120],
    'fc1.bias': [120],
    'fc2.weight': [120, 84],
    'fc2.bias': [84],
    'fc3.weight': [84, 10],
    'fc3.bias': [10],
  };
  const fanIn = { conv1: 25 * channels, conv2: 25 * 6, fc1: flat, fc2: 120, fc3: 84 };
  const params = {};
  let s = seed;
  for (const [name, shape] of Object.entries(shapes)) {
    const bound = 1 / Math.sqrt(fanIn[name.split('.')[0]]);
    params[name] = sn.tidy(() =>
      sn.variable(sn.randomUniform(shape, { seed: s++, minval: -bound, maxval: bound }), { name }),
    );
  }
  return { params, flattenedFrom: [((h - 4) / 2 - 4) / 2, ((w - 4) / 2 - 4) / 2, 16] };
}

/** The forward pass: logits [n, 10]. */
export function forward(p, x) {
  const pool = (t) => sn.maxPool2d(t, { poolSize: 2, strides: 2 });
  let y = pool(sn.conv2d(x, p['conv1.weight'], { bias: p['conv1.bias'], activation: 'relu' }));
  y = pool(sn.conv2d(y, p['conv2.weight'], { bias: p['conv2.bias'], activation: 'relu' }));
  y = sn.flatten(y);
  y = sn.relu(sn.dense(y, p['fc1.weight'], p['fc1.bias']));
  y = sn.relu(sn.dense(y, p['fc2.weight'], p['fc2.bias']));
  return sn.dense(y, p['fc3.weight'], p['fc3.bias']);
}

/** The parameters in PyTorch's layouts and names (a state_dict), as safetensors bytes. */
export function stateDictBytes({ params, flattenedFrom }) {
  const map = new Map();
  for (const [name, v] of Object.entries(params)) {
    const kind = name.endsWith('.bias') ? 'bias' : name.startsWith('conv') ? 'conv2d' : 'dense';
    map.set(name, sn.io.toPyTorchLayout(v, kind, name === 'fc1.weight' ? { flattenedFrom } : undefined));
  }
  const bytes = sn.io.writeSafetensors(map, { format: 'pt' });
  for (const t of map.values()) t.dispose();
  return bytes;
}

/** Mini-batches of `batchSize` rows of `pixels` in the order of `indices`, as tensors. */
function batchOf(pixels, labels, rowSize, indices, start, batchSize, imageShape) {
  const n = Math.min(batchSize, indices.length - start);
  const x = new Float32Array(n * rowSize);
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const i = indices[start + r];
    x.set(pixels.subarray(i * rowSize, (i + 1) * rowSize), r * rowSize);
    y[r] = labels[i];
  }
  return { x: sn.tensor(x, [n, ...imageShape]), y: sn.tensor(y, [n], 'int32') };
}

/** A seeded Fisher-Yates shuffle, so a run repeats exactly. */
function shuffled(n, random) {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runLoop({
  epochs = 2,
  batchSize = 4,
  batches,
  printEvery = 2000,
  trainLimit,
  testLimit,
  out,
  dir,
  seed = 1,
  log = console.log,
} = {}) {
  await sn.ready();
  const { data, name, classes } = await loadData({ dir, trainLimit, testLimit });
  log(`${name} from ${data.source}${data.embedded ? ' (the embedded subset)' : ''}`);
  const imageShape = data.train.images.shape.slice(1);
  const rowSize = imageShape.reduce((a, b) => a * b, 1);
  // The images as one JavaScript array (what the tutorial's DataLoader reads from); the tensors go.
  const train = { pixels: data.train.images.dataSync(), labels: data.train.labels.dataSync() };
  const test = { pixels: data.test.images.dataSync(), labels: data.test.labels.dataSync() };
  const nTrain = data.train.labels.size;
  const nTest = data.test.labels.size;
  data.dispose();

  const net = makeNet(imageShape, seed);
  const vars = Object.values(net.params);
  const optimizer = sn.train.sgd({ learningRate: 0.001, momentum: 0.9 });
  const random = mulberry32(seed);
  const started = Date.now();
  const losses = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    let runningLoss = 0;
    const order = shuffled(nTrain, random); // shuffle=True
    const steps = Math.min(Math.ceil(nTrain / batchSize), batches ?? Infinity);
    for (let i = 0; i < steps; i++) {
      const loss = sn.tidy(() => {
        const { x, y } = batchOf(train.pixels, train.labels, rowSize, order, i * batchSize, batchSize, imageShape);
        // zero_grad, forward, loss, backward: the gradients are fresh tensors every step.
        const { value, grads } = sn.variableGrads(() => sn.softmaxCrossEntropy(forward(net.params, x), y), vars);
        optimizer.applyGradients(grads); // optimizer.step()
        return value.dataSync()[0];
      });
      runningLoss += loss;
      if (i % printEvery === printEvery - 1) {
        log(`[${epoch + 1}, ${String(i + 1).padStart(5)}] loss: ${(runningLoss / printEvery).toFixed(3)}`);
        losses.push(runningLoss / printEvery);
        runningLoss = 0;
      }
    }
  }
  const seconds = (Date.now() - started) / 1000;
  log('Finished Training');

  // Test: predictions in batches (no tape outside variableGrads, so no gradients are kept).
  let correct = 0;
  const correctPerClass = new Array(classes.length).fill(0);
  const totalPerClass = new Array(classes.length).fill(0);
  const all = Int32Array.from({ length: nTest }, (_, i) => i);
  for (let start = 0; start < nTest; start += 256) {
    const predicted = sn.tidy(() => {
      const { x } = batchOf(test.pixels, test.labels, rowSize, all, start, 256, imageShape);
      const logits = forward(net.params, x).dataSync();
      return Array.from({ length: x.shape[0] }, (_, r) => {
        let best = 0;
        for (let k = 1; k < 10; k++) if (logits[r * 10 + k] > logits[r * 10 + best]) best = k;
        return best;
      });
    });
    predicted.forEach((p, r) => {
      const label = test.labels[start + r];
      totalPerClass[label]++;
      if (p === label) {
        correct++;
        correctPerClass[label]++;
      }
    });
  }
  const accuracy = correct / nTest;
  log(`Accuracy of the network on the ${nTest} test images: ${Math.floor(100 * accuracy)} %`);
  const perClass = {};
  classes.forEach((c, k) => {
    perClass[c] = totalPerClass[k] ? correctPerClass[k] / totalPerClass[k] : NaN;
    log(`Accuracy for class: ${c.padEnd(5)} is ${(100 * perClass[c]).toFixed(1)} %`);
  });

  const file = out ?? (name === 'CIFAR-10' ? './cifar_net.safetensors' : './fashion_net.safetensors');
  writeFileSync(file, stateDictBytes(net));
  log(`Saved the parameters (PyTorch names and layouts) to ${file}`);
  optimizer.dispose();
  return { name, net, accuracy, perClass, losses, seconds, file, dispose: () => vars.forEach((v) => v.dispose()) };
}

async function main() {
  const { values } = parseArgs({
    options: {
      epochs: { type: 'string', default: '2' },
      batches: { type: 'string' },
      'print-every': { type: 'string', default: '2000' },
      'train-limit': { type: 'string' },
      'test-limit': { type: 'string' },
      out: { type: 'string' },
      dir: { type: 'string' },
      seed: { type: 'string', default: '1' },
    },
  });
  const num = (v) => (v === undefined ? undefined : Number(v));
  const r = await runLoop({
    epochs: Number(values.epochs),
    batches: num(values.batches ?? process.env.SIMDNET_LOOP_BATCHES),
    printEvery: Number(values['print-every']),
    trainLimit: num(values['train-limit']),
    testLimit: num(values['test-limit']),
    out: values.out,
    dir: values.dir,
    seed: Number(values.seed),
  });
  console.log(`(${r.seconds.toFixed(0)} s of training)`);
  r.dispose();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
