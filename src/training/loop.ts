// fit, evaluate, predict and trainOnBatch for a model whose forward pass is given. Every step slices
// its batch out of x and y into fresh tensors and does all its tensor work inside one tidy, so the number
// of live tensors is the same after every step; only numbers (loss, correct counts) leave a step.
import { Tensor, copyOf, isTensor } from '../core/tensor.js';
import { tidy } from '../core/engine.js';
import { f32 } from '../backend/views.js';
import { variableGrads } from '../autograd/grads.js';
import type { Variable } from '../core/variable.js';
import type { Optimizer } from '../optimizers/index.js';
import type { LossFunction } from './losses.js';
import type { ResolvedMetric } from './metrics.js';
import { Random } from '../util/random.js';
import {
  SimdnetError,
  checkBoolean,
  checkKnownKeys,
  checkOptionsObject,
  checkPositiveInt,
  describe,
  fmtShape,
} from '../util/validate.js';
import { fmtKerasShape, type Shape } from '../layers/options.js';
import { within } from '../util/errors.js';
import { gatherRows, range, shuffleInPlace } from './batches.js';
import { History, type Logs } from './history.js';
import { CallbackList, type Callbacks } from './callbacks.js';
import { EpochProgress, defaultOutput, type ProgressOutput } from './progress.js';
import { Yielder, nextMacrotask, now } from './yield.js';

/** What the loop needs from a model. */
export interface TrainableModel {
  readonly name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly trainableWeights: Variable[];
  /** The forward pass, without tidy (it runs inside a gradient tape). */
  forward(x: Tensor, training: boolean): Tensor;
  stopTraining: boolean;
  /** True once the model was disposed. */
  readonly isDisposed?: boolean;
}

export interface Compiled {
  optimizer: Optimizer;
  loss: LossFunction;
  metrics: ResolvedMetric[];
}

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  /** Reshuffle the training samples before each epoch. Default true. */
  shuffle?: boolean;
  /** Hold out this last fraction of x and y (before shuffling) for validation, as Keras does. */
  validationSplit?: number;
  /** [xVal, yVal]: evaluated after each epoch (takes precedence over validationSplit). */
  validationData?: [Tensor, Tensor];
  callbacks?: Callbacks | Callbacks[];
  /** 0: silent; 1: progress bar (default); 2: one line per epoch. */
  verbose?: 0 | 1 | 2;
  /** Seeds the shuffling, so that a seeded model trains the same way twice. */
  seed?: number;
  /** Where the progress goes; default process.stdout (none in browsers). */
  output?: ProgressOutput;
  /**
   * Stop at the first batch whose loss is NaN or infinite, with an Error naming the epoch and batch and the
   * weights as they were before that batch (Keras's TerminateOnNaN). Default true.
   */
  terminateOnNaN?: boolean;
}

const FIT_KEYS = [
  'epochs',
  'batchSize',
  'shuffle',
  'validationSplit',
  'validationData',
  'callbacks',
  'verbose',
  'seed',
  'output',
  'terminateOnNaN',
];

/** How y's rows are cut into label batches for this loss. */
interface TargetLayout {
  rowShape: number[];
  dtype: 'float32' | 'int32';
}

export function checkInputs(model: TrainableModel, x: unknown, arg: string, fn: string): Tensor {
  if (!isTensor(x))
    throw new Error(
      `${fn}: argument '${arg}' must be a Tensor of shape ${fmtKerasShape(model.inputShape)}; got ${describe(x)}`,
    );
  if (x.isDisposed) throw new Error(`${fn}: argument '${arg}' is a disposed tensor`);
  const expected = model.inputShape;
  if (x.rank !== expected.length || x.shape.some((d, i) => i > 0 && d !== expected[i])) {
    throw new Error(
      `${fn}: argument '${arg}' must have shape ${fmtKerasShape(expected)} (the model's input); got ${fmtShape(x.shape)}`,
    );
  }
  if (x.dtype !== 'float32') throw new Error(`${fn}: argument '${arg}' must be float32; got ${x.dtype}`);
  return x;
}

/** Checks y against the loss and the model's output, and says how to batch it. */
export function checkTargets(
  model: TrainableModel,
  compiled: Compiled,
  y: unknown,
  n: number,
  arg: string,
  fn: string,
): TargetLayout {
  if (!isTensor(y)) throw new Error(`${fn}: argument '${arg}' must be a Tensor of labels; got ${describe(y)}`);
  if (y.isDisposed) throw new Error(`${fn}: argument '${arg}' is a disposed tensor`);
  if (y.rank < 1 || y.shape[0] !== n) {
    throw new Error(`${fn}: argument '${arg}' must have one row per sample (${n}); got shape ${fmtShape(y.shape)}`);
  }
  const out = model.outputShape.slice(1) as number[];
  const outSize = out.reduce((a, b) => a * b, 1);
  const loss = compiled.loss;
  if (loss.labels === 'sparse') {
    if (y.size !== n) {
      throw new Error(
        `${fn}: argument '${arg}' must hold class indices of shape [${n}] for ${loss.lossName}; got ${fmtShape(y.shape)}${y.rank === 2 ? " (one-hot labels go with 'categoricalCrossentropy')" : ''}`,
      );
    }
    const k = outSize;
    const values = y.dataSync();
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isInteger(v) || v < 0 || v >= k) {
        throw new Error(
          `${fn}: argument '${arg}' must hold integer class indices in [0, ${k}) (the model has ${k} outputs); got ${v} at index ${i}`,
        );
      }
    }
    return { rowShape: [], dtype: 'int32' };
  }
  if (y.size === n * outSize) return { rowShape: out, dtype: 'float32' };
  if (loss.lossName === 'categoricalCrossentropy' || loss.lossName === 'meanSquaredError') {
    throw new Error(
      `${fn}: argument '${arg}' must have shape ${fmtKerasShape([n, ...out])} like the model's output for ${loss.lossName}; got ${fmtShape(y.shape)}${y.rank === 1 ? " (class indices go with 'sparseCategoricalCrossentropy')" : ''}`,
    );
  }
  return { rowShape: y.shape.slice(1), dtype: y.dtype };
}

function parseFitArgs(
  args: unknown,
  fn: string,
): Required<Omit<FitArgs, 'validationData' | 'validationSplit' | 'seed' | 'output' | 'callbacks'>> & FitArgs {
  const a = checkOptionsObject(args, fn) as FitArgs;
  checkKnownKeys(a, FIT_KEYS, fn);
  const epochs = a.epochs === undefined ? 1 : checkPositiveInt(a.epochs, 'epochs', fn);
  const batchSize = a.batchSize === undefined ? 32 : checkPositiveInt(a.batchSize, 'batchSize', fn);
  if (a.shuffle !== undefined && typeof a.shuffle !== 'boolean')
    throw new Error(`${fn}: option 'shuffle' must be true or false; got ${describe(a.shuffle)}`);
  if (a.verbose !== undefined && a.verbose !== 0 && a.verbose !== 1 && a.verbose !== 2)
    throw new Error(`${fn}: option 'verbose' must be 0, 1 or 2; got ${describe(a.verbose)}`);
  if (
    a.validationSplit !== undefined &&
    (typeof a.validationSplit !== 'number' || !(a.validationSplit >= 0 && a.validationSplit < 1))
  ) {
    throw new Error(`${fn}: option 'validationSplit' must be a number in [0, 1); got ${describe(a.validationSplit)}`);
  }
  if (a.validationData !== undefined && (!Array.isArray(a.validationData) || a.validationData.length !== 2)) {
    throw new Error(`${fn}: option 'validationData' must be [xVal, yVal]; got ${describe(a.validationData)}`);
  }
  if (a.seed !== undefined && (typeof a.seed !== 'number' || !Number.isInteger(a.seed)))
    throw new Error(`${fn}: option 'seed' must be an integer; got ${describe(a.seed)}`);
  const terminateOnNaN = a.terminateOnNaN === undefined ? true : checkBoolean(a.terminateOnNaN, 'terminateOnNaN', fn);
  return { ...a, epochs, batchSize, shuffle: a.shuffle ?? true, verbose: a.verbose ?? 1, terminateOnNaN };
}

interface BatchResult {
  loss: number;
  size: number;
  /** [correct, total] per metric. */
  counts: [number, number][];
}

function countMetrics(compiled: Compiled, yb: Tensor, pred: Tensor): [number, number][] {
  if (compiled.metrics.length === 0) return [];
  const n = pred.shape[0];
  const k = n === 0 ? 0 : pred.size / n;
  const p = pred.dataSync();
  const y = yb.dataSync();
  return compiled.metrics.map((m) => m.count(y, p, n, k));
}

function validationTensors(v: { x: Tensor; y: Tensor }): [Tensor, string][] {
  return [
    [v.x, 'validationData[0]'],
    [v.y, 'validationData[1]'],
  ];
}

/** Throws if the model or one of the tensors was disposed since fit started (from a callback, say). */
function checkStillAlive(model: TrainableModel, fn: string, ...tensors: [Tensor, string][]): void {
  if (model.isDisposed) throw new SimdnetError(fn, 'the model was disposed during training');
  for (const [t, arg] of tensors)
    if (t.isDisposed)
      throw new SimdnetError(fn, `argument '${arg}' was disposed during training; it must live until fit ends`, arg);
}

/** One optimisation step on rows [start, end) of `order`. */
function trainStep(
  model: TrainableModel,
  compiled: Compiled,
  x: Tensor,
  y: Tensor,
  layout: TargetLayout,
  order: Int32Array,
  start: number,
  end: number,
  /** When set, a non-finite loss throws this error (built lazily) before the optimizer changes anything. */
  onNonFinite?: (loss: number) => Error,
): BatchResult {
  return tidy(() => {
    const xb = gatherRows(x, order, start, end, x.shape.slice(1));
    const yb = gatherRows(y, order, start, end, layout.rowShape, layout.dtype);
    let counts: [number, number][] = [];
    const { value, grads } = variableGrads(() => {
      const pred = model.forward(xb, true);
      // Metrics read the predictions here, while they are alive (variableGrads frees them).
      counts = countMetrics(compiled, yb, pred);
      return compiled.loss(yb, pred);
    }, model.trainableWeights);
    const loss = value.dataSync()[0];
    if (onNonFinite && !Number.isFinite(loss)) throw onNonFinite(loss);
    compiled.optimizer.applyGradients(grads);
    return { loss, size: end - start, counts };
  });
}

/** Mean loss and metrics over the rows `indices` of x and y, in batches, without training. */
export function evaluateRows(
  model: TrainableModel,
  compiled: Compiled,
  x: Tensor,
  y: Tensor,
  layout: TargetLayout,
  indices: Int32Array,
  batchSize: number,
): Logs {
  let lossSum = 0;
  const sums = compiled.metrics.map(() => [0, 0]);
  for (let start = 0; start < indices.length; start += batchSize) {
    const end = Math.min(indices.length, start + batchSize);
    const r = tidy(() => {
      const xb = gatherRows(x, indices, start, end, x.shape.slice(1));
      const yb = gatherRows(y, indices, start, end, layout.rowShape, layout.dtype);
      const pred = model.forward(xb, false);
      const counts = countMetrics(compiled, yb, pred);
      return { loss: compiled.loss(yb, pred).dataSync()[0], counts };
    });
    lossSum += r.loss * (end - start);
    r.counts.forEach(([c, t], i) => {
      sums[i][0] += c;
      sums[i][1] += t;
    });
  }
  const logs: Logs = { loss: indices.length > 0 ? lossSum / indices.length : NaN };
  compiled.metrics.forEach((m, i) => (logs[m.name] = sums[i][1] > 0 ? sums[i][0] / sums[i][1] : NaN));
  return logs;
}

function runningLogs(compiled: Compiled, lossSum: number, seen: number, sums: number[][]): Logs {
  const logs: Logs = { loss: lossSum / seen };
  compiled.metrics.forEach((m, i) => (logs[m.name] = sums[i][0] / Math.max(1, sums[i][1])));
  return logs;
}

export async function fit(
  model: TrainableModel,
  compiled: Compiled,
  x: unknown,
  y: unknown,
  args: FitArgs | undefined,
): Promise<History> {
  const fn = `${model.name}.fit`;
  const opts = parseFitArgs(args, fn);
  const xs = checkInputs(model, x, 'x', fn);
  const n = xs.shape[0];
  const layout = checkTargets(model, compiled, y, n, 'y', fn);
  const ys = y as Tensor;
  const callbacks = new CallbackList(opts.callbacks, fn);

  // Validation: explicit data, or the last fraction of x and y (taken before any shuffling).
  let nTrain = n;
  let validation: { x: Tensor; y: Tensor; layout: TargetLayout; rows: Int32Array } | null = null;
  if (opts.validationData) {
    const [xv, yv] = opts.validationData;
    const vx = checkInputs(model, xv, 'validationData[0]', fn);
    const vLayout = checkTargets(model, compiled, yv, vx.shape[0], 'validationData[1]', fn);
    validation = { x: vx, y: yv, layout: vLayout, rows: range(0, vx.shape[0]) };
  } else if (opts.validationSplit) {
    nTrain = Math.floor(n * (1 - opts.validationSplit));
    if (nTrain === 0 || nTrain === n) {
      throw new Error(
        `${fn}: validationSplit ${opts.validationSplit} of ${n} samples leaves ${nTrain === 0 ? 'no training' : 'no validation'} samples`,
      );
    }
    validation = { x: xs, y: ys, layout, rows: range(nTrain, n) };
  }
  if (nTrain === 0) throw new Error(`${fn}: x has no samples`);

  const steps = Math.ceil(nTrain / opts.batchSize);
  const history = new History();
  history.params = {
    epochs: opts.epochs,
    batchSize: opts.batchSize,
    samples: nTrain,
    steps,
    validationSamples: validation?.rows.length ?? 0,
  };
  const output = opts.verbose > 0 ? (opts.output ?? defaultOutput()) : null;
  const progress = output ? new EpochProgress(output, opts.verbose as 1 | 2, steps, now) : null;
  const rng = new Random(opts.seed);
  const order = range(0, nTrain);
  const yielder = new Yielder();
  const batchHooks = callbacks.has('onBatchBegin') || callbacks.has('onBatchEnd');

  model.stopTraining = false;
  callbacks.setModel(model);
  await callbacks.call('onTrainBegin', {});
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    await callbacks.call('onEpochBegin', epoch, {});
    if (opts.shuffle) shuffleInPlace(order, rng);
    progress?.begin(epoch, opts.epochs);
    const t0 = now();
    let lossSum = 0;
    let seen = 0;
    const sums = compiled.metrics.map(() => [0, 0]);
    for (let step = 0; step < steps; step++) {
      const start = step * opts.batchSize;
      const end = Math.min(nTrain, start + opts.batchSize);
      if (batchHooks) await callbacks.call('onBatchBegin', step, { batch: step, size: end - start });
      // A callback may have disposed x, y or the model: training on freed memory would read whatever now
      // lives there, so it stops here instead.
      checkStillAlive(model, fn, [xs, 'x'], [ys, 'y'], ...(validation ? validationTensors(validation) : []));
      let r: BatchResult;
      try {
        r = trainStep(
          model,
          compiled,
          xs,
          ys,
          layout,
          order,
          start,
          end,
          opts.terminateOnNaN
            ? (loss) =>
                new SimdnetError(
                  fn,
                  `the loss is ${loss} at epoch ${epoch + 1}, batch ${step + 1} (of ${steps}); training stopped with the weights as they were before that batch (terminateOnNaN: false trains on)`,
                )
            : undefined,
        );
      } catch (e) {
        throw within(e, fn); // out of memory for a batch: say it was fit's
      }
      lossSum += r.loss * r.size;
      seen += r.size;
      r.counts.forEach(([c, t], i) => {
        sums[i][0] += c;
        sums[i][1] += t;
      });
      if (batchHooks) {
        const batchLogs: Logs = { batch: step, size: r.size, loss: r.loss };
        compiled.metrics.forEach((m, i) => (batchLogs[m.name] = r.counts[i][0] / Math.max(1, r.counts[i][1])));
        await callbacks.call('onBatchEnd', step, batchLogs);
      }
      progress?.update(step + 1, (now() - t0) / 1000, runningLogs(compiled, lossSum, seen, sums));
      await yielder.maybeYield();
      if (model.stopTraining) break;
    }
    const logs = runningLogs(compiled, lossSum, seen, sums);
    const trainSeconds = (now() - t0) / 1000;
    if (validation) {
      checkStillAlive(model, fn, ...validationTensors(validation));
      const v = evaluateRows(
        model,
        compiled,
        validation.x,
        validation.y,
        validation.layout,
        validation.rows,
        opts.batchSize,
      );
      for (const [key, value] of Object.entries(v)) logs[`val_${key}`] = value;
    }
    progress?.end((now() - t0) / 1000, logs, trainSeconds);
    history.record(epoch, logs);
    await callbacks.call('onEpochEnd', epoch, { ...logs });
    // At least one turn of the event loop per epoch, however short the epoch.
    await nextMacrotask();
    if (model.stopTraining) break;
  }
  await callbacks.call('onTrainEnd', {});
  return history;
}

/** Mean loss and metrics on x and y: a number (no metrics) or [loss, ...metrics], as Keras returns them. */
export function evaluate(
  model: TrainableModel,
  compiled: Compiled,
  x: unknown,
  y: unknown,
  args: { batchSize?: number } | undefined,
): number | number[] {
  const fn = `${model.name}.evaluate`;
  const a = checkOptionsObject(args, fn);
  checkKnownKeys(a, ['batchSize', 'verbose'], fn);
  const batchSize = a.batchSize === undefined ? 32 : checkPositiveInt(a.batchSize, 'batchSize', fn);
  const xs = checkInputs(model, x, 'x', fn);
  const layout = checkTargets(model, compiled, y, xs.shape[0], 'y', fn);
  const logs = evaluateRows(model, compiled, xs, y as Tensor, layout, range(0, xs.shape[0]), batchSize);
  return compiled.metrics.length === 0 ? logs.loss : [logs.loss, ...compiled.metrics.map((m) => logs[m.name])];
}

/** The model's outputs for x, computed `batchSize` samples at a time into one output tensor. */
export function predict(model: TrainableModel, x: unknown, args: { batchSize?: number } | undefined): Tensor {
  const fn = `${model.name}.predict`;
  const a = checkOptionsObject(args, fn);
  checkKnownKeys(a, ['batchSize', 'verbose'], fn);
  const batchSize = a.batchSize === undefined ? 32 : checkPositiveInt(a.batchSize, 'batchSize', fn);
  const xs = checkInputs(model, x, 'x', fn);
  const n = xs.shape[0];
  const rowShape = model.outputShape.slice(1) as number[];
  const rowSize = rowShape.reduce((p, d) => p * d, 1);
  if (n > 0 && n <= batchSize) {
    // One batch: the model reads x itself (no copy of the batch) and its output is the result.
    return tidy(() => {
      const pred = model.forward(xs, false);
      return pred === xs ? copyOf(pred) : pred;
    });
  }
  const out = new Tensor([n, ...rowShape]);
  const rows = range(0, n);
  try {
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      tidy(() => {
        const pred = model.forward(gatherRows(xs, rows, start, end, xs.shape.slice(1)), false);
        f32().copyWithin(out.index + start * rowSize, pred.index, pred.index + pred.size);
      });
    }
  } catch (e) {
    out.dispose();
    throw e;
  }
  return out;
}

/** One optimisation step on exactly this batch; returns the loss (or [loss, ...metrics]) before the step. */
export function trainOnBatch(model: TrainableModel, compiled: Compiled, x: unknown, y: unknown): number | number[] {
  const fn = `${model.name}.trainOnBatch`;
  const xs = checkInputs(model, x, 'x', fn);
  const n = xs.shape[0];
  if (n === 0) throw new Error(`${fn}: x has no samples`);
  const layout = checkTargets(model, compiled, y, n, 'y', fn);
  const r = trainStep(model, compiled, xs, y as Tensor, layout, range(0, n), 0, n);
  const metrics = r.counts.map(([c, t]) => c / Math.max(1, t));
  return compiled.metrics.length === 0 ? r.loss : [r.loss, ...metrics];
}
