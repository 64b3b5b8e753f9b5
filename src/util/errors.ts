// The library's error types. Every message starts with the public function it concerns ("conv2d: ..."),
// and the error carries that name and the argument or option, so that a caller that re-words a message
// (a model naming the layer that failed) reads the fields instead of parsing the text.

/** An error thrown by simdnet: `fn` is the public function, `arg` the argument or option, when there is one. */
export class SimdnetError extends Error {
  readonly fn: string | undefined;
  readonly arg: string | undefined;
  /** The message without the leading "fn: ". */
  readonly detail: string;

  /** `joiner` goes between fn and detail: ': ' by default, ' ' for sentences about a layer ("dense_1 (Dense) expects …"). */
  constructor(fn: string | undefined, detail: string, arg?: string, joiner = ': ') {
    super(fn ? `${fn}${joiner}${detail}` : detail);
    this.name = 'SimdnetError';
    this.fn = fn;
    this.arg = arg;
    this.detail = detail;
  }
}

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/** Bytes as people read them: 1.5 GiB, 12.0 MiB, 640 bytes. */
export function fmtBytes(bytes: number): string {
  if (bytes >= GIB) return `${(bytes / GIB).toFixed(2)} GiB`;
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/**
 * The WASM memory could not grow to hold a block. Thrown by the allocator before it changes anything; the
 * op that asked names itself with `within` on the way out.
 */
export class OutOfMemoryError extends SimdnetError {
  readonly bytes: number;
  readonly memoryBytes: number;

  constructor(fn: string | undefined, bytes: number, memoryBytes: number) {
    super(
      fn,
      `out of WASM memory (asked for ${fmtBytes(bytes)}; the memory is ${fmtBytes(memoryBytes)} of at most 4 GiB)`,
    );
    this.name = 'OutOfMemoryError';
    this.bytes = bytes;
    this.memoryBytes = memoryBytes;
  }
}

/**
 * `e`, named after the public function `fn` if it is an out-of-memory error that no inner function has
 * named yet. Ops call this in their catch blocks, so the error says which call ran out of memory.
 */
export function within(e: unknown, fn: string): unknown {
  if (e instanceof OutOfMemoryError && e.fn === undefined) {
    const named = new OutOfMemoryError(fn, e.bytes, e.memoryBytes);
    named.stack = e.stack?.replace(e.message, named.message);
    return named;
  }
  return e;
}
