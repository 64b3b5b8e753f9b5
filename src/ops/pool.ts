// Pooling over NHWC images. Kernels: assembly/pool.ts.
import type { Tensor } from '../tensor.js';
import { notImplemented } from './not-implemented.js';

export interface Pool2dOptions {
  /** A number or [ph, pw]; default 2. */
  poolSize?: number | [number, number];
  /** A number or [sh, sw]; default poolSize. */
  strides?: number | [number, number];
  /** 'valid' (default) or 'same' (TensorFlow's rule). */
  padding?: 'valid' | 'same';
}

export function maxPool2d(x: Tensor, options: Pool2dOptions = {}): Tensor {
  void x; void options;
  return notImplemented('maxPool2d');
}

/** With 'same', the average is over the cells inside the input. */
export function avgPool2d(x: Tensor, options: Pool2dOptions = {}): Tensor {
  void x; void options;
  return notImplemented('avgPool2d');
}

/** [n,h,w,c] → [n,c]. */
export function globalAvgPool2d(x: Tensor): Tensor {
  void x;
  return notImplemented('globalAvgPool2d');
}
