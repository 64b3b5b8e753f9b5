// softmax over the last axis, and the fused softmax cross-entropy. Kernels: assembly/softmax.ts.
import type { Tensor } from '../tensor.js';
import { notImplemented } from './not-implemented.js';

export function softmax(x: Tensor): Tensor {
  void x;
  return notImplemented('softmax');
}

export interface SoftmaxCrossEntropyOptions {
  /** true (default): labels are int32 class indices [n]; false: one-hot (or soft) float labels [n,k]. */
  sparse?: boolean;
}

/** Mean over the batch of -log softmax(logits)[label]; logits [n,k]. Returns a scalar. */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor, options: SoftmaxCrossEntropyOptions = {}): Tensor {
  void logits; void labels; void options;
  return notImplemented('softmaxCrossEntropy');
}
