// Training-step throughput of the two example models (batch 32, forward + backward + optimizer update,
// one thread). Wall time is distorted when other processes share the cores, so CPU time of this process
// (process.cpuUsage, user + system) is reported too; both are medians over repeats.
//   node bench/train-step.mjs [keras|lenet ...]      SIMD=plain|relaxed selects the build (default: best)
//   STEPS=20 REPEATS=9 tune the measurement.
import * as sn from 'simdnet';
import { compileKerasCnn, kerasCnn } from '../examples/keras-cnn/model.mjs';
import { compileLenet, lenet } from '../examples/lenet/model.mjs';

const STEPS = Number(process.env.STEPS ?? 20);
const REPEATS = Number(process.env.REPEATS ?? 9);
const BATCH = 32;
await sn.ready({ simd: process.env.SIMD || undefined });

const models = {
  keras: () => compileKerasCnn(kerasCnn({ seed: 1 })),
  lenet: () => compileLenet(lenet({ seed: 1 })),
};
const chosen = process.argv.slice(2).filter((a) => a in models);
const median = (v) => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)];

const x = sn.randomUniform([BATCH, 28, 28, 1], { seed: 1 });
const y = sn.tensor(Array.from({ length: BATCH }, (_, i) => i % 10), [BATCH], 'int32');
for (const name of chosen.length ? chosen : Object.keys(models)) {
  const m = models[name]();
  for (let i = 0; i < STEPS; i++) m.trainOnBatch(x, y);
  const wall = [];
  const cpu = [];
  for (let r = 0; r < REPEATS; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < STEPS; i++) m.trainOnBatch(x, y);
    const t1 = performance.now();
    const c = process.cpuUsage(c0);
    wall.push((t1 - t0) / STEPS);
    cpu.push((c.user + c.system) / 1000 / STEPS);
  }
  const w = median(wall);
  const c = median(cpu);
  console.log(`${name.padEnd(6)} ${sn.backendInfo?.().simd ?? process.env.SIMD ?? ''} wall ${w.toFixed(2)} ms/step ${(BATCH * 1000 / w).toFixed(0)} img/s | cpu ${c.toFixed(2)} ms/step ${(BATCH * 1000 / c).toFixed(0)} img/s`);
  m.dispose();
}
