export { History } from './history.js';
export type { Logs } from './history.js';
export type { Callbacks } from './callbacks.js';
export type { FitArgs } from './loop.js';
export type { ProgressOutput } from './progress.js';

import {
  EpochProgress,
  formatEta,
  formatLogs,
  formatTimePerStep,
  renderBar,
  renderEpochSummary,
  renderFinalLine,
  renderProgressLine,
} from './progress.js';

/**
 * The Keras-style progress display, for showing training elsewhere than a terminal (e.g. a <pre> in a
 * page, from fit's onBatchEnd): the line renderers are pure functions of the step, the elapsed seconds and
 * the logs; EpochProgress draws one epoch to a { write, isTTY } output as fit does.
 */
export const progress = {
  renderProgressLine,
  renderFinalLine,
  renderEpochSummary,
  renderBar,
  formatEta,
  formatTimePerStep,
  formatLogs,
  EpochProgress,
};
export type { ProgressState } from './progress.js';
