// The node side of the runtime smoke tests, shared by tests/runtimes/run-*.mjs: picks the fixture cases,
// writes the config a runtime reads, runs a command-line runtime with a time limit, and prints the
// uvu-style summary (`Total:` / `Passed:`) that tests/run.mjs parses. Every runner runs the smoke twice,
// once with the runtime's default build and once forcing `{ simd: 'plain' }`, in separate processes
// (or pages), because a process can load only one of the two builds.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { casesOf, repoRoot } from '../helpers/fixtures.mjs';
import { RESULT_PREFIX } from './protocol.mjs';

export { repoRoot };
export const TOLERANCE = 1e-4;

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const pick = (op, predicate, what) => {
  const c = casesOf(op).find(predicate);
  if (!c) throw new Error(`no ${op} fixture case with ${what} in ops.json`);
  return { op: c.op, params: c.params, x: c.x, w: c.w, b: c.b, y: c.y }; // inputs and output only
};

/** A few fixture cases that exercise the awkward paths: odd channels, stride 2, 'same', dilation, bias. */
export function smokeCases() {
  return {
    conv2d: [
      pick(
        'conv2d',
        (c) => c.b && c.params.padding === 'same' && same(c.params.strides, [2, 2]),
        "bias, 'same', stride 2",
      ),
      pick('conv2d', (c) => c.b && Array.isArray(c.params.padding) && c.x.shape[3] % 4 !== 0, 'bias, explicit padding'),
      pick('conv2d', (c) => c.b && same(c.params.dilation, [2, 2]), 'bias, dilation 2'),
    ],
    maxPool2d: [pick('maxPool2d', (c) => c.params.padding === 'same' && same(c.params.poolSize, [3, 3]), "3x3 'same'")],
    dense: [
      pick(
        'dense',
        (c) => c.x.shape[0] > 4 && c.x.shape[1] % 4 !== 0 && c.w.shape[1] % 4 !== 0,
        'batch > 4, odd in and out',
      ),
    ],
  };
}

/**
 * The two runs of one runtime: its default build on 2 threads (expected to be `defaultSimd`, and the
 * runtime expected to validate relaxed SIMD exactly when that is 'relaxed') and the plain build with the
 * default threads. Each config is what smoke.mjs's runSmoke takes.
 */
export function smokeConfigs(runtimeLabel, expectRuntime, defaultSimd) {
  const cases = smokeCases();
  const relaxedValidates = defaultSimd === 'relaxed';
  return [
    {
      label: `${runtimeLabel}, default build, 2 threads`,
      threads: 2,
      expect: { simd: defaultSimd, runtime: expectRuntime, relaxedValidates, threads: 2 },
      tolerance: TOLERANCE,
      cases,
    },
    {
      label: `${runtimeLabel}, ready({ simd: 'plain' })`,
      simd: 'plain',
      expect: { simd: 'plain', runtime: expectRuntime },
      tolerance: TOLERANCE,
      cases,
    },
  ];
}

export function makeTempDir(prefix) {
  return mkdtempSync(path.join(tmpdir(), `simdnet-${prefix}-`));
}

/** Removes a temp dir, retrying while a process that just exited lets go of it; never throws. */
export function removeTempDir(dir) {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  } catch (e) {
    console.log(`(could not remove ${dir}: ${e.message})`);
  }
}

/** A run that produced no result (crash, time-out): one failed check that says why. */
export function failedRun(label, message) {
  return { label, info: null, total: 1, passed: 0, results: [{ name: 'run', ok: false, message }] };
}

/**
 * Runs `argv(configFile)` (a runtime on cli-entry.mjs) for one config, killed after `timeoutMs`.
 * Prints the child's output (without the result line) and returns the parsed result.
 */
export function runCommandLine({ argv, config, dir, env = {}, timeoutMs = 60_000 }) {
  const configFile = path.join(dir, `config-${config.simd ?? 'default'}.json`);
  writeFileSync(configFile, JSON.stringify(config));
  const [cmd, ...args] = argv(configFile);
  const t0 = Date.now();
  // No colours: NO_COLOR, and no FORCE_COLOR at all (Deno forces colour when it is set, even to 0).
  const { FORCE_COLOR: _forced, ...inherited } = process.env;
  const r = spawnSync(cmd, args, {
    cwd: repoRoot,
    env: { ...inherited, NO_COLOR: '1', ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Date.now() - t0;
  const lines = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n');
  const resultLine = lines.find((l) => l.startsWith(RESULT_PREFIX));
  const shown = lines
    .filter((l) => !l.startsWith(RESULT_PREFIX))
    .join('\n')
    .trimEnd();
  if (shown) console.log(shown);
  console.log(`  (${path.basename(cmd)} process: ${ms} ms, exit ${r.status ?? r.signal})`);
  if (r.error?.code === 'ETIMEDOUT') return failedRun(config.label, `timed out after ${timeoutMs} ms`);
  if (r.error) return failedRun(config.label, `could not start ${cmd}: ${r.error.message}`);
  if (!resultLine) return failedRun(config.label, `exited with ${r.status ?? r.signal} and no result`);
  const result = JSON.parse(resultLine.slice(RESULT_PREFIX.length));
  if (r.status !== 0)
    return {
      ...result,
      total: result.total + 1,
      results: [...result.results, { name: 'exit', ok: false, message: `exit ${r.status}` }],
    };
  return result;
}

/** Prints the uvu-style totals (tests/run.mjs reads the last `Total:` and `Passed:`) and exits. */
export function reportAndExit(results, t0) {
  const total = results.reduce((s, r) => s + r.total, 0);
  const passed = results.reduce((s, r) => s + r.passed, 0);
  const failures = results.flatMap((r) =>
    r.results.filter((x) => !x.ok).map((x) => `  ${r.label}: ${x.name} — ${x.message}`),
  );
  if (failures.length) console.log(`\nFAILED:\n${failures.join('\n')}`);
  console.log(`\n  Total:     ${total}\n  Passed:    ${passed}\n  Skipped:   0\n  Duration:  ${Date.now() - t0}ms\n`);
  process.exit(total > 0 && passed === total ? 0 : 1);
}

/**
 * Ends the process after `ms` whatever happens (a hung browser or runtime must not hang `npm test`).
 * `onTimeout` may clean up; it gets a few seconds.
 */
export function watchdog(ms, label, onTimeout = async () => {}) {
  return setTimeout(() => {
    console.log(`\n${label}: gave up after ${ms} ms`);
    console.log('\n  Total:     1\n  Passed:    0\n');
    setTimeout(() => process.exit(1), 5000).unref();
    Promise.resolve()
      .then(onTimeout)
      .catch(() => {})
      .finally(() => process.exit(1));
  }, ms);
}
