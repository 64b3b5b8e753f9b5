// sn.callbacks.earlyStopping: stops fit when the monitored value has not improved for `patience` epochs,
// as Keras 3's EarlyStopping. With restoreBestWeights the model ends training with the weights of its
// best epoch (every weight, batch-norm statistics included); copies are kept only of the best epoch.
import type { Tensor } from '../../core/tensor.js';
import { describe } from '../../util/validate.js';
import type { Logs } from '../history.js';
import type { Callbacks } from '../callbacks.js';
import { Monitor, checkCount, checkMonitorOptions, checkVerbose, type MonitorMode } from './monitor.js';

export interface EarlyStoppingArgs {
  /** Default 'val_loss'. */
  monitor?: string;
  /** Smaller changes than this do not count as improvement. Default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  mode?: MonitorMode;
  /** Training stops unless the value beats this (when given). */
  baseline?: number;
  /** End with the weights of the best epoch. Default false. */
  restoreBestWeights?: boolean;
  /** Epochs to wait before monitoring starts. Default 0. */
  startFromEpoch?: number;
  verbose?: 0 | 1;
}

interface ModelLike {
  name: string;
  stopTraining: boolean;
  getWeights(): Tensor[];
  setWeights(values: Tensor[]): void;
}

const KEYS = ['monitor', 'minDelta', 'patience', 'mode', 'baseline', 'restoreBestWeights', 'startFromEpoch', 'verbose'];

export class EarlyStopping implements Callbacks {
  readonly monitor: Monitor;
  readonly patience: number;
  readonly baseline: number | undefined;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  readonly verbose: 0 | 1;
  /** The epoch training stopped at (0 when it ran to the end). */
  stoppedEpoch = 0;
  /** The best epoch's index and value, once seen. */
  bestEpoch = -1;
  best = Infinity;
  private wait = 0;
  private model: ModelLike | null = null;
  private bestWeights: Tensor[] | null = null;

  constructor(args: EarlyStoppingArgs = {}) {
    const fn = 'callbacks.earlyStopping';
    if (args === null || typeof args !== 'object')
      throw new Error(`${fn}: argument 'args' must be an object; got ${describe(args)}`);
    for (const key of Object.keys(args))
      if (!KEYS.includes(key)) throw new Error(`${fn}: unknown option '${key}'; known options: ${KEYS.join(', ')}`);
    const o = args as Record<string, unknown>;
    const m = checkMonitorOptions(o, fn);
    this.monitor = new Monitor(m.monitor, m.mode, m.minDelta, fn);
    this.patience = checkCount(o.patience, 0, 'patience', fn);
    this.startFromEpoch = checkCount(o.startFromEpoch, 0, 'startFromEpoch', fn);
    if (o.baseline !== undefined && (typeof o.baseline !== 'number' || !Number.isFinite(o.baseline)))
      throw new Error(`${fn}: option 'baseline' must be a finite number; got ${describe(o.baseline)}`);
    this.baseline = o.baseline as number | undefined;
    if (o.restoreBestWeights !== undefined && typeof o.restoreBestWeights !== 'boolean')
      throw new Error(`${fn}: option 'restoreBestWeights' must be a boolean; got ${describe(o.restoreBestWeights)}`);
    this.restoreBestWeights = o.restoreBestWeights === true;
    this.verbose = checkVerbose(o.verbose, fn);
  }

  setModel(model: unknown): void {
    this.model = model as ModelLike;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.bestEpoch = -1;
    this.best = this.monitor.worst;
    this.dropBest();
  }

  onEpochEnd(epoch: number, logs?: Logs): void {
    if (epoch < this.startFromEpoch) return;
    const current = this.monitor.read(logs);
    if (this.restoreBestWeights && this.bestWeights === null) this.keepWeights();
    this.wait++;
    if (this.monitor.improves(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.keepWeights();
      if (this.baseline === undefined || this.monitor.improves(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      if (this.model) this.model.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights && this.model) {
      if (this.verbose > 0)
        console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      this.model.setWeights(this.bestWeights);
    }
    this.dropBest();
  }

  private keepWeights(): void {
    if (!this.model) return;
    const copies = this.model.getWeights();
    this.dropBest();
    this.bestWeights = copies;
  }

  private dropBest(): void {
    if (this.bestWeights) for (const t of this.bestWeights) t.dispose();
    this.bestWeights = null;
  }
}
