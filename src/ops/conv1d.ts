// conv1d: 1-D cross-correlation over [n, w, cin] sequences with weights [k, cin, cout] (Keras/TF layout).
// It runs as conv2d on images one pixel high ([n, 1, w, cin] with a [1, k, cin, cout] kernel), so it
// shares conv2d's indirect-GEMM kernels and their gradients; only the reshapes are added.
import type { Tensor } from '../core/tensor.js';
import { checkFloat, checkTensor, describe, fmtShape } from '../util/validate.js';
import { conv2d } from './conv2d.js';
import { reshape } from './reshape.js';

export type Conv1dPadding = 'valid' | 'same' | 'causal' | number | [number, number];

export interface Conv1dOptions {
  /** Default 1. */
  strides?: number;
  /** 'valid' (default), 'same' (TensorFlow's rule), 'causal' (all (k-1)·dilation on the left, as Keras),
   *  a number p (both sides) or [left, right]. */
  padding?: Conv1dPadding;
  /** Default 1. */
  dilation?: number;
  /** [cout]. */
  bias?: Tensor | null;
  /** Fused activation (default 'linear'). */
  activation?: 'linear' | 'relu';
}

const OPTION_KEYS = ['strides', 'padding', 'dilation', 'bias', 'activation'];

function positiveInt(value: unknown, arg: string, fn: string): number {
  if (value === undefined) return 1;
  const v = Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
    throw new Error(`${fn}: argument '${arg}' must be a positive integer; got ${describe(value)}`);
  return v;
}

/** conv1d's padding as conv2d's: 'valid', 'same' or [[0, 0], [left, right]]. */
export function padding2dOf(
  padding: unknown,
  k: number,
  dilation: number,
  fn: string,
): 'valid' | 'same' | [[number, number], [number, number]] {
  if (padding === undefined || padding === 'valid' || padding === 'same') return padding ?? 'valid';
  if (padding === 'causal')
    return [
      [0, 0],
      [(k - 1) * dilation, 0],
    ];
  const pair = typeof padding === 'number' ? [padding, padding] : padding;
  if (!Array.isArray(pair) || pair.length !== 2 || pair.some((p) => !Number.isInteger(p) || p < 0))
    throw new Error(
      `${fn}: argument 'padding' must be 'valid', 'same', 'causal', a non-negative integer or [left, right]; got ${Array.isArray(padding) ? JSON.stringify(padding) : describe(padding)}`,
    );
  return [
    [0, 0],
    [pair[0], pair[1]],
  ];
}

/** x [n, w, cin], w [k, cin, cout] → y [n, ow, cout]. */
export function conv1d(x: Tensor, w: Tensor, options: Conv1dOptions = {}): Tensor {
  const fn = 'conv1d';
  checkTensor(x, 'x', fn, 3, '[n,w,cin]');
  checkTensor(w, 'w', fn, 3, '[k,cin,cout]');
  checkFloat(x, 'x', fn);
  checkFloat(w, 'w', fn);
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new Error(`${fn}: argument 'options' must be an object; got ${describe(options)}`);
  for (const key of Object.keys(options))
    if (!OPTION_KEYS.includes(key) && (options as Record<string, unknown>)[key] !== undefined)
      throw new Error(`${fn}: unknown option '${key}'; expected one of ${OPTION_KEYS.join(', ')}`);
  const [n, , cin] = x.shape;
  const [k, wcin, cout] = w.shape;
  if (wcin !== cin)
    throw new Error(
      `${fn}: argument 'w' must have cin = ${cin} (x's last axis) in its shape [k,cin,cout]; got shape ${fmtShape(w.shape)} (cin = ${wcin})`,
    );
  const strides = positiveInt(options.strides, 'strides', fn);
  const dilation = positiveInt(options.dilation, 'dilation', fn);
  const padding = padding2dOf(options.padding, k, dilation, fn);
  // The reshaped copies are intermediates: freed here (under a tape their storage waits for backward).
  const x4 = reshape(x, [n, 1, x.shape[1], cin]);
  const w4 = reshape(w, [1, k, cin, cout]);
  const y4 = conv2d(x4, w4, {
    strides: [1, strides],
    dilation: [1, dilation],
    padding,
    bias: options.bias ?? undefined,
    activation: options.activation,
  });
  const y = reshape(y4, [n, y4.shape[2], cout]);
  for (const t of [x4, w4, y4]) t.dispose();
  return y;
}
