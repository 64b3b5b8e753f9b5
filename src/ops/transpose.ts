// transpose: permutes the axes of a tensor (up to rank 4), e.g. NCHW <-> NHWC at a model's edge. Kernel:
// assembly/transpose.ts. The gradient is dy transposed by the inverse permutation.
import { Tensor, copyOf, empty } from '../core/tensor.js';
import { isRecording, record } from '../core/engine.js';
import { forRows } from '../backend/threads/grid.js';
import { checkFloat, checkTensor, describe, fmtShape } from '../util/validate.js';

function checkPerm(perm: unknown, rank: number, fn: string): number[] {
  const ok =
    Array.isArray(perm) &&
    perm.length === rank &&
    perm.every((p) => Number.isInteger(p) && p >= 0 && p < rank) &&
    new Set(perm).size === rank;
  if (!ok) {
    throw new Error(
      `${fn}: argument 'perm' must be a permutation of 0..${rank - 1} (one entry per axis of x); got ${describe(perm)}`,
    );
  }
  return perm as number[];
}

/**
 * Output axis i is input axis perm[i]. Size-1 axes are dropped and runs of axes that stay adjacent are
 * merged, so the kernel sees the fewest axes that describe the same data movement.
 */
function plan(shape: readonly number[], perm: number[]): { dims: number[]; strides: number[] } {
  const inStride: number[] = [];
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    inStride[i] = s;
    s *= shape[i];
  }
  const dims: number[] = [];
  const strides: number[] = [];
  for (const p of perm) {
    const d = shape[p];
    if (d === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && strides[last] === inStride[p] * d) {
      dims[last] *= d;
      strides[last] = inStride[p];
    } else {
      dims.push(d);
      strides.push(inStride[p]);
    }
  }
  while (dims.length < 4) {
    dims.unshift(1);
    strides.unshift(0);
  }
  return { dims, strides };
}

function run(x: Tensor, perm: number[]): Tensor {
  const y = empty(perm.map((p) => x.shape[p]));
  if (y.size === 0) return y;
  const { dims, strides } = plan(x.shape, perm);
  if (dims.length > 4) throw new Error(`transpose: internal: ${fmtShape(x.shape)} does not reduce to 4 axes`);
  const [d0, d1, d2, d3] = dims;
  const [s0, s1, s2, s3] = strides;
  // Threads take ranges of the output's rows of d3 floats.
  forRows({ elements: y.size }, d0 * d1 * d2, (r0, r1) => [
    'transpose4',
    x.offset,
    y.offset,
    d0,
    d1,
    d2,
    d3,
    s0,
    s1,
    s2,
    s3,
    r0,
    r1,
  ]);
  return y;
}

/** Permutes the axes of x (rank <= 4): output axis i is x's axis perm[i]. Always a fresh tensor. */
export function transpose(x: Tensor, perm: number[]): Tensor {
  const fn = 'transpose';
  checkTensor(x, 'x', fn);
  checkFloat(x, 'x', fn);
  if (x.rank > 4) throw new Error(`${fn}: argument 'x' must have rank <= 4; got shape ${fmtShape(x.shape)}`);
  const p = checkPerm(perm, x.rank, fn).slice();
  const y = p.every((v, i) => v === i) ? copyOf(x) : run(x, p);
  if (isRecording()) {
    const inverse: number[] = [];
    p.forEach((v, i) => (inverse[v] = i));
    record({ name: fn, inputs: [x], outputs: [y], backward: ([dy]: Tensor[]) => [run(dy, inverse)] });
  }
  return y;
}
