// 1-D pooling over [n, w, c] sequences and global max pooling of images. They run on the 2-D pooling
// kernels (assembly/pool.ts) with a window one row high or as large as the image; only reshapes are added.
import type { Tensor } from '../core/tensor.js';
import { checkFloat, checkTensor, describe, fmtShape } from '../util/validate.js';
import { avgPool2d, globalAvgPool2d, maxPool2d } from './pool.js';
import { reshape } from './reshape.js';

export interface Pool1dOptions {
  /** Default 2. */
  poolSize?: number;
  /** Default poolSize. */
  strides?: number;
  /** 'valid' (default) or 'same' (TensorFlow's rule). */
  padding?: 'valid' | 'same';
}

const OPTION_KEYS = ['poolSize', 'strides', 'padding'];

function single(value: unknown, arg: string, fn: string, fallback: number): number {
  if (value === undefined) return fallback;
  const v = Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
    throw new Error(`${fn}: argument '${arg}' must be a positive integer; got ${describe(value)}`);
  return v;
}

/**
 * Runs a 2-D op on x reshaped to `shape` and reshapes its result to `outShape(result)`, freeing the two
 * intermediate copies (under a tape their storage waits for backward).
 */
function throughImages(
  x: Tensor,
  shape: number[],
  op: (x4: Tensor) => Tensor,
  outShape: (y4: Tensor) => number[],
): Tensor {
  const x4 = reshape(x, shape);
  const y4 = op(x4);
  const y =
    y4.rank === outShape(y4).length && y4.shape.every((d, i) => d === outShape(y4)[i]) ? y4 : reshape(y4, outShape(y4));
  x4.dispose();
  if (y !== y4) y4.dispose();
  return y;
}

function pool1d(x: Tensor, options: Pool1dOptions, fn: string, op: typeof maxPool2d): Tensor {
  checkTensor(x, 'x', fn, 3, '[n,w,c]');
  checkFloat(x, 'x', fn);
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new Error(
      `${fn}: argument 'options' must be an object { poolSize, strides, padding }; got ${describe(options)}`,
    );
  for (const key of Object.keys(options))
    if (!OPTION_KEYS.includes(key))
      throw new Error(`${fn}: unknown option '${key}'; expected one of ${OPTION_KEYS.join(', ')}`);
  const p = single(options.poolSize, 'poolSize', fn, 2);
  const s = single(options.strides, 'strides', fn, p);
  const padding = options.padding ?? 'valid';
  if (padding !== 'valid' && padding !== 'same')
    throw new Error(`${fn}: argument 'padding' must be 'valid' or 'same'; got ${describe(padding)}`);
  const [n, w, c] = x.shape;
  if (padding === 'valid' && p > w)
    throw new Error(
      `${fn}: argument 'poolSize' ${p} is larger than the sequence length ${w} (x has shape ${fmtShape(x.shape)}); use padding 'same' or a smaller poolSize`,
    );
  return throughImages(
    x,
    [n, 1, w, c],
    (x4) => op(x4, { poolSize: [1, p], strides: [1, s], padding }),
    (y4) => [n, y4.shape[2], c],
  );
}

/** Max over windows along the sequence: [n, w, c] → [n, ow, c]. */
export function maxPool1d(x: Tensor, options: Pool1dOptions = {}): Tensor {
  return pool1d(x, options, 'maxPool1d', maxPool2d);
}

/** Average over windows along the sequence (with 'same', over the cells inside the input). */
export function avgPool1d(x: Tensor, options: Pool1dOptions = {}): Tensor {
  return pool1d(x, options, 'avgPool1d', avgPool2d);
}

/** [n, w, c] → [n, c]. */
export function globalAvgPool1d(x: Tensor): Tensor {
  const fn = 'globalAvgPool1d';
  checkTensor(x, 'x', fn, 3, '[n,w,c]');
  checkFloat(x, 'x', fn);
  const [n, w, c] = x.shape;
  return throughImages(x, [n, 1, w, c], globalAvgPool2d, (y) => y.shape.slice());
}

/** [n, h, w, c] → [n, c]: the maximum of each channel over the image (gradient to the first maximum). */
export function globalMaxPool2d(x: Tensor): Tensor {
  const fn = 'globalMaxPool2d';
  checkTensor(x, 'x', fn, 4, '[n,h,w,c]');
  checkFloat(x, 'x', fn);
  const [n, h, w, c] = x.shape;
  if (h * w === 0)
    throw new Error(`${fn}: argument 'x' must have a non-empty height and width; got shape ${fmtShape(x.shape)}`);
  const y4 = maxPool2d(x, { poolSize: [h, w], strides: [h, w] });
  const y = reshape(y4, [n, c]);
  y4.dispose();
  return y;
}

/** [n, w, c] → [n, c]. */
export function globalMaxPool1d(x: Tensor): Tensor {
  const fn = 'globalMaxPool1d';
  checkTensor(x, 'x', fn, 3, '[n,w,c]');
  checkFloat(x, 'x', fn);
  const [n, w, c] = x.shape;
  return throughImages(x, [n, 1, w, c], globalMaxPool2d, (y) => y.shape.slice());
}
