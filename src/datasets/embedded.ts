// Files shipped beside the bundle in the repository (the Fashion-MNIST subset), located relative to the
// bundle itself (the npm package leaves them out):
// on a file: URL (Node, Bun, Deno) they are read from disk, on an http(s): URL (a browser loading the
// bundle from a server) they are fetched from beside it.
import { fileExists, readFileBytes } from '../util/fs.js';

/** A file: URL as a path, without node:url (so the bundle stays importable in browsers). */
export function fileUrlToPath(url: URL): string {
  let path = decodeURIComponent(url.pathname);
  // file:///C:/x -> C:/x on Windows; a UNC host (file://server/share) keeps its host.
  if (/^\/[A-Za-z]:[/\\]/.test(path)) path = path.slice(1);
  else if (url.host) path = `//${url.host}${path}`;
  return path;
}

/** Where the files are, for messages and for the `source` of a dataset (no trailing '/', like a `dir`). */
export function describeLocation(base: URL): string {
  return (base.protocol === 'file:' ? fileUrlToPath(base) : base.href).replace(/\/+$/, '');
}

/** Reads `names` from the directory `base` (a URL ending in '/'). */
export async function readShippedFiles(base: URL, names: readonly string[], fn: string): Promise<Uint8Array[]> {
  if (base.protocol === 'file:') {
    const dir = fileUrlToPath(base);
    const missing = names.filter((n) => !fileExists(dir + n));
    if (missing.length > 0) {
      throw new Error(
        `${fn}: the embedded subset is missing from ${dir} (${missing.join(', ')} not found). It ships with the simdnet ` +
          "repository (data/fashion-mnist-subset), not with the npm package, which stays small for every user's " +
          'node_modules: pass { dir } with the IDX files, set $SIMDNET_DATA, or use fromBytes() instead',
      );
    }
    return names.map((n) => readFileBytes(dir + n));
  }
  const g = globalThis as any;
  if (typeof g.fetch !== 'function')
    throw new Error(`${fn}: cannot read the embedded subset from ${base.href}: no file system and no fetch() here`);
  return Promise.all(
    names.map(async (n) => {
      const url = new URL(n, base);
      let response: Response;
      try {
        response = await g.fetch(url);
      } catch (e) {
        throw new Error(`${fn}: could not fetch the embedded subset file ${url.href}: ${(e as Error).message}`);
      }
      if (!response.ok)
        throw new Error(
          `${fn}: could not fetch the embedded subset file ${url.href}: HTTP ${response.status} ${response.statusText}`,
        );
      return new Uint8Array(await response.arrayBuffer());
    }),
  );
}
