// concat: joins tensors along one axis. Kernel: assembly/concat.ts (strided block copies). Seen around
// the axis, every input is [outer, len_i·inner] and the output [outer, Σlen_i·inner]; each input's rows
// go to their slot of the output's rows, and the gradient reads the same slots back out.
import { empty, type Tensor } from '../core/tensor.js';
import { isRecording, record } from '../core/engine.js';
import { splitRange, tasksOf } from '../backend/threads/split.js';
import { runParallel } from '../backend/threads/pool.js';
import { forRows } from '../backend/threads/grid.js';

/**
 * copyBlocks split between threads when large: over ranges of blocks, or, for one block, over 64-byte
 * aligned ranges of its bytes. A copy is the same bits however it is divided.
 */
function copyBlocksSplit(
  dst: number,
  src: number,
  blocks: number,
  bytes: number,
  dstStride: number,
  srcStride: number,
): void {
  if (blocks > 1) {
    forRows({ elements: (blocks * bytes) / 4 }, blocks, (b0, b1) => [
      'copyBlocks',
      dst + b0 * dstStride,
      src + b0 * srcStride,
      b1 - b0,
      bytes,
      dstStride,
      srcStride,
    ]);
    return;
  }
  const ranges = splitRange(bytes, tasksOf({ elements: bytes / 4 }, Math.ceil(bytes / 64)), 64);
  runParallel(ranges.map(([f, t]) => [['copyBlocks', dst + f, src + f, 1, t - f, t - f, t - f]]));
}
import { checkTensor, describe, fmtShape, sizeOf } from '../util/validate.js';

export function concat(tensors: Tensor[], axis = 0): Tensor {
  const fn = 'concat';
  if (!Array.isArray(tensors) || tensors.length === 0)
    throw new Error(`${fn}: argument 'tensors' must be a non-empty array of tensors; got ${describe(tensors)}`);
  tensors.forEach((t, i) => checkTensor(t, `tensors[${i}]`, fn));
  const first = tensors[0];
  const rank = first.rank;
  if (rank === 0)
    throw new Error(`${fn}: scalars cannot be concatenated (tensors[0] has rank 0); reshape them to [1] first`);
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -rank || axis >= rank)
    throw new Error(
      `${fn}: argument 'axis' must be an integer in [${-rank}, ${rank - 1}] for tensors of rank ${rank}; got ${describe(axis)}`,
    );
  const a = axis < 0 ? axis + rank : axis;
  tensors.forEach((t, i) => {
    if (t.dtype !== first.dtype)
      throw new Error(
        `${fn}: every tensor must have dtype ${first.dtype} (as tensors[0]); tensors[${i}] has ${t.dtype}`,
      );
    if (t.rank !== rank || t.shape.some((d, k) => k !== a && d !== first.shape[k]))
      throw new Error(
        `${fn}: tensors[${i}] has shape ${fmtShape(t.shape)}; every tensor must match tensors[0] ${fmtShape(first.shape)} on all axes but axis ${a}`,
      );
  });
  const outer = sizeOf(first.shape.slice(0, a));
  const inner = sizeOf(first.shape.slice(a + 1));
  const lens = tensors.map((t) => t.shape[a]);
  const total = lens.reduce((s, l) => s + l, 0);
  const outShape = first.shape.slice();
  outShape[a] = total;
  const y = empty(outShape, first.dtype);
  const rowBytes = total * inner * 4;
  let at = 0;
  tensors.forEach((t, i) => {
    const bytes = lens[i] * inner * 4;
    if (bytes > 0 && outer > 0) copyBlocksSplit(y.offset + at, t.offset, outer, bytes, rowBytes, bytes);
    at += bytes;
  });
  if (isRecording() && first.dtype === 'float32') {
    record({
      name: fn,
      inputs: tensors,
      outputs: [y],
      backward: ([dy]: Tensor[], needs: boolean[]) => {
        let from = 0;
        return tensors.map((t, i) => {
          const bytes = lens[i] * inner * 4;
          const start = from;
          from += bytes;
          if (!needs[i]) return null;
          const dx = empty(t.shape);
          if (bytes > 0 && outer > 0) copyBlocksSplit(dx.offset, dy.offset + start, outer, bytes, bytes, rowBytes);
          return dx;
        });
      },
    });
  }
  return y;
}
