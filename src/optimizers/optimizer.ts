// What every optimizer shares: turning a gradient map into (variable, gradient) pairs and checking all
// of them before anything changes, the per-variable slot tensors (momentum, Adam's moments), the
// iteration count, and getState/setState for saving and restoring that state.
//
// Slots are keyed by variable name, as gradients are. They are ordinary tensors exempt from tidy (`keep`)
// and owned by the optimizer until dispose(). If a variable of the same name but another shape turns up
// (a model rebuilt with other sizes), its slots start again from zeros.
import { Tensor, empty } from '../core/tensor.js';
import { keep } from '../core/engine.js';
import { f32 } from '../backend/views.js';
import { within } from '../util/errors.js';
import { Variable, lookupVariable } from '../core/variable.js';
import { checkShape, checkTensor, describe, fmtShape, sizeOf } from '../util/validate.js';
import { checkNumberOption } from './options.js';
import { isSchedule, scheduleFromConfig, type LearningRateSchedule, type ScheduleConfig } from './schedules.js';

export type GradientMap =
  Record<string, Tensor | null | undefined> | { name: string; tensor: Tensor | null | undefined }[];

/** A slot's value as plain data: what getState returns and setState accepts (a Tensor is accepted too). */
export interface SlotValue {
  shape: number[];
  data: Float32Array;
}

export interface OptimizerState {
  /** Number of applyGradients calls so far (Adam's bias correction depends on it). */
  iterations: number;
  /** Slot values by variable name, then slot name ('momentum' for SGD; 'momentum' and 'velocity' for Adam). */
  slots: Record<string, Record<string, SlotValue>>;
}

export interface OptimizerConfig {
  className: string;
  /** A number, or a schedule's getConfig(). */
  learningRate?: number | ScheduleConfig;
  [option: string]: number | boolean | string | ScheduleConfig | undefined;
}

/**
 * Takes a learning-rate schedule (or a saved schedule's config) out of an optimizer's options, so that
 * the rest can be checked as numbers.
 */
export function splitSchedule<T extends { learningRate?: unknown }>(
  options: T | undefined,
  fn: string,
): { options: T; schedule: LearningRateSchedule | null } {
  const lr = options?.learningRate;
  if (isSchedule(lr)) return { options: { ...options!, learningRate: undefined }, schedule: lr };
  if (lr !== null && typeof lr === 'object' && typeof (lr as ScheduleConfig).className === 'string')
    return {
      options: { ...options!, learningRate: undefined },
      schedule: scheduleFromConfig(lr as ScheduleConfig, fn),
    };
  return { options: (options ?? {}) as T, schedule: null };
}

export interface Optimizer {
  /**
   * Updates each named variable in place with its gradient (`sn.variableGrads(f).grads`, or an array of
   * { name, tensor }). Every name and shape is checked before any variable changes.
   */
  applyGradients(grads: Record<string, Tensor> | { name: string; tensor: Tensor }[]): void;
  /**
   * The rate of the next step (from the schedule, if the optimizer was given one). May be assigned a
   * number between steps (callbacks do); that replaces a schedule. Must be a finite number >= 0.
   */
  learningRate: number;
  /** Number of applyGradients calls so far. */
  readonly iterations: number;
  /** Names of the per-variable slots ('momentum'; 'momentum' and 'velocity' for Adam). */
  readonly slotNames: readonly string[];
  /** A copy of the iteration count and every slot (for saving a model with its optimizer). */
  getState(): OptimizerState;
  /** Restores what getState() returned. */
  setState(state: Partial<OptimizerState>): void;
  /** The options, with a className ('SGD' or 'Adam'). */
  getConfig(): OptimizerConfig;
  /** Frees the slots. */
  dispose(): void;
}

interface Pair {
  variable: Variable;
  gradient: Tensor;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export abstract class BaseOptimizer implements Optimizer {
  private steps = 0;
  private lr: number;
  private lrSchedule: LearningRateSchedule | null;
  private readonly slots = new Map<string, Tensor[]>();
  private disposed = false;

  protected constructor(
    /** 'sgd' or 'adam': prefixes error messages. */
    protected readonly kind: string,
    learningRate: number | LearningRateSchedule,
    /** Names of the per-variable slots, in the order update() receives them. */
    readonly slotNames: readonly string[],
  ) {
    this.lrSchedule = typeof learningRate === 'number' ? null : learningRate;
    this.lr = typeof learningRate === 'number' ? learningRate : learningRate.at(0);
  }

  /** Number of applyGradients calls so far (setState may restore it). */
  get iterations(): number {
    return this.steps;
  }

  /** The rate the next step uses: the schedule's value at the iteration count, or the fixed rate. */
  get learningRate(): number {
    return this.lrSchedule ? this.lrSchedule.at(this.steps) : this.lr;
  }

  /** The learning rate may change between steps; it must stay a finite number >= 0. Replaces a schedule. */
  set learningRate(value: number) {
    this.lr = checkNumberOption(`${this.kind}`, 'learningRate', value, { kind: 'number', default: 0, min: 0 });
    this.lrSchedule = null;
  }

  /** The schedule the optimizer was made with, if any (null after a number was assigned). */
  get schedule(): LearningRateSchedule | null {
    return this.lrSchedule;
  }

  /** What getConfig stores for the learning rate: the number, or the schedule's config. */
  protected learningRateConfig(): number | ScheduleConfig {
    return this.lrSchedule ? this.lrSchedule.getConfig() : this.lr;
  }

  /** Updates the variables in place. `step` is the 1-based iteration number of this update. */
  protected abstract update(variable: Variable, gradient: Tensor, slots: Tensor[], step: number): void;

  abstract getConfig(): OptimizerConfig;

  /**
   * Updates each named variable in place with its gradient. Every name and shape is checked first: on an
   * error nothing has changed. Null gradients are skipped (as in Keras and TF.js).
   */
  applyGradients(grads: GradientMap): void {
    const fn = `${this.kind}.applyGradients`;
    this.assertAlive(fn);
    const pairs = this.resolve(grads, fn);
    // Slots first: if allocating one fails (out of memory), no variable has changed yet.
    const slots = pairs.map(({ variable }) => this.slotsFor(variable.name, variable.shape));
    const step = this.steps + 1;
    pairs.forEach(({ variable, gradient }, i) => {
      this.update(variable, gradient, slots[i], step);
      variable.markChanged();
    });
    this.steps = step;
  }

  private resolve(grads: unknown, fn: string): Pair[] {
    let entries: [string, unknown][];
    if (Array.isArray(grads)) {
      entries = grads.map((item, i) => {
        if (item === null || typeof item !== 'object' || typeof (item as { name?: unknown }).name !== 'string') {
          throw new Error(
            `${fn}: argument 'grads[${i}]' must be an object { name: string, tensor: Tensor }; got ${describe(item)}`,
          );
        }
        return [(item as { name: string }).name, (item as { tensor: unknown }).tensor];
      });
    } else if (grads !== null && typeof grads === 'object' && !(grads instanceof Tensor)) {
      entries = Object.entries(grads as Record<string, unknown>);
    } else {
      throw new Error(
        `${fn}: argument 'grads' must be an object { [variableName]: Tensor } or an array of { name, tensor }; got ${describe(grads)}`,
      );
    }
    const seen = new Set<string>();
    const pairs: Pair[] = [];
    for (const [name, tensor] of entries) {
      if (seen.has(name)) throw new Error(`${fn}: variable '${name}' has more than one gradient`);
      seen.add(name);
      if (tensor === null || tensor === undefined) continue;
      const variable = lookupVariable(name);
      if (!variable)
        throw new Error(`${fn}: there is no live variable named '${name}' (gradients must be keyed by variable name)`);
      if (!variable.trainable) throw new Error(`${fn}: variable '${name}' is not trainable`);
      if (variable.dtype !== 'float32')
        throw new Error(`${fn}: variable '${name}' has dtype ${variable.dtype}; optimizers update float32 variables`);
      const gradient = checkTensor(tensor, `grads['${name}']`, fn);
      if (gradient.dtype !== 'float32')
        throw new Error(`${fn}: the gradient for variable '${name}' must have dtype float32; got ${gradient.dtype}`);
      if (!sameShape(gradient.shape, variable.shape)) {
        throw new Error(
          `${fn}: the gradient for variable '${name}' has shape ${fmtShape(gradient.shape)}; the variable has shape ${fmtShape(variable.shape)}`,
        );
      }
      pairs.push({ variable, gradient });
    }
    return pairs;
  }

  /** The slots of the named variable, created as zeros on first use (or when the shape changed). */
  private slotsFor(name: string, shape: readonly number[]): Tensor[] {
    const existing = this.slots.get(name);
    if (existing && sameShape(existing[0]?.shape ?? shape, shape)) return existing;
    if (existing) {
      this.slots.delete(name);
      for (const t of existing) t.dispose();
    }
    // All of a variable's slots or none: if memory runs out midway, the ones made so far are freed.
    const made: Tensor[] = [];
    try {
      for (let i = 0; i < this.slotNames.length; i++) {
        const t = keep(empty(shape));
        made.push(t);
        f32().fill(0, t.index, t.index + t.size);
      }
    } catch (e) {
      for (const t of made) t.dispose();
      throw within(e, `${this.kind}.applyGradients`);
    }
    this.slots.set(name, made);
    return made;
  }

  /** A copy of the iteration count and every slot, as plain data. */
  getState(): OptimizerState {
    this.assertAlive(`${this.kind}.getState`);
    const slots: OptimizerState['slots'] = {};
    for (const [name, tensors] of this.slots) {
      if (tensors.length === 0) continue;
      const entry: Record<string, SlotValue> = {};
      tensors.forEach(
        (t, i) => (entry[this.slotNames[i]] = { shape: t.shape.slice(), data: t.dataSync() as Float32Array }),
      );
      slots[name] = entry;
    }
    return { iterations: this.iterations, slots };
  }

  /**
   * Restores state saved by getState(). Variables named in `state.slots` get exactly those slots (each must
   * list every slot name of this optimizer); the slots of other variables are kept. Everything is checked
   * before anything changes.
   */
  setState(state: Partial<OptimizerState>): void {
    const fn = `${this.kind}.setState`;
    this.assertAlive(fn);
    if (state === null || typeof state !== 'object')
      throw new Error(`${fn}: argument 'state' must be an object { iterations, slots }; got ${describe(state)}`);
    const { iterations, slots = {} } = state;
    if (iterations !== undefined && !(Number.isInteger(iterations) && iterations >= 0)) {
      throw new Error(`${fn}: 'iterations' must be a non-negative integer; got ${describe(iterations)}`);
    }
    if (slots === null || typeof slots !== 'object')
      throw new Error(`${fn}: 'slots' must be an object; got ${describe(slots)}`);
    const staged: [string, { shape: number[]; data: ArrayLike<number> }[]][] = [];
    for (const [name, entry] of Object.entries(slots)) {
      if (entry === null || typeof entry !== 'object')
        throw new Error(`${fn}: slots['${name}'] must be an object of slot values; got ${describe(entry)}`);
      for (const key of Object.keys(entry)) {
        if (!this.slotNames.includes(key)) {
          throw new Error(
            `${fn}: slots['${name}'] has an unknown slot '${key}'; this optimizer's slots are ${this.slotNames.map((s) => `'${s}'`).join(', ') || 'none'}`,
          );
        }
      }
      const values = this.slotNames.map((slot) => {
        const v = (entry as Record<string, unknown>)[slot];
        const where = `slots['${name}']['${slot}']`;
        if (v instanceof Tensor) {
          checkTensor(v, where, fn);
          return { shape: v.shape.slice(), data: v.dataSync() };
        }
        const sv = v as SlotValue | undefined;
        if (!sv || !Array.isArray(sv.shape) || !sv.data || typeof (sv.data as ArrayLike<number>).length !== 'number') {
          throw new Error(`${fn}: ${where} must be a Tensor or { shape, data }; got ${describe(v)}`);
        }
        checkShape(sv.shape, `${where}.shape`, fn);
        if (sizeOf(sv.shape) !== sv.data.length) {
          throw new Error(
            `${fn}: ${where} has shape ${fmtShape(sv.shape)} (size ${sizeOf(sv.shape)}) but ${sv.data.length} values`,
          );
        }
        return { shape: sv.shape.slice(), data: sv.data };
      });
      const variable = lookupVariable(name);
      // Slots are only ever read for a live variable of the same shape: anything else is a mistake.
      if (!variable)
        throw new Error(`${fn}: slots['${name}'] names no live variable (slots are keyed by variable name)`);
      {
        for (let i = 0; i < values.length; i++) {
          if (!sameShape(values[i].shape, variable.shape)) {
            throw new Error(
              `${fn}: slots['${name}']['${this.slotNames[i]}'] has shape ${fmtShape(values[i].shape)}; variable '${name}' has shape ${fmtShape(variable.shape)}`,
            );
          }
        }
      }
      if (values.length === 0) continue; // an optimizer without slots (plain SGD)
      if (values.length > 1 && values.some((v) => !sameShape(v.shape, values[0].shape))) {
        throw new Error(`${fn}: the slots of '${name}' must all have the same shape`);
      }
      staged.push([name, values]);
    }
    for (const [name, values] of staged) {
      const tensors = this.slotsFor(name, values[0].shape);
      values.forEach((v, i) => f32().set(v.data, tensors[i].index));
    }
    if (iterations !== undefined) this.steps = iterations;
  }

  /** Frees every slot. The optimizer cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    for (const tensors of this.slots.values()) for (const t of tensors) t.dispose();
    this.slots.clear();
    this.disposed = true;
  }

  private assertAlive(fn: string): void {
    if (this.disposed) throw new Error(`${fn}: this optimizer has been disposed`);
  }
}
