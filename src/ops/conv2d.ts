// conv2d: NHWC cross-correlation with padding, stride and dilation. Kernels: assembly/conv2d.ts.
import type { Tensor } from '../tensor.js';
import { notImplemented } from './not-implemented.js';

export type Padding = 'valid' | 'same' | [[number, number], [number, number]];

export interface Conv2dOptions {
  /** A number or [sh, sw]; default 1. */
  strides?: number | [number, number];
  /** 'valid' (default), 'same' (TensorFlow's rule) or explicit [[top, bottom], [left, right]]. */
  padding?: Padding;
  /** A number or [dh, dw]; default 1. */
  dilation?: number | [number, number];
  /** [cout], added to every output pixel. */
  bias?: Tensor;
  /** Fused activation applied in the output store (default 'linear'). */
  activation?: 'linear' | 'relu';
}

/** x [n,h,w,cin], w [kh,kw,cin,cout] → y [n,oh,ow,cout]. */
export function conv2d(x: Tensor, w: Tensor, options: Conv2dOptions = {}): Tensor {
  void x; void w; void options;
  return notImplemented('conv2d');
}
