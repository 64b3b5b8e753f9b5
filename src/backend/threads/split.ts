// How an op's work is divided between threads. Every split keeps each output element computed by one
// thread in the same order as on one thread, so results are bit-identical for any number of threads.
import { runParallel, threadsInUse, type Call } from './pool.js';

/**
 * Multiply-adds a share of a compute-bound op (GEMM, convolution) must have before another thread is worth
 * waking: below it the hand-over and the wait cost more than the share saves. See bench/THREADS.md.
 */
export const MIN_WORK_PER_THREAD = 150_000;
/**
 * The same for memory-bound ops (elementwise, pooling, copies, optimizer updates), counted in elements:
 * each costs a few cycles, against a hand-over of a few microseconds to a spinning worker.
 */
export const MIN_ELEMENTS_PER_THREAD = 16_384;
/**
 * Tasks per thread for compute-bound ops: threads claim tasks as they come free, so a thread that starts
 * late (a worker being woken) or runs slow (a busy core) takes fewer of them and nobody waits long.
 */
const TASKS_PER_THREAD = 4;

/** Threads to use for `work` multiply-adds divisible into `units` independent pieces (1 when either is small). */
export function threadsFor(work: number, units: number): number {
  return threadsForShare(work, units, MIN_WORK_PER_THREAD);
}

/** Threads to use for a memory-bound op over `elements` divisible into `units` independent pieces. */
export function threadsForElements(elements: number, units: number): number {
  return threadsForShare(elements, units, MIN_ELEMENTS_PER_THREAD);
}

function threadsForShare(work: number, units: number, minShare: number): number {
  const t = threadsInUse();
  if (t <= 1) return 1;
  return Math.max(1, Math.min(t, Math.floor(units), Math.floor(work / minShare)));
}

/**
 * Tasks to cut `work` multiply-adds into for `threads` threads, at most `units`: several per thread when each
 * still gets half a share's minimum, one per thread otherwise.
 */
export function tasksFor(work: number, units: number, threads: number): number {
  return tasksForShare(work, units, threads, MIN_WORK_PER_THREAD);
}

/** The same for a memory-bound op over `elements`. */
export function tasksForElements(elements: number, units: number, threads: number): number {
  return tasksForShare(elements, units, threads, MIN_ELEMENTS_PER_THREAD);
}

function tasksForShare(work: number, units: number, threads: number, minShare: number): number {
  if (threads <= 1) return 1;
  const most = Math.min(Math.floor(units), threads * TASKS_PER_THREAD, Math.floor((2 * work) / minShare));
  return Math.max(threads, most);
}

/**
 * Splits [0, total) into `parts` contiguous ranges as equal as possible whose inner bounds are multiples
 * of `align`; empty ranges are left out.
 */
export function splitRange(total: number, parts: number, align = 1): [number, number][] {
  const units = Math.ceil(total / align);
  const out: [number, number][] = [];
  let from = 0;
  for (let p = 0; p < parts; p++) {
    const to = Math.min(total, Math.round((units * (p + 1)) / parts) * align);
    if (to > from) out.push([from, to]);
    from = Math.max(from, to);
  }
  return out;
}

/**
 * Floats per unit of an elementwise split: inner bounds fall on whole 16-float (64-byte) blocks, so every
 * thread runs the kernels' SIMD loops where one thread would, and only the last range has the scalar tail.
 */
const ELEMENT_ALIGN = 16;

/**
 * Runs an elementwise kernel over n floats, split into ranges when large enough: `call(from, count)` gives
 * the call for floats [from, from + count) (the caller offsets its pointers by from * 4 bytes).
 */
export function forElements(n: number, call: (from: number, count: number) => Call): void {
  forElementRanges(n, (from, count) => [call(from, count)]);
}

/** The same with several calls per range, run in order (e.g. several arrays added into one, in turn). */
export function forElementRanges(n: number, calls: (from: number, count: number) => Call[]): void {
  const threads = threadsForElements(n, Math.ceil(n / ELEMENT_ALIGN));
  runParallel(splitRange(n, threads, ELEMENT_ALIGN).map(([a, b]) => calls(a, b - a)));
}

/**
 * What an op's work is counted in: multiply-adds of a compute-bound op, or elements of a memory-bound one
 * (each has its threshold above).
 */
export type Work = { macs: number } | { elements: number };

/** How many tasks to cut `units` independent pieces of `work` into (1 when too small for threads). */
export function tasksOf(work: Work, units: number): number {
  if ('macs' in work) return tasksFor(work.macs, units, threadsFor(work.macs, units));
  return tasksForElements(work.elements, units, threadsForElements(work.elements, units));
}
