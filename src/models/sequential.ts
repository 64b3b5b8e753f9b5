// Sequential: a stack of layers, each fed the previous one's output. Shapes are inferred at add() from
// the first layer's inputShape, so a layer that cannot follow the previous one fails there, with the
// shapes in the message, rather than at the first training step.
import type { Tensor } from '../core/tensor.js';
import { SimdnetError, describe, fmtShape } from '../util/validate.js';
import { Layer } from '../layers/layer.js';
import { deserialize, serialize, type SerializedLayer } from '../layers/index.js';
import { checkKnownKeys, checkOptionsObject, fmtKerasShape, type Shape } from '../layers/options.js';
import { formatSummary } from './summary.js';
import { LayersModel, layerSeed, type SummaryOptions } from './layers-model.js';
import { isFoldableBatchNorm, isFoldableConv } from './fold-batchnorm.js';
// io/ builds models too (loadModel), so these modules import each other; neither uses the other before a
// function runs (LayersModel itself must not import io/, or a bundle would define this class too late).
import { saveModel, type ModelArtifacts } from '../io/model-io.js';
import { loadWeights as loadWeightsInto, type LoadWeightsOptions } from '../io/load-weights.js';

export type { CompileArgs, SummaryOptions } from './layers-model.js';

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

export interface SequentialConfig {
  name: string;
  seed?: number;
  layers: SerializedLayer[];
}

let modelCounter = 0;

export class Sequential extends LayersModel {
  readonly name: string;
  readonly seed: number | undefined;
  private readonly stack: Layer[] = [];

  constructor(args: SequentialArgs = {}) {
    super();
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
    this.assertAlive('add');
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
      // An error the layer raised about itself (fn = its label) is re-worded from its fields; any other
      // (out of memory, say) is quoted whole.
      const own = e instanceof SimdnetError && e.fn === layer.label;
      let why = own ? e.detail : (e as Error).message;
      if (!previous) throw new Error(`${fn}: ${why}`);
      if (own && why.startsWith('expects')) why = `it ${why}`;
      throw new Error(
        `${fn}: ${layer.label} cannot follow ${previous.label}, whose output is ${fmtKerasShape(input)}: ${why}`,
      );
    }
    this.stack.push(layer);
  }

  protected override requireLayers(fn: string): void {
    this.assertAlive(fn);
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

  /** Prints Keras's summary table, one call of printFn (default console.log) per line. */
  summary(lineLength?: number | SummaryOptions, positions?: number[], printFn?: (line: string) => void): void {
    const opts: SummaryOptions =
      typeof lineLength === 'object' && lineLength !== null ? lineLength : { lineLength, positions, printFn };
    this.assertAlive('summary');
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

  /**
   * Layers in order; no tidy, because inside a gradient tape the intermediates must live on. At
   * inference a conv followed by a batch norm runs as one conv with the normalisation folded in.
   */
  forward(x: Tensor, training: boolean): Tensor {
    let y = x;
    const stack = this.stack;
    for (let i = 0; i < stack.length; i++) {
      const layer = stack[i];
      const next = stack[i + 1];
      if (!training && this.foldBatchNorm && next && isFoldableConv(layer) && isFoldableBatchNorm(next)) {
        const { kernel, bias } = this.folds.weightsFor(layer, next);
        y = layer.callWithWeights(y, kernel, bias);
        i++;
        continue;
      }
      y = layer.apply(y, { training });
    }
    return y;
  }

  /** The architecture (no weights) as JSON-able data; Sequential.fromConfig rebuilds it. */
  getConfig(): SequentialConfig {
    this.assertAlive('getConfig');
    const config: SequentialConfig = { name: this.name, layers: this.stack.map(serialize) };
    if (this.seed !== undefined) config.seed = this.seed;
    return config;
  }

  /**
   * Saves the architecture, weights and training configuration. Without a target, resolves to the
   * in-memory { config, weights }; with a directory path (Node, Deno, Bun) also writes model.json and
   * weights.safetensors there. sn.loadModel reads either back.
   */
  save(target?: string): Promise<ModelArtifacts> {
    return saveModel(this, target); // rejects for a disposed model
  }

  /**
   * Fills the weights from a safetensors file: simdnet's weights.safetensors by default, or a PyTorch
   * state_dict with { from: 'pytorch' } (layouts converted; see LoadWeightsOptions).
   */
  loadWeights(bytes: Uint8Array | ArrayBuffer, options?: LoadWeightsOptions): void {
    this.assertAlive('loadWeights');
    loadWeightsInto(this, bytes, options);
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
}

export function sequential(args?: SequentialArgs): Sequential {
  return new Sequential(args);
}
