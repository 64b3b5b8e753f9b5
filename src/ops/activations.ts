// relu, sigmoid, tanh. Kernels: assembly/activations.ts.
import type { Tensor } from '../tensor.js';
import { notImplemented } from './not-implemented.js';

export function relu(x: Tensor): Tensor {
  void x;
  return notImplemented('relu');
}
export function sigmoid(x: Tensor): Tensor {
  void x;
  return notImplemented('sigmoid');
}
export function tanh(x: Tensor): Tensor {
  void x;
  return notImplemented('tanh');
}

/** Natural logarithm (used by losses on probabilities). */
export function log(x: Tensor): Tensor {
  void x;
  return notImplemented('log');
}

/** Clamps every element to [lo, hi]; the gradient passes where lo <= x <= hi. */
export function clipByValue(x: Tensor, lo: number, hi: number): Tensor {
  void x; void lo; void hi;
  return notImplemented('clipByValue');
}
