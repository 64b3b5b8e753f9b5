// Dense: y = activation(x · kernel + bias), kernel [in, units]. ReLU is fused into the op.
import type { Tensor } from '../core/tensor.js';
import { dense } from '../ops/matmul.js';
import { SimdnetError } from '../util/validate.js';
import type { Initializer, InitializerIdentifier } from './initializers.js';
import type { Variable } from '../core/variable.js';
import { LAYER_ARG_KEYS, Layer, initializerOption, type LayerArgs } from './layer.js';
import { applyActivation, checkActivation, type ActivationName } from './activations.js';
import {
  checkBoolean,
  checkKnownKeys,
  checkOptionsObject,
  checkPositiveInt,
  fmtKerasShape,
  type Shape,
} from './options.js';

export interface DenseArgs extends LayerArgs {
  units: number;
  activation?: ActivationName | null;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
}

const KEYS = [...LAYER_ARG_KEYS, 'units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer'];

export class Dense extends Layer {
  readonly className = 'Dense';
  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(args: DenseArgs) {
    const fn = 'layers.dense';
    const a = checkOptionsObject(args, fn) as DenseArgs;
    checkKnownKeys(a, KEYS, fn);
    super(a, fn, 'dense');
    if (a.units === undefined) throw new Error(`${fn}: option 'units' is required (the number of outputs)`);
    this.units = checkPositiveInt(a.units, 'units', fn);
    this.activation = checkActivation(a.activation, fn);
    this.useBias = a.useBias === undefined ? true : checkBoolean(a.useBias, 'useBias', fn);
    this.kernelInitializer = initializerOption(a.kernelInitializer, 'glorotUniform', 'kernelInitializer', fn);
    this.biasInitializer = initializerOption(a.biasInitializer, 'zeros', 'biasInitializer', fn);
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 2) {
      const hint = inputShape.length > 2 ? '; add a flatten layer (or globalAveragePooling2d) before it' : '';
      throw new SimdnetError(
        this.label,
        `expects a flat input of shape (None, features); got ${fmtKerasShape(inputShape)}${hint}`,
        undefined,
        ' ',
      );
    }
    return [inputShape[0], this.units];
  }

  protected override buildWeights(inputShape: Shape, seed: number | undefined): void {
    this.kernel = this.addWeight('kernel', [inputShape[1] as number, this.units], this.kernelInitializer, seed);
    if (this.useBias)
      this.bias = this.addWeight('bias', [this.units], this.biasInitializer, seed === undefined ? undefined : seed + 1);
  }

  protected call(x: Tensor): Tensor {
    const fused = this.activation === 'relu';
    const y = dense(x, this.kernel!, this.bias ?? undefined, fused ? 'relu' : 'linear');
    return fused ? y : applyActivation(y, this.activation);
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      units: this.units,
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
