// pad: constant padding along any axes, TF.js's `pad(x, paddings, constantValue)`. Kernel:
// assembly/pad.ts, which works on 4 axes: runs of unpadded axes are merged first (a padded NHWC image
// [n,h,w,c] padded in h and w is already 4 axes; [n,w,c] becomes [1,n,w,c]). The gradient crops.
// Threads: the fill over 16-float blocks, the copies over ranges of the d0·d1·d2 runs.
import { empty, type Tensor } from '../core/tensor.js';
import { isRecording, record } from '../core/engine.js';
import { checkFloat, checkTensor, describe, fmtShape } from '../util/validate.js';
import { forElements } from '../backend/threads/split.js';
import { forRows } from '../backend/threads/grid.js';

/**
 * The axes as [size, before, after], each unpadded axis folded into the one before it (an axis with
 * padding [b, e] followed by an unpadded axis of size d is one axis padded [b·d, e·d]); left-filled to 4.
 */
function mergedAxes(shape: readonly number[], pads: [number, number][]): [number, number, number][] {
  const axes: [number, number, number][] = [];
  shape.forEach((d, i) => {
    const [b, e] = pads[i];
    const last = axes[axes.length - 1];
    if (last && b === 0 && e === 0) {
      last[0] *= d;
      last[1] *= d;
      last[2] *= d;
    } else axes.push([d, b, e]);
  });
  while (axes.length < 4) axes.unshift([1, 0, 0]);
  return axes;
}

export function pad(x: Tensor, paddings: [number, number][], constantValue = 0): Tensor {
  const fn = 'pad';
  checkTensor(x, 'x', fn);
  checkFloat(x, 'x', fn);
  const ok =
    Array.isArray(paddings) &&
    paddings.length === x.rank &&
    paddings.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0));
  if (!ok)
    throw new Error(
      `${fn}: argument 'paddings' must be ${x.rank} pairs [before, after] of non-negative integers (one per axis of x ${fmtShape(x.shape)}); got ${Array.isArray(paddings) ? JSON.stringify(paddings) : describe(paddings)}`,
    );
  if (typeof constantValue !== 'number')
    throw new Error(`${fn}: argument 'constantValue' must be a number; got ${describe(constantValue)}`);
  const outShape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  const axes = mergedAxes(x.shape, paddings);
  if (axes.length > 4)
    throw new Error(
      `${fn}: at most 3 padded axes besides the first are supported; got paddings ${JSON.stringify(paddings)}`,
    );
  const d = axes.map((a) => a[0]);
  const p = axes.map((a) => a[1]);
  const o = axes.map((a) => a[0] + a[1] + a[2]);
  const y = empty(outShape);
  const runs = d[0] * d[1] * d[2];
  const geometry = [d[0], d[1], d[2], d[3], p[0], p[1], p[2], p[3], o[1], o[2], o[3]] as const;
  forElements(y.size, (i, n) => ['fillFloats', y.offset + i * 4, n, constantValue]);
  if (x.size > 0)
    forRows({ elements: x.size }, runs, (r0, r1) => ['padCopy', y.offset, x.offset, ...geometry, 0, r0, r1]);
  if (isRecording()) {
    record({
      name: fn,
      inputs: [x],
      outputs: [y],
      backward: ([dy]: Tensor[]) => {
        const dx = empty(x.shape);
        if (x.size > 0)
          forRows({ elements: x.size }, runs, (r0, r1) => ['padCopy', dx.offset, dy.offset, ...geometry, 1, r0, r1]);
        return [dx];
      },
    });
  }
  return y;
}
