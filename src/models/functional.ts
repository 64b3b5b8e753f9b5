// Functional models (Keras's functional API): layers applied to symbolic tensors from sn.input() make a
// graph; sn.model({ inputs, outputs }) takes the part of it between those tensors and runs it. A layer
// may be applied more than once (shared weights) and a tensor may feed several layers (residual
// connections, through merge layers such as add and concatenate). The graph runs its nodes in creation
// order, which is always a valid order since a node is created after the nodes its inputs come from.
import type { Tensor } from '../core/tensor.js';
import { isRecording, tidy } from '../core/engine.js';
import { checkTensor, describe } from '../util/validate.js';
import { Layer, type LayerConfig } from '../layers/layer.js';
import { InputLayer } from '../layers/input-layer.js';
import { Node, SymbolicTensor, isSymbolic } from '../layers/symbolic.js';
import { deserialize, serialize } from '../layers/index.js';
import { checkKnownKeys, checkOptionsObject, fmtKerasShape, type Shape } from '../layers/options.js';
import { formatSummary, type SummaryRow } from './summary.js';
import { LayersModel, layerSeed, type SummaryOptions } from './layers-model.js';
import { isFoldableBatchNorm, isFoldableConv, type BatchNormLike, type FoldableConv } from './fold-batchnorm.js';
import { predictMany } from './predict-many.js';
// io/ builds models too (loadModel), so these modules import each other; neither uses the other before a
// function runs (LayersModel itself must not import io/, or a bundle would define this class too late).
import { saveModel, type ModelArtifacts } from '../io/model-io.js';
import { loadWeights as loadWeightsInto, type LoadWeightsOptions } from '../io/load-weights.js';

export interface ModelArgs {
  /** The sn.input() tensor(s) the model starts from. */
  inputs: SymbolicTensor | SymbolicTensor[];
  /** The symbolic tensor(s) it computes. */
  outputs: SymbolicTensor | SymbolicTensor[];
  /** Default 'model_1', 'model_2', ... */
  name?: string;
  /** Seeds every initializer and random layer that has no seed of its own, as Sequential's seed does. */
  seed?: number;
}

/** [layer name, node index among the model's nodes of that layer, output index], as Keras writes it. */
export type NodeRef = [string, number, number];

export interface FunctionalLayerConfig {
  className: string;
  config: Record<string, unknown> & { name: string };
  /** One entry per application of the layer in the model: the tensors it was applied to. */
  inboundNodes: NodeRef[][];
}

export interface FunctionalConfig {
  name: string;
  seed?: number;
  layers: FunctionalLayerConfig[];
  inputLayers: NodeRef[];
  outputLayers: NodeRef[];
}

let modelCounter = 0;

function asList(value: unknown, arg: string, fn: string): SymbolicTensor[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every(isSymbolic)) {
    throw new Error(
      `${fn}: option '${arg}' must be a symbolic tensor (from sn.input or layer.apply on one) or an array of them; got ${describe(value)}`,
    );
  }
  return list as SymbolicTensor[];
}

export class Functional extends LayersModel {
  readonly className = 'Functional';
  readonly name: string;
  readonly seed: number | undefined;
  readonly inputs: SymbolicTensor[];
  readonly outputs: SymbolicTensor[];
  /** The model's nodes in the order they run. */
  private readonly nodes: Node[];
  private readonly layerList: Layer[];
  /** How many of the model's nodes read each symbolic tensor (by id), for folding and summaries. */
  private readonly consumers = new Map<number, Node[]>();

  constructor(args: ModelArgs) {
    super();
    const fn = 'model';
    const a = checkOptionsObject(args, fn) as ModelArgs;
    checkKnownKeys(a, ['inputs', 'outputs', 'name', 'seed'], fn);
    if (a.inputs === undefined) throw new Error(`${fn}: option 'inputs' is required (the tensor from sn.input)`);
    if (a.outputs === undefined) throw new Error(`${fn}: option 'outputs' is required (a layer's symbolic output)`);
    if (a.name !== undefined && (typeof a.name !== 'string' || a.name.length === 0))
      throw new Error(`${fn}: option 'name' must be a non-empty string; got ${describe(a.name)}`);
    if (a.seed !== undefined && (typeof a.seed !== 'number' || !Number.isInteger(a.seed)))
      throw new Error(`${fn}: option 'seed' must be an integer; got ${describe(a.seed)}`);
    this.inputs = asList(a.inputs, 'inputs', fn);
    this.outputs = asList(a.outputs, 'outputs', fn);
    this.name = a.name ?? `model_${++modelCounter}`;
    this.seed = a.seed;
    this.inputs.forEach((t, i) => {
      if (!(t.node.layer instanceof InputLayer))
        throw new Error(
          `${fn}: inputs[${i}] comes from ${t.node.layer.label}; model inputs must be tensors made by sn.input()`,
        );
    });
    if (new Set(this.inputs).size !== this.inputs.length) throw new Error(`${fn}: the same input is listed twice`);

    // Walk back from the outputs; every path must end at one of the inputs.
    const seen = new Set<Node>();
    const stack = [...this.outputs];
    while (stack.length > 0) {
      const t = stack.pop()!;
      if (seen.has(t.node)) continue;
      seen.add(t.node);
      if (t.node.inputs.length === 0 && !this.inputs.includes(t)) {
        throw new Error(
          `${fn}: the outputs depend on ${t.node.layer.label}, which is not in 'inputs'; pass every sn.input() the outputs are computed from`,
        );
      }
      stack.push(...t.node.inputs);
    }
    this.nodes = [...seen].sort((x, y) => x.id - y.id);
    for (const node of this.nodes) {
      for (const t of node.inputs) {
        const list = this.consumers.get(t.id) ?? [];
        list.push(node);
        this.consumers.set(t.id, list);
      }
    }
    this.layerList = [];
    for (const node of this.nodes) {
      const layer = node.layer as Layer;
      if (this.layerList.includes(layer)) continue;
      const twin = this.layerList.find((l) => l.name === layer.name);
      if (twin) throw new Error(`${fn}: two different layers are named '${layer.name}'; layer names must be unique`);
      this.layerList.push(layer);
    }
    // Build in graph order, each layer seeded from the model seed and its position.
    const builtHere: Layer[] = [];
    try {
      this.layerList.forEach((layer, position) => {
        if (layer.built) return;
        const first = this.nodes.find((n) => n.layer === layer)!;
        layer.build(
          first.inputs.map((t) => t.shape),
          this.seed === undefined ? undefined : layerSeed(this.seed, position),
        );
        builtHere.push(layer);
      });
    } catch (e) {
      for (const l of builtHere) l.dispose();
      throw new Error(`${fn}: ${(e as Error).message}`);
    }
  }

  get layers(): Layer[] {
    return this.layerList.slice();
  }

  /** The layer of that name (or at that index). */
  getLayer(nameOrIndex: string | number): Layer {
    const fn = `${this.name}.getLayer`;
    const layer =
      typeof nameOrIndex === 'number'
        ? this.layerList[nameOrIndex]
        : this.layerList.find((l) => l.name === nameOrIndex);
    if (!layer)
      throw new Error(
        `${fn}: no layer ${describe(nameOrIndex)}; the layers are ${this.layerList.map((l) => `'${l.name}'`).join(', ')}`,
      );
    return layer;
  }

  get inputShapes(): Shape[] {
    return this.inputs.map((t) => t.shape.slice());
  }

  get outputShapes(): Shape[] {
    return this.outputs.map((t) => t.shape.slice());
  }

  /** The one input's shape (fit, evaluate and trainOnBatch need a model with one input and one output). */
  get inputShape(): Shape {
    if (this.inputs.length !== 1) throw this.notSingle('input');
    return this.inputs[0].shape.slice();
  }

  get outputShape(): Shape {
    if (this.outputs.length !== 1) throw this.notSingle('output');
    return this.outputs[0].shape.slice();
  }

  private notSingle(what: string): Error {
    return new Error(
      `${this.name}: the model has ${this.inputs.length} inputs and ${this.outputs.length} outputs; fit, evaluate, trainOnBatch and the ${what} shape need one of each (apply and predict take lists)`,
    );
  }

  /** Runs the graph on one batch of each input; no tidy (it may run inside a gradient tape). */
  run(xs: Tensor[], training: boolean): Tensor[] {
    const values = new Map<number, Tensor>();
    this.inputs.forEach((t, i) => values.set(t.id, xs[i]));
    const skipped = new Set<Node>();
    for (const node of this.nodes) {
      if (node.inputs.length === 0 || skipped.has(node)) continue;
      const layer = node.layer as Layer;
      const args = node.inputs.map((t) => values.get(t.id)!);
      const bn = training || !this.foldBatchNorm ? null : this.foldTarget(node);
      if (bn) {
        const conv = layer as FoldableConv;
        const { kernel, bias } = this.folds.weightsFor(conv, bn.layer);
        values.set(bn.node.outputs[0].id, conv.callWithWeights(args[0], kernel, bias));
        skipped.add(bn.node);
        continue;
      }
      const y = layer.takesManyInputs ? layer.apply(args, { training }) : layer.apply(args[0], { training });
      values.set(node.outputs[0].id, y);
    }
    return this.outputs.map((t) => values.get(t.id)!);
  }

  /** The batch-norm node a conv node's output goes to and only to, if the pair can be folded. */
  private foldTarget(node: Node): { node: Node; layer: BatchNormLike } | null {
    const layer = node.layer as Layer;
    if (!isFoldableConv(layer)) return null;
    const out = node.outputs[0];
    const readers = this.consumers.get(out.id) ?? [];
    if (readers.length !== 1 || this.outputs.includes(out)) return null;
    const next = readers[0];
    return isFoldableBatchNorm(next.layer as Layer) ? { node: next, layer: next.layer as BatchNormLike } : null;
  }

  forward(x: Tensor, training: boolean): Tensor {
    return this.run([x], training)[0];
  }

  /** The model on one batch (a list of tensors for a model with several inputs; a list out for several outputs). */
  override apply(x: Tensor, options?: { training?: boolean }): Tensor;
  override apply(x: Tensor | Tensor[], options?: { training?: boolean }): Tensor | Tensor[];
  override apply(x: Tensor | Tensor[], options: { training?: boolean } = {}): Tensor | Tensor[] {
    const xs = this.checkInputList(x, `${this.name}.apply`);
    const training = options.training === true;
    const ys = isRecording() ? this.run(xs, training) : tidy(() => this.run(xs, training));
    return this.outputs.length === 1 ? ys[0] : ys;
  }

  /** Outputs for x in batches (a list of tensors in and out for several inputs or outputs). */
  override predict(x: Tensor, args?: { batchSize?: number }): Tensor;
  override predict(x: Tensor | Tensor[], args?: { batchSize?: number }): Tensor | Tensor[];
  override predict(x: Tensor | Tensor[], args: { batchSize?: number } = {}): Tensor | Tensor[] {
    if (this.inputs.length === 1 && this.outputs.length === 1 && !Array.isArray(x)) return super.predict(x, args);
    const fn = `${this.name}.predict`;
    const xs = this.checkInputList(x, fn);
    const ys = predictMany((batch) => this.run(batch, false), xs, this.outputShapes, args, fn);
    return this.outputs.length === 1 ? ys[0] : ys;
  }

  private checkInputList(x: unknown, fn: string): Tensor[] {
    const list = Array.isArray(x) ? x : [x];
    if (list.length !== this.inputs.length)
      throw new Error(
        `${fn}: the model has ${this.inputs.length} input(s); got ${Array.isArray(x) ? `a list of ${list.length}` : 'one tensor'}`,
      );
    return list.map((t, i) => {
      const arg = Array.isArray(x) ? `x[${i}]` : 'x';
      const v = checkTensor(t, arg, fn);
      const e = this.inputs[i].shape;
      if (v.rank !== e.length || v.shape.some((d, j) => j > 0 && d !== e[j]))
        throw new Error(
          `${fn}: argument '${arg}' must have shape ${fmtKerasShape(e)} (the model's input ${i}); got [${v.shape.join(',')}]`,
        );
      if (i > 0 && v.shape[0] !== list[0].shape[0])
        throw new Error(
          `${fn}: every input needs the same number of samples; x[0] has ${list[0].shape[0]}, ${arg} ${v.shape[0]}`,
        );
      return v;
    });
  }

  /** Keras's summary table with the "Connected to" column (one row per application of a layer). */
  summary(lineLength?: number | SummaryOptions, positions?: number[], printFn?: (line: string) => void): void {
    const opts: SummaryOptions =
      typeof lineLength === 'object' && lineLength !== null ? lineLength : { lineLength, positions, printFn };
    this.assertAlive('summary');
    const print = opts.printFn ?? ((line: string) => console.log(line));
    if (typeof print !== 'function')
      throw new Error(`${this.name}.summary: argument 'printFn' must be a function; got ${describe(print)}`);
    const refs = this.nodeRefs();
    const rows: SummaryRow[] = this.nodes.map((node) => {
      const layer = node.layer as Layer;
      const first = this.nodes.find((n) => n.layer === layer) === node;
      return {
        layer: first ? layer.label : '',
        outputShape: fmtKerasShape(node.outputs[0].shape),
        params: first ? layer.countParams() : 0,
        connectedTo: node.inputs.map((t) => fmtRef(refs(t))),
      };
    });
    const total = this.countParams();
    const trainable = this.trainableWeights.reduce((n, w) => n + w.size, 0);
    for (const line of formatSummary(this.name, rows, { total, trainable }, opts.lineLength, opts.positions))
      print(line);
  }

  /** Names a symbolic tensor as Keras does: [layer, that layer's node index in this model, output index]. */
  private nodeRefs(): (t: SymbolicTensor) => NodeRef {
    const index = new Map<Node, number>();
    const count = new Map<Layer, number>();
    for (const node of this.nodes) {
      const layer = node.layer as Layer;
      index.set(node, count.get(layer) ?? 0);
      count.set(layer, (count.get(layer) ?? 0) + 1);
    }
    return (t) => [t.node.layer.name, index.get(t.node)!, t.outputIndex];
  }

  /** The architecture (no weights) as JSON-able data; Functional.fromConfig rebuilds it. */
  getConfig(): FunctionalConfig {
    const refs = this.nodeRefs();
    const layers = this.layerList.map((layer): FunctionalLayerConfig => {
      const s = serialize(layer);
      return {
        className: s.className,
        config: s.config,
        inboundNodes: this.nodes.filter((n) => n.layer === layer && n.inputs.length > 0).map((n) => n.inputs.map(refs)),
      };
    });
    const config: FunctionalConfig = {
      name: this.name,
      layers,
      inputLayers: this.inputs.map(refs),
      outputLayers: this.outputs.map(refs),
    };
    if (this.seed !== undefined) config.seed = this.seed;
    return config;
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
    this.assertAlive('loadWeights');
    loadWeightsInto(this, bytes, options);
  }

  /** A new model from getConfig()'s output. */
  static fromConfig(config: FunctionalConfig): Functional {
    const fn = 'Functional.fromConfig';
    if (!config || typeof config !== 'object' || !Array.isArray(config.layers))
      throw new Error(
        `${fn}: argument 'config' must be { name, layers, inputLayers, outputLayers }; got ${describe(config)}`,
      );
    const layers = new Map<string, Layer>();
    const made = new Map<string, SymbolicTensor[][]>(); // layer name → outputs of each node made so far
    for (const lc of config.layers) {
      if (layers.has(lc.config.name)) throw new Error(`${fn}: two layers are named '${lc.config.name}'`);
      const layer = deserialize({ className: lc.className, config: { ...lc.config } as LayerConfig });
      layers.set(layer.name, layer);
      made.set(layer.name, layer instanceof InputLayer ? [[layer.output]] : []);
    }
    const lookup = ([name, node, index]: NodeRef): SymbolicTensor | undefined => made.get(name)?.[node]?.[index];
    // Apply each layer's nodes once their inputs exist; a shared layer's later nodes may wait for others.
    const pending = config.layers.flatMap((lc) =>
      (lc.inboundNodes ?? []).map((refs) => ({ name: lc.config.name, refs })),
    );
    while (pending.length > 0) {
      const i = pending.findIndex((p) => p.refs.every((r) => lookup(r) !== undefined));
      if (i < 0)
        throw new Error(
          `${fn}: the node of layer '${pending[0].name}' reads tensors no layer makes (${JSON.stringify(pending[0].refs)})`,
        );
      const { name, refs } = pending.splice(i, 1)[0];
      const layer = layers.get(name)!;
      const ins = refs.map((r) => lookup(r)!);
      const out = layer.takesManyInputs ? layer.apply(ins) : layer.apply(ins[0]);
      made.get(name)!.push([out]);
    }
    const resolve = (r: NodeRef, what: string) => {
      const t = lookup(r);
      if (!t) throw new Error(`${fn}: ${what} ${JSON.stringify(r)} names no tensor of the graph`);
      return t;
    };
    return new Functional({
      inputs: config.inputLayers.map((r) => resolve(r, 'input')),
      outputs: config.outputLayers.map((r) => resolve(r, 'output')),
      name: config.name,
      ...(config.seed === undefined ? {} : { seed: config.seed }),
    });
  }
}

function fmtRef(r: NodeRef): string {
  return `${r[0]}[${r[1]}][${r[2]}]`;
}

/** sn.model({ inputs, outputs }): a functional model from symbolic tensors. */
export function model(args: ModelArgs): Functional {
  return new Functional(args);
}
