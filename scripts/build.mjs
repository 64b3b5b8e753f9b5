// Builds the WASM binaries (plain SIMD and relaxed SIMD, each also as a shared-memory build for threads),
// bundles the TypeScript facade with them inlined (so one import works in Node, Deno, Bun and browsers) as an ES module and as CommonJS
// (for `require` on every Node version in `engines`), and bundles the type declarations into one file.
// Usage: node scripts/build.mjs [--no-types]
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { writeKernelTypes } from './kernel-types.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

mkdirSync(path.join(root, 'build'), { recursive: true });
// The plain build also emits asc's typings of the exports, from which the kernel declaration is generated.
run(bin('asc'), ['assembly/index.ts', '--target', 'plain', '--bindings', 'raw']);
run(bin('asc'), ['assembly/index.ts', '--target', 'relaxed']);
const declaration = path.join(root, 'src/backend/kernels.generated.ts');
if (await writeKernelTypes(path.join(root, 'build/simdnet-plain.d.ts'), declaration)) {
  console.log(`build: assembly/ exports changed; rewrote ${path.relative(root, declaration)} (commit it)`);
}
// The same kernels over a shared, imported memory with a maximum, for worker threads (src/backend/threads/).
for (const target of ['plain-threads', 'relaxed-threads']) run(bin('asc'), ['assembly/index.ts', '--target', target]);

const common = {
  entryPoints: [path.join(root, 'src/index.ts')],
  bundle: true,
  target: 'es2022',
  loader: { '.wasm': 'binary' },
  sourcemap: true,
  logLevel: 'warning',
};
await esbuild.build({ ...common, outfile: path.join(root, 'dist/simdnet.js'), format: 'esm', platform: 'neutral' });
// CommonJS has no import.meta: the bundle's own location comes from __filename instead.
await esbuild.build({
  ...common,
  outfile: path.join(root, 'dist/simdnet.cjs'),
  format: 'cjs',
  platform: 'node',
  define: { 'import.meta.url': '__simdnetBundleUrl' },
  banner: { js: 'var __simdnetBundleUrl = require("url").pathToFileURL(__filename).href;' },
});

// simdnet/onnx: its own file, with simdnet itself left as the external import 'simdnet', so that an app
// gets one copy of the kernels and one WebAssembly memory whichever entry it imports first.
const coreAsExternal = {
  name: 'core-as-external',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/index\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}src${path.sep}onnx${path.sep}`)
        ? { path: 'simdnet', external: true }
        : undefined,
    );
  },
};
const onnx = {
  entryPoints: [path.join(root, 'src/onnx/index.ts')],
  bundle: true,
  target: 'es2022',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [coreAsExternal],
};
await esbuild.build({ ...onnx, outfile: path.join(root, 'dist/onnx.js'), format: 'esm', platform: 'neutral' });
// require('simdnet/onnx') gets require('simdnet'), i.e. the same CommonJS instance as the user's own require.
await esbuild.build({ ...onnx, outfile: path.join(root, 'dist/onnx.cjs'), format: 'cjs', platform: 'node' });

if (!process.argv.includes('--no-types')) {
  // One declaration file with no relative imports resolves the same under every moduleResolution
  // (node16 needs extensions on relative imports, which tsc's per-file output lacks); the .d.cts copy
  // types `require` for TypeScript's node16 mode.
  rmSync(path.join(root, 'dist/types'), { recursive: true, force: true });
  const types = path.join(root, 'dist/simdnet.d.ts');
  run(bin('dts-bundle-generator'), [
    '--silent',
    '--no-banner',
    '--project',
    'tsconfig.json',
    '-o',
    types,
    'src/index.ts',
  ]);
  copyFileSync(types, path.join(root, 'dist/simdnet.d.cts'));
  writeOnnxTypes();
}

/**
 * simdnet/onnx's declarations: tsc's per-file output for src/onnx, whose one import of the core
 * ('../index.js') becomes the package's own name, so that its types are the very types of 'simdnet'
 * (a bundled copy would make a second, incompatible Tensor class). The .d.cts twins type `require`.
 */
function writeOnnxTypes() {
  const emitted = path.join(root, 'build/declarations');
  rmSync(emitted, { recursive: true, force: true });
  run(bin('tsc'), [
    '-p',
    'tsconfig.json',
    '--noEmit',
    'false',
    '--declaration',
    '--emitDeclarationOnly',
    '--declarationDir',
    emitted,
  ]);
  const out = path.join(root, 'dist/onnx');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const file of readdirSync(path.join(emitted, 'onnx'))) {
    const text = readFileSync(path.join(emitted, 'onnx', file), 'utf8').replaceAll(
      `from '../index.js'`,
      `from 'simdnet'`,
    );
    const outside = text.match(/from '\.\.\/[^']*'/);
    if (outside)
      throw new Error(
        `build: src/onnx/${file} declares an import of ${outside[0]}; import the core only through '../index.js'`,
      );
    writeFileSync(path.join(out, file), text);
    const cjs = text.replace(/from '(\.\/[^']*)\.js'/g, `from '$1.cjs'`);
    writeFileSync(path.join(out, file.replace(/\.d\.ts$/, '.d.cts')), cjs);
  }
}
