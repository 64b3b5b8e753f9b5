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
//
// One process times simdnet, the naive JavaScript kernels and TF.js (wasm and cpu backends) case by case,
// so that machine noise hits every implementation of a case alike. A process can load only one simdnet
// build, so the plain build runs in a child process; another child times the relaxed build with no
// TF.js in the process, to show TF.js's presence does not change simdnet's numbers.
// A full run (no --quick/--only/--impls) rewrites bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleSimdnet, BUNDLE } from './simdnet-bundle.mjs';
import { selectCases } from './cases.mjs';
import { measure, BUDGETS } from './timing.mjs';
import { relativeError, checkIsolation } from './check.mjs';
import { naiveImpl } from './impl/naive.mjs';
import { simdnetImpl } from './impl/simdnet.mjs';
import { machineInfo, loadAverage } from './machine.mjs';
import { sectionTable, buildsTable, renderConsole, findings } from './report.mjs';
import { writeResultsMarkdown } from './results-md.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ALL_IMPLS = ['simdnet', 'naive', 'tfwasm', 'tfcpu'];

function parseArgs(argv) {
  const opts = { quick: false, only: null, impls: ALL_IMPLS, json: null, plain: true, alone: true, simd: undefined, child: false };
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
    else if (a === '--child') opts.child = true;
    else if (a === '--help' || a === '-h') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n'));
      process.exit(0);
    } else throw new Error(`bench: unknown option ${a} (try --help)`);
  }
  for (const impl of opts.impls) if (!ALL_IMPLS.includes(impl)) throw new Error(`bench: unknown implementation '${impl}'; expected some of ${ALL_IMPLS.join(', ')}`);
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
  if (prepared.na) return { result: { status: 'n/a', reason: prepared.na } };
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
  return { result: { status: 'ok', medianMs: sum('medianMs'), meanMs: sum('meanMs'), rme: NaN, samples: 0, method: 'sum', leak: 0 } };
}

function progressCell(name, r) {
  if (r.status !== 'ok') return `${name} ${r.status}`;
  return `${name} ${r.medianMs.toPrecision(3)} ms`;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const budget = opts.quick ? BUDGETS.quick : BUDGETS.full;
  const cases = selectCases(opts);
  const started = Date.now();
  const tag = opts.child ? `[child ${opts.simd ?? 'default'}${opts.impls.some((i) => i.startsWith('tf')) ? '' : ', no TF.js'}] ` : '';

  if (!opts.child) await bundleSimdnet();
  const sn = await import(BUNDLE);
  await sn.ready(opts.simd ? { simd: opts.simd } : {});
  const simd = sn.backendInfo().simd;
  const machine = { ...machineInfo(), simd, loadAverageStart: loadAverage() };

  const impls = [];
  if (opts.impls.includes('simdnet')) impls.push(simdnetImpl(sn));
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

  if (!opts.child) {
    console.log(`simdnet bench: ${cases.length} cases, ${opts.quick ? 'quick' : 'full'} sampling; simdnet ${simd} SIMD`);
    console.log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadAverageStart}`);
    if (tfctx) console.log(`TF.js ${tfctx.info.version}: wasm SIMD ${tfctx.info.wasmSimd}, ${tfctx.info.wasmThreads} thread(s); isolation: ${isolation}`);
  }

  const rows = [];
  const rowsById = new Map();
  for (const c of cases) {
    const row = { section: c.section, id: c.id, method: c.method, label: c.label, work: c.work, unit: c.unit, reference: c.reference, impls: {} };
    const outputs = {};
    const parts = [];
    process.stdout.write(`${tag}${c.label}:`);
    for (const impl of impls) {
      const { result, output } = opts.quick && c.quickSkip?.includes(impl.name)
        ? { result: { status: 'n/a', reason: 'skipped by --quick (seconds per call)' } }
        : (sumOfParts(c, impl, rowsById) ?? (await runOne(c, impl, budget)));
      if (!result) continue;
      row.impls[impl.name] = result;
      if (output) outputs[impl.name] = output;
      parts.push(progressCell(impl.name, result));
      process.stdout.write(` ${parts[parts.length - 1]} |`);
    }
    process.stdout.write('\n');
    if (!opts.child) checkOutputs(c, row, outputs);
    rows.push(row);
    rowsById.set(row.id, row);
  }

  if (opts.child) {
    writeFileSync(opts.json, JSON.stringify({ simd, rows }));
    return;
  }

  // Children: the plain build, and the relaxed build without TF.js.
  const childArgs = [...(opts.quick ? ['--quick'] : []), ...(opts.only ? ['--only', opts.only.join(',')] : [])];
  const wantSimdnet = opts.impls.includes('simdnet');
  if (wantSimdnet && opts.plain) mergeChild(rows, 'simdnet-plain', runChild([...childArgs, '--simd', 'plain']));
  if (wantSimdnet && opts.alone && tfctx && !opts.quick && simd === 'relaxed') mergeChild(rows, 'simdnet-alone', runChild([...childArgs, '--simd', 'relaxed']));
  machine.loadAverageEnd = loadAverage();

  const sections = [
    ['forward', 'Forward'],
    ['backward', 'Backward'],
    ['train', 'Training step (forward, backward, optimizer update)'],
  ];
  const tables = [];
  for (const [key, title] of sections) {
    const sectionRows = rows.filter((r) => r.section === key);
    if (sectionRows.length) tables.push({ title, table: sectionTable(sectionRows, key) });
  }
  const builds = buildsTable(rows);
  if (builds.body.length) tables.push({ title: 'simdnet builds: relaxed SIMD vs plain SIMD', table: builds });
  const notes = findings(rows);
  const seconds = (Date.now() - started) / 1000;

  console.log('');
  for (const { title, table } of tables) console.log(`${title}\n${renderConsole(table)}\n`);
  console.log('ms: median ±relative margin of error (benchmark.js, 95%); "vs X": X ms / simdnet ms (above 1: simdnet is faster)');
  for (const line of notes) console.log(line);
  console.log(`load average ${machine.loadAverageStart} → ${machine.loadAverageEnd}; ${seconds.toFixed(0)} s`);

  const report = { date: new Date().toISOString(), machine, isolation, quick: opts.quick, only: opts.only, impls: opts.impls, seconds, rows, notes };
  if (opts.json) {
    mkdirSync(path.dirname(path.resolve(opts.json)), { recursive: true });
    writeFileSync(opts.json, JSON.stringify(report, null, 2));
    console.log(`wrote ${opts.json}`);
  }
  const full = !opts.quick && !opts.only && opts.impls.length === ALL_IMPLS.length;
  if (full) {
    const file = path.join(here, 'RESULTS.md');
    writeResultsMarkdown(file, report, tables);
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
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

function runChild(args) {
  const out = path.join(here, 'out', `child-${process.pid}-${Date.now()}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', '--impls', 'simdnet', '--json', out, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    console.error(`bench: child ${args.join(' ')} failed (exit ${r.status})`);
    return null;
  }
  const data = JSON.parse(readFileSync(out, 'utf8'));
  rmSync(out, { force: true });
  return data;
}

function mergeChild(rows, name, child) {
  if (!child) return;
  const byId = new Map(child.rows.map((r) => [r.id, r]));
  for (const row of rows) {
    const cell = byId.get(row.id)?.impls.simdnet;
    if (cell) row.impls[name] = cell;
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
