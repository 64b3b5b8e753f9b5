// AdamW as PyTorch's torch.optim.AdamW (Loshchilov & Hutter's decoupled weight decay), at step t:
//   p <- p · (1 − lr · weightDecay)                         (decay first, not through the gradient)
//   m <- β1 m + (1 − β1) g;   v <- β2 v + (1 − β2) g²
//   p <- p − lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε)
// The last line is Adam's kernel with alpha = lr·√(1 − β2^t)/(1 − β1^t) and ε·√(1 − β2^t) added to √v,
// which is where PyTorch's ε sits (Keras's Adam adds ε to √v itself). Defaults are PyTorch's: lr 0.001,
// betas 0.9 / 0.999, ε 1e-8, weight decay 0.01. tests/fixtures/adamw.json holds PyTorch's steps.
import { Adam, type AdamOptions } from './adam.js';
import type { OptimizerConfig } from './optimizer.js';

export type AdamWOptions = AdamOptions;

export class AdamW extends Adam {
  constructor(options: AdamWOptions = {}) {
    super(options, 'adamw', { epsilon: 1e-8, weightDecay: 0.01 });
  }

  protected override epsilonAt(step: number): number {
    return this.epsilon * Math.sqrt(1 - this.beta2 ** step);
  }

  override getConfig(): OptimizerConfig {
    return { ...super.getConfig(), className: 'AdamW' };
  }
}
