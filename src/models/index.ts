export { Sequential, sequential } from './sequential.js';
export type { SequentialArgs, CompileArgs, SummaryOptions, SequentialConfig } from './sequential.js';
