// Inference on the seed's two models (PyTorch exports in tests/fixtures/onnx), batch 1 and 32:
//   simdnet's own model (sn.sequential, NHWC input), the same weights loaded with simdnet/onnx's loadOnnx
//   (NCHW input, as exported), each at 1 thread and at all threads, and ONNX Runtime Web (wasm SIMD) with 1
//   thread and with all threads;
// plus what each costs an app in bundle size (esbuild --minify, then gzip -9).
//
//   node bench/onnx.mjs [--quick] [--json FILE] [--markdown FILE]   (npm run bench runs it after the kernels)
//
// ONNX Runtime fixes its thread count when its wasm module starts, so each ORT configuration runs in a
// child process. The parent asks every implementation in turn for one round of one case, and repeats the
// rounds: noise on this shared machine then hits every column of a row alike. A row's figure is the
// median over all samples of all rounds.
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const MODELS = { keras_cnn: [1, 28, 28], lenet: [3, 32, 32] };
const BATCHES = [1, 32];

function input(name, batch) {
  const raw = readFileSync(path.join(root, 'tests/fixtures/onnx', `${name}.in.bin`));
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const [c, h, w] = MODELS[name];
  return { data: all.subarray(0, batch * c * h * w), dims: [batch, c, h, w] };
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Samples of ms per call: each sample times enough calls to last ~sampleMs. `run` may be async. */
export async function sample(run, { warmupMs, sampleMs, samples }) {
  let t0 = performance.now();
  let calls = 0;
  while (performance.now() - t0 < warmupMs || calls < 3) {
    await run();
    calls++;
  }
  const perCall = (performance.now() - t0) / calls;
  const batch = Math.max(1, Math.round(sampleMs / perCall));
  const out = [];
  for (let s = 0; s < samples; s++) {
    t0 = performance.now();
    for (let i = 0; i < batch; i++) await run();
    out.push((performance.now() - t0) / batch);
  }
  return out;
}

// ---- child: ONNX Runtime Web with a given thread count ----

async function ortChild(threads) {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  const sessions = {};
  process.on('message', async ({ name, batch, budget }) => {
    sessions[name] ??= await ort.InferenceSession.create(
      readFileSync(path.join(root, 'tests/fixtures/onnx', `${name}.onnx`)),
    );
    const s = sessions[name];
    const { data, dims } = input(name, batch);
    const feeds = { input: new ort.Tensor('float32', data, dims) };
    const first = (await s.run(feeds)).output.data;
    const times = await sample(() => s.run(feeds), budget);
    process.send({ times, first: Array.from(first.subarray(0, 10)) });
  });
  process.send({ ready: true });
}

function startOrt(threads) {
  const child = fork(fileURLToPath(import.meta.url), ['--ort-child', String(threads)], { stdio: 'inherit' });
  let waiting = null;
  const ready = new Promise((resolve) => (waiting = resolve));
  child.on('message', (m) => waiting?.(m));
  return {
    name: `ORT Web ${threads} thread${threads > 1 ? 's' : ''}`,
    threads,
    ready,
    ask(msg) {
      return new Promise((resolve) => {
        waiting = resolve;
        child.send(msg);
      });
    },
    stop: () => child.kill(),
  };
}

// ---- bundle sizes ----

async function gzipped(entryContents, options = {}) {
  const result = await esbuild.build({
    stdin: { contents: entryContents, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    logLevel: 'silent',
    ...options,
  });
  const bytes = result.outputFiles[0].contents;
  return { raw: bytes.length, gz: gzipSync(bytes, { level: 9 }).length };
}

export async function bundleSizes() {
  const core = await gzipped(`import * as sn from 'simdnet'; globalThis.sn = sn;`);
  const withOnnx = await gzipped(
    `import * as sn from 'simdnet'; import { loadOnnx, toOnnx } from 'simdnet/onnx'; globalThis.x = [sn, loadOnnx, toOnnx];`,
  );
  // dist/onnx.js on its own, with simdnet left out (esbuild's external 'simdnet' would also match the subpath).
  const onnxAlone = await gzipped(
    `import { loadOnnx, toOnnx } from './dist/onnx.js'; globalThis.x = [loadOnnx, toOnnx];`,
    {
      external: ['simdnet'],
    },
  );
  const ortJs = await gzipped(`import * as ort from 'onnxruntime-web/wasm'; globalThis.ort = ort;`);
  const wasm = readFileSync(path.join(root, 'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm'));
  const ortWasm = { raw: wasm.length, gz: gzipSync(wasm, { level: 9 }).length };
  return { core, withOnnx, onnxAlone, ortJs, ortWasm };
}

// ---- parent ----

async function main() {
  const quick = process.argv.includes('--quick');
  const jsonAt = process.argv.indexOf('--json');
  const budget = quick ? { warmupMs: 100, sampleMs: 40, samples: 3 } : { warmupMs: 400, sampleMs: 100, samples: 5 };
  const rounds = quick ? 1 : 3;
  const sn = await import('simdnet');
  const { loadOnnx } = await import('simdnet/onnx');
  const { kerasCnn } = await import('../examples/keras-cnn/model.mjs');
  const { lenet } = await import('../examples/lenet/model.mjs');
  const threads = availableParallelism();
  await sn.ready({ threads });
  // simdnet runs each model at 1 thread and at all threads (switched in this process with ready()), beside
  // ONNX Runtime at 1 thread and all threads: each compared with the other at the same thread count.
  const counts = [...new Set([1, sn.backendInfo().threads])];
  const orts = [startOrt(1), ...(threads > 1 ? [startOrt(threads)] : [])];
  await Promise.all(orts.map((o) => o.ready));

  const rows = [];
  for (const name of Object.keys(MODELS)) {
    const bytes = readFileSync(path.join(root, 'tests/fixtures/onnx', `${name}.onnx`));
    const loaded = await loadOnnx(bytes);
    const own = name === 'keras_cnn' ? kerasCnn({ seed: 1 }) : lenet({ inputShape: [32, 32, 3], seed: 1 });
    // The own model gets the same weights (the loaded model has a Permute first, without weights).
    const weights = loaded.getWeights();
    own.setWeights(weights);
    for (const t of weights) t.dispose();
    for (const batch of BATCHES) {
      const { data, dims } = input(name, batch);
      const [n, c, h, w] = dims;
      const nchw = sn.tensor(data, dims);
      const nhwc = sn.tidy(() => sn.transpose(nchw, [0, 2, 3, 1]));
      const times = counts.map(() => ({ own: [], onnx: [] }));
      const ortTimes = orts.map(() => []);
      let check = null;
      for (let r = 0; r < rounds; r++) {
        for (let i = 0; i < counts.length; i++) {
          await sn.ready({ threads: counts[i] });
          times[i].own.push(...(await sample(() => own.predict(nhwc).dispose(), budget)));
          times[i].onnx.push(...(await sample(() => loaded.predict(nchw).dispose(), budget)));
        }
        for (let i = 0; i < orts.length; i++) {
          const res = await orts[i].ask({ name, batch, budget });
          ortTimes[i].push(...res.times);
          check ??= res.first;
        }
      }
      // They agree on the outputs (first image's logits) within 1e-4.
      const mine = sn.tidy(() => loaded.predict(nchw).dataSync().subarray(0, 10));
      const ownOut = sn.tidy(() => own.predict(nhwc).dataSync().subarray(0, 10));
      const diff = Math.max(...check.map((v, i) => Math.max(Math.abs(v - mine[i]), Math.abs(v - ownOut[i]))));
      nchw.dispose();
      nhwc.dispose();
      const ms = [...times.flatMap((t) => [median(t.own), median(t.onnx)]), ...ortTimes.map(median)];
      rows.push({ model: name, batch, input: `${n}x${c}x${h}x${w}`, ms, diff });
      const ips = ms.map((t) => Math.round((batch * 1000) / t));
      console.log(
        `${name} batch ${batch}: ${ms.map((t, i) => `${t.toFixed(3)} ms (${ips[i]}/s)`).join(' | ')}; max |diff| vs ORT ${diff.toExponential(1)}`,
      );
    }
    for (const l of [...loaded.layers, ...own.layers]) l.dispose();
  }
  for (const o of orts) o.stop();

  const sizes = await bundleSizes();
  const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
  const per = (t) => `${t} thread${t > 1 ? 's' : ''}`;
  const cols = [
    ...counts.flatMap((t) => [`simdnet own model, ${per(t)}`, `simdnet loadOnnx, ${per(t)}`]),
    ...orts.map((o) => o.name),
  ];
  // loadOnnx against ONNX Runtime at the same number of threads.
  const pairs = orts.map((o, i) => ({
    name: `loadOnnx vs ORT, ${per(o.threads)}`,
    ort: 2 * counts.length + i,
    mine: 2 * i + 1,
  }));
  const lines = [
    `| model | batch | ${cols.join(' | ')} | ${pairs.map((p) => p.name).join(' | ')} |`,
    `| --- | --- | ${cols.map(() => '---').join(' | ')} | ${pairs.map(() => '---').join(' | ')} |`,
  ];
  for (const r of rows) {
    const cells = r.ms.map((t) => `${t.toFixed(2)} ms, ${Math.round((r.batch * 1000) / t).toLocaleString('en-US')}/s`);
    const speedups = pairs.map((p) => `${(r.ms[p.ort] / r.ms[p.mine]).toFixed(2)}x`);
    lines.push(`| ${r.model} | ${r.batch} | ${cells.join(' | ')} | ${speedups.join(' | ')} |`);
  }
  lines.push(
    '',
    '| what an app ships (esbuild --minify, gzip -9) | raw | gzipped |',
    '| --- | --- | --- |',
    `| simdnet (JS + both WASM builds inline) | ${kb(sizes.core.raw)} | ${kb(sizes.core.gz)} |`,
    `| simdnet + simdnet/onnx | ${kb(sizes.withOnnx.raw)} | ${kb(sizes.withOnnx.gz)} |`,
    `| simdnet/onnx alone (what it adds) | ${kb(sizes.onnxAlone.raw)} | ${kb(sizes.onnxAlone.gz)} |`,
    `| onnxruntime-web/wasm JS | ${kb(sizes.ortJs.raw)} | ${kb(sizes.ortJs.gz)} |`,
    `| + ort-wasm-simd-threaded.wasm (fetched at run time) | ${kb(sizes.ortWasm.raw)} | ${kb(sizes.ortWasm.gz)} |`,
  );
  console.log(`\nInference, medians of ${rounds} interleaved rounds (${threads} hardware threads):\n`);
  console.log(lines.join('\n'));
  if (jsonAt > 0) writeFileSync(process.argv[jsonAt + 1], JSON.stringify({ rows, sizes, cols }, null, 2));
  const mdAt = process.argv.indexOf('--markdown');
  if (mdAt > 0) {
    const { machineInfo, loadAverage } = await import('./machine.mjs');
    const m = machineInfo();
    const header = [
      '# ONNX inference: simdnet against ONNX Runtime Web',
      '',
      `Written by \`node bench/onnx.mjs --markdown\` (run by \`npm run bench\`) on ${new Date().toISOString().slice(0, 10)}: ${JSON.stringify(m)}; load average at the end ${JSON.stringify(loadAverage())}.`,
      'Medians over interleaved rounds; the seed models as PyTorch exports (tests/fixtures/onnx). ORT: onnxruntime-web (wasm SIMD) in Node.',
      '',
    ];
    writeFileSync(process.argv[mdAt + 1], [...header, ...lines, ''].join('\n'));
  }
}

if (process.argv[2] === '--ort-child') ortChild(Number(process.argv[3]));
else
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
