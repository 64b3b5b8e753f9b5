// The Keras-style progress display of fit. Rendering is pure (renderProgressLine and friends) so that
// tests can check it; EpochProgress decides when to draw and where:
//  - verbose 1 on a terminal: one line per epoch, redrawn in place with '\r' at most every 50 ms;
//  - verbose 1 elsewhere (a log file, CI): plain lines at every 10% of the epoch and a final line;
//  - verbose 2: the final line of each epoch only;
//  - in a browser (no process.stdout): nothing; use callbacks.
import type { Logs } from './history.js';

export const BAR_WIDTH = 30;
const REDRAW_MS = 50;

/** Keras's ETA notation: 12s, 3:07, 1:02:03. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600)
    return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  if (s >= 60) return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  return `${s}s`;
}

/** Time per step with a unit that keeps it readable: 2s/step, 4ms/step, 350us/step. */
export function formatTimePerStep(seconds: number): string {
  if (seconds >= 1) return `${Math.round(seconds)}s/step`;
  if (seconds >= 1e-3) return `${Math.round(seconds * 1e3)}ms/step`;
  return `${Math.round(seconds * 1e6)}us/step`;
}

/** ' - loss: 0.5123 - acc: 0.8121' (4 decimals; scientific below 1e-3 so small losses stay visible). */
export function formatLogs(logs: Logs): string {
  let out = '';
  for (const [key, value] of Object.entries(logs)) {
    const v = Math.abs(value) > 0 && Math.abs(value) < 1e-3 ? value.toExponential(4) : value.toFixed(4);
    out += ` - ${key}: ${v}`;
  }
  return out;
}

/** '[=========>....................]': '=' for done steps, '>' at the head while running. */
export function renderBar(current: number, total: number, width = BAR_WIDTH): string {
  const fraction = total > 0 ? Math.min(1, current / total) : 1;
  const done = Math.floor(width * fraction);
  let bar = '';
  if (done > 0) bar = '='.repeat(done - 1) + (current < total ? '>' : '=');
  return `[${bar}${'.'.repeat(width - done)}]`;
}

export interface ProgressState {
  /** Steps (batches) done so far in this epoch. */
  current: number;
  total: number;
  /** Seconds since the epoch began. */
  elapsed: number;
  logs: Logs;
  /** Seconds of training only (without validation), for the time per step; default `elapsed`. */
  trainElapsed?: number;
}

/** A running line: '  312/1875 [====>....] - ETA: 12s - 4ms/step - loss: 0.5123 - acc: 0.8121'. */
export function renderProgressLine({ current, total, elapsed, logs }: ProgressState): string {
  const counter = `${String(current).padStart(String(total).length)}/${total}`;
  const perStep = current > 0 ? elapsed / current : 0;
  const eta = perStep * (total - current);
  return `${counter} ${renderBar(current, total)} - ETA: ${formatEta(eta)} - ${formatTimePerStep(perStep)}${formatLogs(logs)}`;
}

/** The line that ends an epoch: '1875/1875 [======] - 9s 5ms/step - loss: ... - val_acc: ...'. */
export function renderFinalLine({ total, elapsed, logs, trainElapsed = elapsed }: ProgressState): string {
  const perStep = total > 0 ? trainElapsed / total : 0;
  return `${total}/${total} ${renderBar(total, total)} - ${formatEta(elapsed)} ${formatTimePerStep(perStep)}${formatLogs(logs)}`;
}

/** verbose 2's line: '1875/1875 - 9s - 5ms/step - loss: ...'. */
export function renderEpochSummary({ total, elapsed, logs, trainElapsed = elapsed }: ProgressState): string {
  const perStep = total > 0 ? trainElapsed / total : 0;
  return `${total}/${total} - ${formatEta(elapsed)} - ${formatTimePerStep(perStep)}${formatLogs(logs)}`;
}

export interface ProgressOutput {
  write(text: string): void;
  /** true on a terminal: lines are redrawn in place. */
  isTTY: boolean;
  /** The terminal's width, if known: a redrawn line is cut to fit, as a wrapped line cannot be redrawn. */
  columns?: number;
}

/** process.stdout where there is one (Node, Bun, Deno); null in browsers. */
export function defaultOutput(): ProgressOutput | null {
  const stdout = (globalThis as any).process?.stdout;
  if (!stdout || typeof stdout.write !== 'function') return null;
  return {
    write: (text: string) => stdout.write(text),
    isTTY: stdout.isTTY === true,
    get columns() {
      return typeof stdout.columns === 'number' && stdout.columns > 0 ? stdout.columns : undefined;
    },
  };
}

/** Draws one epoch's progress (see the file comment for when and how). */
export class EpochProgress {
  private lastDraw = -Infinity;
  private lastDecile = 0;
  private drawnWidth = 0;

  constructor(
    private readonly output: ProgressOutput,
    private readonly verbose: 1 | 2,
    private readonly total: number,
    private readonly clock: () => number,
  ) {}

  begin(epoch: number, epochs: number): void {
    this.output.write(`Epoch ${epoch + 1}/${epochs}\n`);
    this.lastDraw = -Infinity;
    this.lastDecile = 0;
    this.drawnWidth = 0;
  }

  /** After each batch; `elapsed` in seconds. */
  update(current: number, elapsed: number, logs: Logs): void {
    if (this.verbose !== 1) return;
    const state = { current, total: this.total, elapsed, logs };
    if (this.output.isTTY) {
      const t = this.clock();
      if (t - this.lastDraw < REDRAW_MS && current < this.total) return;
      this.lastDraw = t;
      this.redraw(renderProgressLine(state));
      return;
    }
    // Plain output: one line each time another tenth of the epoch is done (the last comes from end()).
    const decile = Math.floor((current * 10) / this.total);
    if (decile > this.lastDecile && current < this.total) {
      this.lastDecile = decile;
      this.output.write(renderProgressLine(state) + '\n');
    }
  }

  /** At the end of the epoch, with the epoch's logs (including validation); times in seconds. */
  end(elapsed: number, logs: Logs, trainElapsed = elapsed): void {
    const state = { current: this.total, total: this.total, elapsed, logs, trainElapsed };
    if (this.verbose === 2) {
      this.output.write(renderEpochSummary(state) + '\n');
    } else if (this.output.isTTY) {
      this.redraw(renderFinalLine(state));
      this.output.write('\n');
    } else {
      this.output.write(renderFinalLine(state) + '\n');
    }
  }

  private redraw(text: string): void {
    // '\r' returns to the start of the last screen row only, so a line must not wrap.
    const columns = this.output.columns;
    const line = columns && text.length >= columns ? text.slice(0, columns - 1) : text;
    // Spaces wipe what a longer previous line left on the terminal.
    const pad = Math.max(0, this.drawnWidth - line.length);
    this.output.write('\r' + line + ' '.repeat(pad));
    this.drawnWidth = line.length;
  }
}
