// MaxPooling2D, AveragePooling2D and GlobalAveragePooling2D over NHWC images.
import type { Tensor } from '../core/tensor.js';
import { avgPool2d, globalAvgPool2d, maxPool2d } from '../ops/pool.js';
import { LAYER_ARG_KEYS, Layer, requireImageInput, type LayerArgs } from './layer.js';
import { paddingOption } from './conv2d.js';
import { computePool2dInfo, type Padding2d } from '../ops/geometry.js';
import { checkBoolean, checkIntPair, checkKnownKeys, checkOneOf, checkOptionsObject, type Shape } from './options.js';

export interface Pooling2DArgs extends LayerArgs {
  /** Default 2 (a 2x2 window), as in Keras. */
  poolSize?: number | [number, number];
  /** Default poolSize. */
  strides?: number | [number, number];
  /**
   * 'valid' (default), 'same' (TensorFlow's rule), or explicit as in PyTorch: p, [ph, pw] or
   * [[top, bottom], [left, right]], at most half the window on each side.
   */
  padding?: Padding2d;
  /** PyTorch's ceil_mode; default false. */
  ceilMode?: boolean;
  dataFormat?: 'channelsLast';
}

export interface AveragePooling2DArgs extends Pooling2DArgs {
  /** Count padded cells in the average; default true for explicit padding (PyTorch), false for 'same'. */
  countIncludePad?: boolean;
}

const KEYS = [...LAYER_ARG_KEYS, 'poolSize', 'strides', 'padding', 'ceilMode', 'dataFormat'];

abstract class Pooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  /** 'valid', 'same', or explicit [[top, bottom], [left, right]] (short forms are expanded). */
  readonly padding: 'valid' | 'same' | [[number, number], [number, number]];
  readonly ceilMode: boolean;

  protected constructor(args: Pooling2DArgs | undefined, fn: string, prefix: string, keys = KEYS) {
    const a = checkOptionsObject(args, fn) as Pooling2DArgs;
    checkKnownKeys(a, keys, fn);
    super(a, fn, prefix);
    this.poolSize = checkIntPair(a.poolSize ?? 2, 'poolSize', fn);
    // Keras's default stride is the pool size (null means the same).
    this.strides =
      a.strides === undefined || a.strides === null ? this.poolSize : checkIntPair(a.strides, 'strides', fn);
    this.padding = paddingOption(a.padding, fn);
    this.ceilMode = a.ceilMode === undefined ? false : checkBoolean(a.ceilMode, 'ceilMode', fn);
    if (a.dataFormat !== undefined) checkOneOf(a.dataFormat, ['channelsLast'], 'dataFormat', fn);
  }

  computeOutputShape(inputShape: Shape): Shape {
    const [, , c] = requireImageInput(this, inputShape);
    const info = computePool2dInfo(
      inputShape,
      this.poolSize,
      { strides: this.strides, padding: this.padding, ceilMode: this.ceilMode },
      this.label,
    );
    return [inputShape[0], info.outHeight, info.outWidth, c];
  }

  protected poolOptions() {
    return { poolSize: this.poolSize, strides: this.strides, padding: this.padding, ceilMode: this.ceilMode };
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      poolSize: this.poolSize.slice(),
      strides: this.strides.slice(),
      padding: structuredClone(this.padding),
      ceilMode: this.ceilMode,
    };
  }
}

export class MaxPooling2D extends Pooling2D {
  readonly className = 'MaxPooling2D';
  constructor(args?: Pooling2DArgs) {
    super(args, 'layers.maxPooling2d', 'max_pooling2d');
  }
  protected call(x: Tensor): Tensor {
    return maxPool2d(x, this.poolOptions());
  }
}

export class AveragePooling2D extends Pooling2D {
  readonly className = 'AveragePooling2D';
  readonly countIncludePad: boolean;
  constructor(args?: AveragePooling2DArgs) {
    const fn = 'layers.averagePooling2d';
    super(args, fn, 'average_pooling2d', [...KEYS, 'countIncludePad']);
    const given = args?.countIncludePad;
    this.countIncludePad =
      given === undefined || given === null ? Array.isArray(this.padding) : checkBoolean(given, 'countIncludePad', fn);
  }
  protected call(x: Tensor): Tensor {
    return avgPool2d(x, { ...this.poolOptions(), countIncludePad: this.countIncludePad });
  }
  protected override layerConfig(): Record<string, unknown> {
    return { ...super.layerConfig(), countIncludePad: this.countIncludePad };
  }
}

export class GlobalAveragePooling2D extends Layer {
  readonly className = 'GlobalAveragePooling2D';
  constructor(args?: LayerArgs & { dataFormat?: 'channelsLast' }) {
    const fn = 'layers.globalAveragePooling2d';
    const a = checkOptionsObject(args, fn);
    checkKnownKeys(a, [...LAYER_ARG_KEYS, 'dataFormat'], fn);
    super(a, fn, 'global_average_pooling2d');
    if (a.dataFormat !== undefined) checkOneOf(a.dataFormat, ['channelsLast'], 'dataFormat', fn);
  }
  computeOutputShape(inputShape: Shape): Shape {
    const [, , c] = requireImageInput(this, inputShape);
    return [inputShape[0], c];
  }
  protected call(x: Tensor): Tensor {
    return globalAvgPool2d(x);
  }
  protected layerConfig(): Record<string, unknown> {
    return {};
  }
}
