// The threads table: each kernel row, both training steps (batch 32) and inference (batch 32) at 1 thread,
// 2 threads and all threads ('auto'), with the speed-up over 1 thread, and PyTorch's figures from issue 11
// as the reference. `npm run bench` runs it after bench/run.mjs; alone:
//   node bench/threads.mjs [--quick] [--json FILE]
// Each thread count runs in a fresh process of its own, started with `ready({ threads })` as a user's
// program would be (1 thread = the build without shared memory and no workers), and the counts take turns,
// one process each per repeat, so a busy moment of a shared machine hits every column of a row alike. A
// process times every case after a warm-up (the median of a few batches of calls); the figures are medians
// over the repeats. A full run (no --quick) rewrites bench/THREADS.md.
//
// With more than one thread, a process also probes the machine before and after each case (see
// ./cross-core.mjs): on a VM whose host sometimes puts its virtual CPUs on cores that share no cache, data
// handed between threads costs more, and the table gives the figures of the two states apart beside the
// median of all.
import { writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sn from '../dist/simdnet.js';
import { kerasCnn, compileKerasCnn } from '../examples/keras-cnn/model.mjs';
import { lenet, compileLenet } from '../examples/lenet/model.mjs';
import { CONV_SHAPES, MATMUL_SHAPES, POOL_SHAPES, convLabel, matMulLabel, poolLabel } from './shapes.mjs';
import { machineInfo, loadAverage } from './machine.mjs';
import { median } from './timing.mjs';
import { crossCoreProbe } from './cross-core.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonAt = args.indexOf('--json');
const childAt = args.indexOf('--child');
const REPEATS = quick ? 3 : 9;
/** Target time of one timed batch of calls, in ms; timed batches per case and process; warm-up per case. */
const BATCH_MS = quick ? 40 : 150;
const BATCHES = 3;
const WARM_MS = quick ? 100 : 400;
/**
 * Warm-up of the model cases: a training step or a forward pass runs the most JavaScript (layers, tape,
 * optimizer), which V8 is still optimizing on background threads for a second or two after it first runs;
 * a training run spends nearly all its time after that.
 */
const MODEL_WARM_MS = quick ? 300 : 1500;
/**
 * Probe ratios (another thread's data read / own data read) at most NEAR and at least FAR: the cores share
 * a cache, or they do not. Between the two, or with one probe on each side, a case counts in neither.
 */
const NEAR = 1.1;
const FAR = 1.5;

// PyTorch 1.13 CPU (OpenBLAS) on a 2-core AMD EPYC Zen 4, from issue 11: training step, batch 32.
const PYTORCH = {
  'train keras': { 1: 28.6, 2: 15.6 },
  'train lenet': { 1: 3.8, 2: 2.8 },
};

if (childAt >= 0) {
  await sn.ready({ threads: Number(args[childAt + 1]) });
} else {
  await sn.ready({ threads: 'auto' });
}

/** Each case: { label, kind, setup() → { run(), dispose() } }. */
const cases = [];
for (const s of CONV_SHAPES) {
  if (quick && !s.quick) continue;
  const g = s.geom;
  const conv = () => {
    const x = sn.randomNormal([g.n, g.h, g.w, g.cin], { seed: 1 });
    const w = sn.randomNormal([g.kh, g.kw, g.cin, g.cout], { seed: 2 });
    return { x, w };
  };
  cases.push({
    label: `${convLabel(s)} forward`,
    setup() {
      const { x, w } = conv();
      return { run: () => sn.conv2d(x, w, { padding: s.padding }).dispose(), dispose: () => sn.dispose([x, w]) };
    },
  });
  cases.push({
    label: `${convLabel(s)} forward+backward (grads)`,
    setup() {
      const { x, w } = conv();
      const dy = sn.randomNormal([g.n, g.oh, g.ow, g.cout], { seed: 3 });
      const f = sn.grads((x, w) => sn.conv2d(x, w, { padding: s.padding }));
      return { run: () => sn.dispose(f([x, w], dy)), dispose: () => sn.dispose([x, w, dy]) };
    },
  });
}
for (const s of POOL_SHAPES) {
  cases.push({
    label: `${poolLabel(s)} forward`,
    setup() {
      const x = sn.randomNormal([s.n, s.h, s.w, s.c], { seed: 4 });
      return {
        run: () => sn.maxPool2d(x, { poolSize: s.size, strides: s.stride }).dispose(),
        dispose: () => x.dispose(),
      };
    },
  });
}
for (const s of MATMUL_SHAPES) {
  if (quick && !s.quick) continue;
  cases.push({
    label: matMulLabel(s),
    setup() {
      const a = sn.randomNormal([s.m, s.k], { seed: 5 });
      const b = sn.randomNormal([s.k, s.n], { seed: 6 });
      return { run: () => sn.matMul(a, b).dispose(), dispose: () => sn.dispose([a, b]) };
    },
  });
}
const models = {
  keras: { make: () => compileKerasCnn(kerasCnn({ seed: 1 })), input: [28, 28, 1] },
  lenet: { make: () => compileLenet(lenet({ seed: 1, inputShape: [32, 32, 3] })), input: [32, 32, 3] },
};
for (const [name, m] of Object.entries(models)) {
  const data = () => ({
    x: sn.randomUniform([32, ...m.input], { seed: 7 }),
    y: sn.tensor(
      Array.from({ length: 32 }, (_, i) => i % 10),
      [32],
      'int32',
    ),
  });
  cases.push({
    label: `train ${name}`,
    images: 32,
    warmMs: MODEL_WARM_MS,
    setup() {
      const model = m.make();
      const { x, y } = data();
      return {
        run: () => model.trainOnBatch(x, y),
        dispose: () => {
          model.dispose();
          sn.dispose([x, y]);
        },
      };
    },
  });
  cases.push({
    label: `inference ${name}`,
    images: 32,
    warmMs: MODEL_WARM_MS,
    setup() {
      const model = m.make();
      const { x, y } = data();
      return {
        run: () => model.predict(x).dispose(),
        dispose: () => {
          model.dispose();
          sn.dispose([x, y]);
        },
      };
    },
  });
}

/** ms per call of `run`, over a batch of calls long enough to time. */
function timeBatch(run, calls) {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) run();
  return (performance.now() - t0) / calls;
}

if (childAt >= 0) {
  // One process of one thread count: every case warmed up, then the median of a few timed batches. The
  // warm-up is long: for the first second or so a fresh process compiles its hot code on background
  // threads, which take a core from the kernels' threads and make two threads run in fits and starts.
  const ms = {};
  const probes = {};
  const probe = sn.backendInfo().threads > 1 ? await crossCoreProbe() : null;
  for (const c of cases) {
    const s = c.setup();
    s.run();
    const once = timeBatch(s.run, 1);
    const calls = Math.max(1, Math.round(BATCH_MS / Math.max(once, 0.01)));
    // Probed before the warm-up, which also gives the OS time to spread the threads over the cores again.
    const before = probe?.ratio();
    const warmUntil = performance.now() + (c.warmMs ?? WARM_MS);
    while (performance.now() < warmUntil) timeBatch(s.run, calls);
    ms[c.label] = median(Array.from({ length: BATCHES }, () => timeBatch(s.run, calls)));
    if (probe) probes[c.label] = [before, probe.ratio()];
    s.dispose();
  }
  probe?.close();
  process.stdout.write(JSON.stringify({ threads: sn.backendInfo().threads, ms, probes }));
  process.exit(0);
}

const all = sn.backendInfo().threads;
const counts = [...new Set([1, 2, all])].sort((a, b) => a - b);
const load0 = loadAverage();
console.log(
  `threads bench: ${counts.join(', ')} threads ('auto' = ${all}), ${REPEATS} repeats of one process per count, load ${load0}`,
);
const times = Object.fromEntries(cases.map((c) => [c.label, Object.fromEntries(counts.map((t) => [t, []]))]));
/** Per case and thread count > 1, the times taken in each state of the machine (see NEAR and FAR). */
const byState = Object.fromEntries(
  cases.map((c) => [c.label, Object.fromEntries(counts.map((t) => [t, { near: [], far: [] }]))]),
);
const self = fileURLToPath(import.meta.url);
for (let r = 0; r < REPEATS; r++) {
  for (const t of counts) {
    const out = execFileSync(process.execPath, [self, ...(quick ? ['--quick'] : []), '--child', String(t)], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    const got = JSON.parse(out);
    if (got.threads !== t) throw new Error(`bench/threads.mjs: a process asked for ${t} threads ran ${got.threads}`);
    for (const [label, ms] of Object.entries(got.ms)) {
      times[label][t].push(ms);
      const p = got.probes[label];
      if (!p) continue;
      if (Math.max(...p) <= NEAR) byState[label][t].near.push(ms);
      else if (Math.min(...p) >= FAR) byState[label][t].far.push(ms);
    }
  }
  process.stdout.write(`  repeat ${r + 1}/${REPEATS} done\n`);
}
const rows = cases.map((c) => {
  const ms = Object.fromEntries(counts.map((t) => [t, median(times[c.label][t])]));
  const states = Object.fromEntries(
    counts.slice(1).map((t) => {
      const { near, far } = byState[c.label][t];
      const of = (list) => (list.length ? { ms: median(list), n: list.length } : null);
      return [t, { near: of(near), far: of(far) }];
    }),
  );
  const state = (s) => stateSpeedup(ms[1], s, '/');
  const cells = counts.map(
    (t) =>
      `${t}: ${ms[t].toFixed(3)} ms${t > 1 ? ` (${(ms[1] / ms[t]).toFixed(2)}x; near ${state(states[t].near)}, far ${state(states[t].far)})` : ''}`,
  );
  console.log(`  ${c.label.padEnd(52)} ${cells.join('  ')}`);
  return { label: c.label, ms, states, images: c.images ?? null };
});

const machine = {
  ...machineInfo(),
  simd: sn.backendInfo().simd,
  loadAverageStart: load0,
  loadAverageEnd: loadAverage(),
};
if (jsonAt >= 0) writeFileSync(args[jsonAt + 1], JSON.stringify({ machine, counts, rows }, null, 2));
if (!quick) {
  writeFileSync(path.join(here, 'THREADS.md'), markdown(machine, rows));
  console.log('wrote bench/THREADS.md');
}

/** The speed-up of the median time of one machine state's processes, and how many there were; '-' for none. */
function stateSpeedup(oneThreadMs, state, separator) {
  return state ? `${(oneThreadMs / state.ms).toFixed(2)}x${separator}${state.n}` : '-';
}

function markdown(m, rows) {
  const head = counts.map((t) => `${t} thread${t > 1 ? 's' : ''}`);
  const lines = [
    '# Threads benchmark',
    '',
    `Written by \`node bench/threads.mjs\` (run by \`npm run bench\`). ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.simd} SIMD build;`,
    `load average ${m.loadAverageStart} at the start, ${m.loadAverageEnd} at the end. Each thread count runs in a fresh process`,
    `started with \`ready({ threads })\` (1 = no shared memory, no workers; 'all' = \`ready()\`'s 'auto', ${all} here); the counts take`,
    `turns, one process each per repeat; each case is warmed up for ${WARM_MS} ms (the models for ${MODEL_WARM_MS} ms) and timed as the`,
    `median of ${BATCHES} batches of calls; medians of ${REPEATS} repeats. Speed-up = 1-thread time / time.`,
    '',
    'This VM changes state every few seconds to minutes, whatever runs in it: for a while a thread reads 3 MB',
    'that another thread wrote as fast as 3 MB it wrote itself, then for a while about 2.7 times slower (presumably',
    'the host moving the virtual CPUs between cores that share a cache and cores that do not). One thread does not',
    'notice; two threads that hand data to each other at every op do. Processes with threads probe this before',
    `and after each case (bench/cross-core.mjs): "near" counts the cases with both probes at most ${NEAR} (the cores`,
    `share a cache), "far" those with both at least ${FAR}; each gives the speed-up of the median of those processes`,
    'and, after the slash, how many there were.',
    '',
    `| case | ${head.join(' | ')} | ${counts
      .slice(1)
      .map((t) => `speed-up ${t} | near | far`)
      .join(' | ')} | PyTorch 1 / 2 threads |`,
    `| --- | ${counts.map(() => '---:').join(' | ')} | ${counts
      .slice(1)
      .map(() => '---: | ---: | ---:')
      .join(' | ')} | ---: |`,
  ];
  const state = (r, s) => stateSpeedup(r.ms[1], s, ' / ');
  for (const r of rows) {
    const fmt = (t) =>
      r.images
        ? `${r.ms[t].toFixed(2)} ms (${Math.round((r.images * 1000) / r.ms[t])} img/s)`
        : `${r.ms[t].toFixed(3)} ms`;
    const torch = PYTORCH[r.label] ? `${PYTORCH[r.label][1]} / ${PYTORCH[r.label][2]} ms` : '';
    lines.push(
      `| ${r.label} | ${counts.map(fmt).join(' | ')} | ${counts
        .slice(1)
        .map((t) => `${(r.ms[1] / r.ms[t]).toFixed(2)}x | ${state(r, r.states[t].near)} | ${state(r, r.states[t].far)}`)
        .join(' | ')} | ${torch} |`,
    );
  }
  lines.push(
    '',
    'PyTorch 1.13 CPU (OpenBLAS) training steps, batch 32, on a 2-core AMD EPYC Zen 4 (issue 11); its figures',
    'for 2 threads are its best. Inference is `model.predict` on a batch of 32; LeNet runs on 32x32x3 here.',
    '',
  );
  return lines.join('\n');
}
