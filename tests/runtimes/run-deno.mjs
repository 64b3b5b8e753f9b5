// Smoke test of the bundle in Deno (node_modules/.bin/deno, from the `deno` npm package), run as
// `import * as sn from 'simdnet'` resolved through package.json. Deno gets no permission but reading
// the one config file, no network (--cached-only, --no-remote) and a throw-away DENO_DIR.
// Deno validates relaxed SIMD by default, so its default build must be the relaxed one.
import path from 'node:path';
import { makeTempDir, removeTempDir, repoRoot, reportAndExit, runCommandLine, smokeConfigs } from './runner-common.mjs';

const t0 = Date.now();
const deno = path.join(repoRoot, 'node_modules', '.bin', 'deno');
const entry = path.join(repoRoot, 'tests', 'runtimes', 'cli-entry.mjs');
const dir = makeTempDir('deno');
const results = [];
try {
  for (const config of smokeConfigs('deno', 'deno', 'relaxed')) {
    results.push(
      runCommandLine({
        config,
        dir,
        argv: (file) => [
          deno,
          'run',
          '--no-lock',
          '--no-remote',
          '--cached-only',
          '--no-prompt',
          `--allow-read=${file}`,
          entry,
          file,
        ],
        env: { DENO_DIR: path.join(dir, 'deno-dir'), DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' },
      }),
    );
  }
} finally {
  removeTempDir(dir);
}
reportAndExit(results, t0);
