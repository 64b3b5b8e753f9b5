// matMul and dense, on the same GEMM micro-kernel as conv2d. Kernels: assembly/gemm.ts.
import type { Tensor } from '../tensor.js';
import { notImplemented } from './not-implemented.js';

/** a [m,k] · b [k,n] → [m,n]. */
export function matMul(a: Tensor, b: Tensor): Tensor {
  void a; void b;
  return notImplemented('matMul');
}

/** x [n,in] · w [in,out] (+ b [out]) → [n,out]. */
export function dense(x: Tensor, w: Tensor, b?: Tensor, activation: 'linear' | 'relu' = 'linear'): Tensor {
  void x; void w; void b; void activation;
  return notImplemented('dense');
}
