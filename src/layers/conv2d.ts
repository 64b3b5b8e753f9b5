// Conv2D: a 2-D convolution over NHWC images, with a kernel [kh, kw, cin, filters] and a bias [filters].
// Bias and ReLU are fused into the conv op's output store; other activations run after it.
import type { Tensor } from '../core/tensor.js';
import { conv2d } from '../ops/conv2d.js';
import { computeConv2dInfo, paddingConfig, resolvePadding, type Padding2d } from '../ops/geometry.js';
import type { Initializer } from './initializers.js';
import type { Variable } from '../core/variable.js';
import { Layer, requireImageInput, type LayerArgs } from './layer.js';
import { withActivation, type ActivationName } from './activations.js';
import { CONV_KEYS, convFilters, kernelLayerOptions, type KernelLayerArgs } from './kernel-options.js';
import { checkIntPair, checkKnownKeys, checkOptionsObject, type Shape } from './options.js';

export interface Conv2DArgs extends LayerArgs, KernelLayerArgs {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  /** 'valid' (default), 'same', p, [ph, pw] or [[top, bottom], [left, right]] (see ops/geometry.ts). */
  padding?: Padding2d;
  dilationRate?: number | [number, number];
  /** Only 'channelsLast' (NHWC) is supported; accepted for Keras compatibility. */
  dataFormat?: 'channelsLast';
}

/** Reads a 2-D padding option into the form a layer keeps and saves: 'valid', 'same' or [[t, b], [l, r]]. */
export function paddingOption(value: unknown, fn: string): 'valid' | 'same' | [[number, number], [number, number]] {
  return paddingConfig(resolvePadding(value, 2, fn)) as 'valid' | 'same' | [[number, number], [number, number]];
}

export class Conv2D extends Layer {
  readonly className = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  /** 'valid', 'same', or explicit [[top, bottom], [left, right]] (short forms are expanded). */
  readonly padding: 'valid' | 'same' | [[number, number], [number, number]];
  readonly dilationRate: [number, number];
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(args: Conv2DArgs) {
    const fn = 'layers.conv2d';
    const a = checkOptionsObject(args, fn) as Conv2DArgs;
    checkKnownKeys(a, CONV_KEYS, fn);
    super(a, fn, 'conv2d');
    this.filters = convFilters(a, fn, '3 or [3, 3]');
    this.kernelSize = checkIntPair(a.kernelSize, 'kernelSize', fn);
    this.strides = checkIntPair(a.strides ?? 1, 'strides', fn);
    this.padding = paddingOption(a.padding, fn);
    this.dilationRate = checkIntPair(a.dilationRate ?? 1, 'dilationRate', fn);
    if ((this.strides[0] > 1 || this.strides[1] > 1) && (this.dilationRate[0] > 1 || this.dilationRate[1] > 1)) {
      throw new Error(
        `${fn}: strides > 1 cannot be combined with dilationRate > 1 (as in Keras); got strides [${this.strides}] and dilationRate [${this.dilationRate}]`,
      );
    }
    ({
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
    } = kernelLayerOptions(a, fn));
  }

  computeOutputShape(inputShape: Shape): Shape {
    requireImageInput(this, inputShape);
    const info = computeConv2dInfo(
      inputShape,
      this.kernelSize,
      { strides: this.strides, dilations: this.dilationRate, padding: this.padding },
      this.label,
    );
    return [inputShape[0], info.outHeight, info.outWidth, this.filters];
  }

  protected override buildWeights(inputShape: Shape, seed: number | undefined): void {
    const cin = inputShape[3] as number;
    this.kernel = this.addWeight(
      'kernel',
      [this.kernelSize[0], this.kernelSize[1], cin, this.filters],
      this.kernelInitializer,
      seed,
    );
    if (this.useBias) this.bias = this.addBias(this.filters, this.biasInitializer, seed);
  }

  protected call(x: Tensor): Tensor {
    return this.callWithWeights(x, this.kernel!, this.bias);
  }

  /**
   * The layer's convolution with other weights of the same shapes: a functional model runs a conv
   * followed by batch normalisation this way at inference, with the normalisation folded into them.
   */
  callWithWeights(x: Tensor, kernel: Tensor, bias: Tensor | null): Tensor {
    return withActivation(this.activation, (fused) =>
      conv2d(x, kernel, {
        strides: this.strides,
        padding: this.padding,
        dilation: this.dilationRate,
        bias: bias ?? undefined,
        activation: fused ? 'relu' : 'linear',
      }),
    );
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      filters: this.filters,
      kernelSize: this.kernelSize.slice(),
      strides: this.strides.slice(),
      padding: structuredClone(this.padding),
      dilationRate: this.dilationRate.slice(),
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
