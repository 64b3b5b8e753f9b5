// Splits for ops whose independent units form a 2-level grid [outer, inner] (images × output rows,
// rows × columns, ...): a share may start or end in the middle of an outer row, so a batch of one image
// still splits. Each share is a list of segments, each one kernel call: whole outer rows, or a part of
// one. Every unit lands in exactly one share, computed by the same kernel code as on one thread.
import { runParallel, type Call } from './pool.js';
import { splitRange, tasksOf, type Work } from './split.js';

/** Outer rows [o0, o1) with inner units [i0, i1): either i0 = 0 and i1 = inner, or o1 = o0 + 1. */
export interface Segment {
  o0: number;
  o1: number;
  i0: number;
  i1: number;
}

/**
 * Splits the outer·inner units into `parts` contiguous shares as equal as possible; a cut inside an outer
 * row falls on a multiple of `align` inner units (so vector loops see the same lanes as on one thread).
 * Empty shares are left out; one part gives one segment covering everything.
 */
export function splitGrid(outer: number, inner: number, parts: number, align = 1): Segment[][] {
  const total = outer * inner;
  if (total <= 0) return [];
  const bounds = [0];
  for (let p = 1; p < parts; p++) {
    const u = Math.round((total * p) / parts);
    const o = Math.floor(u / inner);
    const i = Math.floor((u - o * inner) / align) * align;
    bounds.push(Math.max(bounds[bounds.length - 1], o * inner + i));
  }
  bounds.push(total);
  const shares: Segment[][] = [];
  for (let p = 0; p + 1 < bounds.length; p++) {
    const [a, b] = [bounds[p], bounds[p + 1]];
    if (b <= a) continue;
    let oa = Math.floor(a / inner);
    const ia = a - oa * inner;
    const ob = Math.floor(b / inner);
    const ib = b - ob * inner;
    if (oa === ob) {
      shares.push([{ o0: oa, o1: oa + 1, i0: ia, i1: ib }]);
      continue;
    }
    const share: Segment[] = [];
    if (ia > 0) share.push({ o0: oa, o1: ++oa, i0: ia, i1: inner });
    if (ob > oa) share.push({ o0: oa, o1: ob, i0: 0, i1: inner });
    if (ib > 0) share.push({ o0: ob, o1: ob + 1, i0: 0, i1: ib });
    shares.push(share);
  }
  return shares;
}

/** Runs an op over an [outer, inner] grid: `call(segment)` gives the kernel call for a segment. */
export function forGrid(work: Work, outer: number, inner: number, align: number, call: (s: Segment) => Call): void {
  const tasks = tasksOf(work, outer * Math.ceil(inner / align));
  runParallel(splitGrid(outer, inner, tasks, align).map((share) => share.map(call)));
}

/** Runs an op over `rows` independent rows, split into contiguous ranges: `call(r0, r1)`. */
export function forRows(work: Work, rows: number, call: (r0: number, r1: number) => Call): void {
  runParallel(splitRange(rows, tasksOf(work, rows)).map(([r0, r1]) => [call(r0, r1)]));
}

/**
 * Splits `count` channels into ranges for threads, inner bounds on multiples of 4 (whole f32x4 lanes):
 * each channel's reduction runs as on one thread, only in another thread.
 */
export function channelRanges(work: Work, count: number): [number, number][] {
  return splitRange(count, tasksOf(work, Math.ceil(count / 4)), 4);
}
