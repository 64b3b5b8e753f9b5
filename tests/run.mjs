// Runs every test suite and ends with one line, "N passed, N failed", counting every test:
//  - tests/unit: uvu, once per kernel build (relaxed SIMD and plain SIMD);
//  - tests/integration: uvu, once (training runs; slower);
//  - tests/package: npm pack, installed into an empty project, used from Node, TypeScript, Deno, Bun, Chromium;
//  - tests/runtimes/run-*.mjs: smoke tests in Deno, Bun and headless Chromium.
// Each suite runs in its own process; a crash counts as a failure of that suite.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const uvu = path.join(root, 'node_modules', 'uvu', 'bin.js');
const only = process.argv.slice(2); // e.g. `node tests/run.mjs unit` runs only suites whose name contains "unit"

const suites = [
  {
    name: 'unit (relaxed SIMD)',
    cmd: [process.execPath, uvu, 'tests/unit', '.test.mjs$'],
    env: { SIMDNET_SIMD: 'relaxed' },
  },
  {
    name: 'unit (plain SIMD)',
    cmd: [process.execPath, uvu, 'tests/unit', '.test.mjs$'],
    env: { SIMDNET_SIMD: 'plain' },
  },
];
if (existsSync(path.join(root, 'tests/integration'))) {
  suites.push({ name: 'integration', cmd: [process.execPath, uvu, 'tests/integration', '.test.mjs$'], env: {} });
}
// The packed tarball installed into an empty project and used by every kind of consumer.
suites.push({ name: 'package', cmd: [process.execPath, uvu, 'tests/package', '.test.mjs$'], env: {} });
for (const f of existsSync(path.join(root, 'tests/runtimes'))
  ? readdirSync(path.join(root, 'tests/runtimes')).sort()
  : []) {
  if (/^run-.*\.mjs$/.test(f))
    suites.push({ name: `runtime ${f.slice(4, -4)}`, cmd: [process.execPath, `tests/runtimes/${f}`], env: {} });
}

let passed = 0;
let failed = 0;
const summary = [];
for (const s of suites) {
  if (only.length && !only.some((o) => s.name.includes(o))) continue;
  const t0 = Date.now();
  console.log(`\n=== ${s.name} ===`);
  const r = spawnSync(s.cmd[0], s.cmd.slice(1), {
    cwd: root,
    env: { ...process.env, ...s.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const out = (r.stdout || '') + (r.stderr || '');
  process.stdout.write(out);
  const total = [...out.matchAll(/Total:\s+(\d+)/g)].pop();
  const ok = [...out.matchAll(/Passed:\s+(\d+)/g)].pop();
  let p = ok ? Number(ok[1]) : 0;
  let f = total ? Number(total[1]) - p : 0;
  if (r.status !== 0 && f === 0) f = 1; // a crash or a non-zero exit with no failing test counted
  passed += p;
  failed += f;
  summary.push(`${s.name}: ${p} passed, ${f} failed (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
console.log('\n' + summary.join('\n'));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
