// Rescaling (Keras's layer): y = x * scale + offset, with scale and offset each a number or one value per
// channel (the last axis). Constants, not weights: input normalisation such as (x - mean) / std, and what
// loadOnnx makes of Add/Sub/Mul/Div by constants that it cannot fold into a convolution.
import type { Tensor } from '../core/tensor.js';
import { keep } from '../core/tensor.js';
import { tensor } from '../core/creation.js';
import { add, mul } from '../ops/elementwise.js';
import { SimdnetError, describe } from '../util/validate.js';
import { LAYER_ARG_KEYS, Layer, type LayerArgs } from './layer.js';
import { checkKnownKeys, checkOptionsObject, fmtKerasShape, type Shape } from './options.js';

export interface RescalingArgs extends LayerArgs {
  /** A number, or one number per channel (the last axis). Default 1. */
  scale?: number | number[];
  /** A number, or one number per channel. Default 0. */
  offset?: number | number[];
}

function checkFactor(value: unknown, option: string, fn: string): number | number[] {
  const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (finite(value)) return value as number;
  if (Array.isArray(value) && value.length >= 1 && value.every(finite)) return (value as number[]).slice();
  throw new Error(
    `${fn}: option '${option}' must be a finite number or a non-empty array of them; got ${describe(value)}`,
  );
}

export class Rescaling extends Layer {
  readonly className = 'Rescaling';
  readonly scale: number | number[];
  readonly offset: number | number[];
  /** The constants as tensors, made on first use and freed by dispose(). */
  private constants: [Tensor, Tensor] | null = null;

  constructor(args: RescalingArgs = {}) {
    const fn = 'layers.rescaling';
    const a = checkOptionsObject(args, fn) as RescalingArgs;
    checkKnownKeys(a, [...LAYER_ARG_KEYS, 'scale', 'offset'], fn);
    super(a, fn, 'rescaling');
    this.scale = checkFactor(a.scale ?? 1, 'scale', fn);
    this.offset = checkFactor(a.offset ?? 0, 'offset', fn);
  }

  computeOutputShape(inputShape: Shape): Shape {
    const channels = inputShape[inputShape.length - 1];
    for (const v of [this.scale, this.offset])
      if (Array.isArray(v) && v.length !== 1 && v.length !== channels)
        throw new SimdnetError(
          this.label,
          `has ${v.length} values per channel; its input ${fmtKerasShape(inputShape)} has ${channels} channels (the last axis)`,
          undefined,
          ' ',
        );
    return inputShape.slice();
  }

  protected call(x: Tensor): Tensor {
    // Kept tensors survive the tidy scope of the first call; they hold no gradient (constants).
    this.constants ??= [this.scale, this.offset].map((v) =>
      keep(tensor(Float32Array.from(Array.isArray(v) ? v : [v]))),
    ) as [Tensor, Tensor];
    const [scale, offset] = this.constants;
    return add(mul(x, scale), offset);
  }

  protected layerConfig(): Record<string, unknown> {
    const copy = (v: number | number[]) => (Array.isArray(v) ? v.slice() : v);
    return { scale: copy(this.scale), offset: copy(this.offset) };
  }

  override dispose(): void {
    for (const t of this.constants ?? []) t.dispose();
    this.constants = null;
    super.dispose();
  }
}
