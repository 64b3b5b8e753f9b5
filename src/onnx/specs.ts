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

export const FOLDABLE = new Set(['conv2d', 'depthwiseConv2d', 'dense']);
export type Foldable = Extract<Step, { kind: 'conv2d' | 'depthwiseConv2d' | 'dense' }>;

/** Output channels of a foldable layer. */
export function channelsOf(t: Foldable): number {
  return t.kind === 'dense'
    ? t.units
    : t.kind === 'conv2d'
      ? t.filters
      : t.kernel.length / (t.kernelSize[0] * t.kernelSize[1]);
}
