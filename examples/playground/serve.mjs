// `npm run app`: builds the playground and serves it on http://127.0.0.1:8080/ (`--port N` for another
// port, `--no-build` to serve the folder as it is). Every response carries the cross-origin isolation
// headers (COOP same-origin, COEP require-corp) that SharedArrayBuffer, and so WASM threads, need.
// Only files inside the built folder are served, and only to loopback.
import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, DEFAULT_OUTDIR } from './build.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  // The data files are gzip members read as bytes: no Content-Encoding, or the browser would unpack them.
  '.gz': 'application/octet-stream',
};

export const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
};

/** Serves `dir` on 127.0.0.1:`port` (0 picks a free port); resolves to { server, origin }. */
export async function serveApp({ dir = DEFAULT_OUTDIR, port = 8080, host = '127.0.0.1' } = {}) {
  const server = http.createServer((req, res) => {
    const send = (status, body) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...ISOLATION_HEADERS });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      return send(400, 'bad request');
    }
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.join(dir, rel);
    if (!file.startsWith(dir + path.sep)) return send(403, 'forbidden');
    let stat;
    try {
      stat = statSync(file);
    } catch {
      return send(404, 'not found');
    }
    if (!stat.isFile()) return send(404, 'not found');
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': stat.size,
      'cache-control': 'no-cache',
      ...ISOLATION_HEADERS,
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  return { server, origin: `http://${host}:${server.address().port}` };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--port');
  const port = at >= 0 ? Number(args[at + 1]) : 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve: --port must be an integer in 0..65535; got ${args[at + 1]}`);
    process.exit(2);
  }
  const dir = args.includes('--no-build') ? DEFAULT_OUTDIR : await buildApp();
  const { origin } = await serveApp({ dir, port });
  console.log(`simdnet playground: ${origin}/  (Ctrl+C stops)`);
}
