// MaxPooling2D, AveragePooling2D and GlobalAveragePooling2D over NHWC images.
import type { Tensor } from '../core/tensor.js';
import { avgPool2d, globalAvgPool2d, maxPool2d } from '../ops/pool.js';
import { LAYER_ARG_KEYS, Layer, requireImageInput, type LayerArgs } from './layer.js';
import { windowOutput } from './conv2d.js';
import { checkIntPair, checkKnownKeys, checkOneOf, checkOptionsObject, type Shape } from './options.js';

export interface Pooling2DArgs extends LayerArgs {
  /** Default 2 (a 2x2 window), as in Keras. */
  poolSize?: number | [number, number];
  /** Default poolSize. */
  strides?: number | [number, number];
  padding?: 'valid' | 'same';
  dataFormat?: 'channelsLast';
}

const KEYS = [...LAYER_ARG_KEYS, 'poolSize', 'strides', 'padding', 'dataFormat'];

abstract class Pooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';

  protected constructor(args: Pooling2DArgs | undefined, fn: string, prefix: string) {
    const a = checkOptionsObject(args, fn) as Pooling2DArgs;
    checkKnownKeys(a, KEYS, fn);
    super(a, fn, prefix);
    this.poolSize = checkIntPair(a.poolSize ?? 2, 'poolSize', fn);
    // Keras's default stride is the pool size (null means the same).
    this.strides =
      a.strides === undefined || a.strides === null ? this.poolSize : checkIntPair(a.strides, 'strides', fn);
    this.padding = checkOneOf(a.padding ?? 'valid', ['valid', 'same'], 'padding', fn);
    if (a.dataFormat !== undefined) checkOneOf(a.dataFormat, ['channelsLast'], 'dataFormat', fn);
  }

  computeOutputShape(inputShape: Shape): Shape {
    const [h, w, c] = requireImageInput(this, inputShape);
    const [ph, pw] = this.poolSize;
    const oh = windowOutput(h, ph, this.strides[0], this.padding);
    const ow = windowOutput(w, pw, this.strides[1], this.padding);
    if (oh < 1 || ow < 1) {
      throw new Error(
        `${this.label}: the ${ph}x${pw} pool window does not fit the ${h}x${w} input with padding 'valid'; use a smaller poolSize, padding 'same', or fewer layers that shrink the image before it`,
      );
    }
    return [inputShape[0], oh, ow, c];
  }

  protected layerConfig(): Record<string, unknown> {
    return { poolSize: this.poolSize.slice(), strides: this.strides.slice(), padding: this.padding };
  }
}

export class MaxPooling2D extends Pooling2D {
  readonly className = 'MaxPooling2D';
  constructor(args?: Pooling2DArgs) {
    super(args, 'layers.maxPooling2d', 'max_pooling2d');
  }
  protected call(x: Tensor): Tensor {
    return maxPool2d(x, { poolSize: this.poolSize, strides: this.strides, padding: this.padding });
  }
}

export class AveragePooling2D extends Pooling2D {
  readonly className = 'AveragePooling2D';
  constructor(args?: Pooling2DArgs) {
    super(args, 'layers.averagePooling2d', 'average_pooling2d');
  }
  protected call(x: Tensor): Tensor {
    return avgPool2d(x, { poolSize: this.poolSize, strides: this.strides, padding: this.padding });
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
