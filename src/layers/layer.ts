// The base of every layer. A layer knows its input shape only once it is built: by Sequential.add (from
// the previous layer's output shape), by sn.model (from the symbolic tensors it was applied to), or by its
// first apply() to a real tensor. Building creates the weights as variables named '<layer name>/<weight>',
// e.g. 'conv2d_1/kernel'. Applied to symbolic tensors (sn.input), a layer only checks shapes and records
// a Node; the model builds it later, so that a model seed can make the weights repeatable.
import { Tensor, copyOf } from '../core/tensor.js';
import { isRecording, tidy } from '../core/engine.js';
import { Variable, lookupVariable, variable } from '../core/variable.js';
import { SimdnetError, checkTensor, describe, fmtShape } from '../util/validate.js';
import { getInitializer, type Initializer, type InitializerIdentifier } from './initializers.js';
import { checkBoolean, checkInputShape, fmtKerasShape, type Shape } from './options.js';
import { Node, SymbolicTensor, isSymbolic } from './symbolic.js';

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

const WEIGHT_SUFFIXES = ['kernel', 'bias', 'gamma', 'beta', 'moving_mean', 'moving_variance', 'depthwise_kernel'];

/** 'conv2d' → 'conv2d_1', 'conv2d_2', ... skipping names whose weights still exist. */
function uniqueLayerName(prefix: string): string {
  let n = counters.get(prefix) ?? 0;
  let name: string;
  do {
    n++;
    name = `${prefix}_${n}`;
  } while (WEIGHT_SUFFIXES.some((w) => lookupVariable(`${name}/${w}`)));
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
  private builtInputs: Shape[] | null = null;
  private builtOutput: Shape | null = null;
  protected readonly ownWeights: Variable[] = [];
  /** Every application of this layer to symbolic tensors, oldest first. */
  readonly inboundNodes: Node[] = [];

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
    return this.builtInputs !== null;
  }

  /** The input shape with a null batch, once built (the first input's, for a merge layer). */
  get inputShape(): Shape {
    return this.inputShapes[0];
  }

  /** Every input's shape, once built: one for most layers, several for merge layers. */
  get inputShapes(): Shape[] {
    if (!this.builtInputs) throw new Error(`${this.label}: the layer is not built yet, so its input shape is unknown`);
    return this.builtInputs.map((s) => s.slice());
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

  /** Whether the layer takes a list of inputs (merge layers) rather than one tensor. */
  get takesManyInputs(): boolean {
    return false;
  }

  /** The output shape for the shapes of all inputs; merge layers override it, others take one input. */
  computeOutputShapeOf(inputShapes: Shape[]): Shape {
    if (inputShapes.length !== 1) throw new Error(`${this.label} takes one input; got a list of ${inputShapes.length}`);
    return this.computeOutputShape(inputShapes[0]);
  }

  /** Creates the weights for this input shape. `seed`, when given, makes unseeded initializers repeatable. */
  protected buildWeights(inputShape: Shape, seed: number | undefined): void {
    void inputShape;
    void seed;
  }

  protected abstract call(x: Tensor, training: boolean): Tensor;

  /** Runs the layer on all its inputs; merge layers override it, others run call() on the one input. */
  protected callAll(xs: Tensor[], training: boolean): Tensor {
    return this.call(xs[0], training);
  }

  /** Layer-specific options, JSON-able; the base adds name, trainable and inputShape. */
  protected abstract layerConfig(): Record<string, unknown>;

  /**
   * Fixes the input shape (batch first, null allowed) and creates the weights. Building again with the
   * same shape is a no-op; with another shape it throws, as the weights could not fit.
   */
  build(inputShape: Shape | Shape[], seed?: number): void {
    const list = (isShapeList(inputShape) ? inputShape : [inputShape]).map((s) => [null, ...s.slice(1)] as Shape);
    if (this.builtInputs) {
      const built = this.builtInputs;
      if (built.length !== list.length || list.some((s, i) => !sameFeatures(built[i], s))) {
        throw new SimdnetError(
          this.label,
          `the layer was built for inputs ${built.map(fmtKerasShape).join(', ')}; it cannot take ${list.map(fmtKerasShape).join(', ')}`,
        );
      }
      return;
    }
    const output = this.computeOutputShapeOf(list);
    this.buildWeights(list[0], seed);
    this.builtInputs = list;
    this.builtOutput = output;
  }

  /**
   * On real tensors: runs the layer on a batch `x` (batch first; a list of them for merge layers),
   * building it from x's shape on first use. On symbolic tensors (from sn.input or another layer's
   * symbolic output): checks the shapes and returns the symbolic output, for sn.model.
   */
  apply(x: SymbolicTensor | SymbolicTensor[], options?: ApplyOptions): SymbolicTensor;
  apply(x: Tensor | Tensor[], options?: ApplyOptions): Tensor;
  apply(x: Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[], options: ApplyOptions = {}): Tensor | SymbolicTensor {
    const fn = `${this.label}.apply`;
    const list = Array.isArray(x) ? x : [x];
    if (Array.isArray(x) && !this.takesManyInputs)
      throw new Error(`${fn}: the layer takes one input; got a list of ${x.length}`);
    if (this.takesManyInputs && !Array.isArray(x))
      throw new Error(`${fn}: the layer takes a list of tensors; got ${describe(x)}`);
    if (list.length > 0 && list.every(isSymbolic)) return this.applySymbolic(list as SymbolicTensor[], fn);
    if (list.some(isSymbolic))
      throw new Error(`${fn}: inputs must be all symbolic tensors (from sn.input) or all tensors, not a mix`);
    const xs = list.map((t, i) => checkTensor(t, Array.isArray(x) ? `x[${i}]` : 'x', fn));
    if (!this.built) this.build(xs.map((t) => [null, ...t.shape.slice(1)] as Shape));
    const expected = this.builtInputs!;
    if (expected.length !== xs.length)
      throw new Error(`${fn}: the layer was built for ${expected.length} inputs; got ${xs.length}`);
    xs.forEach((t, k) => {
      const e = expected[k];
      if (t.rank !== e.length || t.shape.some((d, i) => i > 0 && d !== e[i])) {
        const which = xs.length > 1 ? `input ${k} ` : 'input ';
        throw new Error(`${this.label}: expected ${which}of shape ${fmtKerasShape(e)}; got ${fmtShape(t.shape)}`);
      }
    });
    const training = options.training === true;
    // Inside a gradient computation every intermediate must stay alive until backward has run, so
    // tidy only outside one.
    return isRecording() ? this.callAll(xs, training) : tidy(() => this.callAll(xs, training));
  }

  /** Records one application to symbolic inputs, after checking that the shapes fit. */
  private applySymbolic(inputs: SymbolicTensor[], fn: string): SymbolicTensor {
    const shapes = inputs.map((t) => t.shape);
    const first = this.builtInputs ?? this.inboundNodes[0]?.inputs.map((t) => t.shape);
    if (first) {
      const fits = first.length === shapes.length && shapes.every((s, i) => sameFeatures(first[i], s));
      if (!fits) {
        throw new Error(
          `${fn}: the layer was ${this.built ? 'built' : 'first applied'} for inputs ${first.map(fmtKerasShape).join(', ')}; a shared layer cannot take ${shapes.map(fmtKerasShape).join(', ')}`,
        );
      }
    }
    let output: Shape;
    try {
      output = this.computeOutputShapeOf(shapes.map((s) => [null, ...s.slice(1)]));
    } catch (e) {
      const from = inputs.map((t) => `${t.sourceLayer.label} ${fmtKerasShape(t.shape)}`).join(', ');
      throw new Error(`${fn}: cannot take the output of ${from}: ${(e as Error).message}`);
    }
    const node = new Node(this, inputs, [output]);
    this.inboundNodes.push(node);
    return node.outputs[0];
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
      if (v.dtype !== w.dtype)
        throw new Error(`${fn}: weight '${w.name}' has dtype ${w.dtype}; weights[${i}] has dtype ${v.dtype}`);
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
    this.builtInputs = null;
    this.builtOutput = null;
  }

  toString(): string {
    return this.label;
  }

  /** The bias [units] of a layer whose kernel was made with `seed` (the bias takes the next seed). */
  protected addBias(units: number, init: Initializer, seed: number | undefined): Variable {
    return this.addWeight('bias', [units], init, seed === undefined ? undefined : seed + 1);
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

function isShapeList(s: Shape | Shape[]): s is Shape[] {
  return s.length > 0 && Array.isArray(s[0]);
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
    throw new SimdnetError(
      layer.label,
      `expects images of shape (None, height, width, channels); got ${fmtKerasShape(inputShape)}${inputShape.length === 2 ? ' (a flat vector: conv and pooling layers must come before flatten/dense)' : ''}`,
      undefined,
      ' ',
    );
  }
  return [inputShape[1] as number, inputShape[2] as number, inputShape[3] as number];
}
