// sn.callbacks.reduceLROnPlateau: multiplies the optimizer's learning rate by `factor` when the monitored
// value has not improved for `patience` epochs, as Keras's ReduceLROnPlateau; after a reduction it waits
// `cooldown` epochs before counting again, and never goes below minLR.
import { describe } from '../../util/validate.js';
import type { Logs } from '../history.js';
import type { Callbacks } from '../callbacks.js';
import { Monitor, checkCount, checkMonitorOptions, checkVerbose, type MonitorMode } from './monitor.js';

export interface ReduceLROnPlateauArgs {
  /** Default 'val_loss'. */
  monitor?: string;
  /** The new rate is rate · factor; in (0, 1). Default 0.1. */
  factor?: number;
  /** Default 10. */
  patience?: number;
  mode?: MonitorMode;
  /** Default 1e-4. */
  minDelta?: number;
  /** Epochs to wait after a reduction. Default 0. */
  cooldown?: number;
  /** Default 0. */
  minLR?: number;
  verbose?: 0 | 1;
}

interface ModelLike {
  optimizer: { learningRate: number } | null;
}

const KEYS = ['monitor', 'factor', 'patience', 'mode', 'minDelta', 'cooldown', 'minLR', 'verbose'];

export class ReduceLROnPlateau implements Callbacks {
  readonly monitor: Monitor;
  readonly factor: number;
  readonly patience: number;
  readonly cooldown: number;
  readonly minLR: number;
  readonly verbose: 0 | 1;
  private best = Infinity;
  private wait = 0;
  private cooldownLeft = 0;
  private model: ModelLike | null = null;
  private readonly fn = 'callbacks.reduceLROnPlateau';

  constructor(args: ReduceLROnPlateauArgs = {}) {
    const fn = this.fn;
    if (args === null || typeof args !== 'object')
      throw new Error(`${fn}: argument 'args' must be an object; got ${describe(args)}`);
    for (const key of Object.keys(args))
      if (!KEYS.includes(key)) throw new Error(`${fn}: unknown option '${key}'; known options: ${KEYS.join(', ')}`);
    const o = args as Record<string, unknown>;
    const m = checkMonitorOptions({ minDelta: 1e-4, ...o }, fn);
    this.monitor = new Monitor(m.monitor, m.mode, m.minDelta, fn);
    const factor = o.factor ?? 0.1;
    if (typeof factor !== 'number' || !(factor > 0 && factor < 1))
      throw new Error(`${fn}: option 'factor' must be a number in (0, 1); got ${describe(factor)}`);
    this.factor = factor;
    this.patience = checkCount(o.patience, 10, 'patience', fn);
    this.cooldown = checkCount(o.cooldown, 0, 'cooldown', fn);
    const minLR = o.minLR ?? 0;
    if (typeof minLR !== 'number' || !(minLR >= 0) || !Number.isFinite(minLR))
      throw new Error(`${fn}: option 'minLR' must be a finite number >= 0; got ${describe(minLR)}`);
    this.minLR = minLR;
    this.verbose = checkVerbose(o.verbose, fn);
  }

  setModel(model: unknown): void {
    this.model = model as ModelLike;
  }

  onTrainBegin(): void {
    this.best = this.monitor.worst;
    this.wait = 0;
    this.cooldownLeft = 0;
  }

  onEpochEnd(epoch: number, logs?: Logs): void {
    const current = this.monitor.read(logs);
    const optimizer = this.model?.optimizer;
    if (!optimizer) throw new Error(`${this.fn}: the model being trained has no optimizer`);
    if (logs) logs.lr = optimizer.learningRate;
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.wait = 0;
    }
    if (this.monitor.improves(current, this.best)) {
      this.best = current;
      this.wait = 0;
      return;
    }
    if (this.cooldownLeft > 0) return;
    this.wait++;
    if (this.wait < this.patience) return;
    const old = optimizer.learningRate;
    if (old > this.minLR) {
      const lr = Math.max(old * this.factor, this.minLR);
      optimizer.learningRate = lr;
      if (this.verbose > 0) console.log(`Epoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${lr}.`);
      this.cooldownLeft = this.cooldown;
      this.wait = 0;
    }
  }
}
