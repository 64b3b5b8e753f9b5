// How an op's work is divided between threads. Every split keeps each output element computed by one
// thread in the same order as on one thread, so results are bit-identical for any number of threads.
import { runParallel, threadsInUse, type Call } from './pool.js';

/**
 * Multiply-adds (or element updates, for memory-bound ops) a share must have before another thread is worth
 * waking: below it the wake-up and the wait cost more than the share. See bench/RESULTS.md (threads).
 */
export const MIN_WORK_PER_THREAD = 150_000;

/** Threads to use for `work` divisible into `units` independent pieces (1 when either is small). */
export function threadsFor(work: number, units: number): number {
  const t = threadsInUse();
  if (t <= 1) return 1;
  return Math.max(1, Math.min(t, Math.floor(units), Math.floor(work / MIN_WORK_PER_THREAD)));
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
  const threads = threadsFor(n, Math.ceil(n / ELEMENT_ALIGN));
  runParallel(splitRange(n, threads, ELEMENT_ALIGN).map(([a, b]) => [call(a, b - a)]));
}
