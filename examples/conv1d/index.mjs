// A 1-D CNN on sequences: classifies synthetic waveforms (sine, square, triangle, sawtooth) of random
// frequency, phase and amplitude with added noise, as an audio model would classify short clips. The
// sequences are [n, 128 samples, 1 channel] (NWC); conv1d layers learn the local shapes (edges, slopes,
// curvature) that tell the four apart, global average pooling makes the answer position-independent.
//
//   node examples/conv1d/index.mjs [--train 4000] [--test 1000] [--epochs 5] [--seed 1]
import * as sn from 'simdnet';
import { parseArgs } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLASSES = ['sine', 'square', 'triangle', 'sawtooth'];
const LENGTH = 128;

/** A small seeded generator (mulberry32) so that the data set is the same every run. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n waveforms [n, 128, 1] and their class indices. */
export function waveforms(n, seed) {
  const rand = random(seed);
  const x = new Float32Array(n * LENGTH);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const kind = Math.floor(rand() * CLASSES.length);
    const cycles = 2 + rand() * 6; // 2 to 8 periods per clip
    const phase = rand();
    const amplitude = 0.5 + rand();
    for (let t = 0; t < LENGTH; t++) {
      const u = ((((t / LENGTH) * cycles + phase) % 1) + 1) % 1; // position in the period, [0, 1)
      let v;
      if (kind === 0) v = Math.sin(2 * Math.PI * u);
      else if (kind === 1) v = u < 0.5 ? 1 : -1;
      else if (kind === 2) v = 4 * Math.abs(u - 0.5) - 1;
      else v = 2 * u - 1;
      x[i * LENGTH + t] = amplitude * v + 0.15 * (rand() * 2 - 1);
    }
    y[i] = kind;
  }
  return { x: sn.tensor(x, [n, LENGTH, 1]), y: sn.tensor(y, [n], 'int32') };
}

export function conv1dModel(seed) {
  const L = sn.layers;
  return sn.sequential({
    seed,
    layers: [
      L.conv1d({ filters: 16, kernelSize: 5, padding: 'same', activation: 'relu', inputShape: [LENGTH, 1] }),
      L.maxPooling1d({ poolSize: 2 }),
      L.conv1d({ filters: 32, kernelSize: 5, padding: 'same', activation: 'relu' }),
      L.maxPooling1d({ poolSize: 2 }),
      L.conv1d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
      L.globalAveragePooling1d(),
      L.dense({ units: CLASSES.length }),
    ],
  });
}

export async function trainConv1d({ trainSize = 4000, testSize = 1000, epochs = 5, seed = 1, verbose = 1 } = {}) {
  await sn.ready();
  const train = waveforms(trainSize, seed);
  const test = waveforms(testSize, seed + 1000);
  const model = conv1dModel(seed);
  model.compile({
    optimizer: sn.train.adam({ learningRate: 0.003 }),
    loss: sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    metrics: ['accuracy'],
  });
  if (verbose) model.summary();
  const started = Date.now();
  await model.fit(train.x, train.y, { epochs, batchSize: 32, seed, verbose });
  const seconds = (Date.now() - started) / 1000;
  const [testLoss, testAccuracy] = model.evaluate(test.x, test.y);
  model.optimizer.dispose(); // an optimizer passed to compile stays the caller's to free
  model.dispose();
  for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
  return { testLoss, testAccuracy, seconds };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      train: { type: 'string', default: '4000' },
      test: { type: 'string', default: '1000' },
      epochs: { type: 'string', default: '5' },
      seed: { type: 'string', default: '1' },
    },
  });
  const r = await trainConv1d({
    trainSize: Number(values.train),
    testSize: Number(values.test),
    epochs: Number(values.epochs),
    seed: Number(values.seed),
  });
  console.log(
    `Test accuracy on ${values.test} waveforms: ${(100 * r.testAccuracy).toFixed(2)}% (loss ${r.testLoss.toFixed(4)}), ${r.seconds.toFixed(1)} s of training`,
  );
}
