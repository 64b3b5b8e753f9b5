// How batch norm's kernels (assembly/batchnorm.ts) are split between threads. Statistics and gradient
// sums are reductions over rows: they split over channel ranges (whole f32x4 lanes; each channel summed
// by one thread in the order one thread would) or over outer slices, never along the summed rows. The
// per-channel affine that applies them splits over rows. Results are the same bits for any threads.
import { runParallel, type Call } from '../backend/threads/pool.js';
import { threadsForElements, tasksOf, type Work } from '../backend/threads/split.js';
import { channelRanges, forGrid, splitGrid } from '../backend/threads/grid.js';
import { scratch } from '../backend/scratch.js';

/**
 * y = u·a + (v - centre)·b + c, or (u - centre)·a + c when v is 0, over tensors seen as [outer, len, inner]
 * with per-(outer, inner) coefficients; byte offsets in (centre, b, c may be 0). Split over rows [o, l].
 */
export function affineInto(
  u: number,
  v: number,
  centre: number,
  a: number,
  b: number,
  c: number,
  y: number,
  outer: number,
  len: number,
  inner: number,
): void {
  // With inner = 1 the kernel runs along l in vectors and the scalar tail has its own rounding: cuts on
  // multiples of 4 keep every element in the lane it has on one thread.
  forGrid({ elements: outer * len * inner }, outer, len, inner === 1 ? 4 : 1, ({ o0, o1, i0, i1 }) => {
    const at = (o0 * len + i0) * inner * 4;
    const co = o0 * inner * 4;
    const or0 = (p: number) => (p ? p + co : 0);
    return ['affineAxis', u + at, v ? v + at : 0, or0(centre), a + co, or0(b), or0(c), y + at, o1 - o0, i1 - i0, inner];
  });
}

/** Whether statistics over rows × c channels are worth splitting (over channels, or rows for the affine). */
export function splitsStatistics(rows: number, c: number): boolean {
  return threadsForElements(rows * c, Math.ceil(c / 4)) > 1 || threadsForElements(rows * c, rows) > 1;
}

/** Runs `call(from, to)` for channel ranges of c (whole f32x4 lanes), the ranges on their own threads. */
export function forChannels(work: Work, c: number, call: (from: number, to: number) => Call): void {
  runParallel(channelRanges(work, c).map(([from, to]) => [call(from, to)]));
}

/**
 * mean and biased variance of x [outer, len, inner] over len (momentsAxis), split over outer slices and
 * channel ranges; each share gets its own float64 workspace.
 */
export function momentsInto(
  x: number,
  mean: number,
  variance: number,
  outer: number,
  len: number,
  inner: number,
): void {
  const units = outer * Math.ceil(inner / 4);
  const shares = splitGrid(outer, inner, tasksOf({ elements: outer * len * inner }, units), 4);
  const wsBytes = 16 * Math.max(inner, 1);
  const ws = scratch('bn.ws', wsBytes * shares.length);
  runParallel(
    shares.map((share, t) =>
      share.map(({ o0, o1, i0, i1 }): Call => {
        const co = o0 * inner * 4;
        return [
          'momentsAxis',
          x + o0 * len * inner * 4,
          mean + co,
          variance + co,
          o1 - o0,
          len,
          inner,
          i0,
          i1,
          ws + t * wsBytes,
        ];
      }),
    ),
  );
}
