// Bundles bench/internals.mjs to bench/out/simdnet-internals.js (see that file for why).
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
export const BUNDLE = path.join(here, 'out', 'simdnet-internals.js');

export async function bundleSimdnet() {
  for (const flavor of ['plain', 'relaxed']) {
    if (!existsSync(path.join(root, 'build', `simdnet-${flavor}.wasm`))) {
      throw new Error(`bench: build/simdnet-${flavor}.wasm is missing; run \`npm run build\` (or \`npm run bench\`)`);
    }
  }
  mkdirSync(path.dirname(BUNDLE), { recursive: true });
  // Keep these settings in step with scripts/build.mjs.
  await esbuild.build({
    entryPoints: [path.join(here, 'internals.mjs')],
    outfile: BUNDLE,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    loader: { '.wasm': 'binary' },
    logLevel: 'warning',
  });
  return BUNDLE;
}
