// simdnet's public API.
export { ready, backendInfo } from './backend/wasm.js';
export { dispose } from './backend/dispose.js';
export type { ReadyOptions, BackendInfo, SimdFlavor } from './backend/wasm.js';
export { Tensor, memory, keep } from './core/tensor.js';
export type { DType } from './core/tensor.js';
export { tidy } from './core/engine.js';
export { tensor, scalar, zeros, ones, fill, randomNormal, randomUniform } from './core/creation.js';
export { Variable, variable } from './core/variable.js';
export { grads, valueAndGrads, variableGrads } from './autograd/grads.js';
export * from './ops/index.js';
export { train } from './optimizers/index.js';
export type {
  Optimizer,
  SgdOptions,
  AdamOptions,
  AdamWOptions,
  LearningRateSchedule,
  CosineDecayOptions,
  ExponentialDecayOptions,
} from './optimizers/index.js';
// The Keras-like model API.
export { layers } from './layers/index.js';
export type {
  Layer,
  LayerArgs,
  LayerConfig,
  Conv2DArgs,
  Pooling2DArgs,
  AveragePooling2DArgs,
  DenseArgs,
  DropoutArgs,
  ActivationName,
  BatchNormalizationArgs,
  DepthwiseConv2DArgs,
  SeparableConv2DArgs,
  Conv1DArgs,
  Pooling1DArgs,
  ZeroPadding2DArgs,
  PermuteArgs,
  LeakyReLUArgs,
  RescalingArgs,
  ReshapeArgs,
} from './layers/index.js';
export { initializers } from './layers/initializers.js';
export type { Initializer } from './layers/initializers.js';
export { losses } from './training/losses.js';
export type { LossFunction } from './training/losses.js';
export { metrics } from './training/metrics.js';
export { sequential, Sequential, model, Functional, LayersModel } from './models/index.js';
export type {
  SequentialArgs,
  CompileArgs,
  SummaryOptions,
  SequentialConfig,
  ModelArgs,
  FunctionalConfig,
  FunctionalLayerConfig,
  NodeRef,
} from './models/index.js';
export { input } from './layers/input-layer.js';
export type { InputArgs } from './layers/input-layer.js';
export { SymbolicTensor } from './layers/symbolic.js';
export { History } from './training/index.js';
export { callbacks } from './training/callbacks/index.js';
export type { EarlyStoppingArgs, ReduceLROnPlateauArgs } from './training/callbacks/index.js';
export type { Logs, Callbacks, FitArgs, ProgressOutput } from './training/index.js';
export { plot } from './plot/index.js';
export type { HistoryLike, TrainingCurvesOptions } from './plot/index.js';
export { progress } from './training/index.js';
export type { ProgressState } from './training/index.js';
export { datasets } from './datasets/index.js';
export type {
  Dataset,
  DatasetFor,
  Split,
  Limit,
  Normalize,
  IdxBytes,
  IdxReadOptions,
  IdxDatasetLoader,
  IdxLoadOptions,
  FashionMnistLoader,
  FashionMnistLoadOptions,
  Cifar10Loader,
  Cifar10LoadOptions,
  Cifar10Bytes,
} from './datasets/index.js';
export * as io from './io/index.js';
export { loadModel } from './io/model-io.js';
