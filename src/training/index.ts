export { History } from './history.js';
export type { Logs } from './history.js';
export type { Callbacks } from './callbacks.js';
export type { FitArgs } from './loop.js';
export type { ProgressOutput } from './progress.js';
