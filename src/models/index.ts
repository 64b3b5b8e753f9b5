export { Sequential, sequential } from './sequential.js';
export type { SequentialArgs, CompileArgs, SummaryOptions, SequentialConfig } from './sequential.js';
export { LayersModel } from './layers-model.js';
export { Functional, model } from './functional.js';
export type { ModelArgs, FunctionalConfig, FunctionalLayerConfig, NodeRef } from './functional.js';
