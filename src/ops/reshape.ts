// reshape and flatten: a copy of the data under a new shape (copies keep ownership simple: every tensor
// owns its storage). Their gradient is the same reshape applied to dy.
import { Tensor, copyOf, setReshapeImpl } from '../core/tensor.js';
import { isRecording, record } from '../core/engine.js';
import { within } from '../util/errors.js';
import { checkTensor, describe, fmtShape, sizeOf } from '../util/validate.js';

function resolveShape(x: Tensor, shape: unknown, fn: string): number[] {
  if (!Array.isArray(shape))
    throw new Error(`${fn}: argument 'shape' must be an array of integers; got ${describe(shape)}`);
  let inferAt = -1;
  let known = 1;
  shape.forEach((d, i) => {
    if (d === -1 && inferAt < 0) inferAt = i;
    else if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new Error(
        `${fn}: argument 'shape' must contain non-negative integers (and at most one -1); got ${describe(d)} at index ${i}`,
      );
    } else known *= d;
  });
  const out = shape.slice() as number[];
  if (inferAt >= 0) {
    if (known === 0 || x.size % known !== 0) {
      throw new Error(
        `${fn}: cannot infer the -1 in ${fmtShape(out)} for a tensor of size ${x.size} (shape ${fmtShape(x.shape)})`,
      );
    }
    out[inferAt] = x.size / known;
  }
  if (sizeOf(out) !== x.size) {
    throw new Error(
      `${fn}: cannot reshape a tensor of shape ${fmtShape(x.shape)} (size ${x.size}) to ${fmtShape(out)} (size ${sizeOf(out)})`,
    );
  }
  return out;
}

export function reshape(x: Tensor, shape: number[]): Tensor {
  checkTensor(x, 'x', 'reshape');
  const target = resolveShape(x, shape, 'reshape');
  let y: Tensor;
  try {
    y = copyOf(x, target);
  } catch (e) {
    throw within(e, 'reshape');
  }
  if (isRecording()) {
    record({ name: 'reshape', inputs: [x], outputs: [y], backward: ([dy]) => [copyOf(dy, x.shape)] });
  }
  return y;
}

/** Flattens every axis after the first: [n, ...] → [n, prod(...)]. */
export function flatten(x: Tensor): Tensor {
  checkTensor(x, 'x', 'flatten');
  if (x.rank < 1) throw new Error(`flatten: argument 'x' must have rank >= 1; got a scalar`);
  // The product of the other axes, not size / batch: that is 0 / 0 for an empty batch ([0, 3, 2] → [0, 6]).
  return reshape(x, [x.shape[0], sizeOf(x.shape.slice(1))]);
}

setReshapeImpl(reshape);
