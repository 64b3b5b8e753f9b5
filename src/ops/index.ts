// Every op, one file per op family: src/ops/<name>.ts, its kernels in assembly/<name>.ts, its tests in
// tests/unit/<name>.test.mjs.
export { reshape, flatten } from './reshape.js';
export { transpose } from './transpose.js';
export { conv2d } from './conv2d.js';
export type { Conv2dOptions, Padding } from './conv2d.js';
export { matMul, dense } from './matmul.js';
export { maxPool2d, avgPool2d, globalAvgPool2d } from './pool.js';
export type { Pool2dOptions, AvgPool2dOptions } from './pool.js';
export type { Padding2d, Padding1d } from './geometry.js';
export { add, sub, mul } from './elementwise.js';
export { relu, leakyRelu, sigmoid, tanh, log, clipByValue } from './activations.js';
export { softmax, softmaxCrossEntropy } from './softmax.js';
export type { SoftmaxCrossEntropyOptions } from './softmax.js';
export { sum, mean } from './reduce.js';
export { batchNorm, batchNormTraining, moments } from './batchnorm.js';
export type { BatchNormTrainingOptions, BatchNormTrainingResult } from './batchnorm.js';
export { depthwiseConv2d } from './depthwise.js';
export type { DepthwiseConv2dOptions } from './depthwise.js';
export { conv1d } from './conv1d.js';
export type { Conv1dOptions, Conv1dPadding } from './conv1d.js';
export { maxPool1d, avgPool1d, globalAvgPool1d, globalMaxPool1d, globalMaxPool2d } from './pool1d.js';
export type { Pool1dOptions } from './pool1d.js';
export { concat } from './concat.js';
export { pad } from './pad.js';
