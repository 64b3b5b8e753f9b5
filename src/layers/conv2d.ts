// Conv2D: a 2-D convolution over NHWC images, with a kernel [kh, kw, cin, filters] and a bias [filters].
// Bias and ReLU are fused into the conv op's output store; other activations run after it.
import type { Tensor } from '../core/tensor.js';
import { conv2d } from '../ops/conv2d.js';
import type { Initializer, InitializerIdentifier } from './initializers.js';
import type { Variable } from '../core/variable.js';
import { LAYER_ARG_KEYS, Layer, initializerOption, requireImageInput, type LayerArgs } from './layer.js';
import { applyActivation, checkActivation, type ActivationName } from './activations.js';
import {
  checkBoolean,
  checkIntPair,
  checkKnownKeys,
  checkOneOf,
  checkOptionsObject,
  checkPositiveInt,
  type Shape,
} from './options.js';

export interface Conv2DArgs extends LayerArgs {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: 'valid' | 'same';
  dilationRate?: number | [number, number];
  activation?: ActivationName | null;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  /** Only 'channelsLast' (NHWC) is supported; accepted for Keras compatibility. */
  dataFormat?: 'channelsLast';
}

const KEYS = [
  ...LAYER_ARG_KEYS,
  'filters',
  'kernelSize',
  'strides',
  'padding',
  'dilationRate',
  'activation',
  'useBias',
  'kernelInitializer',
  'biasInitializer',
  'dataFormat',
];

/** Output length along one axis, or a message saying why the window does not fit. */
export function windowOutput(size: number, window: number, stride: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - window) / stride) + 1;
}

export class Conv2D extends Layer {
  readonly className = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
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
    checkKnownKeys(a, KEYS, fn);
    super(a, fn, 'conv2d');
    if (a.filters === undefined) throw new Error(`${fn}: option 'filters' is required (the number of output channels)`);
    if (a.kernelSize === undefined) throw new Error(`${fn}: option 'kernelSize' is required (e.g. 3 or [3, 3])`);
    this.filters = checkPositiveInt(a.filters, 'filters', fn);
    this.kernelSize = checkIntPair(a.kernelSize, 'kernelSize', fn);
    this.strides = checkIntPair(a.strides ?? 1, 'strides', fn);
    this.padding = checkOneOf(a.padding ?? 'valid', ['valid', 'same'], 'padding', fn);
    this.dilationRate = checkIntPair(a.dilationRate ?? 1, 'dilationRate', fn);
    if (a.dataFormat !== undefined) checkOneOf(a.dataFormat, ['channelsLast'], 'dataFormat', fn);
    if ((this.strides[0] > 1 || this.strides[1] > 1) && (this.dilationRate[0] > 1 || this.dilationRate[1] > 1)) {
      throw new Error(
        `${fn}: strides > 1 cannot be combined with dilationRate > 1 (as in Keras); got strides [${this.strides}] and dilationRate [${this.dilationRate}]`,
      );
    }
    this.activation = checkActivation(a.activation, fn);
    this.useBias = a.useBias === undefined ? true : checkBoolean(a.useBias, 'useBias', fn);
    this.kernelInitializer = initializerOption(a.kernelInitializer, 'glorotUniform', 'kernelInitializer', fn);
    this.biasInitializer = initializerOption(a.biasInitializer, 'zeros', 'biasInitializer', fn);
  }

  computeOutputShape(inputShape: Shape): Shape {
    const [h, w] = requireImageInput(this, inputShape);
    const [kh, kw] = this.kernelSize;
    const ekh = (kh - 1) * this.dilationRate[0] + 1;
    const ekw = (kw - 1) * this.dilationRate[1] + 1;
    const oh = windowOutput(h, ekh, this.strides[0], this.padding);
    const ow = windowOutput(w, ekw, this.strides[1], this.padding);
    if (oh < 1 || ow < 1) {
      const dilated = ekh !== kh || ekw !== kw ? ` (${ekh}x${ekw} dilated)` : '';
      throw new Error(
        `${this.label}: the ${kh}x${kw} kernel${dilated} does not fit the ${h}x${w} input with padding 'valid'; use padding 'same', a smaller kernelSize, or fewer pooling layers before it`,
      );
    }
    return [inputShape[0], oh, ow, this.filters];
  }

  protected override buildWeights(inputShape: Shape, seed: number | undefined): void {
    const cin = inputShape[3] as number;
    this.kernel = this.addWeight(
      'kernel',
      [this.kernelSize[0], this.kernelSize[1], cin, this.filters],
      this.kernelInitializer,
      seed,
    );
    if (this.useBias)
      this.bias = this.addWeight(
        'bias',
        [this.filters],
        this.biasInitializer,
        seed === undefined ? undefined : seed + 1,
      );
  }

  protected call(x: Tensor): Tensor {
    const fused = this.activation === 'relu';
    const y = conv2d(x, this.kernel!, {
      strides: this.strides,
      padding: this.padding,
      dilation: this.dilationRate,
      bias: this.bias ?? undefined,
      activation: fused ? 'relu' : 'linear',
    });
    return fused ? y : applyActivation(y, this.activation);
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      filters: this.filters,
      kernelSize: this.kernelSize.slice(),
      strides: this.strides.slice(),
      padding: this.padding,
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
