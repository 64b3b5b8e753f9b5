// BatchNormalization over the last axis (channels of NHWC images, features of [n, features]), Keras's
// layer: in training, the batch's statistics normalise (one fused kernel forward and backward) and the
// moving averages are updated; in inference the moving averages normalise.
import { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { f32 } from '../backend/views.js';
import { batchNorm, batchNormTraining } from '../ops/batchnorm.js';
import type { Initializer, InitializerIdentifier } from './initializers.js';
import { LAYER_ARG_KEYS, Layer, initializerOption, type LayerArgs } from './layer.js';
import { checkBoolean, checkKnownKeys, checkOptionsObject, fmtKerasShape, type Shape } from './options.js';
import { describe } from '../util/validate.js';

export interface BatchNormalizationArgs extends LayerArgs {
  /** The normalised (channel) axis; only the last (-1, the default) is supported. */
  axis?: number;
  /** Default 0.99: moving = moving·momentum + batch·(1 - momentum). */
  momentum?: number;
  /** Default 1e-3. */
  epsilon?: number;
  /** Learn an offset β. Default true. */
  center?: boolean;
  /** Learn a scale γ. Default true. */
  scale?: boolean;
  betaInitializer?: InitializerIdentifier;
  gammaInitializer?: InitializerIdentifier;
  movingMeanInitializer?: InitializerIdentifier;
  movingVarianceInitializer?: InitializerIdentifier;
}

const KEYS = [
  ...LAYER_ARG_KEYS,
  'axis',
  'momentum',
  'epsilon',
  'center',
  'scale',
  'betaInitializer',
  'gammaInitializer',
  'movingMeanInitializer',
  'movingVarianceInitializer',
];

function checkNumber(value: unknown, arg: string, fn: string, ok: (v: number) => boolean, rule: string): number {
  if (typeof value !== 'number' || !ok(value))
    throw new Error(`${fn}: option '${arg}' must be ${rule}; got ${describe(value)}`);
  return value;
}

export class BatchNormalization extends Layer {
  readonly className = 'BatchNormalization';
  /** Always -1 (the last axis). */
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  readonly movingMeanInitializer: Initializer;
  readonly movingVarianceInitializer: Initializer;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  movingMean: Variable | null = null;
  movingVariance: Variable | null = null;

  constructor(args: BatchNormalizationArgs = {}) {
    const fn = 'layers.batchNormalization';
    const a = checkOptionsObject(args, fn) as BatchNormalizationArgs;
    checkKnownKeys(a, KEYS, fn);
    super(a, fn, 'batch_normalization');
    const axis = a.axis ?? -1;
    if (axis !== -1 && !(a.inputShape && axis === a.inputShape.length))
      throw new Error(
        `${fn}: option 'axis' must be -1 (the last axis, channels-last); got ${describe(axis)}. Other axes are not supported`,
      );
    this.axis = -1;
    this.momentum = checkNumber(a.momentum ?? 0.99, 'momentum', fn, (v) => v >= 0 && v <= 1, 'a number in [0, 1]');
    this.epsilon = checkNumber(
      a.epsilon ?? 1e-3,
      'epsilon',
      fn,
      (v) => v > 0 && Number.isFinite(v),
      'a positive number',
    );
    this.center = a.center === undefined ? true : checkBoolean(a.center, 'center', fn);
    this.scale = a.scale === undefined ? true : checkBoolean(a.scale, 'scale', fn);
    this.betaInitializer = initializerOption(a.betaInitializer, 'zeros', 'betaInitializer', fn);
    this.gammaInitializer = initializerOption(a.gammaInitializer, 'ones', 'gammaInitializer', fn);
    this.movingMeanInitializer = initializerOption(a.movingMeanInitializer, 'zeros', 'movingMeanInitializer', fn);
    this.movingVarianceInitializer = initializerOption(
      a.movingVarianceInitializer,
      'ones',
      'movingVarianceInitializer',
      fn,
    );
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length < 2)
      throw new Error(
        `${this.label} expects inputs with a feature axis (None, ..., channels); got ${fmtKerasShape(inputShape)}`,
      );
    return inputShape.slice();
  }

  protected override buildWeights(inputShape: Shape, seed: number | undefined): void {
    const c = inputShape[inputShape.length - 1] as number;
    if (this.scale) this.gamma = this.addWeight('gamma', [c], this.gammaInitializer, seed);
    if (this.center) this.beta = this.addWeight('beta', [c], this.betaInitializer, seed);
    this.movingMean = this.addWeight('moving_mean', [c], this.movingMeanInitializer, seed);
    this.movingVariance = this.addWeight('moving_variance', [c], this.movingVarianceInitializer, seed);
    this.movingMean.trainable = false;
    this.movingVariance.trainable = false;
  }

  override get trainable(): boolean {
    return this.trainableFlag;
  }

  /** γ and β follow the flag; the moving statistics are never trainable. */
  override set trainable(value: boolean) {
    this.trainableFlag = value;
    if (this.gamma) this.gamma.trainable = value;
    if (this.beta) this.beta.trainable = value;
  }

  protected call(x: Tensor, training: boolean): Tensor {
    // As TF2 Keras: a frozen (trainable = false) layer normalises with its moving statistics even in
    // training, which is what fine-tuning a pretrained network needs.
    if (!training || !this.trainable) {
      return batchNorm(x, this.movingMean!, this.movingVariance!, this.beta, this.gamma, this.epsilon);
    }
    const { y, mean, variance } = batchNormTraining(x, {
      scale: this.gamma,
      offset: this.beta,
      epsilon: this.epsilon,
    });
    this.updateMovingStatistics(mean, variance, x.size / x.shape[x.rank - 1]);
    return y;
  }

  /**
   * moving = moving·momentum + batch·(1 - momentum), outside the tape. The variance is the batch's
   * unbiased one (× n/(n-1)), as PyTorch's running_var and TensorFlow's fused batch norm keep it.
   */
  private updateMovingStatistics(mean: Tensor, variance: Tensor, count: number): void {
    const m = this.momentum;
    const correction = count > 1 ? count / (count - 1) : 1;
    const update = (moving: Variable, batch: Tensor, factor: number) => {
      const values = moving.dataSync();
      const view = f32();
      for (let i = 0; i < values.length; i++) values[i] = values[i] * m + view[batch.index + i] * factor * (1 - m);
      const next = new Tensor(moving.shape);
      f32().set(values, next.index);
      moving.assign(next);
      next.dispose();
    };
    update(this.movingMean!, mean, 1);
    update(this.movingVariance!, variance, correction);
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: this.betaInitializer.getConfig(),
      gammaInitializer: this.gammaInitializer.getConfig(),
      movingMeanInitializer: this.movingMeanInitializer.getConfig(),
      movingVarianceInitializer: this.movingVarianceInitializer.getConfig(),
    };
  }

  override dispose(): void {
    super.dispose();
    this.gamma = null;
    this.beta = null;
    this.movingMean = null;
    this.movingVariance = null;
  }
}
