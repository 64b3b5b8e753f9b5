// sn.losses: Keras's losses as factories returning a function (yTrue, yPred) → scalar tensor (the mean
// over the batch). Without fromLogits, the cross-entropies expect probabilities, as in Keras; they are
// computed as softmaxCrossEntropy(log(clip(p, 1e-7, 1))), and since softmax(log p) = p / sum(p) this
// normalises p by its sum exactly as Keras does before taking the log.
import { Tensor, isTensor } from '../core/tensor.js';
import { tensor } from '../core/creation.js';
import { log, clipByValue } from '../ops/activations.js';
import { softmaxCrossEntropy } from '../ops/softmax.js';
import { mean } from '../ops/reduce.js';
import { mul, sub } from '../ops/elementwise.js';
import { checkKnownKeys, checkTensor, describe, fmtShape, lookupOwn } from '../util/validate.js';

const EPSILON = 1e-7;

export type LabelKind = 'sparse' | 'dense';

export interface LossFunction {
  (yTrue: Tensor, yPred: Tensor): Tensor;
  /** The Keras name, e.g. 'sparseCategoricalCrossentropy'. */
  readonly lossName: string;
  readonly fromLogits: boolean;
  /** 'sparse': integer class labels [n]; 'dense': targets shaped like the predictions. */
  readonly labels: LabelKind;
  getConfig(): { name: string; fromLogits?: boolean };
}

export interface CrossentropyOptions {
  /** true when yPred holds logits (no softmax on the last layer). Default false: probabilities. */
  fromLogits?: boolean;
}

function checkOptions(options: unknown, fn: string): CrossentropyOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object')
    throw new Error(`${fn}: argument 'options' must be an object like { fromLogits: true }; got ${describe(options)}`);
  checkKnownKeys(options, ['fromLogits'], fn);
  const { fromLogits } = options as CrossentropyOptions;
  if (fromLogits !== undefined && typeof fromLogits !== 'boolean')
    throw new Error(`${fn}: option 'fromLogits' must be true or false; got ${describe(fromLogits)}`);
  return options as CrossentropyOptions;
}

function makeLoss(
  name: string,
  labels: LabelKind,
  fromLogits: boolean,
  fn: (yTrue: Tensor, yPred: Tensor) => Tensor,
): LossFunction {
  const loss = ((yTrue: Tensor, yPred: Tensor) => {
    checkTensor(yTrue, 'yTrue', `losses.${name}`);
    checkTensor(yPred, 'yPred', `losses.${name}`);
    return fn(yTrue, yPred);
  }) as LossFunction;
  Object.defineProperties(loss, {
    lossName: { value: name },
    fromLogits: { value: fromLogits },
    labels: { value: labels },
    getConfig: { value: () => (name === 'meanSquaredError' ? { name } : { name, fromLogits }) },
  });
  return loss;
}

/** Class indices as int32 [n], from int32 or integer-valued float32 labels of shape [n] or [n, 1]. */
export function toSparseLabels(yTrue: Tensor, n: number, fn: string): Tensor {
  if (yTrue.size !== n || (yTrue.rank !== 1 && !(yTrue.rank === 2 && yTrue.shape[1] === 1))) {
    throw new Error(
      `${fn}: sparse labels must be class indices of shape [${n}] (or [${n},1]) for predictions of batch ${n}; got shape ${fmtShape(yTrue.shape)}${yTrue.rank === 2 && yTrue.shape[1] > 1 ? " (one-hot labels? use 'categoricalCrossentropy')" : ''}`,
    );
  }
  if (yTrue.dtype === 'int32') return yTrue.rank === 1 ? yTrue : yTrue.reshape([n]);
  const values = yTrue.dataSync();
  for (let i = 0; i < values.length; i++) {
    if (!Number.isInteger(values[i]))
      throw new Error(`${fn}: sparse labels must be integers (class indices); got ${values[i]} at index ${i}`);
  }
  return tensor(Int32Array.from(values), [n], 'int32');
}

function checkPredictions(yPred: Tensor, fn: string): void {
  if (yPred.rank !== 2)
    throw new Error(`${fn}: predictions must be rank 2 [batch, classes]; got shape ${fmtShape(yPred.shape)}`);
}

function probabilitiesToLogits(p: Tensor): Tensor {
  return log(clipByValue(p, EPSILON, 1));
}

/** Labels are class indices [n]; predictions [n, classes]. */
export function sparseCategoricalCrossentropy(options?: CrossentropyOptions): LossFunction {
  const fn = 'losses.sparseCategoricalCrossentropy';
  const fromLogits = checkOptions(options, fn).fromLogits ?? false;
  return makeLoss('sparseCategoricalCrossentropy', 'sparse', fromLogits, (yTrue, yPred) => {
    checkPredictions(yPred, fn);
    const labels = toSparseLabels(yTrue, yPred.shape[0], fn);
    const logits = fromLogits ? yPred : probabilitiesToLogits(yPred);
    return softmaxCrossEntropy(logits, labels, { sparse: true });
  });
}

/** Labels are one-hot (or soft) [n, classes], like the predictions. */
export function categoricalCrossentropy(options?: CrossentropyOptions): LossFunction {
  const fn = 'losses.categoricalCrossentropy';
  const fromLogits = checkOptions(options, fn).fromLogits ?? false;
  return makeLoss('categoricalCrossentropy', 'dense', fromLogits, (yTrue, yPred) => {
    checkPredictions(yPred, fn);
    if (yTrue.rank !== 2 || yTrue.shape[0] !== yPred.shape[0] || yTrue.shape[1] !== yPred.shape[1]) {
      throw new Error(
        `${fn}: labels must be one-hot of shape ${fmtShape(yPred.shape)} like the predictions; got ${fmtShape(yTrue.shape)}${yTrue.rank === 1 ? " (class indices? use 'sparseCategoricalCrossentropy')" : ''}`,
      );
    }
    const logits = fromLogits ? yPred : probabilitiesToLogits(yPred);
    return softmaxCrossEntropy(logits, yTrue, { sparse: false });
  });
}

/** mean((yPred - yTrue)^2) over every element. */
export function meanSquaredError(): LossFunction {
  const fn = 'losses.meanSquaredError';
  return makeLoss('meanSquaredError', 'dense', false, (yTrue, yPred) => {
    if (yTrue.size !== yPred.size)
      throw new Error(
        `${fn}: yTrue ${fmtShape(yTrue.shape)} and yPred ${fmtShape(yPred.shape)} must have the same size`,
      );
    const target =
      yTrue.rank === yPred.rank && yTrue.shape.every((d, i) => d === yPred.shape[i])
        ? yTrue
        : yTrue.reshape(yPred.shape as number[]);
    const d = sub(yPred, target);
    return mean(mul(d, d));
  });
}

const byName: Record<string, () => LossFunction> = {
  sparseCategoricalCrossentropy: () => sparseCategoricalCrossentropy(),
  categoricalCrossentropy: () => categoricalCrossentropy(),
  meanSquaredError: () => meanSquaredError(),
  // Keras's Python spellings and short names.
  sparse_categorical_crossentropy: () => sparseCategoricalCrossentropy(),
  categorical_crossentropy: () => categoricalCrossentropy(),
  mean_squared_error: () => meanSquaredError(),
  mse: () => meanSquaredError(),
};

/** A loss from its name or a loss function (as model.compile takes it). */
export function getLoss(id: unknown, fn: string): LossFunction {
  if (typeof id === 'string') {
    const make = lookupOwn(byName, id);
    if (!make)
      throw new Error(
        `${fn}: option 'loss' must be 'sparseCategoricalCrossentropy', 'categoricalCrossentropy', 'meanSquaredError' or a loss from sn.losses; got ${describe(id)}`,
      );
    return make();
  }
  if (typeof id === 'function') {
    const f = id as Partial<LossFunction>;
    if (typeof f.lossName === 'string') return id as LossFunction;
    // A plain user function (yTrue, yPred) => scalar: labels are passed as given.
    return makeLoss(
      (id as { name?: string }).name || 'customLoss',
      'dense',
      false,
      id as (a: Tensor, b: Tensor) => Tensor,
    );
  }
  if (isTensor(id)) throw new Error(`${fn}: option 'loss' must be a loss name or function; got a tensor`);
  throw new Error(
    `${fn}: option 'loss' must be 'sparseCategoricalCrossentropy', 'categoricalCrossentropy', 'meanSquaredError' or a loss from sn.losses; got ${describe(id)}`,
  );
}

export const losses = { sparseCategoricalCrossentropy, categoricalCrossentropy, meanSquaredError };
