// The package as Node users get it: `import * as sn from 'simdnet'` resolved through package.json
// `exports` (a self-reference from inside the package), the same smoke test as the other runtimes, and
// the bundle being self-contained (scripts/check-bundle.mjs). Node validates relaxed SIMD only behind a
// V8 flag, which the facade sets itself, so its default build must be the relaxed one too.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkBundle } from '../../scripts/check-bundle.mjs';
import { makeTempDir, removeTempDir, repoRoot, reportAndExit, runCommandLine, smokeConfigs } from './runner-common.mjs';

const t0 = Date.now();
const entry = path.join(repoRoot, 'tests', 'runtimes', 'cli-entry.mjs');

async function packageChecks() {
  const results = [];
  const test = async (name, fn) => {
    try {
      const note = await fn();
      results.push({ name, ok: true });
      console.log(`  ✓ ${name}${note ? ` (${note})` : ''}`);
    } catch (e) {
      results.push({ name, ok: false, message: e.message });
      console.log(`  ✘ ${name} — ${e.message}`);
    }
  };
  console.log('package:');
  await test("'simdnet' resolves through package.json exports to dist/simdnet.js", () => {
    const resolved = fileURLToPath(import.meta.resolve('simdnet'));
    const expected = path.join(repoRoot, 'dist', 'simdnet.js');
    if (resolved !== expected) throw new Error(`resolved to ${resolved}`);
    if (!existsSync(path.join(repoRoot, 'dist', 'simdnet.d.ts')))
      throw new Error("the 'types' file dist/simdnet.d.ts is missing");
    return path.relative(repoRoot, resolved);
  });
  await test('dist/simdnet.js imports nothing, and no node: module', async () => {
    const { problems, builtinModuleUses } = await checkBundle();
    if (problems.length) throw new Error(problems.join('; '));
    return `process.getBuiltinModule used ${builtinModuleUses} times`;
  });
  return { label: 'package', info: null, total: results.length, passed: results.filter((r) => r.ok).length, results };
}

const results = [await packageChecks()];
const dir = makeTempDir('node');
try {
  for (const config of smokeConfigs('node', 'node', 'relaxed')) {
    results.push(runCommandLine({ config, dir, argv: (file) => [process.execPath, entry, file] }));
  }
} finally {
  removeTempDir(dir);
}
reportAndExit(results, t0);
