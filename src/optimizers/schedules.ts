// Learning-rate schedules (Keras's keras.optimizers.schedules): pass one as an optimizer's learningRate
// and the optimizer asks it for the rate at every step, from its iteration count (0 on the first step).
//   cosineDecay:      optional linear warmup from initialLearningRate to warmupTarget over warmupSteps, then
//                     target · ((1 − alpha) · ½(1 + cos(π · min(t, decaySteps) / decaySteps)) + alpha).
//   exponentialDecay: initialLearningRate · decayRate^(t / decaySteps) (t / decaySteps floored if staircase).
import { describe } from '../util/validate.js';
import { checkNumberOption } from './options.js';

export interface LearningRateSchedule {
  readonly className: string;
  /** The learning rate for the step with this 0-based iteration count. */
  at(step: number): number;
  getConfig(): ScheduleConfig;
}

export interface ScheduleConfig {
  className: string;
  [option: string]: number | boolean | string;
}

export interface CosineDecayOptions {
  initialLearningRate: number;
  /** Steps to decay over (after the warmup). */
  decaySteps: number;
  /** The floor, as a fraction of the peak rate. Default 0. */
  alpha?: number;
  /** With warmupSteps: the rate the warmup climbs to (and decay starts from). */
  warmupTarget?: number;
  warmupSteps?: number;
}

export interface ExponentialDecayOptions {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  staircase?: boolean;
}

function checkKeys(fn: string, options: unknown, known: string[]): Record<string, unknown> {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new Error(`${fn}: argument 'options' must be an object; got ${describe(options)}`);
  for (const key of Object.keys(options))
    if (!known.includes(key))
      throw new Error(`${fn}: unknown option '${key}'; the options are ${known.map((k) => `'${k}'`).join(', ')}`);
  return options as Record<string, unknown>;
}

function required(fn: string, o: Record<string, unknown>, key: string, rule: { min: number; max?: number }): number {
  if (o[key] === undefined) throw new Error(`${fn}: option '${key}' is required`);
  return checkNumberOption(fn, key, o[key], { kind: 'number', default: 0, ...rule });
}

export class CosineDecay implements LearningRateSchedule {
  readonly className = 'CosineDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly alpha: number;
  readonly warmupTarget: number | undefined;
  readonly warmupSteps: number;

  constructor(options: CosineDecayOptions) {
    const fn = 'schedules.cosineDecay';
    const o = checkKeys(fn, options, [
      'initialLearningRate',
      'decaySteps',
      'alpha',
      'warmupTarget',
      'warmupSteps',
      'className',
    ]);
    this.initialLearningRate = required(fn, o, 'initialLearningRate', { min: 0 });
    this.decaySteps = required(fn, o, 'decaySteps', { min: 1 });
    this.alpha =
      o.alpha === undefined
        ? 0
        : checkNumberOption(fn, 'alpha', o.alpha, { kind: 'number', default: 0, min: 0, max: 1 });
    this.warmupSteps =
      o.warmupSteps === undefined
        ? 0
        : checkNumberOption(fn, 'warmupSteps', o.warmupSteps, { kind: 'number', default: 0, min: 0 });
    this.warmupTarget =
      o.warmupTarget === undefined || o.warmupTarget === null
        ? undefined
        : checkNumberOption(fn, 'warmupTarget', o.warmupTarget, { kind: 'number', default: 0, min: 0 });
  }

  at(step: number): number {
    const peak = this.warmupTarget ?? this.initialLearningRate;
    if (this.warmupTarget !== undefined && step < this.warmupSteps)
      return this.initialLearningRate + ((this.warmupTarget - this.initialLearningRate) * step) / this.warmupSteps;
    const t = Math.min(Math.max(step - (this.warmupTarget !== undefined ? this.warmupSteps : 0), 0), this.decaySteps);
    const cosine = 0.5 * (1 + Math.cos((Math.PI * t) / this.decaySteps));
    return peak * ((1 - this.alpha) * cosine + this.alpha);
  }

  getConfig(): ScheduleConfig {
    return {
      className: this.className,
      initialLearningRate: this.initialLearningRate,
      decaySteps: this.decaySteps,
      alpha: this.alpha,
      warmupSteps: this.warmupSteps,
      ...(this.warmupTarget === undefined ? {} : { warmupTarget: this.warmupTarget }),
    };
  }
}

export class ExponentialDecay implements LearningRateSchedule {
  readonly className = 'ExponentialDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;

  constructor(options: ExponentialDecayOptions) {
    const fn = 'schedules.exponentialDecay';
    const o = checkKeys(fn, options, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase', 'className']);
    this.initialLearningRate = required(fn, o, 'initialLearningRate', { min: 0 });
    this.decaySteps = required(fn, o, 'decaySteps', { min: 1 });
    this.decayRate = required(fn, o, 'decayRate', { min: 0 });
    if (o.staircase !== undefined && typeof o.staircase !== 'boolean')
      throw new Error(`${fn}: option 'staircase' must be a boolean; got ${describe(o.staircase)}`);
    this.staircase = o.staircase === true;
  }

  at(step: number): number {
    const p = step / this.decaySteps;
    return this.initialLearningRate * this.decayRate ** (this.staircase ? Math.floor(p) : p);
  }

  getConfig(): ScheduleConfig {
    return {
      className: this.className,
      initialLearningRate: this.initialLearningRate,
      decaySteps: this.decaySteps,
      decayRate: this.decayRate,
      staircase: this.staircase,
    };
  }
}

export function isSchedule(x: unknown): x is LearningRateSchedule {
  return (
    x !== null &&
    typeof x === 'object' &&
    typeof (x as LearningRateSchedule).at === 'function' &&
    typeof (x as LearningRateSchedule).getConfig === 'function'
  );
}

/** A schedule from its getConfig() (as a saved model's optimizer config holds it). */
export function scheduleFromConfig(config: ScheduleConfig, fn: string): LearningRateSchedule {
  const { className, ...options } = config;
  if (className === 'CosineDecay') return new CosineDecay(options as unknown as CosineDecayOptions);
  if (className === 'ExponentialDecay') return new ExponentialDecay(options as unknown as ExponentialDecayOptions);
  throw new Error(`${fn}: unknown learning-rate schedule ${describe(className)} (CosineDecay, ExponentialDecay)`);
}

export const schedules = {
  cosineDecay: (options: CosineDecayOptions): CosineDecay => new CosineDecay(options),
  exponentialDecay: (options: ExponentialDecayOptions): ExponentialDecay => new ExponentialDecay(options),
};
