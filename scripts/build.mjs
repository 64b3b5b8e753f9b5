// Builds the WASM binaries (plain SIMD and relaxed SIMD, each also as a shared-memory build for threads),
// bundles the TypeScript facade with them inlined (so one import works in Node, Deno, Bun and browsers), and
// emits .d.ts files.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

mkdirSync(path.join(root, 'build'), { recursive: true });
for (const target of ['plain', 'relaxed', 'plain-threads', 'relaxed-threads'])
  run(bin('asc'), ['assembly/index.ts', '--target', target]);

await esbuild.build({
  entryPoints: [path.join(root, 'src/index.ts')],
  outfile: path.join(root, 'dist/simdnet.js'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  loader: { '.wasm': 'binary' },
  sourcemap: true,
  logLevel: 'warning',
});

if (!process.argv.includes('--no-types')) {
  run(bin('tsc'), ['-p', 'tsconfig.json']);
}
