// Clip: every value clamped to [min, max] (PyTorch's nn.Hardtanh and torch.clamp, ONNX's Clip). A layer
// of its own, like LeakyReLU, because its bounds are parameters; either bound may be left open.
import type { Tensor } from '../core/tensor.js';
import { clipByValue } from '../ops/activations.js';
import { describe } from '../util/validate.js';
import { LAYER_ARG_KEYS, Layer, type LayerArgs } from './layer.js';
import { checkKnownKeys, checkOptionsObject, type Shape } from './options.js';

export interface ClipArgs extends LayerArgs {
  /** The lower bound; default none (-Infinity). */
  min?: number | null;
  /** The upper bound; default none (Infinity). */
  max?: number | null;
}

export class Clip extends Layer {
  readonly className = 'Clip';
  readonly min: number;
  readonly max: number;
  constructor(args: ClipArgs = {}) {
    const fn = 'layers.clip';
    const a = checkOptionsObject(args, fn) as ClipArgs;
    checkKnownKeys(a, [...LAYER_ARG_KEYS, 'min', 'max'], fn);
    super(a, fn, 'clip');
    const bound = (v: unknown, name: string, open: number): number => {
      if (v === undefined || v === null) return open;
      if (typeof v !== 'number' || Number.isNaN(v))
        throw new Error(`${fn}: option '${name}' must be a number or null; got ${describe(v)}`);
      return v;
    };
    this.min = bound(a.min, 'min', -Infinity);
    this.max = bound(a.max, 'max', Infinity);
    if (this.min > this.max)
      throw new Error(`${fn}: option 'min' must be <= 'max'; got min = ${this.min} and max = ${this.max}`);
  }
  computeOutputShape(inputShape: Shape): Shape {
    return inputShape.slice();
  }
  protected call(x: Tensor): Tensor {
    return clipByValue(x, this.min, this.max);
  }
  /** An open bound is saved as null (JSON has no Infinity). */
  protected layerConfig(): Record<string, unknown> {
    return {
      min: Number.isFinite(this.min) ? this.min : null,
      max: Number.isFinite(this.max) ? this.max : null,
    };
  }
}
