// Callbacks for fit, with TF.js's hook names. `callbacks` may be one object of hooks or an array of them;
// a hook may return a promise, which fit awaits (so a UI can redraw before training goes on).
import { describe } from '../util/validate.js';
import type { Logs } from './history.js';

export interface Callbacks {
  /** Called by fit before onTrainBegin with the model being trained (as Keras's callback.set_model). */
  setModel?(model: unknown): void;
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
}

const HOOKS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'] as const;
type Hook = (typeof HOOKS)[number];

export class CallbackList {
  private readonly list: Callbacks[];

  constructor(callbacks: unknown, fn: string) {
    const list =
      callbacks === undefined || callbacks === null ? [] : Array.isArray(callbacks) ? callbacks : [callbacks];
    list.forEach((cb, i) => {
      if (cb === null || typeof cb !== 'object')
        throw new Error(
          `${fn}: option 'callbacks' must be an object of hooks (or an array of them); got ${describe(cb)} at ${i}`,
        );
      for (const [key, value] of Object.entries(cb)) {
        if ((HOOKS as readonly string[]).includes(key) && typeof value !== 'function') {
          throw new Error(`${fn}: callback '${key}' must be a function; got ${describe(value)}`);
        }
      }
    });
    this.list = list as Callbacks[];
  }

  /** Gives every callback that wants it the model (before onTrainBegin). */
  setModel(model: unknown): void {
    for (const cb of this.list) if (typeof cb.setModel === 'function') cb.setModel(model);
  }

  has(hook: Hook): boolean {
    return this.list.some((cb) => typeof cb[hook] === 'function');
  }

  async call(hook: Hook, ...args: unknown[]): Promise<void> {
    for (const cb of this.list) {
      const f = cb[hook] as ((...a: unknown[]) => unknown) | undefined;
      if (typeof f === 'function') await f.apply(cb, args);
    }
  }
}
