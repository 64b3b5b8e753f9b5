/// <reference path="../wasm.d.ts" />
// Instantiates one of the two kernel builds into a WebAssembly.Memory that the facade owns.
// The module imports its memory, so every tensor lives in one memory the allocator manages, and the
// kernels (built with --runtime stub) never allocate: they only take pointers and sizes.
import plainBytes from '../../build/simdnet-plain.wasm';
import relaxedBytes from '../../build/simdnet-relaxed.wasm';
import plainThreadsBytes from '../../build/simdnet-plain-threads.wasm';
import relaxedThreadsBytes from '../../build/simdnet-relaxed-threads.wasm';
import { CONTROL_BYTES } from './threads/control.js';
import { attachPool, setLocalKernels, threadsBlocker, threadsInUse, threadsLost, useThreads } from './threads/pool.js';

import { KERNEL_ARITY, KERNEL_CONSTANT_NAMES, type KernelConstants, type Kernels } from './kernels.generated.js';

export type { Kernels, KernelConstants };

/**
 * The arguments of kernel `K` after its first `skip` (the pointers), as a labelled tuple: the return type of
 * a geometry builder, so that a kernel gaining or losing an argument fails to compile at the builder.
 */
export type KernelArgs<K extends keyof Kernels, skip extends number> = Drop<Parameters<Kernels[K]>, skip>;
type Drop<T extends unknown[], N extends number, D extends unknown[] = []> = D['length'] extends N
  ? T
  : T extends [unknown, ...infer R]
    ? Drop<R, N, [...D, unknown]>
    : [];

export type SimdFlavor = 'relaxed' | 'plain';

export interface BackendInfo {
  simd: SimdFlavor;
  runtime: string;
  wasmBytes: number;
  /** Threads that run kernels, counting the calling thread. */
  threads: number;
  /** Why fewer threads run than were asked for (absent when all started). */
  threadsUnavailable?: string;
}

export interface ReadyOptions {
  /** Force a build: 'plain' SIMD or 'relaxed' SIMD (FMA). By default relaxed where the runtime validates it. */
  simd?: SimdFlavor;
  /**
   * Threads that run kernels, counting the calling thread: 'auto' (default) uses the cores available, at
   * most 8; 1 runs everything on the calling thread with no workers. More than one needs SharedArrayBuffer
   * (in browsers, a cross-origin-isolated page); where that or Worker is missing, one thread runs and
   * backendInfo().threadsUnavailable says why. A later call may change the number when the first one
   * started with more than one thread.
   */
  threads?: number | 'auto';
}

const PAGE = 65536;

let kernelsRef: Kernels | null = null;
let constantsRef: Readonly<KernelConstants> | null = null;
let memoryRef: WebAssembly.Memory | null = null;
let flavorRef: SimdFlavor | null = null;
let heapBaseRef = 0;
let pending: Promise<void> | null = null;
let threadsAsked = 1;
let threadsReason: string | undefined;
/** The highest number of threads 'auto' picks. */
const AUTO_MAX_THREADS = 8;
/** Largest shared memory asked for first, then smaller ones (a 32-bit browser may not reserve 4 GB). */
const SHARED_MAX_PAGES = [65536, 32768, 16384];
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

/**
 * The module's exports as the generated declaration describes them. A module built from other sources than
 * the declaration (a stale build/ or dist/) fails here, naming the first export that differs, rather than
 * running kernels with shifted arguments.
 */
function bind(exports: WebAssembly.Exports, flavor: SimdFlavor): { kernels: Kernels; constants: KernelConstants } {
  const mismatch = (what: string): never => {
    throw new Error(
      `ready: the '${flavor}' WASM build does not match src/backend/kernels.generated.ts: ${what}; rebuild (npm run build)`,
    );
  };
  for (const [name, arity] of Object.entries(KERNEL_ARITY)) {
    const f = exports[name];
    if (typeof f !== 'function') mismatch(`kernel '${name}' is missing`);
    else if (f.length !== arity) mismatch(`kernel '${name}' takes ${f.length} arguments, not ${arity}`);
  }
  const constants = {} as KernelConstants;
  for (const name of KERNEL_CONSTANT_NAMES) {
    const g = exports[name];
    if (!(g instanceof WebAssembly.Global)) mismatch(`constant '${name}' is missing`);
    else constants[name] = g.value as number;
  }
  return { kernels: exports as unknown as Kernels, constants: Object.freeze(constants) };
}

function availableCores(): number {
  try {
    const os = g.process?.versions?.node && !g.Deno && !g.Bun ? g.process.getBuiltinModule?.('os') : null;
    const n = os?.availableParallelism?.() ?? g.navigator?.hardwareConcurrency;
    return Number.isInteger(n) && n > 0 ? n : 1;
  } catch {
    return 1;
  }
}

function sharedMemory(): WebAssembly.Memory {
  let last: unknown;
  for (const maximum of SHARED_MAX_PAGES) {
    try {
      return new WebAssembly.Memory({ initial: 32, maximum, shared: true });
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

/**
 * Instantiates the build in a plain memory for one thread, or, for more, the thread build in a shared memory
 * with a pool of workers over it (src/backend/threads/); if that cannot be had, one thread and the reason.
 */
async function instantiate(flavor: SimdFlavor, threads: number): Promise<void> {
  let shared = false;
  let reason: string | null = null;
  let memory: WebAssembly.Memory | null = null;
  if (threads > 1) {
    reason = threadsBlocker();
    if (!reason) {
      try {
        memory = sharedMemory();
        shared = true;
      } catch (e) {
        reason = `a shared WebAssembly.Memory could not be created (${(e as Error)?.message ?? e})`;
      }
    }
  }
  memory ??= new WebAssembly.Memory({ initial: 32 });
  const bytes = shared
    ? flavor === 'relaxed'
      ? relaxedThreadsBytes
      : plainThreadsBytes
    : flavor === 'relaxed'
      ? relaxedBytes
      : plainBytes;
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const { kernels, constants } = bind(instance.exports, flavor);
  setLocalKernels(kernels);
  let base = (kernels.heapBase() + 63) & ~63;
  if (shared) {
    // The control block of the worker pool sits below the allocator's heap.
    attachPool({ memory, module, bytes, control: base, kernels });
    base = (base + CONTROL_BYTES + 63) & ~63;
    reason = await useThreads(threads, availableCores());
  }
  kernelsRef = kernels;
  constantsRef = constants;
  memoryRef = memory;
  flavorRef = flavor;
  heapBaseRef = base;
  threadsAsked = threads;
  threadsReason = reason ?? undefined;
}

function resolveThreads(value: unknown): number {
  if (value === undefined || value === 'auto') return Math.min(availableCores(), AUTO_MAX_THREADS);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw new Error(`ready: option 'threads' must be 'auto' or an integer >= 1; got ${JSON.stringify(value)}`);
  return value;
}

/** A later ready({ threads }) changes the number of threads in use (starting workers if needed). */
async function changeThreads(threads: number): Promise<void> {
  const reason = await useThreads(threads, availableCores());
  threadsAsked = threads;
  threadsReason = reason ?? undefined;
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
  const threads = resolveThreads(options.threads);
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
    if (flavorRef === flavor || options.simd === undefined)
      return options.threads === undefined || (threads === threadsAsked && threadsLost() === null)
        ? Promise.resolve()
        : changeThreads(threads);
    throw new Error(
      `ready: the '${flavorRef}' build is already loaded; a process can use only one build (asked for '${flavor}')`,
    );
  }
  if (pending) {
    if (pendingFlavor === flavor || options.simd === undefined) return pending;
    throw new Error(`ready: the '${pendingFlavor}' build is already loading (asked for '${flavor}')`);
  }
  pendingFlavor = flavor;
  pending = instantiate(flavor, threads);
  return pending;
}

function notReady(): never {
  throw new Error('simdnet is not initialised: call `await sn.ready()` before using tensors or ops');
}

export function kernels(): Kernels {
  return kernelsRef ?? notReady();
}

/** The constants the kernels export (tile sizes and the like), for the facade to size buffers by. */
export function kernelConstants(): Readonly<KernelConstants> {
  return constantsRef ?? notReady();
}

export function wasmMemory(): WebAssembly.Memory {
  return memoryRef ?? notReady();
}

/** First byte the allocator may hand out (everything below belongs to the module's static data). */
export function heapBase(): number {
  if (kernelsRef === null) notReady();
  return heapBaseRef;
}

export function backendInfo(): BackendInfo {
  if (flavorRef === null) notReady();
  const info: BackendInfo = {
    simd: flavorRef,
    runtime: runtimeName(),
    wasmBytes: memoryRef!.buffer.byteLength,
    threads: threadsInUse(),
  };
  const reason = threadsLost() ?? threadsReason;
  if (reason !== undefined && threadsInUse() < threadsAsked) info.threadsUnavailable = reason;
  return info;
}

export const WASM_PAGE = PAGE;
