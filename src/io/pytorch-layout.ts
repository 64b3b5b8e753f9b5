// PyTorch's weight layouts and simdnet's, and the copies between them. PyTorch stores conv weights
// OIHW [cout, cin, kh, kw] and linear weights [out, in]; simdnet stores [kh, kw, cin, cout] and [in, out].
// Depthwise convs (groups = cin) are [cin·mult, 1, kh, kw] in PyTorch, output channel c·mult + j, and
// [kh, kw, cin, mult] here; Conv1d weights are [cout, cin, k] there and [k, cin, cout] here. Vectors
// (biases, batch-norm parameters and statistics) are the same in both.
// A linear layer after a flatten needs one more step: PyTorch flattens images in C,H,W order and simdnet
// (channels-last) in H,W,C order, so the rows of that layer's weight must be permuted to match.
// Each copy moves 32-bit words, so values keep every bit.
import { Tensor } from '../core/tensor.js';
import { i32 } from '../backend/views.js';
import { checkTensor, describe, fmtShape, sizeOf } from '../util/validate.js';

export type PyTorchKind = 'conv2d' | 'dense' | 'bias' | 'depthwise' | 'conv1d';

export interface PyTorchLayoutOptions {
  /**
   * For a dense layer right after a flatten of images: the [height, width, channels] shape that was
   * flattened. Without it the rows are taken as already in order.
   */
  flattenedFrom?: readonly [number, number, number] | readonly number[];
  /** For a depthwise weight: the depth multiplier (output channels per input channel). Default 1. */
  depthMultiplier?: number;
}

/** `out[perm-index] = src[index]` for a row-major array of `shape` with its axes reordered by `perm`. */
function permuteWords(src: Int32Array, shape: readonly number[], perm: readonly number[]): Int32Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const srcStrides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) {
    srcStrides[i] = s;
    s *= shape[i];
  }
  // Walk the output in order; the source index of each output axis advances by that axis's source stride.
  const stride = perm.map((p) => srcStrides[p]);
  const out = new Int32Array(src.length);
  const index = new Array<number>(rank).fill(0);
  let from = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = src[from];
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]++;
      from += stride[axis];
      if (index[axis] < outShape[axis]) break;
      from -= stride[axis] * outShape[axis];
      index[axis] = 0;
    }
  }
  return out;
}

function permuted(
  t: Tensor,
  viewShape: readonly number[],
  perm: readonly number[],
  outShape: readonly number[],
): Tensor {
  const words = i32().slice(t.index, t.index + t.size);
  const moved = permuteWords(words, viewShape, perm);
  const out = new Tensor(outShape, t.dtype);
  i32().set(moved, out.index);
  return out;
}

interface Plan {
  viewShape: number[];
  perm: number[];
  outShape: number[];
}

function checkFlattened(options: PyTorchLayoutOptions, rows: number, fn: string): [number, number, number] | null {
  const from = options.flattenedFrom;
  if (from === undefined) return null;
  if (
    !Array.isArray(from) ||
    from.length !== 3 ||
    from.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d <= 0)
  ) {
    throw new Error(
      `${fn}: option 'flattenedFrom' must be [height, width, channels], three positive integers; got ${Array.isArray(from) ? `[${from.map(describe).join(',')}]` : describe(from)}`,
    );
  }
  const [h, w, c] = from;
  if (h * w * c !== rows) {
    throw new Error(
      `${fn}: option 'flattenedFrom' [${h},${w},${c}] has ${h * w * c} features; the dense weight has ${rows} inputs`,
    );
  }
  return [h, w, c];
}

/** How to move PyTorch's layout of `kind` to simdnet's (or back, with `toPyTorch`). */
function plan(t: Tensor, kind: PyTorchKind, options: PyTorchLayoutOptions, toPyTorch: boolean, fn: string): Plan {
  const s = t.shape;
  const need = (rank: number, layout: string) => {
    if (s.length !== rank)
      throw new Error(
        `${fn}: a ${kind} weight in ${toPyTorch ? "simdnet's" : "PyTorch's"} layout is rank ${rank} ${layout}; got shape ${fmtShape(s)}`,
      );
  };
  if (kind === 'bias') {
    need(1, '[units]');
    return { viewShape: [...s], perm: [0], outShape: [...s] };
  }
  if (kind === 'conv2d') {
    if (toPyTorch) {
      need(4, '[kh, kw, cin, cout]');
      return { viewShape: [...s], perm: [3, 2, 0, 1], outShape: [s[3], s[2], s[0], s[1]] };
    }
    need(4, '[cout, cin, kh, kw]');
    return { viewShape: [...s], perm: [2, 3, 1, 0], outShape: [s[2], s[3], s[1], s[0]] };
  }
  if (kind === 'conv1d') {
    need(3, toPyTorch ? '[k, cin, cout]' : '[cout, cin, k]');
    return { viewShape: [...s], perm: [2, 1, 0], outShape: [s[2], s[1], s[0]] };
  }
  if (kind === 'depthwise') {
    const m = options.depthMultiplier ?? 1;
    if (typeof m !== 'number' || !Number.isInteger(m) || m <= 0)
      throw new Error(`${fn}: option 'depthMultiplier' must be a positive integer; got ${describe(m)}`);
    if (toPyTorch) {
      need(4, '[kh, kw, cin, multiplier]');
      // [kh, kw, cin, m] → [cin, m, kh, kw], which is [cin·m, 1, kh, kw] in memory.
      return { viewShape: [...s], perm: [2, 3, 0, 1], outShape: [s[2] * s[3], 1, s[0], s[1]] };
    }
    need(4, '[cin·multiplier, 1, kh, kw]');
    if (s[1] !== 1 || s[0] % m !== 0)
      throw new Error(
        `${fn}: a depthwise weight in PyTorch's layout is [cin·multiplier, 1, kh, kw] with multiplier ${m}; got shape ${fmtShape(s)}`,
      );
    const cin = s[0] / m;
    return { viewShape: [cin, m, s[2], s[3]], perm: [2, 3, 0, 1], outShape: [s[2], s[3], cin, m] };
  }
  if (kind !== 'dense')
    throw new Error(
      `${fn}: argument 'kind' must be 'conv2d', 'depthwise', 'conv1d', 'dense' or 'bias'; got ${describe(kind)}`,
    );
  need(2, toPyTorch ? '[in, out]' : '[out, in]');
  const [outUnits, inUnits] = toPyTorch ? [s[1], s[0]] : [s[0], s[1]];
  const image = checkFlattened(options, inUnits, fn);
  if (!image) return { viewShape: [...s], perm: [1, 0], outShape: [s[1], s[0]] };
  const [h, w, c] = image;
  // PyTorch [out, C, H, W] ↔ simdnet [H, W, C, out], each seen as a 4-D array.
  if (toPyTorch) return { viewShape: [h, w, c, outUnits], perm: [3, 2, 0, 1], outShape: [outUnits, inUnits] };
  return { viewShape: [outUnits, c, h, w], perm: [2, 3, 1, 0], outShape: [inUnits, outUnits] };
}

function convert(
  t: Tensor,
  kind: PyTorchKind,
  options: PyTorchLayoutOptions | undefined,
  toPyTorch: boolean,
  fn: string,
): Tensor {
  checkTensor(t, 'weight', fn);
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new Error(`${fn}: argument 'options' must be an object; got ${describe(options)}`);
  }
  const p = plan(t, kind, options ?? {}, toPyTorch, fn);
  if (sizeOf(p.viewShape) !== t.size)
    throw new Error(`internal: ${fn} plan of ${fmtShape(p.viewShape)} for ${fmtShape(t.shape)}`);
  return permuted(t, p.viewShape, p.perm, p.outShape);
}

/**
 * A copy of a PyTorch weight in simdnet's layout: conv2d OIHW → [kh, kw, cin, cout]; depthwise
 * [cin·m, 1, kh, kw] → [kh, kw, cin, m]; conv1d [cout, cin, k] → [k, cin, cout]; dense [out, in] →
 * [in, out] (with its rows reordered from C,H,W to H,W,C when `flattenedFrom` is given); bias unchanged.
 */
export function fromPyTorchLayout(weight: Tensor, kind: PyTorchKind, options?: PyTorchLayoutOptions): Tensor {
  return convert(weight, kind, options, false, 'io.fromPyTorchLayout');
}

/** The inverse of fromPyTorchLayout: a copy of a simdnet weight (or its gradient) in PyTorch's layout. */
export function toPyTorchLayout(weight: Tensor, kind: PyTorchKind, options?: PyTorchLayoutOptions): Tensor {
  return convert(weight, kind, options, true, 'io.toPyTorchLayout');
}
