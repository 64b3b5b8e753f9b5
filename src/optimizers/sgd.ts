// Stochastic gradient descent, with optional (Nesterov) momentum and weight decay, as Keras 3's SGD:
//   momentum = 0:  p <- p - lr * g
//   momentum > 0:  v <- momentum * v - lr * g;  p <- p + v                       (nesterov: p <- p + momentum * v - lr * g)
// Weight decay follows Keras 3 (keras.optimizers.SGD(weight_decay=...)): decoupled, applied to the variable
// just before the gradient step of each iteration, p <- p - lr * weightDecay * p; it is not added to the
// gradient (that would be TF.js's / Keras 2's L2-regulariser convention) and does not enter the velocity.
// The kernels are in assembly/optimizers.ts.
import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { forElements } from '../backend/threads/split.js';
import { BaseOptimizer, splitSchedule, type OptimizerConfig } from './optimizer.js';
import type { LearningRateSchedule } from './schedules.js';
import { readOptions } from './options.js';

export interface SgdOptions {
  /** Defaults to 0.01. */
  /** A number, or a schedule from sn.train.schedules. */
  learningRate?: number | LearningRateSchedule;
  /** In [0, 1]; 0 (the default) is plain gradient descent and keeps no slot. */
  momentum?: number;
  /** Nesterov momentum; defaults to false. */
  nesterov?: boolean;
  /** Decoupled weight decay rate; defaults to 0 (none). */
  weightDecay?: number;
}

const SPEC = {
  learningRate: { kind: 'number', default: 0.01, min: 0 },
  momentum: { kind: 'number', default: 0, min: 0, max: 1 },
  nesterov: { kind: 'boolean', default: false },
  weightDecay: { kind: 'number', default: 0, min: 0 },
} as const;

export class SGD extends BaseOptimizer {
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(options: SgdOptions = {}) {
    const { options: rest, schedule } = splitSchedule(options, 'sgd');
    const o = readOptions('sgd', rest, SPEC);
    super('sgd', schedule ?? o.learningRate, o.momentum > 0 ? ['momentum'] : []);
    this.momentum = o.momentum;
    this.nesterov = o.nesterov;
    this.weightDecay = o.weightDecay;
  }

  protected update(variable: Variable, gradient: Tensor, slots: Tensor[]): void {
    const lr = this.learningRate;
    const decay = lr * this.weightDecay;
    if (this.momentum === 0) {
      forElements(variable.size, (i, n) => [
        'sgdUpdate',
        variable.offset + i * 4,
        gradient.offset + i * 4,
        n,
        lr,
        decay,
      ]);
    } else {
      forElements(variable.size, (i, n) => [
        'sgdMomentumUpdate',
        variable.offset + i * 4,
        gradient.offset + i * 4,
        slots[0].offset + i * 4,
        n,
        lr,
        this.momentum,
        decay,
        this.nesterov ? 1 : 0,
      ]);
    }
  }

  getConfig(): OptimizerConfig {
    return {
      className: 'SGD',
      learningRate: this.learningRateConfig(),
      momentum: this.momentum,
      nesterov: this.nesterov,
      weightDecay: this.weightDecay,
    };
  }
}
