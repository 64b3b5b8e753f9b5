// sum and mean over all elements or one axis. Kernels: assembly/reduce.ts.
import type { Tensor } from '../tensor.js';
import { notImplemented } from './not-implemented.js';

export function sum(x: Tensor, axis?: number): Tensor {
  void x; void axis;
  return notImplemented('sum');
}
export function mean(x: Tensor, axis?: number): Tensor {
  void x; void axis;
  return notImplemented('mean');
}
