// Smoke test of the bundle in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core).
// A tiny HTTP server on 127.0.0.1 serves a page whose import map points `simdnet` at dist/simdnet.js,
// so the page runs the same smoke.mjs, with the same `import * as sn from 'simdnet'`, as Deno and Bun.
// Each build runs in its own page (a page loads one build); the pages are cross-origin isolated (for
// threads) but one, which must fall back to one thread. The page posts its lines to the console,
// which is forwarded here, and leaves its result in `window.smokeResult`.
// Only loopback traffic: the server binds 127.0.0.1, every other request of the page is aborted, and the
// browser resolves no host name but 127.0.0.1. Everything is bounded by time-outs and a watchdog.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { launchChromium } from './chromium-context.mjs';
import {
  failedRun,
  makeTempDir,
  removeTempDir,
  repoRoot,
  reportAndExit,
  smokeConfigs,
  watchdog,
} from './runner-common.mjs';

const PAGE_TIMEOUT_MS = 60_000;
const TOTAL_TIMEOUT_MS = 150_000;

const t0 = Date.now();
const configs = smokeConfigs('chromium', 'browser', 'relaxed').map((c, i) => ({
  ...c,
  name: i === 0 ? 'default' : 'plain',
}));
// Pages are served cross-origin isolated (COOP same-origin + COEP require-corp), which threads need; one
// more page is served without those headers: it must run on one thread and say why.
configs.push({
  ...configs[0],
  name: 'unisolated',
  label: 'chromium, default build, page without COOP/COEP',
  expect: {
    ...configs[0].expect,
    threads: 1,
    threadsUnavailable:
      'cross-origin-isolated page: serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp',
  },
});
const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

// Only these files leave the repository; anything else is a 404.
const files = {
  '/dist/simdnet.js': 'dist/simdnet.js',
  '/dist/simdnet.js.map': 'dist/simdnet.js.map',
  '/tests/runtimes/smoke.mjs': 'tests/runtimes/smoke.mjs',
  '/tests/runtimes/relaxed-probe.mjs': 'tests/runtimes/relaxed-probe.mjs',
};

const page = `<!doctype html>
<meta charset="utf-8">
<title>simdnet smoke</title>
<script type="importmap">{ "imports": { "simdnet": "/dist/simdnet.js" } }</script>
<script type="module">
  const name = new URLSearchParams(location.search).get('config');
  try {
    const { runSmoke } = await import('/tests/runtimes/smoke.mjs');
    const config = await (await fetch('/config-' + name + '.json')).json();
    window.smokeResult = await runSmoke(config);
  } catch (e) {
    window.smokeError = String((e && e.stack) || e);
  }
</script>
`;

async function handle(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const isolated = url.searchParams.get('config') !== 'unisolated';
  const send = (status, type, body) => {
    res.writeHead(status, {
      'content-type': type,
      'cache-control': 'no-store',
      ...(isolated ? ISOLATION_HEADERS : {}),
    });
    res.end(body);
  };
  if (url.pathname === '/smoke.html') return send(200, 'text/html; charset=utf-8', page);
  const config = configs.find((c) => url.pathname === `/config-${c.name}.json`);
  if (config) return send(200, 'application/json', JSON.stringify(config));
  if (files[url.pathname]) {
    const type = url.pathname.endsWith('.map') ? 'application/json' : 'text/javascript; charset=utf-8';
    return send(200, type, await readFile(path.join(repoRoot, files[url.pathname])));
  }
  return send(404, 'text/plain', 'not found');
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((e) => {
    res.writeHead(500);
    res.end(String(e));
  });
});
await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const userDataDir = makeTempDir('chromium');
let context = null;
let cleaning = null;
// Called by the normal path and by the watchdog, possibly both: the browser must be gone before its
// profile directory is removed.
const cleanUp = () =>
  (cleaning ??= (async () => {
    await context?.close().catch(() => {});
    server.closeAllConnections?.();
    server.close();
    removeTempDir(userDataDir);
  })());
const dog = watchdog(TOTAL_TIMEOUT_MS, 'chromium smoke', cleanUp);

async function runPage(config) {
  const p = await context.newPage();
  const errors = [];
  p.on('console', (m) => console.log(m.text()));
  p.on('pageerror', (e) => errors.push(e.message));
  const tStart = Date.now();
  try {
    await p.goto(`${origin}/smoke.html?config=${config.name}`, { timeout: PAGE_TIMEOUT_MS });
    await p.waitForFunction(() => window.smokeResult || window.smokeError, null, {
      timeout: PAGE_TIMEOUT_MS,
      polling: 50,
    });
    const { result, error } = await p.evaluate(() => ({ result: window.smokeResult, error: window.smokeError }));
    console.log(`  (chromium page: ${Date.now() - tStart} ms)`);
    if (error) return failedRun(config.label, `the page threw: ${error}`);
    if (errors.length)
      return {
        ...result,
        total: result.total + 1,
        results: [...result.results, { name: 'page errors', ok: false, message: errors.join('; ') }],
      };
    return result;
  } catch (e) {
    return failedRun(
      config.label,
      `${e.message.split('\n')[0]}${errors.length ? ` (page errors: ${errors.join('; ')})` : ''}`,
    );
  } finally {
    await p.close().catch(() => {});
  }
}

const results = [];
try {
  context = await launchChromium(userDataDir, origin);
  for (const config of configs) results.push(await runPage(config));
} catch (e) {
  results.push(failedRun('chromium', `could not run Chromium: ${e.message.split('\n')[0]}`));
} finally {
  clearTimeout(dog);
  await cleanUp();
}
reportAndExit(results, t0);
