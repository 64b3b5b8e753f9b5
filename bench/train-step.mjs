// Training-step throughput (batch 32, forward + backward + optimizer update, one thread) of the two example
// models, examples/keras-cnn (Adam) and examples/lenet (SGD with momentum), on 28x28x1 inputs, plus a tiny
// model whose step is nearly all JavaScript (the per-op overhead).
//   node bench/train-step.mjs [keras] [lenet] [tiny]         SIMD=plain|relaxed picks the build (default: best)
//   node bench/train-step.mjs --compare ../other-checkout     A/B against another checkout's dist/simdnet.js
//   STEPS=20 REPEATS=9 tune the measurement.
// The machine is usually shared, so wall time is noisy: CPU time of this process (process.cpuUsage) is
// reported too, both as medians over repeats. --compare loads both bundles into this process and alternates
// them repeat by repeat, so that load changes hit both sides alike; compare ratios rather than absolute times.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const STEPS = Number(process.env.STEPS ?? 20);
const REPEATS = Number(process.env.REPEATS ?? 9);
const BATCH = 32;
const args = process.argv.slice(2);
const compareAt = args.indexOf('--compare');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundles = [root];
if (compareAt >= 0) bundles.unshift(path.resolve(args[compareAt + 1]));

// The example models, layer for layer as in examples/keras-cnn/model.mjs and examples/lenet/model.mjs
// (rebuilt here from each bundle's own API so that --compare can run two builds side by side).
const models = {
  keras: (sn) => {
    const m = sn.sequential({
      seed: 1,
      layers: [
        sn.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
        sn.layers.maxPooling2d({ poolSize: 2 }),
        sn.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
        sn.layers.maxPooling2d({ poolSize: 2 }),
        sn.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
        sn.layers.flatten(),
        sn.layers.dense({ units: 64, activation: 'relu' }),
        sn.layers.dense({ units: 10 }),
      ],
    });
    m.compile({
      optimizer: 'adam',
      loss: sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }),
      metrics: ['accuracy'],
    });
    return m;
  },
  lenet: (sn) => {
    const m = sn.sequential({
      seed: 1,
      layers: [
        sn.layers.conv2d({ filters: 6, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] }),
        sn.layers.maxPooling2d({ poolSize: 2 }),
        sn.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
        sn.layers.maxPooling2d({ poolSize: 2 }),
        sn.layers.flatten(),
        sn.layers.dense({ units: 120, activation: 'relu' }),
        sn.layers.dense({ units: 84, activation: 'relu' }),
        sn.layers.dense({ units: 10 }),
      ],
    });
    m.compile({
      optimizer: sn.train.sgd({ learningRate: 0.01, momentum: 0.9 }),
      loss: sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }),
      metrics: ['accuracy'],
    });
    return m;
  },
  // Eight tiny ops: what a step costs besides the kernels (tape, tidy, validation, allocation).
  tiny: (sn) => {
    const m = sn.sequential({
      seed: 1,
      layers: [
        sn.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
        sn.layers.maxPooling2d({ poolSize: 8 }),
        sn.layers.flatten(),
        sn.layers.dense({ units: 4, activation: 'relu' }),
        sn.layers.dense({ units: 10 }),
      ],
    });
    m.compile({
      optimizer: 'adam',
      loss: sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }),
      metrics: ['accuracy'],
    });
    return m;
  },
};
const chosen = args.filter((a) => a in models);
const median = (v) => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)];

const sides = [];
for (const dir of bundles) {
  const sn = await import(pathToFileURL(path.join(dir, 'dist/simdnet.js')).href);
  await sn.ready({
    simd: process.env.SIMD || undefined,
    threads: process.env.THREADS ? (process.env.THREADS === 'auto' ? 'auto' : Number(process.env.THREADS)) : 1,
  });
  const batchSize = (name) => (name === 'tiny' ? 2 : BATCH);
  sides.push({
    dir,
    sn,
    data: (n) => [
      sn.randomUniform([n, 28, 28, 1], { seed: 1 }),
      sn.tensor(
        Array.from({ length: n }, (_, i) => i % 10),
        [n],
        'int32',
      ),
    ],
    batchSize,
  });
}

for (const name of chosen.length ? chosen : ['keras', 'lenet']) {
  const runs = sides.map((s) => {
    const n = s.batchSize(name);
    const [x, y] = s.data(n);
    const m = models[name](s.sn);
    for (let i = 0; i < STEPS; i++) m.trainOnBatch(x, y);
    return { s, n, x, y, m, wall: [], cpu: [] };
  });
  for (let r = 0; r < REPEATS; r++) {
    for (const run of runs) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < STEPS; i++) run.m.trainOnBatch(run.x, run.y);
      const t1 = performance.now();
      const c = process.cpuUsage(c0);
      run.wall.push((t1 - t0) / STEPS);
      run.cpu.push((c.user + c.system) / 1000 / STEPS);
    }
  }
  for (const run of runs) {
    const w = median(run.wall);
    const c = median(run.cpu);
    const label = runs.length > 1 ? ` ${path.relative(process.cwd(), run.s.dir) || '.'}` : '';
    console.log(
      `${name.padEnd(5)} ${run.s.sn.backendInfo().simd.padEnd(7)} wall ${w.toFixed(2)} ms/step ${((run.n * 1000) / w).toFixed(0).padStart(6)} img/s | cpu ${c.toFixed(2)} ms/step ${((run.n * 1000) / c).toFixed(0).padStart(6)} img/s${label}`,
    );
    run.m.dispose();
    run.x.dispose();
    run.y.dispose();
  }
  if (runs.length === 2) {
    // Median of the per-repeat ratios: both sides of a ratio ran within the same second or so.
    const ratios = runs[0].cpu.map((c, r) => c / runs[1].cpu[r]);
    console.log(
      `${name.padEnd(5)} speed-up of this checkout (CPU time, median of paired repeats): ${median(ratios).toFixed(3)}x`,
    );
  }
}
