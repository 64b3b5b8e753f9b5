// MaxPooling1D, AveragePooling1D and GlobalAveragePooling1D over [batch, steps, channels], and
// GlobalMaxPooling2D over NHWC images (Keras's layers).
import type { Tensor } from '../core/tensor.js';
import { avgPool1d, globalAvgPool1d, globalMaxPool2d, maxPool1d } from '../ops/pool1d.js';
import { windowAxis } from '../ops/geometry.js';
import { LAYER_ARG_KEYS, Layer, requireImageInput, type LayerArgs } from './layer.js';
import { checkSingle, requireSequenceInput } from './conv1d.js';
import { checkKnownKeys, checkOneOf, checkOptionsObject, type Shape } from './options.js';

export interface Pooling1DArgs extends LayerArgs {
  /** Default 2. */
  poolSize?: number | [number];
  /** Default poolSize. */
  strides?: number | [number] | null;
  padding?: 'valid' | 'same';
  dataFormat?: 'channelsLast';
}

const KEYS = [...LAYER_ARG_KEYS, 'poolSize', 'strides', 'padding', 'dataFormat'];

abstract class Pooling1D extends Layer {
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: 'valid' | 'same';

  protected constructor(args: Pooling1DArgs | undefined, fn: string, prefix: string) {
    const a = checkOptionsObject(args, fn) as Pooling1DArgs;
    checkKnownKeys(a, KEYS, fn);
    super(a, fn, prefix);
    this.poolSize = checkSingle(a.poolSize ?? 2, 'poolSize', fn);
    this.strides =
      a.strides === undefined || a.strides === null ? this.poolSize : checkSingle(a.strides, 'strides', fn);
    this.padding = checkOneOf(a.padding ?? 'valid', ['valid', 'same'], 'padding', fn);
    if (a.dataFormat !== undefined) checkOneOf(a.dataFormat, ['channelsLast'], 'dataFormat', fn);
  }

  computeOutputShape(inputShape: Shape): Shape {
    const [steps, c] = requireSequenceInput(this, inputShape);
    const out = windowAxis(steps, this.poolSize, this.strides, 1, this.padding).out;
    if (out < 1)
      throw new Error(
        `${this.label}: the pool window of ${this.poolSize} does not fit ${steps} steps with padding 'valid'; use a smaller poolSize or padding 'same'`,
      );
    return [inputShape[0], out, c];
  }

  protected options() {
    return { poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }

  protected layerConfig(): Record<string, unknown> {
    return this.options();
  }
}

export class MaxPooling1D extends Pooling1D {
  readonly className = 'MaxPooling1D';
  constructor(args?: Pooling1DArgs) {
    super(args, 'layers.maxPooling1d', 'max_pooling1d');
  }
  protected call(x: Tensor): Tensor {
    return maxPool1d(x, this.options());
  }
}

export class AveragePooling1D extends Pooling1D {
  readonly className = 'AveragePooling1D';
  constructor(args?: Pooling1DArgs) {
    super(args, 'layers.averagePooling1d', 'average_pooling1d');
  }
  protected call(x: Tensor): Tensor {
    return avgPool1d(x, this.options());
  }
}

function globalArgs(args: unknown, fn: string): LayerArgs {
  const a = checkOptionsObject(args, fn);
  checkKnownKeys(a, [...LAYER_ARG_KEYS, 'dataFormat'], fn);
  if (a.dataFormat !== undefined) checkOneOf(a.dataFormat, ['channelsLast'], 'dataFormat', fn);
  return a;
}

export class GlobalAveragePooling1D extends Layer {
  readonly className = 'GlobalAveragePooling1D';
  constructor(args?: LayerArgs & { dataFormat?: 'channelsLast' }) {
    const fn = 'layers.globalAveragePooling1d';
    super(globalArgs(args, fn), fn, 'global_average_pooling1d');
  }
  computeOutputShape(inputShape: Shape): Shape {
    const [, c] = requireSequenceInput(this, inputShape);
    return [inputShape[0], c];
  }
  protected call(x: Tensor): Tensor {
    return globalAvgPool1d(x);
  }
  protected layerConfig(): Record<string, unknown> {
    return {};
  }
}

export class GlobalMaxPooling2D extends Layer {
  readonly className = 'GlobalMaxPooling2D';
  constructor(args?: LayerArgs & { dataFormat?: 'channelsLast' }) {
    const fn = 'layers.globalMaxPooling2d';
    super(globalArgs(args, fn), fn, 'global_max_pooling2d');
  }
  computeOutputShape(inputShape: Shape): Shape {
    const [, , c] = requireImageInput(this, inputShape);
    return [inputShape[0], c];
  }
  protected call(x: Tensor): Tensor {
    return globalMaxPool2d(x);
  }
  protected layerConfig(): Record<string, unknown> {
    return {};
  }
}
