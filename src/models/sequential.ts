// Sequential: a stack of layers, each fed the previous one's output. Shapes are inferred at add() from
// the first layer's inputShape, so a layer that cannot follow the previous one fails there, with the
// shapes in the message, rather than at the first training step.
import type { Tensor } from '../core/tensor.js';
import { isRecording, tidy } from '../core/engine.js';
import type { Variable } from '../core/variable.js';
import { train, type Optimizer } from '../optimizers/index.js';
import { getLoss, type LossFunction } from '../training/losses.js';
import { resolveMetrics } from '../training/metrics.js';
import { describe, fmtShape } from '../util/validate.js';
import { Layer } from '../layers/layer.js';
import { deserialize, serialize, type SerializedLayer } from '../layers/index.js';
import { checkKnownKeys, checkOptionsObject, fmtKerasShape, type Shape } from '../layers/options.js';
import { formatSummary } from './summary.js';
import { evaluate, fit, predict, trainOnBatch, type Compiled, type FitArgs } from '../training/loop.js';
import type { History } from '../training/history.js';
// io/ builds Sequential models too (loadModel), so these two modules import each other; neither uses the
// other before a function runs.
import { saveModel, type ModelArtifacts } from '../io/model-io.js';
import { loadWeights as loadWeightsInto, type LoadWeightsOptions } from '../io/load-weights.js';

export interface SequentialArgs {
  layers?: Layer[];
  /** Default 'sequential_1', 'sequential_2', ... */
  name?: string;
  /**
   * Seeds every initializer and dropout layer that has no seed of its own (each layer gets a seed derived
   * from this one and its position), so building the same model twice gives the same weights.
   */
  seed?: number;
}

export interface CompileArgs {
  /** 'adam' (learning rate 0.001), 'sgd' (0.01) or an optimizer from sn.train. */
  optimizer: 'adam' | 'sgd' | Optimizer;
  /** A name or a loss from sn.losses, e.g. sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }). */
  loss: string | LossFunction;
  /** e.g. ['accuracy'] (logged as 'acc'). */
  metrics?: string[];
}

export interface SummaryOptions {
  lineLength?: number;
  positions?: number[];
  printFn?: (line: string) => void;
}

export interface SequentialConfig {
  name: string;
  seed?: number;
  layers: SerializedLayer[];
}

let modelCounter = 0;

/** A different seed per layer position, mixed so that nearby model seeds do not share layer seeds. */
function layerSeed(seed: number, position: number): number {
  let h = (seed ^ Math.imul(position + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}

export class Sequential {
  readonly name: string;
  readonly seed: number | undefined;
  private readonly stack: Layer[] = [];
  private compiled: (Compiled & { metricNames: unknown; ownsOptimizer: boolean }) | null = null;
  private training = false;
  /** Set to true from a callback to stop fit after the current batch. */
  stopTraining = false;
  /** The History of the last fit. */
  history: History | null = null;

  constructor(args: SequentialArgs = {}) {
    const fn = 'sequential';
    const a = checkOptionsObject(args, fn) as SequentialArgs;
    checkKnownKeys(a, ['layers', 'name', 'seed'], fn);
    if (a.name !== undefined && (typeof a.name !== 'string' || a.name.length === 0))
      throw new Error(`${fn}: option 'name' must be a non-empty string; got ${describe(a.name)}`);
    if (a.seed !== undefined && (typeof a.seed !== 'number' || !Number.isInteger(a.seed)))
      throw new Error(`${fn}: option 'seed' must be an integer; got ${describe(a.seed)}`);
    if (a.layers !== undefined && !Array.isArray(a.layers))
      throw new Error(`${fn}: option 'layers' must be an array of layers; got ${describe(a.layers)}`);
    this.name = a.name ?? `sequential_${++modelCounter}`;
    this.seed = a.seed;
    try {
      for (const layer of a.layers ?? []) this.add(layer);
    } catch (e) {
      // Nobody can reach this model to dispose it: free the weights the layers added so far own.
      for (const layer of this.stack) layer.dispose();
      throw e;
    }
  }

  get layers(): Layer[] {
    return this.stack.slice();
  }

  /** Appends a layer, builds it for the previous layer's output, and checks that it fits. */
  add(layer: Layer): void {
    const fn = `${this.name}.add`;
    if (!(layer instanceof Layer))
      throw new Error(`${fn}: argument 'layer' must be a layer from sn.layers; got ${describe(layer)}`);
    if (this.stack.includes(layer)) throw new Error(`${fn}: ${layer.label} is already in the model`);
    if (this.stack.some((l) => l.name === layer.name))
      throw new Error(`${fn}: the model already has a layer named '${layer.name}'; layer names must be unique`);
    const previous = this.stack[this.stack.length - 1];
    let input: Shape;
    if (!previous) {
      if (layer.declaredInputShape) input = [null, ...layer.declaredInputShape];
      else if (layer.built) input = layer.inputShape;
      else {
        throw new Error(
          `${fn}: the first layer, ${layer.label}, needs an inputShape without the batch, e.g. inputShape: [28, 28, 1]`,
        );
      }
    } else {
      input = previous.outputShape;
      const declared = layer.declaredInputShape;
      if (declared && (declared.length !== input.length - 1 || declared.some((d, i) => d !== input[i + 1]))) {
        throw new Error(
          `${fn}: ${layer.label} declares inputShape ${fmtShape(declared)}, but ${previous.label} outputs ${fmtKerasShape(input)}`,
        );
      }
    }
    try {
      layer.build(input, this.seed === undefined ? undefined : layerSeed(this.seed, this.stack.length));
    } catch (e) {
      let why = (e as Error).message;
      if (!previous) throw new Error(`${fn}: ${why}`);
      // The layer's own message starts with its label, which the sentence here already names.
      if (why.startsWith(layer.label))
        why = why
          .slice(layer.label.length)
          .replace(/^:?\s*/, '')
          .replace(/^expects/, 'it expects');
      throw new Error(
        `${fn}: ${layer.label} cannot follow ${previous.label}, whose output is ${fmtKerasShape(input)}: ${why}`,
      );
    }
    this.stack.push(layer);
  }

  private requireLayers(fn: string): void {
    if (this.stack.length === 0) throw new Error(`${this.name}.${fn}: the model has no layers; add some first`);
  }

  /** The input shape with a null batch, e.g. [null, 28, 28, 1]. */
  get inputShape(): Shape {
    this.requireLayers('inputShape');
    return this.stack[0].inputShape;
  }

  get outputShape(): Shape {
    this.requireLayers('outputShape');
    return this.stack[this.stack.length - 1].outputShape;
  }

  get weights(): Variable[] {
    return this.stack.flatMap((l) => l.weights);
  }

  get trainableWeights(): Variable[] {
    return this.stack.flatMap((l) => l.trainableWeights);
  }

  get nonTrainableWeights(): Variable[] {
    return this.stack.flatMap((l) => l.nonTrainableWeights);
  }

  countParams(): number {
    return this.stack.reduce((n, l) => n + l.countParams(), 0);
  }

  /** Prints Keras's summary table, one call of printFn (default console.log) per line. */
  summary(lineLength?: number | SummaryOptions, positions?: number[], printFn?: (line: string) => void): void {
    const opts: SummaryOptions =
      typeof lineLength === 'object' && lineLength !== null ? lineLength : { lineLength, positions, printFn };
    const print = opts.printFn ?? ((line: string) => console.log(line));
    if (typeof print !== 'function')
      throw new Error(`${this.name}.summary: argument 'printFn' must be a function; got ${describe(print)}`);
    const rows = this.stack.map((l) => ({
      layer: l.label,
      outputShape: fmtKerasShape(l.outputShape),
      params: l.countParams(),
    }));
    const total = this.countParams();
    const trainable = this.trainableWeights.reduce((n, w) => n + w.size, 0);
    for (const line of formatSummary(this.name, rows, { total, trainable }, opts.lineLength, opts.positions))
      print(line);
  }

  /** Layers in order; no tidy, because inside a gradient tape the intermediates must live on. */
  forward(x: Tensor, training: boolean): Tensor {
    let y = x;
    for (const layer of this.stack) y = layer.apply(y, { training });
    return y;
  }

  /** The model on one batch (training: true turns dropout on). Intermediates are freed. */
  apply(x: Tensor, options: { training?: boolean } = {}): Tensor {
    this.requireLayers('apply');
    const training = options.training === true;
    return isRecording() ? this.forward(x, training) : tidy(() => this.forward(x, training));
  }

  compile(args: CompileArgs): void {
    const fn = `${this.name}.compile`;
    const a = checkOptionsObject(args, fn) as CompileArgs;
    checkKnownKeys(a, ['optimizer', 'loss', 'metrics'], fn);
    if (a.loss === undefined) throw new Error(`${fn}: option 'loss' is required, e.g. 'sparseCategoricalCrossentropy'`);
    if (a.optimizer === undefined)
      throw new Error(`${fn}: option 'optimizer' is required: 'adam', 'sgd' or an optimizer from sn.train`);
    const loss = getLoss(a.loss, fn);
    if (a.metrics !== undefined && !Array.isArray(a.metrics) && typeof a.metrics !== 'string') {
      throw new Error(`${fn}: option 'metrics' must be an array such as ['accuracy']; got ${describe(a.metrics)}`);
    }
    // Checked now (so a typo fails at compile), resolved again at fit when more layers may have come.
    if (this.stack.length > 0) resolveMetrics(a.metrics, loss, this.outputUnits(), fn);
    let optimizer: Optimizer;
    let ownsOptimizer = false;
    if (a.optimizer === 'adam' || a.optimizer === 'sgd') {
      optimizer = a.optimizer === 'adam' ? train.adam() : train.sgd();
      ownsOptimizer = true;
    } else if (
      a.optimizer &&
      typeof a.optimizer === 'object' &&
      typeof (a.optimizer as Optimizer).applyGradients === 'function'
    ) {
      optimizer = a.optimizer;
    } else {
      throw new Error(
        `${fn}: option 'optimizer' must be 'adam', 'sgd' or an optimizer from sn.train; got ${describe(a.optimizer)}`,
      );
    }
    if (this.compiled?.ownsOptimizer && this.compiled.optimizer !== optimizer) this.compiled.optimizer.dispose();
    this.compiled = { optimizer, loss, metrics: [], metricNames: a.metrics, ownsOptimizer };
  }

  get optimizer(): Optimizer | null {
    return this.compiled?.optimizer ?? null;
  }

  /** The metric names given to compile, as given (resolved against the loss only at fit). */
  get metricNames(): string[] | undefined {
    const names = this.compiled?.metricNames;
    if (typeof names === 'string') return [names];
    if (Array.isArray(names) && names.every((n) => typeof n === 'string')) return names.slice();
    return undefined;
  }

  /**
   * Makes the model dispose the optimizer it was compiled with, as it does for 'adam' and 'sgd': for an
   * optimizer made on the user's behalf (loadModel does this).
   */
  adoptOptimizer(): void {
    if (!this.compiled) throw new Error(`${this.name}.adoptOptimizer: the model is not compiled`);
    this.compiled.ownsOptimizer = true;
  }

  get loss(): LossFunction | null {
    return this.compiled?.loss ?? null;
  }

  private outputUnits(): number {
    return (this.outputShape.slice(1) as number[]).reduce((a, b) => a * b, 1);
  }

  private requireCompiled(fn: string): Compiled {
    this.requireLayers(fn);
    if (!this.compiled) throw new Error(`${this.name}.${fn}: call compile({ optimizer, loss }) first`);
    this.compiled.metrics = resolveMetrics(
      this.compiled.metricNames,
      this.compiled.loss,
      this.outputUnits(),
      `${this.name}.compile`,
    );
    return this.compiled;
  }

  /**
   * Trains for `epochs` over x and y in shuffled batches; resolves to the History. Awaits between batches
   * now and then so that a page or server stays responsive.
   */
  async fit(x: Tensor, y: Tensor, args: FitArgs = {}): Promise<History> {
    const compiled = this.requireCompiled('fit');
    if (this.training) throw new Error(`${this.name}.fit: the model is already training; await the running fit first`);
    this.training = true;
    try {
      this.history = await fit(this, compiled, x, y, args);
      return this.history;
    } finally {
      this.training = false;
    }
  }

  /** The mean loss (a number) and metrics: [loss, acc] with metrics: ['accuracy'], or just loss without. */
  evaluate(x: Tensor, y: Tensor, args: { batchSize?: number } = {}): number | number[] {
    return evaluate(this, this.requireCompiled('evaluate'), x, y, args);
  }

  /** Outputs for x (a new tensor the caller disposes), computed batchSize samples at a time. */
  predict(x: Tensor, args: { batchSize?: number } = {}): Tensor {
    this.requireLayers('predict');
    return predict(this, x, args);
  }

  /** One optimisation step on this batch; returns its loss (and metrics) as numbers. */
  trainOnBatch(x: Tensor, y: Tensor): number | number[] {
    const compiled = this.requireCompiled('trainOnBatch');
    if (this.training) throw new Error(`${this.name}.trainOnBatch: the model is training (fit is running)`);
    return trainOnBatch(this, compiled, x, y);
  }

  /** Copies of every weight's value, layer by layer (the caller disposes them). */
  getWeights(): Tensor[] {
    return this.stack.flatMap((l) => l.getWeights());
  }

  /** Sets every weight, in getWeights()'s order. */
  setWeights(values: Tensor[]): void {
    const fn = `${this.name}.setWeights`;
    if (!Array.isArray(values))
      throw new Error(`${fn}: argument 'weights' must be an array of tensors; got ${describe(values)}`);
    const expected = this.weights.length;
    if (values.length !== expected)
      throw new Error(`${fn}: the model has ${expected} weights; got ${values.length} tensors`);
    let i = 0;
    for (const l of this.stack) {
      const n = l.weights.length;
      l.setWeights(values.slice(i, i + n));
      i += n;
    }
  }

  /** The architecture (no weights) as JSON-able data; Sequential.fromConfig rebuilds it. */
  getConfig(): SequentialConfig {
    const config: SequentialConfig = { name: this.name, layers: this.stack.map(serialize) };
    if (this.seed !== undefined) config.seed = this.seed;
    return config;
  }

  /** A new model from getConfig()'s output; pass `name` to avoid clashing with a live model's layer names. */
  static fromConfig(config: SequentialConfig): Sequential {
    if (!config || typeof config !== 'object' || !Array.isArray(config.layers)) {
      throw new Error(
        `Sequential.fromConfig: argument 'config' must be { name, layers: [...] }; got ${describe(config)}`,
      );
    }
    return new Sequential({ name: config.name, seed: config.seed, layers: config.layers.map(deserialize) });
  }

  /**
   * Saves the architecture, weights and training configuration. Without a target, resolves to the
   * in-memory { config, weights }; with a directory path (Node, Deno, Bun) also writes model.json and
   * weights.safetensors there. sn.loadModel reads either back.
   */
  save(target?: string): Promise<ModelArtifacts> {
    return saveModel(this, target);
  }

  /**
   * Fills the weights from a safetensors file: simdnet's weights.safetensors by default, or a PyTorch
   * state_dict with { from: 'pytorch' } (layouts converted; see LoadWeightsOptions).
   */
  loadWeights(bytes: Uint8Array | ArrayBuffer, options?: LoadWeightsOptions): void {
    loadWeightsInto(this, bytes, options);
  }

  /** Frees every weight and the optimizer the model made itself (from 'adam' or 'sgd'). */
  dispose(): void {
    for (const l of this.stack) l.dispose();
    if (this.compiled?.ownsOptimizer) this.compiled.optimizer.dispose();
    this.compiled = null;
  }
}

export function sequential(args?: SequentialArgs): Sequential {
  return new Sequential(args);
}
