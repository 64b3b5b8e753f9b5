// sn.train: optimizers whose update kernels change parameters in place in WASM memory.
// Kernels: assembly/optimizers.ts. Shared machinery (gradient checks, slots, state): optimizer.ts.
import { SGD, type SgdOptions } from './sgd.js';
import { Adam, type AdamOptions } from './adam.js';
import { AdamW, type AdamWOptions } from './adamw.js';
import { schedules } from './schedules.js';

export type { SgdOptions } from './sgd.js';
export type { AdamOptions } from './adam.js';
export type { Optimizer, OptimizerState, OptimizerConfig, SlotValue, GradientMap } from './optimizer.js';
export { SGD } from './sgd.js';
export { Adam } from './adam.js';
export { AdamW } from './adamw.js';
export type { AdamWOptions } from './adamw.js';
export type { LearningRateSchedule, ScheduleConfig, CosineDecayOptions, ExponentialDecayOptions } from './schedules.js';

export const train = {
  /** Keras's SGD: learningRate 0.01, momentum 0, nesterov false, weightDecay 0 (decoupled, as Keras 3). */
  sgd(options: SgdOptions = {}): SGD {
    return new SGD(options);
  },
  /** Keras's Adam: learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7. */
  adam(options: AdamOptions = {}): Adam {
    return new Adam(options);
  },
  /** PyTorch's AdamW: learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-8, weightDecay 0.01 (decoupled). */
  adamw(options: AdamWOptions = {}): AdamW {
    return new AdamW(options);
  },
  /** Learning-rate schedules, usable as any optimizer's learningRate. */
  schedules,
};
