// add, sub, mul: same shapes, or b a vector along a's last axis (or a size-1 tensor). Kernels:
// assembly/elementwise.ts.
import type { Tensor } from '../tensor.js';
import { notImplemented } from './not-implemented.js';

export function add(a: Tensor, b: Tensor): Tensor {
  void a; void b;
  return notImplemented('add');
}
export function sub(a: Tensor, b: Tensor): Tensor {
  void a; void b;
  return notImplemented('sub');
}
export function mul(a: Tensor, b: Tensor): Tensor {
  void a; void b;
  return notImplemented('mul');
}
