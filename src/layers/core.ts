// Flatten, Activation and Dropout: layers without weights.
import { Tensor } from '../core/tensor.js';
import { flatten } from '../ops/reshape.js';
import { mul } from '../ops/elementwise.js';
import { f32 } from '../backend/views.js';
import { Random } from '../util/random.js';
import { SimdnetError, describe } from '../util/validate.js';
import { LAYER_ARG_KEYS, Layer, type LayerArgs } from './layer.js';
import { applyActivation, checkActivation, type ActivationName } from './activations.js';
import { checkKnownKeys, checkOneOf, checkOptionsObject, fmtKerasShape, type Shape } from './options.js';

export class Flatten extends Layer {
  readonly className = 'Flatten';
  constructor(args?: LayerArgs & { dataFormat?: 'channelsLast' }) {
    const fn = 'layers.flatten';
    const a = checkOptionsObject(args, fn);
    checkKnownKeys(a, [...LAYER_ARG_KEYS, 'dataFormat'], fn);
    super(a, fn, 'flatten');
    if (a.dataFormat !== undefined) checkOneOf(a.dataFormat, ['channelsLast'], 'dataFormat', fn);
  }
  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length < 2)
      throw new SimdnetError(
        this.label,
        `expects an input with a batch and at least one feature axis; got ${fmtKerasShape(inputShape)}`,
        undefined,
        ' ',
      );
    const features = (inputShape.slice(1) as number[]).reduce((a, b) => a * b, 1);
    return [inputShape[0], features];
  }
  protected call(x: Tensor): Tensor {
    return flatten(x);
  }
  protected layerConfig(): Record<string, unknown> {
    return {};
  }
}

export class Activation extends Layer {
  readonly className = 'Activation';
  readonly activation: ActivationName;
  constructor(args: LayerArgs & { activation: ActivationName }) {
    const fn = 'layers.activation';
    const a = checkOptionsObject(args, fn);
    checkKnownKeys(a, [...LAYER_ARG_KEYS, 'activation'], fn);
    super(a, fn, 'activation');
    if (a.activation === undefined)
      throw new Error(
        `${fn}: option 'activation' is required ('relu', 'sigmoid', 'tanh', 'softmax', 'relu6' or 'linear')`,
      );
    this.activation = checkActivation(a.activation, fn);
  }
  computeOutputShape(inputShape: Shape): Shape {
    return inputShape.slice();
  }
  protected call(x: Tensor): Tensor {
    return applyActivation(x, this.activation);
  }
  protected layerConfig(): Record<string, unknown> {
    return { activation: this.activation };
  }
}

export interface DropoutArgs extends LayerArgs {
  /** The fraction of inputs set to zero during training, in [0, 1). */
  rate: number;
  /** Makes the masks repeatable. */
  seed?: number;
}

/**
 * Inverted dropout: in training, each element is zeroed with probability `rate` and the survivors are
 * scaled by 1 / (1 - rate), so that inference needs no rescaling and passes its input through unchanged.
 */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly rate: number;
  readonly seed: number | undefined;
  private rng: Random | null = null;

  constructor(args: DropoutArgs) {
    const fn = 'layers.dropout';
    const a = checkOptionsObject(args, fn);
    checkKnownKeys(a, [...LAYER_ARG_KEYS, 'rate', 'seed', 'noiseShape'], fn);
    super(a, fn, 'dropout');
    if (typeof a.rate !== 'number' || !(a.rate >= 0 && a.rate < 1)) {
      throw new Error(`${fn}: option 'rate' must be a number in [0, 1); got ${describe(a.rate)}`);
    }
    if (a.noiseShape !== undefined && a.noiseShape !== null)
      throw new Error(`${fn}: option 'noiseShape' is not supported`);
    if (a.seed !== undefined && (typeof a.seed !== 'number' || !Number.isInteger(a.seed))) {
      throw new Error(`${fn}: option 'seed' must be an integer; got ${describe(a.seed)}`);
    }
    this.rate = a.rate;
    this.seed = a.seed;
  }

  computeOutputShape(inputShape: Shape): Shape {
    return inputShape.slice();
  }

  protected override buildWeights(_inputShape: Shape, seed: number | undefined): void {
    // A model-level seed makes an unseeded dropout repeatable too.
    this.rng = new Random(this.seed ?? seed);
  }

  protected call(x: Tensor, training: boolean): Tensor {
    if (!training || this.rate === 0) return x;
    const rng = (this.rng ??= new Random(this.seed));
    const keep = 1 / (1 - this.rate);
    const mask = new Tensor(x.shape);
    const values = new Float32Array(x.size);
    for (let i = 0; i < values.length; i++) values[i] = rng.uniform() >= this.rate ? keep : 0;
    f32().set(values, mask.index);
    return mul(x, mask);
  }

  protected layerConfig(): Record<string, unknown> {
    return this.seed === undefined ? { rate: this.rate } : { rate: this.rate, seed: this.seed };
  }
}
