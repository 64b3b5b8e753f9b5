// Activation functions by name, shared by the Activation layer and the activation option of Conv2D and
// Dense (which fuse 'relu' into their op and apply the others after it).
import type { Tensor } from '../core/tensor.js';
import { clipByValue, relu, sigmoid, tanh } from '../ops/activations.js';
import { softmax } from '../ops/softmax.js';
import { checkOneOf } from './options.js';

// 'relu6' is Keras's min(max(x, 0), 6) (MobileNet's activation; ONNX's Clip(0, 6)).
export const ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'relu6'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export function checkActivation(value: unknown, fn: string): ActivationName {
  // Keras accepts None for "no activation"; null and undefined mean the same here.
  if (value === undefined || value === null) return 'linear';
  return checkOneOf(value, ACTIVATIONS, 'activation', fn);
}

/**
 * Runs a layer's op with its activation: a ReLU is fused into the op's output store (`op(true)`), any other
 * activation runs after it.
 */
export function withActivation(name: ActivationName, op: (fusedRelu: boolean) => Tensor): Tensor {
  const fused = name === 'relu';
  const y = op(fused);
  return fused ? y : applyActivation(y, name);
}

/** Applies an activation; 'linear' returns x itself. Softmax is over the last axis. */
export function applyActivation(x: Tensor, name: ActivationName): Tensor {
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return relu(x);
    case 'sigmoid':
      return sigmoid(x);
    case 'tanh':
      return tanh(x);
    case 'softmax':
      return softmax(x);
    case 'relu6':
      return clipByValue(x, 0, 6);
  }
}
