// Reshape (Keras's layer): the same values under a new shape after the batch, e.g. [4 * 4 * 8] to
// [4, 4, 8]; at most one axis may be -1 (inferred). What loadOnnx makes of ONNX Reshapes that do not flatten.
import type { Tensor } from '../core/tensor.js';
import { reshape } from '../ops/reshape.js';
import { SimdnetError, describe } from '../util/validate.js';
import { LAYER_ARG_KEYS, Layer, type LayerArgs } from './layer.js';
import { checkKnownKeys, checkOptionsObject, fmtKerasShape, type Shape } from './options.js';

export interface ReshapeArgs extends LayerArgs {
  /** The shape after the batch: positive integers, at most one -1. */
  targetShape: number[];
}

export class Reshape extends Layer {
  readonly className = 'Reshape';
  readonly targetShape: number[];
  constructor(args: ReshapeArgs) {
    const fn = 'layers.reshape';
    const a = checkOptionsObject(args, fn);
    checkKnownKeys(a, [...LAYER_ARG_KEYS, 'targetShape'], fn);
    super(a, fn, 'reshape');
    const t = a.targetShape;
    const ok =
      Array.isArray(t) &&
      t.length >= 1 &&
      t.every((d) => d === -1 || (Number.isInteger(d) && d >= 1)) &&
      t.filter((d) => d === -1).length <= 1;
    if (!ok)
      throw new Error(
        `${fn}: option 'targetShape' must be an array of positive integers (the shape after the batch) with at most one -1; got ${Array.isArray(t) ? JSON.stringify(t) : describe(t)}`,
      );
    this.targetShape = (t as number[]).slice();
  }
  computeOutputShape(inputShape: Shape): Shape {
    const size = (inputShape.slice(1) as number[]).reduce((a, b) => a * b, 1);
    const known = this.targetShape.reduce((a, d) => (d === -1 ? a : a * d), 1);
    const infer = this.targetShape.includes(-1);
    if (inputShape.slice(1).some((d) => d === null) || (infer ? size % known !== 0 : size !== known))
      throw new SimdnetError(
        this.label,
        `cannot reshape ${fmtKerasShape(inputShape)} (${size} values per example) to ${JSON.stringify(this.targetShape)}`,
        undefined,
        ' ',
      );
    return [inputShape[0], ...this.targetShape.map((d) => (d === -1 ? size / known : d))];
  }
  protected call(x: Tensor): Tensor {
    return reshape(x, [x.shape[0], ...this.targetShape]);
  }
  protected layerConfig(): Record<string, unknown> {
    return { targetShape: this.targetShape.slice() };
  }
}
