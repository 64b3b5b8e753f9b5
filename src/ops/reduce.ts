// sum and mean over all elements or one axis. Kernels: assembly/reduce.ts.
import { empty, type Tensor } from '../core/tensor.js';
import { isRecording, record } from '../core/engine.js';
import { kernels } from '../backend/wasm.js';
import { checkFloat, checkTensor, describe, sizeOf } from '../util/validate.js';

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

function reduceSum(x: Tensor, axis: number | undefined, fn: 'sum' | 'mean'): Tensor {
  const { outer, len, inner, outShape } = reduction(x, axis, fn);
  // The mean of an empty axis is 0 * (1/0) = NaN, as in NumPy.
  const scale = fn === 'mean' ? 1 / len : 1;
  const y = empty(outShape, 'float32', fn);
  if (axis === undefined) kernels().reduceSumAll(x.offset, y.offset, x.size, scale);
  else kernels().reduceSumAxis(x.offset, y.offset, outer, len, inner, scale);
  if (isRecording()) {
    record({
      name: fn,
      inputs: [x],
      outputs: [y],
      backward: ([dy]) => {
        const dx = empty(x.shape);
        kernels().reduceBroadcastAxis(dy.offset, dx.offset, outer, len, inner, scale);
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
