// sn.train: optimizers whose update kernels change parameters in place in WASM memory.
// Kernels: assembly/optimizers.ts.
import { notImplemented } from '../ops/not-implemented.js';
import type { Tensor } from '../tensor.js';

export interface Optimizer {
  /** Updates each named variable in place with its gradient. */
  applyGradients(grads: Record<string, Tensor> | { name: string; tensor: Tensor }[]): void;
  readonly learningRate: number;
  dispose(): void;
}

export interface SgdOptions {
  learningRate?: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

export interface AdamOptions {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export const train = {
  sgd(options: SgdOptions = {}): Optimizer {
    void options;
    return notImplemented('train.sgd');
  },
  adam(options: AdamOptions = {}): Optimizer {
    void options;
    return notImplemented('train.adam');
  },
};
