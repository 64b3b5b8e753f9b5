// Permute (Keras): reorders the axes after the batch. `dims` counts from 1 (the batch is axis 0 and stays),
// e.g. dims [2, 3, 1] turns NCHW data into NHWC, [3, 1, 2] turns NHWC into NCHW.
import type { Tensor } from '../core/tensor.js';
import { transpose } from '../ops/transpose.js';
import { SimdnetError, describe } from '../util/validate.js';
import { LAYER_ARG_KEYS, Layer, type LayerArgs } from './layer.js';
import { checkKnownKeys, checkOptionsObject, fmtKerasShape, type Shape } from './options.js';

export interface PermuteArgs extends LayerArgs {
  /** A permutation of 1..rank-1 (the axes after the batch), e.g. [2, 3, 1]. */
  dims: number[];
}

export class Permute extends Layer {
  readonly className = 'Permute';
  readonly dims: number[];
  constructor(args: PermuteArgs) {
    const fn = 'layers.permute';
    const a = checkOptionsObject(args, fn);
    checkKnownKeys(a, [...LAYER_ARG_KEYS, 'dims'], fn);
    super(a, fn, 'permute');
    const d = a.dims;
    const ok =
      Array.isArray(d) &&
      d.length >= 1 &&
      d.length <= 3 &&
      d.every((v) => Number.isInteger(v) && v >= 1 && v <= d.length) &&
      new Set(d).size === d.length;
    if (!ok) {
      throw new Error(
        `${fn}: option 'dims' must be a permutation of 1..k (the axes after the batch, k <= 3), e.g. [2, 3, 1]; got ${describe(d)}`,
      );
    }
    this.dims = (d as number[]).slice();
  }
  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== this.dims.length + 1) {
      throw new SimdnetError(
        this.label,
        `expects inputs of rank ${this.dims.length + 1} (dims ${JSON.stringify(this.dims)}); got ${fmtKerasShape(inputShape)}`,
        undefined,
        ' ',
      );
    }
    return [inputShape[0], ...this.dims.map((d) => inputShape[d])];
  }
  protected call(x: Tensor): Tensor {
    return transpose(x, [0, ...this.dims]);
  }
  protected layerConfig(): Record<string, unknown> {
    return { dims: this.dims.slice() };
  }
}
