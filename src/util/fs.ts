// File access for Node, Bun and Deno without a static `node:` import, so that the bundle still loads in a
// browser (where these functions throw a clear error instead). Node and Bun expose their built-in
// modules through process.getBuiltinModule; Deno has its own API.
const g = globalThis as any;

interface NodeFs {
  readFileSync(path: string): Uint8Array;
  writeFileSync(path: string, data: Uint8Array | string): void;
  existsSync(path: string): boolean;
  mkdirSync(path: string, options: { recursive: boolean }): void;
  statSync(path: string): { isDirectory(): boolean };
  openSync(path: string, flags: string): number;
  writeSync(fd: number, data: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  rmSync(path: string, options: { force: boolean }): void;
}

function nodeFs(): NodeFs | null {
  if (g.Deno) return null;
  try {
    return g.process?.getBuiltinModule?.('fs') ?? null;
  } catch {
    return null;
  }
}

function noFs(what: string): never {
  throw new Error(`${what}: there is no file system in this runtime (a browser?); pass the data as bytes instead`);
}

export function hasFileSystem(): boolean {
  return Boolean(g.Deno?.readFileSync) || nodeFs() !== null;
}

export function fileExists(path: string): boolean {
  if (g.Deno) {
    try {
      g.Deno.statSync(path);
      return true;
    } catch {
      return false;
    }
  }
  const fs = nodeFs();
  return fs ? fs.existsSync(path) : false;
}

export function isDirectory(path: string): boolean {
  try {
    if (g.Deno) return g.Deno.statSync(path).isDirectory;
    return nodeFs()?.statSync(path).isDirectory() ?? false;
  } catch {
    return false;
  }
}

export function readFileBytes(path: string): Uint8Array {
  if (g.Deno) return g.Deno.readFileSync(path);
  const fs = nodeFs() ?? noFs(`reading ${path}`);
  const b = fs.readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function readFileText(path: string): string {
  return new TextDecoder().decode(readFileBytes(path));
}

export function writeFileBytes(path: string, data: Uint8Array | string): void {
  if (g.Deno) {
    if (typeof data === 'string') g.Deno.writeTextFileSync(path, data);
    else g.Deno.writeFileSync(path, data);
    return;
  }
  const fs = nodeFs() ?? noFs(`writing ${path}`);
  fs.writeFileSync(path, data);
}

/**
 * Writes a new file and flushes it to disk before returning (for atomic saves: a file renamed into place
 * afterwards is complete even if the machine stops). Whatever was at `path` (a file or a symlink) is
 * removed first, so a symlink is replaced, never written through.
 */
export function writeFileDurable(path: string, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  removeFile(path);
  if (g.Deno) {
    const file = g.Deno.openSync(path, { write: true, createNew: true });
    try {
      for (let done = 0; done < bytes.length;) done += file.writeSync(bytes.subarray(done));
      file.syncSync();
    } finally {
      file.close();
    }
    return;
  }
  const fs = nodeFs() ?? noFs(`writing ${path}`);
  const fd = fs.openSync(path, 'wx');
  try {
    for (let done = 0; done < bytes.length;) done += fs.writeSync(fd, bytes, done, bytes.length - done);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Renames atomically (replacing `to`, and a symlink at `to` rather than its target). */
export function renameFile(from: string, to: string): void {
  if (g.Deno) g.Deno.renameSync(from, to);
  else (nodeFs() ?? noFs(`renaming ${from}`)).renameSync(from, to);
}

/** Removes a file if it exists. */
export function removeFile(path: string): void {
  if (g.Deno) {
    try {
      g.Deno.removeSync(path);
    } catch (e) {
      if (!(e instanceof g.Deno.errors.NotFound)) throw e;
    }
    return;
  }
  (nodeFs() ?? noFs(`removing ${path}`)).rmSync(path, { force: true });
}

/** Flushes a directory's entries (the renames in it) to disk, where the runtime can; best effort. */
export function syncDirectory(path: string): void {
  try {
    if (g.Deno) return; // Deno has no portable way to open a directory for fsync
    const fs = nodeFs();
    if (!fs) return;
    const fd = fs.openSync(path, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Windows cannot open a directory; the renames are still atomic, only their durability is the OS's.
  }
}

export function makeDirectory(path: string): void {
  if (g.Deno) {
    g.Deno.mkdirSync(path, { recursive: true });
    return;
  }
  (nodeFs() ?? noFs(`creating ${path}`)).mkdirSync(path, { recursive: true });
}

/** Joins path segments with '/', which every runtime here accepts. */
export function joinPath(...parts: string[]): string {
  return parts
    .filter((p) => p.length > 0)
    .join('/')
    .replace(/\/+/g, '/');
}

/** An environment variable in Node, Bun or Deno (undefined in browsers or without permission). */
export function envVar(name: string): string | undefined {
  try {
    if (g.Deno) return g.Deno.env.get(name);
    return g.process?.env?.[name];
  } catch {
    return undefined;
  }
}

/**
 * Gunzips bytes with the standard DecompressionStream (Node 18+, Deno, Bun, browsers). With `capFor`,
 * decompression stops (and returns what it has) once the output is longer than capFor(output so far)
 * says it may be, so a gzip bomb is never inflated whole; capFor returns undefined until it can tell.
 */
export async function gunzip(
  bytes: Uint8Array,
  capFor?: (head: Uint8Array) => number | undefined,
): Promise<Uint8Array> {
  // Writing the input as one chunk and gathering the output chunks by hand is about twice as fast in
  // Node as piping a Blob's stream into a Response (which matters for the 26 MB Fashion-MNIST file).
  const ds = new DecompressionStream('gzip');
  const writer = ds.writable.getWriter();
  // A corrupt input rejects these too; the reader below reports that error, so these are only silenced.
  writer.write(bytes as BufferSource).catch(() => {});
  writer.close().catch(() => {});
  const reader = ds.readable.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let cap: number | undefined;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.length;
    if (capFor && cap === undefined) cap = capFor(chunks.length === 1 ? value : concat(chunks, length));
    if (cap !== undefined && length > cap) {
      reader.cancel().catch(() => {});
      break;
    }
  }
  return chunks.length === 1 ? chunks[0] : concat(chunks, length);
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}
