// DepthwiseConv2D and SeparableConv2D over NHWC images (Keras's layers). Depthwise: every input channel
// convolved with depthMultiplier filters of its own, kernel [kh, kw, cin, depthMultiplier]; separable: a
// depthwise conv followed by a 1x1 conv to `filters` channels, kernel [1, 1, cin·depthMultiplier, filters].
import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { conv2d } from '../ops/conv2d.js';
import { depthwiseConv2d } from '../ops/depthwise.js';
import type { Initializer, InitializerIdentifier } from './initializers.js';
import { LAYER_ARG_KEYS, Layer, initializerOption, requireImageInput, type LayerArgs } from './layer.js';
import { applyActivation, checkActivation, withActivation, type ActivationName } from './activations.js';
import { paddingOption } from './conv2d.js';
import { computeConv2dInfo, type Padding2d } from '../ops/geometry.js';
import {
  checkBoolean,
  checkIntPair,
  checkKnownKeys,
  checkOneOf,
  checkOptionsObject,
  checkPositiveInt,
  type Shape,
} from './options.js';

export interface DepthwiseConv2DArgs extends LayerArgs {
  kernelSize: number | [number, number];
  /** Output channels per input channel. Default 1. */
  depthMultiplier?: number;
  strides?: number | [number, number];
  /** 'valid' (default), 'same', p, [ph, pw] or [[top, bottom], [left, right]]. */
  padding?: Padding2d;
  dilationRate?: number | [number, number];
  activation?: ActivationName | null;
  useBias?: boolean;
  depthwiseInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  dataFormat?: 'channelsLast';
}

export interface SeparableConv2DArgs extends DepthwiseConv2DArgs {
  filters: number;
  pointwiseInitializer?: InitializerIdentifier;
}

const DEPTHWISE_KEYS = [
  ...LAYER_ARG_KEYS,
  'kernelSize',
  'depthMultiplier',
  'strides',
  'padding',
  'dilationRate',
  'activation',
  'useBias',
  'depthwiseInitializer',
  'biasInitializer',
  'dataFormat',
];
const SEPARABLE_KEYS = [...DEPTHWISE_KEYS, 'filters', 'pointwiseInitializer'];

/** What both layers share: the depthwise window and its options. */
abstract class DepthwiseBase extends Layer {
  readonly kernelSize: [number, number];
  readonly depthMultiplier: number;
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same' | [[number, number], [number, number]];
  readonly dilationRate: [number, number];
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly depthwiseInitializer: Initializer;
  readonly biasInitializer: Initializer;
  depthwiseKernel: Variable | null = null;
  bias: Variable | null = null;

  protected constructor(a: DepthwiseConv2DArgs, fn: string, prefix: string) {
    super(a, fn, prefix);
    if (a.kernelSize === undefined) throw new Error(`${fn}: option 'kernelSize' is required (e.g. 3 or [3, 3])`);
    this.kernelSize = checkIntPair(a.kernelSize, 'kernelSize', fn);
    this.depthMultiplier = checkPositiveInt(a.depthMultiplier ?? 1, 'depthMultiplier', fn);
    this.strides = checkIntPair(a.strides ?? 1, 'strides', fn);
    this.padding = paddingOption(a.padding ?? 'valid', fn);
    this.dilationRate = checkIntPair(a.dilationRate ?? 1, 'dilationRate', fn);
    if (a.dataFormat !== undefined) checkOneOf(a.dataFormat, ['channelsLast'], 'dataFormat', fn);
    this.activation = checkActivation(a.activation, fn);
    this.useBias = a.useBias === undefined ? true : checkBoolean(a.useBias, 'useBias', fn);
    this.depthwiseInitializer = initializerOption(a.depthwiseInitializer, 'glorotUniform', 'depthwiseInitializer', fn);
    this.biasInitializer = initializerOption(a.biasInitializer, 'zeros', 'biasInitializer', fn);
  }

  /** [oh, ow] of the depthwise step. */
  protected windowShape(inputShape: Shape): [number, number] {
    requireImageInput(this, inputShape);
    const info = computeConv2dInfo(
      inputShape,
      this.kernelSize,
      { strides: this.strides, dilations: this.dilationRate, padding: this.padding },
      this.label,
    );
    return [info.outHeight, info.outWidth];
  }

  protected addDepthwiseKernel(cin: number, seed: number | undefined): void {
    this.depthwiseKernel = this.addWeight(
      'depthwise_kernel',
      [this.kernelSize[0], this.kernelSize[1], cin, this.depthMultiplier],
      this.depthwiseInitializer,
      seed,
    );
  }

  protected depthwise(x: Tensor, bias: Tensor | null, kernel: Tensor = this.depthwiseKernel!): Tensor {
    return depthwiseConv2d(x, kernel, {
      strides: this.strides,
      padding: this.padding,
      dilation: this.dilationRate,
      bias,
    });
  }

  protected baseConfig(): Record<string, unknown> {
    return {
      kernelSize: this.kernelSize.slice(),
      depthMultiplier: this.depthMultiplier,
      strides: this.strides.slice(),
      padding: Array.isArray(this.padding) ? this.padding.map((p) => p.slice()) : this.padding,
      dilationRate: this.dilationRate.slice(),
      activation: this.activation,
      useBias: this.useBias,
      depthwiseInitializer: this.depthwiseInitializer.getConfig(),
      biasInitializer: this.biasInitializer.getConfig(),
    };
  }

  override dispose(): void {
    super.dispose();
    this.depthwiseKernel = null;
    this.bias = null;
  }
}

export class DepthwiseConv2D extends DepthwiseBase {
  readonly className = 'DepthwiseConv2D';

  constructor(args: DepthwiseConv2DArgs) {
    const fn = 'layers.depthwiseConv2d';
    const a = checkOptionsObject(args, fn) as DepthwiseConv2DArgs;
    checkKnownKeys(a, DEPTHWISE_KEYS, fn);
    super(a, fn, 'depthwise_conv2d');
  }

  computeOutputShape(inputShape: Shape): Shape {
    const [oh, ow] = this.windowShape(inputShape);
    return [inputShape[0], oh, ow, (inputShape[3] as number) * this.depthMultiplier];
  }

  protected override buildWeights(inputShape: Shape, seed: number | undefined): void {
    const cin = inputShape[3] as number;
    this.addDepthwiseKernel(cin, seed);
    if (this.useBias) this.bias = this.addBias(cin * this.depthMultiplier, this.biasInitializer, seed);
  }

  protected call(x: Tensor): Tensor {
    return applyActivation(this.depthwise(x, this.bias), this.activation);
  }

  /**
   * The layer with substituted weights of the same shapes: a model folds a batch norm that follows this
   * layer into them at inference (src/models/fold-batchnorm.ts).
   */
  callWithWeights(x: Tensor, kernel: Tensor, bias: Tensor | null): Tensor {
    return applyActivation(this.depthwise(x, bias, kernel), this.activation);
  }

  protected layerConfig(): Record<string, unknown> {
    return this.baseConfig();
  }
}

export class SeparableConv2D extends DepthwiseBase {
  readonly className = 'SeparableConv2D';
  readonly filters: number;
  readonly pointwiseInitializer: Initializer;
  pointwiseKernel: Variable | null = null;

  constructor(args: SeparableConv2DArgs) {
    const fn = 'layers.separableConv2d';
    const a = checkOptionsObject(args, fn) as SeparableConv2DArgs;
    checkKnownKeys(a, SEPARABLE_KEYS, fn);
    super(a, fn, 'separable_conv2d');
    if (a.filters === undefined) throw new Error(`${fn}: option 'filters' is required (the number of output channels)`);
    this.filters = checkPositiveInt(a.filters, 'filters', fn);
    this.pointwiseInitializer = initializerOption(a.pointwiseInitializer, 'glorotUniform', 'pointwiseInitializer', fn);
  }

  computeOutputShape(inputShape: Shape): Shape {
    const [oh, ow] = this.windowShape(inputShape);
    return [inputShape[0], oh, ow, this.filters];
  }

  protected override buildWeights(inputShape: Shape, seed: number | undefined): void {
    const cin = inputShape[3] as number;
    this.addDepthwiseKernel(cin, seed);
    this.pointwiseKernel = this.addWeight(
      'pointwise_kernel',
      [1, 1, cin * this.depthMultiplier, this.filters],
      this.pointwiseInitializer,
      seed === undefined ? undefined : seed + 2,
    );
    if (this.useBias) this.bias = this.addBias(this.filters, this.biasInitializer, seed);
  }

  protected call(x: Tensor): Tensor {
    return withActivation(this.activation, (fused) =>
      conv2d(this.depthwise(x, null), this.pointwiseKernel!, {
        bias: this.bias ?? undefined,
        activation: fused ? 'relu' : 'linear',
      }),
    );
  }

  protected layerConfig(): Record<string, unknown> {
    return { filters: this.filters, ...this.baseConfig(), pointwiseInitializer: this.pointwiseInitializer.getConfig() };
  }

  override dispose(): void {
    super.dispose();
    this.pointwiseKernel = null;
  }
}
