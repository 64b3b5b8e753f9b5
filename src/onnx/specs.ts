// What the planner hands to the builder: simdnet layer specs with their weights in JS arrays, and the
// simdnet tensors each reads and writes. Plain data, so that a whole graph is checked and planned before
// any layer or weight exists in WASM memory.

export type Activation = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'relu6';
export type Padding = 'valid' | 'same' | [[number, number], [number, number]];

interface Window {
  kernelSize: [number, number];
  strides: [number, number];
  dilationRate: [number, number];
  padding: Padding;
  activation: Activation;
  bias: Float32Array | null;
}

export type Spec =
  | { kind: 'permute'; dims: number[] }
  /** kernel: [kh, kw, cin, cout] */
  | ({ kind: 'conv2d'; filters: number; kernel: Float32Array } & Window)
  /** kernel: [kh, kw, cin, multiplier] */
  | ({ kind: 'depthwiseConv2d'; depthMultiplier: number; kernel: Float32Array } & Window)
  | { kind: 'maxPooling2d'; poolSize: [number, number]; strides: [number, number]; padding: Padding; ceilMode: boolean }
  | {
      kind: 'averagePooling2d';
      poolSize: [number, number];
      strides: [number, number];
      padding: Padding;
      ceilMode: boolean;
      countIncludePad: boolean;
    }
  /** kernel: [k, cin, cout] */
  | {
      kind: 'conv1d';
      filters: number;
      kernelSize: number;
      strides: number;
      dilationRate: number;
      padding: 'valid' | 'same' | 'causal';
      activation: Activation;
      kernel: Float32Array;
      bias: Float32Array | null;
    }
  | { kind: 'maxPooling1d' | 'averagePooling1d'; poolSize: number; strides: number; padding: 'valid' | 'same' }
  | { kind: 'globalAveragePooling1d' }
  | { kind: 'globalAveragePooling2d' }
  | { kind: 'globalMaxPooling2d' }
  | { kind: 'zeroPadding2d'; padding: [[number, number], [number, number]] }
  | { kind: 'add' }
  | { kind: 'concatenate'; axis: number }
  | { kind: 'flatten' }
  | { kind: 'reshape'; targetShape: number[] }
  | { kind: 'dense'; units: number; activation: Activation; kernel: Float32Array; bias: Float32Array | null }
  | { kind: 'activation'; activation: Activation }
  | { kind: 'leakyReLU'; alpha: number }
  | { kind: 'clip'; min: number; max: number }
  /** y = x * scale + offset, per channel (last axis) or one value. */
  | { kind: 'rescaling'; scale: number[]; offset: number[] }
  | {
      kind: 'batchNormalization';
      epsilon: number;
      gamma: Float32Array;
      beta: Float32Array;
      mean: Float32Array;
      variance: Float32Array;
    };

/** A layer and the simdnet tensors it reads and writes (0 is the model's input). */
export type Step = Spec & { inputs: number[]; output: number };

export const FOLDABLE = new Set(['conv2d', 'depthwiseConv2d', 'conv1d', 'dense']);
export type Foldable = Extract<Step, { kind: 'conv2d' | 'depthwiseConv2d' | 'conv1d' | 'dense' }>;

/** Output channels of a foldable layer. */
export function channelsOf(t: Foldable): number {
  if (t.kind === 'dense') return t.units;
  if (t.kind === 'conv2d' || t.kind === 'conv1d') return t.filters;
  return t.kernel.length / (t.kernelSize[0] * t.kernelSize[1]);
}
