// simdnet's public API.
export { ready, backendInfo } from './backend/wasm.js';
export type { ReadyOptions, BackendInfo, SimdFlavor } from './backend/wasm.js';
export { Tensor, memory } from './tensor.js';
export type { DType } from './tensor.js';
export { tidy, keep } from './engine.js';
export { tensor, scalar, zeros, ones, fill, randomNormal, randomUniform } from './creation.js';
export { Variable, variable } from './variable.js';
export { grads, valueAndGrads, variableGrads } from './autograd/grads.js';
export * from './ops/index.js';
export { train } from './optimizers/index.js';
export type { Optimizer, SgdOptions, AdamOptions } from './optimizers/index.js';
export { datasets } from './datasets/index.js';
export type { Dataset, DatasetFor, Split, Limit, Normalize, IdxBytes, IdxReadOptions, IdxDatasetLoader, IdxLoadOptions, FashionMnistLoader, FashionMnistLoadOptions, Cifar10Loader, Cifar10LoadOptions, Cifar10Bytes } from './datasets/index.js';
