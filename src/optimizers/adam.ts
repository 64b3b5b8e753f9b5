// Adam with Keras 3's update (keras.optimizers.Adam), at step t = iterations + 1:
//   alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t)        (bias correction, computed here in float64)
//   m <- m + (1 - beta1) * (g - m)                         (= beta1 * m + (1 - beta1) * g)
//   v <- v + (1 - beta2) * (g^2 - v)
//   p <- p - alpha * m / (sqrt(v) + epsilon)
// epsilon is added to sqrt(v) outside the bias correction (Keras's "epsilon hat"), default 1e-7 as Keras.
// Optional weight decay is Keras 3's decoupled form (see sgd.ts): p <- p - lr * weightDecay * p first.
// The kernel is in assembly/optimizers.ts.
import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { forElements } from '../backend/threads/split.js';
import { BaseOptimizer, splitSchedule, type OptimizerConfig } from './optimizer.js';
import type { LearningRateSchedule } from './schedules.js';
import { readOptions } from './options.js';

export interface AdamOptions {
  /** Defaults to 0.001. */
  /** A number, or a schedule from sn.train.schedules. */
  learningRate?: number | LearningRateSchedule;
  /** Decay of the first moment, in [0, 1); defaults to 0.9. */
  beta1?: number;
  /** Decay of the second moment, in [0, 1); defaults to 0.999. */
  beta2?: number;
  /** Defaults to 1e-7. */
  epsilon?: number;
  /** Decoupled weight decay rate; defaults to 0 (none). */
  weightDecay?: number;
}

const SPEC = {
  learningRate: { kind: 'number', default: 0.001, min: 0 },
  beta1: { kind: 'number', default: 0.9, min: 0, below: 1 },
  beta2: { kind: 'number', default: 0.999, min: 0, below: 1 },
  epsilon: { kind: 'number', default: 1e-7, min: 0 },
  weightDecay: { kind: 'number', default: 0, min: 0 },
} as const;

export class Adam extends BaseOptimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;

  /** `kind` and `defaults` let AdamW share this class with its own name and PyTorch's defaults. */
  constructor(options: AdamOptions = {}, kind = 'adam', defaults: Partial<Record<keyof typeof SPEC, number>> = {}) {
    const { options: rest, schedule } = splitSchedule(options, kind);
    const spec = Object.fromEntries(
      Object.entries(SPEC).map(([k, rule]) => [
        k,
        { ...rule, default: defaults[k as keyof typeof SPEC] ?? rule.default },
      ]),
    ) as unknown as typeof SPEC;
    const o = readOptions(kind, rest, spec);
    super(kind, schedule ?? o.learningRate, ['momentum', 'velocity']);
    this.beta1 = o.beta1;
    this.beta2 = o.beta2;
    this.epsilon = o.epsilon;
    this.weightDecay = o.weightDecay;
  }

  /** The epsilon the kernel adds to √v at this step (Keras adds epsilon itself: "epsilon hat"). */
  protected epsilonAt(step: number): number {
    void step;
    return this.epsilon;
  }

  protected update(variable: Variable, gradient: Tensor, slots: Tensor[], step: number): void {
    const lr = this.learningRate;
    const alpha = (lr * Math.sqrt(1 - this.beta2 ** step)) / (1 - this.beta1 ** step);
    const [m, v] = slots;
    forElements(variable.size, (i, n) => [
      'adamUpdate',
      variable.offset + i * 4,
      gradient.offset + i * 4,
      m.offset + i * 4,
      v.offset + i * 4,
      n,
      alpha,
      1 - this.beta1,
      1 - this.beta2,
      this.epsilonAt(step),
      lr * this.weightDecay,
    ]);
  }

  getConfig(): OptimizerConfig {
    return {
      className: 'Adam',
      learningRate: this.learningRateConfig(),
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      weightDecay: this.weightDecay,
    };
  }
}
