// What earlyStopping and reduceLROnPlateau share: reading the monitored quantity from an epoch's logs,
// and deciding whether a value improves on the best so far (Keras's mode 'auto' / 'min' / 'max').
import type { Logs } from '../history.js';
import { describe } from '../../util/validate.js';

export type MonitorMode = 'auto' | 'min' | 'max';

export class Monitor {
  readonly direction: 'min' | 'max';

  constructor(
    readonly monitor: string,
    mode: MonitorMode,
    /** An improvement must beat the best by more than this. */
    readonly minDelta: number,
    private readonly fn: string,
  ) {
    // 'auto': accuracies grow, everything else (losses) shrinks, as Keras decides.
    this.direction = mode === 'auto' ? (/acc/.test(monitor) ? 'max' : 'min') : mode;
  }

  /** The monitored value in these logs; a missing one is an error that lists what is there. */
  read(logs: Logs | undefined): number {
    const value = logs?.[this.monitor];
    if (typeof value !== 'number') {
      const keys = Object.keys(logs ?? {}).filter((k) => k !== 'batch' && k !== 'size');
      const hint = this.monitor.startsWith('val_')
        ? ' (validation values need validationData or validationSplit in fit)'
        : '';
      throw new Error(
        `${this.fn}: monitor '${this.monitor}' is not in the epoch's logs, which have ${keys.map((k) => `'${k}'`).join(', ') || 'nothing'}${hint}`,
      );
    }
    return value;
  }

  /** The starting "best": nothing improves on it only if it is infinite the wrong way. */
  get worst(): number {
    return this.direction === 'min' ? Infinity : -Infinity;
  }

  improves(value: number, best: number): boolean {
    return this.direction === 'min' ? value < best - this.minDelta : value > best + this.minDelta;
  }
}

export function checkMonitorOptions(
  o: Record<string, unknown>,
  fn: string,
): { monitor: string; mode: MonitorMode; minDelta: number } {
  const monitor = o.monitor ?? 'val_loss';
  if (typeof monitor !== 'string' || monitor.length === 0)
    throw new Error(`${fn}: option 'monitor' must be a log name such as 'val_loss'; got ${describe(monitor)}`);
  const mode = o.mode ?? 'auto';
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max')
    throw new Error(`${fn}: option 'mode' must be 'auto', 'min' or 'max'; got ${describe(mode)}`);
  const minDelta = o.minDelta ?? 0;
  if (typeof minDelta !== 'number' || !Number.isFinite(minDelta))
    throw new Error(`${fn}: option 'minDelta' must be a finite number; got ${describe(minDelta)}`);
  return { monitor, mode, minDelta: Math.abs(minDelta) };
}

export function checkCount(value: unknown, fallback: number, arg: string, fn: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new Error(`${fn}: option '${arg}' must be a non-negative integer; got ${describe(value)}`);
  return value;
}

export function checkVerbose(value: unknown, fn: string): 0 | 1 {
  if (value === undefined || value === 0 || value === false) return 0;
  if (value === 1 || value === true) return 1;
  throw new Error(`${fn}: option 'verbose' must be 0 or 1; got ${describe(value)}`);
}
