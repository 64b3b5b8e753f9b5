// What Sequential and functional models share: compile, fit, evaluate, predict, trainOnBatch, the
// weights, dispose. A model only has to say what its layers are, its input and output shapes, and how
// to run its forward pass; src/training/loop.ts does the rest for both kinds.
import type { Tensor } from '../core/tensor.js';
import { isRecording, tidy } from '../core/engine.js';
import type { Variable } from '../core/variable.js';
import { train, type Optimizer } from '../optimizers/index.js';
import { getLoss, type LossFunction } from '../training/losses.js';
import { resolveMetrics } from '../training/metrics.js';
import { SimdnetError, describe } from '../util/validate.js';
import type { Layer } from '../layers/layer.js';
import { checkKnownKeys, checkOptionsObject, type Shape } from '../layers/options.js';
import { evaluate, fit, predict, trainOnBatch, type Compiled, type FitArgs } from '../training/loop.js';
import type { History } from '../training/history.js';
import { FoldCache } from './fold-batchnorm.js';

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

/** A different seed per layer position, mixed so that nearby model seeds do not share layer seeds. */
export function layerSeed(seed: number, position: number): number {
  let h = (seed ^ Math.imul(position + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}

export abstract class LayersModel {
  abstract readonly name: string;
  private compiled: (Compiled & { metricNames: unknown; ownsOptimizer: boolean }) | null = null;
  private training = false;
  private disposed = false;
  /** Set to true from a callback to stop fit after the current batch. */
  stopTraining = false;
  /** The History of the last fit. */
  history: History | null = null;
  /**
   * At inference (predict, evaluate, apply without training), run a conv whose output only feeds a batch
   * norm as one conv with the normalisation folded into its weights and bias. Default true; training
   * always runs them apart (batch statistics).
   */
  foldBatchNorm = true;
  /** Folded conv weights, recomputed when a source weight changes. */
  protected readonly folds = new FoldCache();

  /** The layers, in the order their weights are listed. */
  abstract get layers(): Layer[];
  /** The input shape with a null batch, e.g. [null, 28, 28, 1]. */
  abstract get inputShape(): Shape;
  abstract get outputShape(): Shape;
  /** The forward pass on one batch, without tidy (it may run inside a gradient tape). */
  abstract forward(x: Tensor, training: boolean): Tensor;
  abstract summary(lineLength?: number | SummaryOptions, positions?: number[], printFn?: (line: string) => void): void;

  /** True once dispose() has run: every method then throws. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Throws if the model was disposed: its weights are gone, and it must not silently rebuild fresh ones. */
  assertAlive(method: string): void {
    if (this.disposed) throw new SimdnetError(`${this.name}.${method}`, 'the model has been disposed');
  }

  /** Throws when the model cannot run (disposed, or a Sequential model without layers). */
  protected requireLayers(fn: string): void {
    this.assertAlive(fn);
  }

  get weights(): Variable[] {
    return this.layers.flatMap((l) => l.weights);
  }

  get trainableWeights(): Variable[] {
    return this.layers.flatMap((l) => l.trainableWeights);
  }

  get nonTrainableWeights(): Variable[] {
    return this.layers.flatMap((l) => l.nonTrainableWeights);
  }

  countParams(): number {
    this.assertAlive('countParams');
    return this.layers.reduce((n, l) => n + l.countParams(), 0);
  }

  /** The model on one batch (training: true turns dropout, batch statistics, augmentation on). */
  apply(x: Tensor, options: { training?: boolean } = {}): Tensor {
    this.requireLayers('apply');
    const training = options.training === true;
    return isRecording() ? this.forward(x, training) : tidy(() => this.forward(x, training));
  }

  compile(args: CompileArgs): void {
    const fn = `${this.name}.compile`;
    this.assertAlive('compile');
    // fit holds the optimizer it started with; replacing (and disposing) it mid-run would corrupt the run.
    if (this.training) throw new SimdnetError(fn, 'the model is training (fit is running); compile after it ends');
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
    if (this.layers.length > 0) resolveMetrics(a.metrics, loss, this.outputUnits(), fn);
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
    this.assertAlive('getWeights');
    return this.layers.flatMap((l) => l.getWeights());
  }

  /** Sets every weight, in getWeights()'s order. */
  setWeights(values: Tensor[]): void {
    const fn = `${this.name}.setWeights`;
    this.assertAlive('setWeights');
    if (!Array.isArray(values))
      throw new Error(`${fn}: argument 'weights' must be an array of tensors; got ${describe(values)}`);
    const expected = this.weights.length;
    if (values.length !== expected)
      throw new Error(`${fn}: the model has ${expected} weights; got ${values.length} tensors`);
    let i = 0;
    for (const l of this.layers) {
      const n = l.weights.length;
      l.setWeights(values.slice(i, i + n));
      i += n;
    }
  }

  /** Frees every weight and the optimizer the model made itself (from 'adam' or 'sgd'). */
  dispose(): void {
    this.disposed = true;
    this.folds.dispose();
    for (const l of this.layers) l.dispose();
    if (this.compiled?.ownsOptimizer) this.compiled.optimizer.dispose();
    this.compiled = null;
  }
}
