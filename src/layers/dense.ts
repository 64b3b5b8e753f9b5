// Dense: y = activation(x · kernel + bias), kernel [in, units]. ReLU is fused into the op.
import type { Tensor } from '../core/tensor.js';
import { dense } from '../ops/matmul.js';
import { SimdnetError } from '../util/validate.js';
import type { Initializer } from './initializers.js';
import type { Variable } from '../core/variable.js';
import { LAYER_ARG_KEYS, Layer, type LayerArgs } from './layer.js';
import { KERNEL_LAYER_KEYS, kernelLayerOptions, type KernelLayerArgs } from './kernel-options.js';
import { withActivation, type ActivationName } from './activations.js';
import { checkKnownKeys, checkOptionsObject, checkPositiveInt, fmtKerasShape, type Shape } from './options.js';

export interface DenseArgs extends LayerArgs, KernelLayerArgs {
  units: number;
}

const KEYS = [...LAYER_ARG_KEYS, 'units', ...KERNEL_LAYER_KEYS];

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
    ({
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
    } = kernelLayerOptions(a, fn));
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
    if (this.useBias) this.bias = this.addBias(this.units, this.biasInitializer, seed);
  }

  protected call(x: Tensor): Tensor {
    return withActivation(this.activation, (fused) =>
      dense(x, this.kernel!, this.bias ?? undefined, fused ? 'relu' : 'linear'),
    );
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
