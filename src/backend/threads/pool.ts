// The worker pool and its dispatch. `runParallel(tasks)` runs the tasks on the calling thread and the
// workers at the same time, and returns once all are done: ops stay synchronous. A task is a list of
// kernel calls run in order; different tasks must not write where another reads or writes, and must not
// depend on which thread runs them (a task's scratch memory belongs to the task, not to a thread).
//
// Workers each instantiate the same compiled module over the same shared memory, and wait on their word
// of the control block (./control.ts). The caller writes the tasks into the slots, publishes the round,
// wakes as many workers as there are other tasks, claims tasks itself like any worker, then waits for
// DONE (spinning where the thread may not block, as a browser's main thread).
import * as C from './control.js';
import { workerMain, type WorkerInit } from './worker-main.js';
import { claimTask } from './claim.js';
import type { Kernels } from '../kernels.generated.js';

/** One kernel call: the export's name and its arguments, typed by the generated kernel declaration. */
export type Call = { [K in keyof Kernels]: [K, ...Parameters<Kernels[K]>] }[keyof Kernels];

interface Handle {
  terminate(): void;
  unref?(): void;
}

/**
 * How long a thread with nothing to do spins before it blocks in Atomics.wait. A worker waiting for work:
 * longer than the gaps between the rounds of a training step (JavaScript between kernels, small ops on one
 * thread), so that a step's rounds find their workers awake. The caller waiting for the workers' last
 * tasks: longer than a task usually takes; a caller that blocks is woken by a worker, and the scheduler
 * tends to wake it on that worker's core, where the two then share one core until the load is balanced.
 */
const SPIN_MS = 2;
/** How long a worker may take to instantiate the module and report ready. */
const START_TIMEOUT_MS = 30000;

const g = globalThis as any;

let ctl: Int32Array | null = null;
let message: Uint16Array;
let slots: Float64Array[] = [];
let round = 0;
let workers: Handle[] = [];
let inUse = 1;
let ids = new Map<string, number>();
let local: Kernels | null = null;
let callerCanBlock = false;

/** Threads that run kernels now, counting the calling thread. */
export function threadsInUse(): number {
  return inUse;
}

/** Workers started (each can take a share), whether or not all are in use. */
export function workersStarted(): number {
  return workers.length;
}

function canBlockHere(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Node's worker_threads, also used in Deno (its web Worker cannot be unref'd, so an idle pool would keep a
 * finished program alive); Bun's web Worker has unref and takes the Blob path like browsers.
 */
function nodeWorkerThreads(): any {
  if (!g.process?.versions?.node || g.Bun) return null;
  try {
    return g.process.getBuiltinModule?.('node:worker_threads') ?? null;
  } catch {
    return null;
  }
}

/** Why workers cannot run here, or null when they can. */
export function threadsBlocker(): string | null {
  if (typeof SharedArrayBuffer !== 'function' || g.crossOriginIsolated === false) {
    if (g.crossOriginIsolated === false || typeof g.window !== 'undefined')
      return 'SharedArrayBuffer needs a cross-origin-isolated page: serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp';
    return 'this runtime has no SharedArrayBuffer';
  }
  if (!nodeWorkerThreads() && typeof g.Worker !== 'function') return 'this runtime has no Worker';
  return null;
}

interface Spawned {
  handle: Handle;
  ready: Promise<void>;
}

/**
 * Starts a worker; `onGone(why)` is called if it stops or fails outside a task after it started (a task's
 * own errors are caught in the worker and thrown in the caller instead).
 */
function spawn(init: WorkerInit, onGone: (why: string) => void): Spawned {
  const source = (port: string) => `(${workerMain.toString()})(${port}, ${claimTask.toString()});`;
  const wt = nodeWorkerThreads();
  let handle: Handle;
  let ready: Promise<void>;
  if (wt) {
    const w = new wt.Worker(source("require('worker_threads').parentPort"), { eval: true });
    ready = new Promise((resolve, reject) => {
      w.once('message', (m: any) => (m?.ready ? resolve() : reject(new Error(m?.error ?? 'no ready message'))));
      w.once('error', reject);
      w.once('exit', (code: number) => reject(new Error(`the worker exited with code ${code} while starting`)));
    });
    w.on('exit', (code: number) => onGone(`it exited with code ${code}`));
    w.on('error', (e: Error) => onGone(`it failed: ${e?.message ?? e}`));
    w.postMessage(init);
    handle = w;
  } else {
    const url = URL.createObjectURL(new Blob([source('null')], { type: 'text/javascript' }));
    const w = new g.Worker(url, { type: 'module' });
    ready = new Promise((resolve, reject) => {
      w.onmessage = (e: MessageEvent) => (e.data?.ready ? resolve() : reject(new Error(e.data?.error ?? 'no ready')));
      w.onerror = (e: any) => {
        e?.preventDefault?.();
        reject(new Error(e?.message ?? 'the worker failed to start'));
      };
    });
    w.addEventListener?.('error', (e: any) => onGone(`it failed: ${e?.message ?? 'an error event'}`));
    try {
      w.postMessage(init);
    } catch {
      // A runtime that cannot pass a compiled module between threads gets the bytes and compiles them.
      w.postMessage({ ...init, module: undefined });
    }
    ready = ready.finally(() => URL.revokeObjectURL(url));
    handle = w;
  }
  return { handle, ready };
}

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  let timer: any;
  const t = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no worker was ready after ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export interface PoolSource {
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  bytes: Uint8Array<ArrayBuffer>;
  control: number;
  kernels: Kernels;
}

let source: PoolSource | null = null;

/** The kernels the calling thread runs its own share with (any build, shared or not). */
export function setLocalKernels(k: Kernels): void {
  local = k;
}

/** Remembers the shared memory and the module the workers will instantiate (once, at the first ready()). */
export function attachPool(s: PoolSource): void {
  source = s;
  ctl = new Int32Array(s.memory.buffer, s.control, C.HEADER_INTS);
  message = new Uint16Array(s.memory.buffer, s.control + C.MESSAGE_BYTES_AT, C.MESSAGE_CHARS);
  slots = [];
  for (let t = 0; t < C.MAX_TASKS; t++)
    slots.push(new Float64Array(s.memory.buffer, s.control + C.SLOTS_AT + t * C.SLOT_BYTES, C.SLOT_F64));
  const exports = s.kernels as unknown as Record<string, unknown>;
  const names = Object.keys(exports)
    .filter((n) => typeof exports[n] === 'function')
    .sort();
  ids = new Map(names.map((n, i) => [n, i]));
  callerCanBlock = canBlockHere();
}

/**
 * Uses `threads` threads from now on, starting workers as needed. Returns null, or why fewer could start
 * (the pool then uses those that did).
 */
export async function useThreads(threads: number, cores: number): Promise<string | null> {
  if (!source || !ctl) return 'the kernels were loaded for one thread (without shared memory) by an earlier ready()';
  const want = Math.min(threads, C.MAX_THREADS);
  if (want - 1 > workers.length) {
    Atomics.store(ctl, C.STOP, 0);
    const names = [...ids.keys()];
    const started: Spawned[] = [];
    let reason: string | null = null;
    for (let id = workers.length + 1; id < want; id++) {
      const worker = id;
      let spawned: Spawned | null = null;
      try {
        spawned = spawn(
          {
            module: source.module,
            bytes: source.bytes,
            memory: source.memory,
            control: source.control,
            id,
            names,
            layout: {
              round: C.ROUND,
              total: C.TOTAL,
              threads: C.THREADS,
              avail: C.AVAIL,
              done: C.DONE,
              error: C.ERROR,
              stop: C.STOP,
              callerSleeping: C.CALLER_SLEEPING,
              wake: C.WAKE,
              sleeping: C.SLEEPING,
              headerInts: C.HEADER_INTS,
              messageAt: C.MESSAGE_BYTES_AT,
              messageChars: C.MESSAGE_CHARS,
              slotsAt: C.SLOTS_AT,
              slotF64: C.SLOT_F64,
              spinUs: C.SPIN_US,
            },
          },
          // Only a worker still in the pool counts: the ones disposePool terminated also say they exited.
          (why) => {
            if (spawned && workers.includes(spawned.handle)) workerGone(worker, why);
          },
        );
        started.push(spawned);
      } catch (e) {
        reason = `a worker could not be created (${(e as Error)?.message ?? e})`;
        break;
      }
    }
    // Workers are numbered by their slot: one that fails to start leaves the later ones unusable too.
    for (const s of started) {
      if (reason) {
        s.handle.terminate();
        continue;
      }
      try {
        await withTimeout(s.ready, START_TIMEOUT_MS);
        // An idle worker must not keep a finished Node, Deno or Bun program alive.
        s.handle.unref?.();
        workers.push(s.handle);
      } catch (e) {
        reason = `a worker failed to start (${(e as Error)?.message ?? e})`;
        s.handle.terminate();
      }
    }
    inUse = workers.length + 1;
    setSpinning(cores);
    if (reason) return reason;
    lost = null;
  }
  inUse = want;
  setSpinning(cores);
  return threads > C.MAX_THREADS ? `at most ${C.MAX_THREADS} threads are supported` : null;
}

/** Stops and terminates every worker; kernels run on the calling thread afterwards. */
export function disposePool(): void {
  if (!ctl) return;
  Atomics.store(ctl, C.STOP, 1);
  for (let w = 1; w <= workers.length; w++) {
    Atomics.add(ctl, C.WAKE + w, 1);
    Atomics.notify(ctl, C.WAKE + w);
  }
  for (const w of workers) w.terminate();
  workers = [];
  inUse = 1;
}

let lost: string | null = null;

/**
 * A worker stopped between ops (a worker's own errors inside tasks are caught and thrown in the caller;
 * this is the thread itself ending, e.g. out of memory or terminated from outside): the pool is shut
 * down and kernels run on the calling thread until a later ready({ threads }) starts workers again.
 * A worker that dies in the middle of an op cannot be noticed by a caller blocked waiting for it: its
 * exit arrives as an event, and events wait for the op to return.
 */
function workerGone(id: number, why: string): void {
  lost = `worker thread ${id} stopped (${why}); kernels run on the calling thread until ready({ threads }) starts workers again`;
  disposePool();
}

/** Why the pool lost its workers, or null. */
export function threadsLost(): string | null {
  return lost;
}

/** The running workers' handles (tests stop one to see the pool notice). */
export function workerHandles(): readonly Handle[] {
  return workers;
}

function runLocal(calls: Call[]): void {
  const k = local as unknown as Record<string, (...args: number[]) => unknown>;
  for (const c of calls) k[c[0]](...(c.slice(1) as number[]));
}

let names: string[] = [];

/** Runs the calls of a slot (the caller's side of a worker's loop). */
function runSlot(slot: Float64Array): void {
  if (names.length === 0) names = [...ids.keys()];
  const k = local as unknown as Record<string, (...args: number[]) => unknown>;
  const calls = slot[0];
  let at = 1;
  for (let c = 0; c < calls; c++) {
    const fn = k[names[slot[at]]];
    const n = slot[at + 1];
    fn(...(slot.subarray(at + 2, at + 2 + n) as unknown as number[]));
    at += 2 + n;
  }
}

/** Writes calls[from..] into a slot as far as they fit; returns the index of the first call left out. */
function encode(slot: Float64Array, calls: Call[], from: number): number {
  let at = 1;
  let c = from;
  for (; c < calls.length; c++) {
    const call = calls[c];
    const n = call.length - 1;
    if (at + 2 + n > slot.length) break;
    const id = ids.get(call[0]);
    if (id === undefined) throw new Error(`internal: no kernel named ${call[0]}`);
    slot[at] = id;
    slot[at + 1] = n;
    for (let i = 0; i < n; i++) slot[at + 2 + i] = call[i + 1] as number;
    at += 2 + n;
  }
  if (c === from && from < calls.length)
    throw new Error(`internal: kernel call ${calls[from][0]} has too many arguments`);
  slot[0] = c - from;
  return c;
}

/** Idle threads spin only while every thread in use can have a core of its own. */
function setSpinning(cores: number): void {
  Atomics.store(ctl!, C.SPIN_US, inUse > cores ? 0 : SPIN_MS * 1000);
}

function waitDone(count: number): void {
  const c = ctl!;
  let spins = 0;
  let spinUntil = 0;
  for (;;) {
    const d = Atomics.load(c, C.DONE);
    if (d >= count) return;
    if (!callerCanBlock || (++spins & 1023) !== 0) continue;
    const now = performance.now();
    if (spinUntil === 0) spinUntil = now + Atomics.load(c, C.SPIN_US) / 1000;
    else if (now > spinUntil) {
      Atomics.store(c, C.CALLER_SLEEPING, 1);
      Atomics.wait(c, C.DONE, d, 100);
      Atomics.store(c, C.CALLER_SLEEPING, 0);
    }
  }
}

/**
 * Runs the tasks concurrently on the calling thread and the workers; returns when every task is done.
 * A task too long for a slot is sent over several rounds (each task's calls still run in their order).
 * An error in a task is thrown here, as an Error naming the worker when a worker ran it.
 */
export function runParallel(tasks: Call[][]): void {
  if (tasks.length > C.MAX_TASKS) {
    // More tasks than slots: consecutive ones become one task.
    const merged: Call[][] = Array.from({ length: C.MAX_TASKS }, () => []);
    tasks.forEach((t, i) => merged[Math.floor((i * C.MAX_TASKS) / tasks.length)].push(...t));
    tasks = merged;
  }
  if (tasks.length <= 1 || workers.length === 0 || inUse <= 1) {
    for (const t of tasks) runLocal(t);
    return;
  }
  const c = ctl!;
  const n = tasks.length;
  const next = new Array<number>(n).fill(0);
  for (;;) {
    let total = 0;
    for (let t = 0; t < n; t++) {
      if (next[t] >= tasks[t].length) continue;
      next[t] = encode(slots[total++], tasks[t], next[t]);
    }
    if (total === 0) return;
    round = (round % 0x3fffffff) + 1;
    for (let t = 0; t < total; t++) Atomics.store(c, C.AVAIL + t, round);
    Atomics.store(c, C.TOTAL, total);
    Atomics.store(c, C.THREADS, inUse);
    Atomics.store(c, C.DONE, 0);
    Atomics.store(c, C.ROUND, round);
    const wake = Math.min(total - 1, inUse - 1, workers.length);
    for (let w = 1; w <= wake; w++) {
      Atomics.add(c, C.WAKE + w, 1);
      if (Atomics.load(c, C.SLEEPING + w) !== 0) Atomics.notify(c, C.WAKE + w);
    }
    let localError: unknown = null;
    let finished = 0;
    for (;;) {
      const task = claimTask(c, C.AVAIL, round, total, inUse, 0);
      if (task < 0) break;
      try {
        runSlot(slots[task]);
      } catch (e) {
        localError ??= e;
      }
      finished++;
    }
    waitDone(total - finished);
    const failed = Atomics.load(c, C.ERROR);
    if (failed !== 0) {
      let text = '';
      for (let i = 0; i < message.length && message[i] !== 0; i++) text += String.fromCharCode(message[i]);
      Atomics.store(c, C.ERROR, 0);
      throw new Error(`simdnet: a kernel failed in worker thread ${failed - 1}: ${text}`);
    }
    if (localError) throw localError;
  }
}
