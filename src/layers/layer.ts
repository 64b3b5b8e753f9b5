// The base of every layer. A layer knows its input shape only once it is built: either by
// Sequential.add (from the previous layer's output shape) or by its first apply(). Building creates the
// weights as variables named '<layer name>/<weight>', e.g. 'conv2d_1/kernel'.
import { Tensor, copyOf } from '../core/tensor.js';
import { isRecording, tidy } from '../core/engine.js';
import { Variable, lookupVariable, variable } from '../core/variable.js';
import { checkTensor, describe, fmtShape } from '../util/validate.js';
import { getInitializer, type Initializer, type InitializerIdentifier } from './initializers.js';
import { checkBoolean, checkInputShape, fmtKerasShape, type Shape } from './options.js';

/** Options every layer accepts. */
export interface LayerArgs {
  /** The input shape without the batch, e.g. [28, 28, 1]. Needed on a model's first layer. */
  inputShape?: number[];
  /** Unique among layers; by default the type and a counter, e.g. 'conv2d_1'. */
  name?: string;
  /** false keeps the weights fixed during fit. Default true. */
  trainable?: boolean;
}

export const LAYER_ARG_KEYS = ['inputShape', 'name', 'trainable'] as const;

export interface LayerConfig {
  name: string;
  trainable: boolean;
  inputShape?: number[];
  [key: string]: unknown;
}

export interface ApplyOptions {
  /** Training mode switches dropout on. Default false. */
  training?: boolean;
}

const counters = new Map<string, number>();

/** 'conv2d' → 'conv2d_1', 'conv2d_2', ... skipping names whose weights still exist. */
function uniqueLayerName(prefix: string): string {
  let n = counters.get(prefix) ?? 0;
  let name: string;
  do {
    n++;
    name = `${prefix}_${n}`;
  } while (lookupVariable(`${name}/kernel`) || lookupVariable(`${name}/bias`));
  counters.set(prefix, n);
  return name;
}

export abstract class Layer {
  /** Keras's class name, e.g. 'Conv2D'. */
  abstract readonly className: string;
  readonly name: string;
  /** The input shape given in the options (without the batch), if any. */
  readonly declaredInputShape: number[] | undefined;
  protected trainableFlag: boolean;
  private builtInput: Shape | null = null;
  private builtOutput: Shape | null = null;
  protected readonly ownWeights: Variable[] = [];

  /** `fn` is the factory name used in error messages, `prefix` the default name's stem. */
  protected constructor(
    args: LayerArgs,
    protected readonly fn: string,
    prefix: string,
  ) {
    this.declaredInputShape = args.inputShape === undefined ? undefined : checkInputShape(args.inputShape, fn);
    if (
      args.name !== undefined &&
      (typeof args.name !== 'string' || args.name.length === 0 || args.name.includes('/'))
    ) {
      throw new Error(`${fn}: option 'name' must be a non-empty string without '/'; got ${describe(args.name)}`);
    }
    this.name = args.name ?? uniqueLayerName(prefix);
    this.trainableFlag = args.trainable === undefined ? true : checkBoolean(args.trainable, 'trainable', fn);
  }

  /** "conv2d_1 (Conv2D)", used in messages and the summary. */
  get label(): string {
    return `${this.name} (${this.className})`;
  }

  get built(): boolean {
    return this.builtInput !== null;
  }

  /** The input shape with a null batch, once built. */
  get inputShape(): Shape {
    if (!this.builtInput) throw new Error(`${this.label}: the layer is not built yet, so its input shape is unknown`);
    return this.builtInput.slice();
  }

  get outputShape(): Shape {
    if (!this.builtOutput) throw new Error(`${this.label}: the layer is not built yet, so its output shape is unknown`);
    return this.builtOutput.slice();
  }

  get trainable(): boolean {
    return this.trainableFlag;
  }

  set trainable(value: boolean) {
    this.trainableFlag = value;
    for (const w of this.ownWeights) w.trainable = value;
  }

  /** Every weight, in a fixed order (kernel before bias). */
  get weights(): Variable[] {
    return this.ownWeights.slice();
  }

  get trainableWeights(): Variable[] {
    return this.ownWeights.filter((w) => w.trainable);
  }

  get nonTrainableWeights(): Variable[] {
    return this.ownWeights.filter((w) => !w.trainable);
  }

  /**
   * The output shape for an input shape (both with the batch first, null when unknown). Throws an error
   * saying why when this layer cannot take such an input.
   */
  abstract computeOutputShape(inputShape: Shape): Shape;

  /** Creates the weights for this input shape. `seed`, when given, makes unseeded initializers repeatable. */
  protected buildWeights(inputShape: Shape, seed: number | undefined): void {
    void inputShape;
    void seed;
  }

  protected abstract call(x: Tensor, training: boolean): Tensor;

  /** Layer-specific options, JSON-able; the base adds name, trainable and inputShape. */
  protected abstract layerConfig(): Record<string, unknown>;

  /**
   * Fixes the input shape (batch first, null allowed) and creates the weights. Building again with the
   * same shape is a no-op; with another shape it throws, as the weights could not fit.
   */
  build(inputShape: Shape, seed?: number): void {
    const input = [null, ...inputShape.slice(1)] as Shape;
    if (this.builtInput) {
      if (!sameFeatures(this.builtInput, input)) {
        throw new Error(
          `${this.label}: the layer was built for inputs ${fmtKerasShape(this.builtInput)}; it cannot take ${fmtKerasShape(input)}`,
        );
      }
      return;
    }
    const output = this.computeOutputShape(input);
    this.buildWeights(input, seed);
    this.builtInput = input;
    this.builtOutput = output;
  }

  /** Runs the layer on a batch `x` (batch first), building it from x's shape on first use. */
  apply(x: Tensor, options: ApplyOptions = {}): Tensor {
    checkTensor(x, 'x', `${this.label}.apply`);
    if (!this.built) this.build([null, ...x.shape.slice(1)]);
    const expected = this.builtInput!;
    if (x.rank !== expected.length || x.shape.some((d, i) => i > 0 && d !== expected[i])) {
      throw new Error(`${this.label}: expected input of shape ${fmtKerasShape(expected)}; got ${fmtShape(x.shape)}`);
    }
    const training = options.training === true;
    // Inside a gradient computation every intermediate must stay alive until backward has run, so
    // tidy only outside one.
    return isRecording() ? this.call(x, training) : tidy(() => this.call(x, training));
  }

  countParams(): number {
    if (!this.built)
      throw new Error(
        `${this.label}: countParams needs a built layer; add it to a model with an inputShape or apply it once`,
      );
    return this.ownWeights.reduce((n, w) => n + w.size, 0);
  }

  /** Copies of the weights' values (the caller disposes them). */
  getWeights(): Tensor[] {
    return this.ownWeights.map((w) => copyOf(w));
  }

  /** Replaces the weights' values; the tensors must match getWeights() in number and shapes. */
  setWeights(values: Tensor[]): void {
    const fn = `${this.label}.setWeights`;
    if (!Array.isArray(values))
      throw new Error(`${fn}: argument 'weights' must be an array of tensors; got ${describe(values)}`);
    if (values.length !== this.ownWeights.length) {
      throw new Error(
        `${fn}: the layer has ${this.ownWeights.length} weight(s) (${this.ownWeights.map((w) => `${w.name} ${fmtShape(w.shape)}`).join(', ') || 'none'}); got ${values.length} tensor(s)`,
      );
    }
    values.forEach((v, i) => {
      checkTensor(v, `weights[${i}]`, fn);
      const w = this.ownWeights[i];
      if (v.rank !== w.rank || v.shape.some((d, j) => d !== w.shape[j])) {
        throw new Error(
          `${fn}: weight '${w.name}' has shape ${fmtShape(w.shape)}; weights[${i}] has shape ${fmtShape(v.shape)}`,
        );
      }
    });
    values.forEach((v, i) => this.ownWeights[i].assign(v));
  }

  getConfig(): LayerConfig {
    const config: LayerConfig = { name: this.name, trainable: this.trainable, ...this.layerConfig() };
    if (this.declaredInputShape) config.inputShape = this.declaredInputShape.slice();
    return config;
  }

  /** Frees the weights (their names become free again). */
  dispose(): void {
    for (const w of this.ownWeights) w.dispose();
    this.ownWeights.length = 0;
    this.builtInput = null;
    this.builtOutput = null;
  }

  toString(): string {
    return this.label;
  }

  /** Creates the variable '<name>/<suffix>' from an initializer. */
  protected addWeight(suffix: string, shape: number[], init: Initializer, seed: number | undefined): Variable {
    const name = `${this.name}/${suffix}`;
    if (lookupVariable(name)) {
      throw new Error(
        `${this.label}: a variable named '${name}' already exists; give each layer a unique name (or dispose the model that owns it)`,
      );
    }
    const initial = init.apply(shape, seed);
    try {
      const v = variable(initial, { name, trainable: this.trainableFlag });
      this.ownWeights.push(v);
      return v;
    } finally {
      initial.dispose();
    }
  }
}

function sameFeatures(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => i === 0 || d === b[i]);
}

/** Resolves an initializer option with its default. */
export function initializerOption(
  value: InitializerIdentifier | undefined,
  fallback: string,
  arg: string,
  fn: string,
): Initializer {
  return getInitializer(value ?? fallback, arg, fn);
}

/** Throws unless the input is rank 4 [batch, h, w, c] (for conv and pooling layers). */
export function requireImageInput(layer: Layer, inputShape: Shape): [number, number, number] {
  if (inputShape.length !== 4) {
    throw new Error(
      `${layer.label} expects images of shape (None, height, width, channels); got ${fmtKerasShape(inputShape)}${inputShape.length === 2 ? ' (a flat vector: conv and pooling layers must come before flatten/dense)' : ''}`,
    );
  }
  return [inputShape[1] as number, inputShape[2] as number, inputShape[3] as number];
}
