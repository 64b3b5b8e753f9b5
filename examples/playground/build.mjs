// Builds the playground into a static folder (default build/playground): index.html, style.css, the page
// bundle (app.js), the training worker's bundle (worker.js) and a copy of the embedded Fashion-MNIST
// subset, which the worker fetches. The library is bundled from src/ (its WASM builds from build/, so
// `node scripts/build.mjs` must have run). Any static host can serve the folder; threads additionally
// need the two cross-origin isolation headers that serve.mjs sends.
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
export const DEFAULT_OUTDIR = path.join(root, 'build/playground');

/** Writes the static folder; returns its path. */
export async function buildApp({ outdir = DEFAULT_OUTDIR, minify = true } = {}) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await esbuild.build({
    entryPoints: { app: path.join(here, 'src/main.ts'), worker: path.join(here, 'src/worker/train-worker.ts') },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    loader: { '.wasm': 'binary' },
    alias: { simdnet: path.join(root, 'src/index.ts') },
    sourcemap: true,
    minify,
    logLevel: 'warning',
  });
  for (const f of ['index.html', 'style.css']) copyFileSync(path.join(here, f), path.join(outdir, f));
  const data = path.join(root, 'data/fashion-mnist-subset');
  const dataOut = path.join(outdir, 'data/fashion-mnist-subset');
  mkdirSync(dataOut, { recursive: true });
  for (const f of readdirSync(data)) if (f.endsWith('.gz')) copyFileSync(path.join(data, f), path.join(dataOut, f));
  return outdir;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--outdir');
  const outdir = await buildApp(i > 0 ? { outdir: path.resolve(process.argv[i + 1]) } : {});
  console.log(`playground written to ${path.relative(process.cwd(), outdir) || '.'}`);
}
