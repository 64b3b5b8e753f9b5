// simdnet's benchmark suite: `npm run bench` (builds first), or `node bench/run.mjs [options]`.
//
//   --quick            a few shapes and short sampling, to check a change (well under a minute)
//   --only a,b         only cases matching a filter: conv, pool, matmul, forward, backward, train, dx,
//                      dw, both, a case id (c1..c5, p1, m1, m2, keras, lenet); `a+b` needs both
//   --impls a,b        only these implementations: simdnet, naive, tfwasm, tfcpu
//   --json FILE        also write every number (and the machine) as JSON
//   --no-plain         skip the child process that times simdnet's plain-SIMD build
//   --no-alone         skip the child process that times simdnet (relaxed) without TF.js loaded
//   --simd relaxed|plain   the build this process loads (default: relaxed where supported)
//   --render FILE      only rewrite bench/RESULTS.md from a full run's --json FILE (no timing)
//   --no-threads       skip the threads table (bench/threads.mjs, run after the rest unless --only/--impls)
//
// Then, unless --only is given, bench/onnx.mjs times ONNX inference (simdnet vs ONNX Runtime Web); a full
// run writes its table to bench/ONNX.md.
//
// One process times simdnet, the naive JavaScript kernels and TF.js (wasm and cpu backends) case by case,
// so that machine noise hits every implementation of a case alike. A process can load only one simdnet
// build, so the plain build runs in a worker process; another worker runs the relaxed build with no
// TF.js in its process, to show whether TF.js's presence changes simdnet's numbers. The workers time
// each case when the main process asks, right after its own simdnet row, so all three simdnet rows of a
// case are measured within seconds of each other.
// A full run (no --quick/--only/--impls) rewrites bench/RESULTS.md.
import { fork, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleSimdnet, BUNDLE } from './simdnet-bundle.mjs';
import { allCases, selectCases } from './cases.mjs';
import { measure, BUDGETS } from './timing.mjs';
import { relativeError, checkIsolation } from './check.mjs';
import { naiveImpl } from './impl/naive.mjs';
import { simdnetImpl } from './impl/simdnet.mjs';
import { machineInfo, loadAverage } from './machine.mjs';
import { allTables, renderConsole, findings } from './report.mjs';
import { writeResultsMarkdown } from './results-md.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ALL_IMPLS = ['simdnet', 'naive', 'tfwasm', 'tfcpu'];

function parseArgs(argv) {
  const opts = {
    quick: false,
    only: null,
    impls: ALL_IMPLS,
    json: null,
    plain: true,
    alone: true,
    simd: undefined,
    worker: false,
    threads: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench: ${a} needs a value`);
      return v;
    };
    if (a === '--quick') opts.quick = true;
    else if (a === '--only') opts.only = value().split(',').filter(Boolean);
    else if (a === '--impls') opts.impls = value().split(',').filter(Boolean);
    else if (a === '--json') opts.json = value();
    else if (a === '--no-plain') opts.plain = false;
    else if (a === '--no-alone') opts.alone = false;
    else if (a === '--simd') opts.simd = value();
    else if (a === '--worker') opts.worker = true;
    else if (a === '--render') opts.render = value();
    else if (a === '--no-threads') opts.threads = false;
    else if (a === '--help' || a === '-h') {
      console.log(
        readFileSync(fileURLToPath(import.meta.url), 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('//'))
          .map((l) => l.slice(3))
          .join('\n'),
      );
      process.exit(0);
    } else throw new Error(`bench: unknown option ${a} (try --help)`);
  }
  for (const impl of opts.impls)
    if (!ALL_IMPLS.includes(impl))
      throw new Error(`bench: unknown implementation '${impl}'; expected some of ${ALL_IMPLS.join(', ')}`);
  return opts;
}

/** An error thrown by a stub op means "not there yet", not "broken". */
function failure(e) {
  const reason = String(e?.message ?? e).split('\n')[0];
  return /not implemented/i.test(reason) ? { status: 'n/a', reason } : { status: 'error', reason };
}

/** Prepares, checks and times one implementation on one case. */
async function runOne(c, impl, budget) {
  if (typeof impl[c.method] !== 'function') return { result: null }; // not a column of this table
  try {
    await impl.activate?.();
  } catch (e) {
    return { result: failure(e) };
  }
  const before = impl.leakCount?.();
  // Some cases keep tensors the bench has no handle on (a recorded op's saved state): the implementation
  // runs those inside a scope that frees them (for simdnet, a tidy) and says so with `scoped`.
  const scoped = impl.scopedMethods?.includes(c.method);
  const body = () => prepareCheckTime(c, impl, budget);
  const done = scoped ? impl.scope(body) : body();
  if (done.result.status === 'ok' && before !== undefined) done.result.leak = impl.leakCount() - before;
  return done;
}

function prepareCheckTime(c, impl, budget) {
  let prepared;
  try {
    prepared = impl[c.method](c.shape, c.data(), c.variant);
  } catch (e) {
    return { result: failure(e) };
  }
  if (prepared.na) return { result: { status: 'n/a', reason: prepared.na, deriveDx: prepared.deriveDx } };
  let output;
  let timing;
  try {
    output = prepared.output();
    timing = measure(prepared.run, budget);
  } catch (e) {
    return { result: failure(e) };
  } finally {
    try {
      prepared.dispose();
    } catch (e) {
      console.error(`  dispose failed for ${impl.name}: ${e.message}`);
    }
  }
  return { result: { status: 'ok', ...timing, leak: 0, note: prepared.note }, output };
}

/** For an implementation with separate dx and dW kernels, the dx+dW row is the sum of those rows. */
function sumOfParts(c, impl, rowsById) {
  if (!c.sumOf || !impl.separateBackwardKernels) return null;
  const parts = c.sumOf.map((id) => rowsById.get(id)?.impls[impl.name]);
  if (parts.some((p) => !p)) return null; // those rows did not run (--only): time it directly
  const failed = parts.find((p) => p.status !== 'ok');
  if (failed) return { result: failed };
  const sum = (k) => parts.reduce((a, p) => a + p[k], 0);
  return {
    result: {
      status: 'ok',
      medianMs: sum('medianMs'),
      meanMs: sum('meanMs'),
      rme: NaN,
      samples: 0,
      method: 'sum',
      leak: 0,
    },
  };
}

/**
 * simdnet's conv backward always computes dW (dx only when needed), so its dx row is (dx+dW) − dW, from
 * the two timed rows of the same shape; the cell says it is a difference.
 */
function deriveDx(rows) {
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const row of rows) {
    if (row.method !== 'convBackward' || !row.id.endsWith('-dx')) continue;
    const base = row.id.slice(0, -3);
    for (const [name, cell] of Object.entries(row.impls)) {
      if (!cell.deriveDx) continue;
      const both = byId.get(`${base}-both`)?.impls[name];
      const dw = byId.get(`${base}-dw`)?.impls[name];
      if (both?.status !== 'ok' || dw?.status !== 'ok') continue;
      const ms = both.medianMs - dw.medianMs;
      row.impls[name] = {
        status: 'ok',
        medianMs: ms,
        meanMs: both.meanMs - dw.meanMs,
        rme: NaN,
        samples: 0,
        method: 'diff',
        leak: 0,
      };
    }
  }
}

function progressCell(name, r) {
  if (r.status !== 'ok') return `${name} ${r.status}`;
  return `${name} ${r.medianMs.toPrecision(3)} ms`;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.render) {
    writeResultsMarkdown(path.join(here, 'RESULTS.md'), JSON.parse(readFileSync(opts.render, 'utf8')));
    console.log(`wrote bench/RESULTS.md from ${opts.render}`);
    return;
  }
  const budget = opts.quick ? BUDGETS.quick : BUDGETS.full;
  if (opts.worker) return serveWorker(opts, budget);
  const cases = selectCases(opts);
  const started = Date.now();

  await bundleSimdnet();
  const sn = await import(BUNDLE);
  // These tables compare one thread against one-threaded TF.js; bench/threads.mjs times the threads.
  await sn.ready({ ...(opts.simd ? { simd: opts.simd } : {}), threads: 1 });
  const simd = sn.backendInfo().simd;
  const machine = { ...machineInfo(), simd, loadAverageStart: loadAverage() };

  const impls = [];
  const workers = [];
  if (opts.impls.includes('simdnet')) {
    impls.push(simdnetImpl(sn));
    const withTf = opts.impls.some((i) => i.startsWith('tf'));
    if (opts.alone && withTf && !opts.quick && simd === 'relaxed')
      workers.push(await startWorker('simdnet-alone', 'relaxed', opts));
    if (opts.plain && simd === 'relaxed') workers.push(await startWorker('simdnet-plain', 'plain', opts));
    impls.push(...workers);
  }
  if (opts.impls.includes('naive')) impls.push(naiveImpl());
  let tfctx = null;
  let isolation = null;
  if (opts.impls.some((i) => i.startsWith('tf'))) {
    const { loadTf, tfImpl } = await import('./impl/tfjs.mjs');
    tfctx = await loadTf();
    machine.tfjs = tfctx.info;
    if (opts.impls.includes('tfwasm')) impls.push(tfImpl(tfctx, 'wasm'));
    if (opts.impls.includes('tfcpu')) impls.push(tfImpl(tfctx, 'cpu'));
    isolation = await checkIsolation(sn, tfctx);
  }

  console.log(
    `simdnet bench: ${cases.length} cases, ${opts.quick ? 'quick' : 'full'} sampling; simdnet ${simd} SIMD${workers.length ? ` (+ workers: ${workers.map((w) => w.name).join(', ')})` : ''}`,
  );
  console.log(
    `machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadAverageStart}`,
  );
  if (tfctx)
    console.log(
      `TF.js ${tfctx.info.version}: wasm SIMD ${tfctx.info.wasmSimd}, ${tfctx.info.wasmThreads} thread(s); isolation: ${isolation}`,
    );

  const rows = [];
  const rowsById = new Map();
  for (const c of cases) {
    const row = {
      section: c.section,
      id: c.id,
      method: c.method,
      label: c.label,
      work: c.work,
      unit: c.unit,
      reference: c.reference,
      impls: {},
    };
    const outputs = {};
    process.stdout.write(`${c.label}:`);
    for (const impl of impls) {
      let done;
      if (opts.quick && c.quickSkip?.includes(impl.name))
        done = { result: { status: 'n/a', reason: 'skipped by --quick (seconds per call)' } };
      else if (impl.remote) done = await impl.runCase(c.id);
      else done = sumOfParts(c, impl, rowsById) ?? (await runOne(c, impl, budget));
      const { result, output } = done;
      if (!result) continue;
      row.impls[impl.name] = result;
      if (output) outputs[impl.name] = output;
      process.stdout.write(` ${progressCell(impl.name, result)} |`);
    }
    process.stdout.write('\n');
    checkOutputs(c, row, outputs);
    rows.push(row);
    rowsById.set(row.id, row);
  }
  for (const w of workers) w.stop();
  deriveDx(rows);
  machine.loadAverageEnd = loadAverage();

  const tables = allTables(rows);
  const notes = findings(rows);
  const seconds = (Date.now() - started) / 1000;

  console.log('');
  for (const { title, table } of tables) console.log(`${title}\n${renderConsole(table)}\n`);
  console.log(
    'ms: median ±relative margin of error (benchmark.js, 95%); "vs X": X ms / simdnet ms (above 1: simdnet is faster)',
  );
  for (const line of notes) console.log(line);
  console.log(`load average ${machine.loadAverageStart} → ${machine.loadAverageEnd}; ${seconds.toFixed(0)} s`);

  const report = {
    date: new Date().toISOString(),
    machine,
    isolation,
    quick: opts.quick,
    only: opts.only,
    impls: opts.impls,
    seconds,
    rows,
    notes,
  };
  if (opts.json) {
    mkdirSync(path.dirname(path.resolve(opts.json)), { recursive: true });
    writeFileSync(opts.json, JSON.stringify(report, null, 2));
    console.log(`wrote ${opts.json}`);
  }
  const full = !opts.quick && !opts.only && opts.impls.length === ALL_IMPLS.length;
  if (full) {
    const file = path.join(here, 'RESULTS.md');
    writeResultsMarkdown(file, report);
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
  // The ONNX inference table runs in processes of its own (ONNX Runtime fixes its threads per process).
  if (!opts.only && !opts.worker) {
    const args = [path.join(here, 'onnx.mjs'), ...(opts.quick ? ['--quick'] : [])];
    if (full) args.push('--markdown', path.join(here, 'ONNX.md'));
    spawnSync(process.execPath, args, { stdio: 'inherit' });
  }
  if (opts.threads && !opts.only && opts.impls.length === ALL_IMPLS.length) await runThreadsTable(opts);
}

/** The threads table (bench/threads.mjs) in its own process, once this one's timing is done. */
function runThreadsTable(opts) {
  console.log('');
  const child = fork(path.join(here, 'threads.mjs'), opts.quick ? ['--quick'] : [], { stdio: 'inherit' });
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bench/threads.mjs exited with ${code}`)))),
  );
}

/**
 * Compares each implementation's output with the case's reference (the first of c.reference that ran;
 * naive JS is computed here if it did not run); records the error on the cell.
 */
function checkOutputs(c, row, outputs) {
  const refs = [].concat(c.reference);
  let refName = refs.find((r) => outputs[r]);
  let ref = refName && outputs[refName];
  if (!ref && refs.includes('naive')) {
    refName = 'naive';
    ref = naiveImpl()[c.method](c.shape, c.data(), c.variant).output();
  }
  row.reference = refName ?? refs.join('/');
  for (const [name, out] of Object.entries(outputs)) {
    if (name === refName) continue;
    if (ref) row.impls[name].err = relativeError(out, ref);
    else row.impls[name].checkNote = `unchecked (reference ${refs.join('/')} not run)`;
  }
}

/**
 * A worker process that loads one simdnet build (and never TF.js) and times a case when asked. It looks
 * like an implementation to the main loop; results (and outputs, for the correctness check) come back
 * over IPC with structured clone, which keeps typed arrays and NaN.
 */
async function startWorker(name, simd, opts) {
  const args = ['--worker', '--simd', simd, ...(opts.quick ? ['--quick'] : [])];
  const child = fork(fileURLToPath(import.meta.url), args, {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let pending = null;
  let failed = null;
  const ready = new Promise((resolve, reject) => {
    child.once('message', (m) => (m.type === 'ready' ? resolve() : reject(new Error(`worker ${name}: ${m.error}`))));
    child.once('exit', (code) => reject(new Error(`worker ${name} exited (${code}) before it was ready`)));
  });
  child.on('message', (m) => {
    if (m.type === 'result' && pending) {
      pending.resolve({ result: m.result, output: m.output });
      pending = null;
    }
  });
  child.on('exit', (code) => {
    failed = `worker exited (${code})`;
    if (pending) pending.resolve({ result: { status: 'error', reason: failed } });
    pending = null;
  });
  await ready;
  return {
    name,
    remote: true,
    runCase(id) {
      if (failed) return Promise.resolve({ result: { status: 'error', reason: failed } });
      return new Promise((resolve) => {
        pending = { resolve };
        child.send({ type: 'run', id });
      });
    },
    stop() {
      child.removeAllListeners('exit');
      child.send({ type: 'exit' });
    },
  };
}

/** The worker side: load the build, say ready, then time each case the main process names. */
async function serveWorker(opts, budget) {
  try {
    const sn = await import(BUNDLE);
    await sn.ready({ simd: opts.simd, threads: 1 });
    const impl = simdnetImpl(sn);
    const byId = new Map(allCases().map((c) => [c.id, c]));
    process.on('message', async (m) => {
      if (m.type === 'exit') process.exit(0);
      if (m.type !== 'run') return;
      const { result, output } = await runOne(byId.get(m.id), impl, budget);
      process.send({ type: 'result', id: m.id, result, output });
    });
    process.send({ type: 'ready', simd: sn.backendInfo().simd });
  } catch (e) {
    process.send({ type: 'failed', error: String(e?.message ?? e) });
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
