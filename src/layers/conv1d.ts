// Conv1D: a 1-D convolution over [batch, steps, channels] sequences, kernel [kernelSize, cin, filters].
import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { conv1d } from '../ops/conv1d.js';
import { windowAxis } from '../ops/geometry.js';
import type { Initializer } from './initializers.js';
import { Layer, type LayerArgs } from './layer.js';
import { withActivation, type ActivationName } from './activations.js';
import { CONV_KEYS, convFilters, kernelLayerOptions, type KernelLayerArgs } from './kernel-options.js';
import {
  checkKnownKeys,
  checkOneOf,
  checkOptionsObject,
  checkPositiveInt,
  fmtKerasShape,
  type Shape,
} from './options.js';

export interface Conv1DArgs extends LayerArgs, KernelLayerArgs {
  filters: number;
  kernelSize: number | [number];
  strides?: number | [number];
  /** 'valid' (default), 'same' or 'causal' (Keras). */
  padding?: 'valid' | 'same' | 'causal';
  dilationRate?: number | [number];
  dataFormat?: 'channelsLast';
}

/** A positive integer, or a one-element array of one (Keras accepts both for 1-D layers). */
export function checkSingle(value: unknown, arg: string, fn: string): number {
  return checkPositiveInt(Array.isArray(value) && value.length === 1 ? value[0] : value, arg, fn);
}

/** Throws unless the input is rank 3 [batch, steps, channels]. */
export function requireSequenceInput(layer: Layer, inputShape: Shape): [number, number] {
  if (inputShape.length !== 3)
    throw new Error(
      `${layer.label} expects sequences of shape (None, steps, channels); got ${fmtKerasShape(inputShape)}`,
    );
  return [inputShape[1] as number, inputShape[2] as number];
}

export class Conv1D extends Layer {
  readonly className = 'Conv1D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: 'valid' | 'same' | 'causal';
  readonly dilationRate: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(args: Conv1DArgs) {
    const fn = 'layers.conv1d';
    const a = checkOptionsObject(args, fn) as Conv1DArgs;
    checkKnownKeys(a, CONV_KEYS, fn);
    super(a, fn, 'conv1d');
    this.filters = convFilters(a, fn, '3');
    this.kernelSize = checkSingle(a.kernelSize, 'kernelSize', fn);
    this.strides = checkSingle(a.strides ?? 1, 'strides', fn);
    this.padding = checkOneOf(a.padding ?? 'valid', ['valid', 'same', 'causal'], 'padding', fn);
    this.dilationRate = checkSingle(a.dilationRate ?? 1, 'dilationRate', fn);
    if (this.strides > 1 && this.dilationRate > 1)
      throw new Error(
        `${fn}: strides > 1 cannot be combined with dilationRate > 1 (as in Keras); got strides ${this.strides} and dilationRate ${this.dilationRate}`,
      );
    ({
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
    } = kernelLayerOptions(a, fn));
  }

  computeOutputShape(inputShape: Shape): Shape {
    const [steps] = requireSequenceInput(this, inputShape);
    const window = (this.kernelSize - 1) * this.dilationRate + 1;
    // 'causal' pads the window's extent minus one before the sequence, nothing after.
    const padding = this.padding === 'causal' ? ([window - 1, 0] as [number, number]) : this.padding;
    const out = windowAxis(steps, this.kernelSize, this.strides, this.dilationRate, padding).out;
    if (out < 1)
      throw new Error(
        `${this.label}: the kernel of ${this.kernelSize} (window ${window}) does not fit ${steps} steps with padding 'valid'; use padding 'same' or 'causal', or a smaller kernelSize`,
      );
    return [inputShape[0], out, this.filters];
  }

  protected override buildWeights(inputShape: Shape, seed: number | undefined): void {
    const cin = inputShape[2] as number;
    this.kernel = this.addWeight('kernel', [this.kernelSize, cin, this.filters], this.kernelInitializer, seed);
    if (this.useBias) this.bias = this.addBias(this.filters, this.biasInitializer, seed);
  }

  protected call(x: Tensor): Tensor {
    return withActivation(this.activation, (fused) =>
      conv1d(x, this.kernel!, {
        strides: this.strides,
        padding: this.padding,
        dilation: this.dilationRate,
        bias: this.bias,
        activation: fused ? 'relu' : 'linear',
      }),
    );
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dilationRate: this.dilationRate,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer.getConfig(),
      biasInitializer: this.biasInitializer.getConfig(),
    };
  }

  override dispose(): void {
    super.dispose();
    this.kernel = null;
    this.bias = null;
  }
}
