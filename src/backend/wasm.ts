/// <reference path="../wasm.d.ts" />
// Instantiates one of the two kernel builds into a WebAssembly.Memory that the facade owns.
// The module imports its memory, so every tensor lives in one memory the allocator manages, and the
// kernels (built with --runtime stub) never allocate: they only take pointers and sizes.
import plainBytes from '../../build/simdnet-plain.wasm';
import relaxedBytes from '../../build/simdnet-relaxed.wasm';

export type SimdFlavor = 'relaxed' | 'plain';

/** Every kernel export takes and returns plain numbers (pointers, sizes, scalars). */
export type Kernels = Record<string, (...args: number[]) => number>;

export interface BackendInfo {
  simd: SimdFlavor;
  runtime: string;
  wasmBytes: number;
}

export interface ReadyOptions {
  /** Force a build: 'plain' SIMD or 'relaxed' SIMD (FMA). By default relaxed where the runtime validates it. */
  simd?: SimdFlavor;
}

const PAGE = 65536;

let kernelsRef: Kernels | null = null;
let memoryRef: WebAssembly.Memory | null = null;
let flavorRef: SimdFlavor | null = null;
let heapBaseRef = 0;
let pending: Promise<void> | null = null;
let pendingFlavor: SimdFlavor | undefined;

const g = globalThis as any;

function runtimeName(): string {
  if (g.Deno) return 'deno';
  if (g.Bun) return 'bun';
  if (g.process?.versions?.node) return 'node';
  if (typeof g.window !== 'undefined' || typeof g.importScripts === 'function') return 'browser';
  return 'unknown';
}

// Node 20 validates relaxed SIMD only once this V8 flag is set, and it must be set before compiling.
// Only Node needs it; the module is reached through process.getBuiltinModule so that no `node:` import
// exists for a browser bundler to trip over.
function enableRelaxedSimdInNode(): void {
  if (runtimeName() !== 'node') return;
  try {
    const v8 = g.process.getBuiltinModule?.('v8');
    v8?.setFlagsFromString?.('--experimental-wasm-relaxed-simd');
  } catch {
    // An older Node without getBuiltinModule: fall back to the plain build.
  }
}

function relaxedSupported(): boolean {
  enableRelaxedSimdInNode();
  try {
    return WebAssembly.validate(relaxedBytes);
  } catch {
    return false;
  }
}

async function instantiate(flavor: SimdFlavor): Promise<void> {
  const bytes = flavor === 'relaxed' ? relaxedBytes : plainBytes;
  const memory = new WebAssembly.Memory({ initial: 32 });
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  kernelsRef = instance.exports as unknown as Kernels;
  memoryRef = memory;
  flavorRef = flavor;
  heapBaseRef = (kernelsRef.heapBase() + 63) & ~63;
}

/**
 * Loads and instantiates the kernels. Call (and await) once before any other function.
 * Calling it again with the same options is free; asking for another build after tensors exist throws,
 * because every tensor lives in the memory of the first build.
 */
export function ready(options: ReadyOptions = {}): Promise<void> {
  if (options.simd !== undefined && options.simd !== 'relaxed' && options.simd !== 'plain') {
    throw new Error(`ready: option 'simd' must be 'relaxed' or 'plain'; got ${JSON.stringify(options.simd)}`);
  }
  let flavor: SimdFlavor;
  if (options.simd === 'relaxed') {
    if (!relaxedSupported())
      throw new Error(
        `ready: simd 'relaxed' was asked for but this runtime (${runtimeName()}) does not validate relaxed SIMD`,
      );
    flavor = 'relaxed';
  } else if (options.simd === 'plain') {
    flavor = 'plain';
  } else {
    flavor = relaxedSupported() ? 'relaxed' : 'plain';
  }
  if (flavorRef !== null) {
    if (flavorRef === flavor || options.simd === undefined) return Promise.resolve();
    throw new Error(
      `ready: the '${flavorRef}' build is already loaded; a process can use only one build (asked for '${flavor}')`,
    );
  }
  if (pending) {
    if (pendingFlavor === flavor || options.simd === undefined) return pending;
    throw new Error(`ready: the '${pendingFlavor}' build is already loading (asked for '${flavor}')`);
  }
  pendingFlavor = flavor;
  pending = instantiate(flavor);
  return pending;
}

function notReady(): never {
  throw new Error('simdnet is not initialised: call `await sn.ready()` before using tensors or ops');
}

export function kernels(): Kernels {
  return kernelsRef ?? notReady();
}

export function wasmMemory(): WebAssembly.Memory {
  return memoryRef ?? notReady();
}

export function isReady(): boolean {
  return kernelsRef !== null;
}

/** First byte the allocator may hand out (everything below belongs to the module's static data). */
export function heapBase(): number {
  if (kernelsRef === null) notReady();
  return heapBaseRef;
}

export function backendInfo(): BackendInfo {
  if (flavorRef === null) notReady();
  return { simd: flavorRef, runtime: runtimeName(), wasmBytes: memoryRef!.buffer.byteLength };
}

export const WASM_PAGE = PAGE;
