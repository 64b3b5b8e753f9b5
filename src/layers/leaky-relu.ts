// LeakyReLU (Keras's layer, PyTorch's nn.LeakyReLU): x for x > 0, alpha * x otherwise. A layer of its
// own rather than an activation name, because its slope is a parameter.
import type { Tensor } from '../core/tensor.js';
import { leakyRelu } from '../ops/activations.js';
import { describe } from '../util/validate.js';
import { LAYER_ARG_KEYS, Layer, type LayerArgs } from './layer.js';
import { checkKnownKeys, checkOptionsObject, type Shape } from './options.js';

export interface LeakyReLUArgs extends LayerArgs {
  /** The slope for x <= 0. Default 0.3 (Keras's; PyTorch's default is 0.01). */
  alpha?: number;
}

export class LeakyReLU extends Layer {
  readonly className = 'LeakyReLU';
  readonly alpha: number;
  constructor(args: LeakyReLUArgs = {}) {
    const fn = 'layers.leakyReLU';
    const a = checkOptionsObject(args, fn) as LeakyReLUArgs;
    checkKnownKeys(a, [...LAYER_ARG_KEYS, 'alpha'], fn);
    super(a, fn, 'leaky_re_lu');
    const alpha = a.alpha ?? 0.3;
    if (typeof alpha !== 'number' || !Number.isFinite(alpha))
      throw new Error(`${fn}: option 'alpha' must be a finite number; got ${describe(alpha)}`);
    this.alpha = alpha;
  }
  computeOutputShape(inputShape: Shape): Shape {
    return inputShape.slice();
  }
  protected call(x: Tensor): Tensor {
    return leakyRelu(x, this.alpha);
  }
  protected layerConfig(): Record<string, unknown> {
    return { alpha: this.alpha };
  }
}
