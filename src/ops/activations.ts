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
