// The package as a user gets it: `npm pack` (which runs prepack, i.e. the build), the tarball installed
// into an empty project outside the repository, then the tutorial's cross-correlation from each kind of
// consumer: Node ESM, Node require, strict TypeScript (node16 and bundler resolution), Deno and Bun on
// the installed node_modules, and an esbuild-bundled app in headless Chromium. Each must print the
// textbook's [[19, 25], [37, 43]].
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as esbuild from 'esbuild';
import { launchChromium } from '../runtimes/chromium-context.mjs';
import { makeTempDir, removeTempDir, repoRoot } from '../runtimes/runner-common.mjs';

const EXPECTED = '[[19, 25], [37, 43]]';
const consumerDir = path.join(repoRoot, 'tests', 'package', 'consumer');
const bin = (name) => path.join(repoRoot, 'node_modules', '.bin', name);
const work = makeTempDir('package');
const project = path.join(work, 'project');
let tarball = null;

/** Runs a command in the consumer project; returns its stdout, or throws with everything it printed. */
function runIn(cwd, cmd, args, env = {}) {
  const { FORCE_COLOR: _forced, ...inherited } = process.env;
  const r = spawnSync(cmd, args, {
    cwd,
    env: { ...inherited, NO_COLOR: '1', ...env },
    encoding: 'utf8',
    timeout: 180_000,
    killSignal: 'SIGKILL',
  });
  if (r.status !== 0)
    throw new Error(
      `${path.basename(cmd)} ${args.join(' ')} exited ${r.status ?? r.signal}:\n${r.stdout ?? ''}${r.stderr ?? ''}`,
    );
  return r.stdout;
}

const lastLine = (out) => out.trim().split('\n').pop();

test.before(() => {
  execFileSync('mkdir', ['-p', project]);
  // npm pack runs prepare (the full build), so this also checks that a fresh clone packs a working package.
  runIn(repoRoot, 'npm', ['pack', '--pack-destination', work, '--silent']);
  tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball into ${work}`);
  writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'simdnet-consumer', private: true, type: 'module' }, null, 2),
  );
  for (const f of readdirSync(consumerDir)) copyFileSync(path.join(consumerDir, f), path.join(project, f));
  runIn(project, 'npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', path.join(work, tarball)]);
});

test.after(() => removeTempDir(work));

test('the tarball holds the build and no repository-only files', () => {
  const listed = runIn(work, 'tar', ['-tzf', tarball]).trim().split('\n').sort();
  for (const f of [
    'package/dist/simdnet.js',
    'package/dist/simdnet.cjs',
    'package/dist/simdnet.d.ts',
    'package/dist/onnx.js',
    'package/dist/onnx/index.d.ts',
  ])
    assert.ok(listed.includes(f), `${f} is in the tarball (${listed.join(', ')})`);
  const unexpected = listed.filter((f) => /^package\/(src|assembly|tests|bench|data|examples)\//.test(f));
  assert.equal(unexpected, [], 'no sources, tests or data in the tarball');
  const kb = statSync(path.join(work, tarball)).size / 1024;
  console.log(`  tarball ${tarball}: ${kb.toFixed(0)} KB, ${listed.length} files`);
});

test('Node, import (ESM)', () => {
  assert.is(lastLine(runIn(project, process.execPath, ['xcorr.mjs'])), EXPECTED);
});

test('Node, require (CommonJS)', () => {
  assert.is(lastLine(runIn(project, process.execPath, ['xcorr.cjs'])), EXPECTED);
});

test('simdnet/onnx, import and require: toOnnx then loadOnnx on the same instance', () => {
  assert.is(lastLine(runIn(project, process.execPath, ['onnx.mjs'])), EXPECTED);
  assert.is(lastLine(runIn(project, process.execPath, ['onnx.cjs'])), EXPECTED);
});

for (const resolution of ['node16', 'bundler']) {
  test(`TypeScript strict, moduleResolution ${resolution}: tensors, a model and fit type-check`, () => {
    const config = {
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'ES2022',
        module: resolution === 'node16' ? 'Node16' : 'ESNext',
        moduleResolution: resolution === 'node16' ? 'Node16' : 'Bundler',
        lib: ['ES2022'],
        types: [],
      },
      files: resolution === 'node16' ? ['typed.ts', 'typed-require.cts'] : ['typed.ts'],
    };
    writeFileSync(path.join(project, `tsconfig.${resolution}.json`), JSON.stringify(config, null, 2));
    runIn(project, process.execPath, [
      path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      `tsconfig.${resolution}.json`,
    ]);
  });
}

test('the embedded data subset is not in the package, and asking for it says where it is', () => {
  const message = lastLine(runIn(project, process.execPath, ['no-embedded-data.mjs']));
  assert.match(
    message,
    /^fashionMnist\.load: the embedded subset is missing from .*not with the npm package.*\{ dir \}/,
  );
});

test('Deno, on the installed node_modules', () => {
  const out = runIn(
    project,
    bin('deno'),
    ['run', '--no-lock', '--no-remote', '--cached-only', '--no-prompt', '--allow-read', '--allow-env', 'xcorr.mjs'],
    { DENO_DIR: path.join(work, 'deno-dir'), DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' },
  );
  assert.is(lastLine(out), EXPECTED);
});

test('Bun', () => {
  assert.is(lastLine(runIn(project, bin('bun'), ['xcorr.mjs'])), EXPECTED);
});

test('a browser app bundled with esbuild from the installed package, in headless Chromium', async () => {
  const result = await esbuild.build({
    absWorkingDir: project,
    entryPoints: ['browser-app.mjs'],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const app = result.outputFiles[0].contents;
  const page =
    '<!doctype html><meta charset="utf-8"><title>app</title><pre id="out"></pre><script type="module" src="/app.js"></script>';
  const server = http.createServer((req, res) => {
    const [type, body] = req.url === '/' ? ['text/html', page] : req.url === '/app.js' ? ['text/javascript', app] : [];
    res.writeHead(body ? 200 : 404, { 'content-type': type ?? 'text/plain' });
    res.end(body ?? 'not found');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const context = await launchChromium(path.join(work, 'chromium'), origin);
  try {
    const p = await context.newPage();
    const errors = [];
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(`${origin}/`, { timeout: 30_000 });
    await p.waitForFunction(() => document.getElementById('out').textContent !== '', null, { timeout: 30_000 });
    assert.equal(errors, []);
    assert.is(await p.textContent('#out'), EXPECTED);
    console.log(`  browser app: ${(app.length / 1024).toFixed(0)} KB minified`);
  } finally {
    await context.close();
    server.close();
  }
});

test.run();
