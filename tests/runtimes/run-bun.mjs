// Smoke test of the bundle in Bun (node_modules/.bin/bun, from the `bun` npm package), run as
// `import * as sn from 'simdnet'` resolved through package.json. Bun validates relaxed SIMD, so its
// default build is the relaxed one, but it does not fuse multiply-adds: results differ from Deno's in
// the last bits, which the 1e-4 tolerance allows.
import path from 'node:path';
import { makeTempDir, removeTempDir, repoRoot, reportAndExit, runCommandLine, smokeConfigs } from './runner-common.mjs';

const t0 = Date.now();
const bun = path.join(repoRoot, 'node_modules', '.bin', 'bun');
const entry = path.join(repoRoot, 'tests', 'runtimes', 'cli-entry.mjs');
const dir = makeTempDir('bun');
const results = [];
try {
  for (const config of smokeConfigs('bun', 'bun', 'relaxed')) {
    results.push(
      runCommandLine({
        config,
        dir,
        argv: (file) => [bun, '--no-install', entry, file], // never fetch packages
        // No telemetry, and no transpiler cache written outside the temp dir.
        env: { DO_NOT_TRACK: '1', BUN_RUNTIME_TRANSPILER_CACHE_PATH: '0' },
      }),
    );
  }
} finally {
  removeTempDir(dir);
}
reportAndExit(results, t0);
