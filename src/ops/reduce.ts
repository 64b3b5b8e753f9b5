// sum and mean over all elements or one axis. Kernels: assembly/reduce.ts.
//
// Threads never split a sum along the summed axis in a way that changes its order: sums over an inner
// axis split by outer rows or by ranges of columns (each column summed whole by one thread); contiguous
// sums (the last axis, or everything) are already block sums added in float64 in block order, so threads
// take ranges of blocks and one call adds the block sums in that same order.
import { empty, type Tensor } from '../core/tensor.js';
import { isRecording, record } from '../core/engine.js';
import { kernels } from '../backend/wasm.js';
import { checkFloat, checkTensor, describe, sizeOf } from '../util/validate.js';
import { scratch } from '../backend/scratch.js';
import { threadsForElements } from '../backend/threads/split.js';
import { forGrid } from '../backend/threads/grid.js';

/** The tensor seen as [outer, len, inner] around the reduced axis (all of it when axis is undefined). */
interface Reduction {
  outer: number;
  len: number;
  inner: number;
  outShape: number[];
}

function reduction(x: Tensor, axis: unknown, fn: string): Reduction {
  checkTensor(x, 'x', fn);
  checkFloat(x, 'x', fn);
  if (axis === undefined) return { outer: 1, len: x.size, inner: 1, outShape: [] };
  const rank = x.rank;
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -rank || axis >= rank) {
    if (rank === 0)
      throw new Error(`${fn}: argument 'axis' must be left out for a scalar x (rank 0); got ${describe(axis)}`);
    throw new Error(
      `${fn}: argument 'axis' must be an integer in [${-rank}, ${rank - 1}] for x of rank ${rank}; got ${describe(axis)}`,
    );
  }
  const a = axis < 0 ? axis + rank : axis;
  return {
    outer: sizeOf(x.shape.slice(0, a)),
    len: x.shape[a],
    inner: sizeOf(x.shape.slice(a + 1)),
    outShape: x.shape.filter((_, i) => i !== a),
  };
}

/**
 * y[o, i] = scale · Σ_l x[o, l, i] over x seen as [outer, len, inner] (byte offsets in, y written), split
 * between threads when large enough; the result is the same bits for any number of threads.
 */
export function sumAxisInto(x: number, y: number, outer: number, len: number, inner: number, scale: number): void {
  const size = outer * len * inner;
  if (inner > 1) {
    // Whole outer rows, or a range of columns of one row, cut on 16 columns so that tasks read whole
    // 64-byte lines (cut on 4 columns, two threads read every line: measured no faster than one thread).
    forGrid({ elements: size }, outer, inner, 16, ({ o0, o1, i0, i1 }) => [
      'reduceSumAxis',
      x + o0 * len * inner * 4,
      y + o0 * inner * 4,
      o1 - o0,
      len,
      inner,
      scale,
      i0,
      i1,
    ]);
    return;
  }
  const k = kernels();
  const blocks = k.reduceBlockCount(len);
  if (outer === 0 || threadsForElements(size, outer * blocks) <= 1) {
    k.reduceSumAxis(x, y, outer, len, 1, scale, 0, 1);
    return;
  }
  // Block sums of each run, then each run's blocks added in order.
  const partials = scratch('reduce.blocks', outer * blocks * 4);
  forGrid({ elements: size }, outer, blocks, 1, ({ o0, o1, i0, i1 }) => [
    'reduceBlockSums',
    x + o0 * len * 4,
    partials + o0 * blocks * 4,
    o1 - o0,
    len,
    i0,
    i1,
  ]);
  k.reduceAddBlocks(partials, y, outer, blocks, scale);
}

/** dx[o, l, i] = scale · dy[o, i] (the gradient of sumAxisInto), split over rows [o, l] between threads. */
export function broadcastAxisInto(
  dy: number,
  dx: number,
  outer: number,
  len: number,
  inner: number,
  scale: number,
): void {
  // With inner = 1 a row is one float: cuts on 4 keep the vector stores where one thread has them.
  forGrid({ elements: outer * len * inner }, outer, len, inner === 1 ? 4 : 1, ({ o0, o1, i0, i1 }) => [
    'reduceBroadcastAxis',
    dy + o0 * inner * 4,
    dx + (o0 * len + i0) * inner * 4,
    o1 - o0,
    i1 - i0,
    inner,
    scale,
  ]);
}

function reduceSum(x: Tensor, axis: number | undefined, fn: 'sum' | 'mean'): Tensor {
  const { outer, len, inner, outShape } = reduction(x, axis, fn);
  // The mean of an empty axis is 0 * (1/0) = NaN, as in NumPy.
  const scale = fn === 'mean' ? 1 / len : 1;
  const y = empty(outShape, 'float32', fn);
  // Over everything: one contiguous run.
  if (axis === undefined) sumAxisInto(x.offset, y.offset, 1, x.size, 1, scale);
  else sumAxisInto(x.offset, y.offset, outer, len, inner, scale);
  if (isRecording()) {
    record({
      name: fn,
      inputs: [x],
      outputs: [y],
      backward: ([dy]) => {
        const dx = empty(x.shape);
        broadcastAxisInto(dy.offset, dx.offset, outer, len, inner, scale);
        return [dx];
      },
    });
  }
  return y;
}

export function sum(x: Tensor, axis?: number): Tensor {
  return reduceSum(x, axis, 'sum');
}
export function mean(x: Tensor, axis?: number): Tensor {
  return reduceSum(x, axis, 'mean');
}
