// sn.metrics: accuracies computed in JavaScript from the predictions' values (a batch of class scores is
// small, and a plain number is what a training log wants). Each returns the fraction correct in [0, 1].
import type { Tensor } from '../core/tensor.js';
import type { LossFunction } from './losses.js';
import { checkTensor, describe, fmtShape } from '../util/validate.js';

function argmaxRow(data: ArrayLike<number>, row: number, k: number): number {
  let best = 0;
  let bestValue = -Infinity;
  const base = row * k;
  for (let j = 0; j < k; j++) {
    const v = data[base + j];
    if (v > bestValue) {
      bestValue = v;
      best = j;
    }
  }
  return best;
}

function rowsAndClasses(yPred: Tensor, fn: string): [number, number] {
  if (yPred.rank < 1) throw new Error(`${fn}: predictions must have a batch axis; got a scalar`);
  const n = yPred.shape[0];
  return [n, n === 0 ? 0 : yPred.size / n];
}

/** How many rows have argmax(yPred) equal to the integer label. */
export function countSparseCorrect(labels: ArrayLike<number>, pred: ArrayLike<number>, n: number, k: number): number {
  let correct = 0;
  for (let i = 0; i < n; i++) if (argmaxRow(pred, i, k) === labels[i]) correct++;
  return correct;
}

/** How many rows have argmax(yPred) equal to argmax(yTrue). */
export function countCategoricalCorrect(
  yTrue: ArrayLike<number>,
  pred: ArrayLike<number>,
  n: number,
  k: number,
): number {
  let correct = 0;
  for (let i = 0; i < n; i++) if (argmaxRow(pred, i, k) === argmaxRow(yTrue, i, k)) correct++;
  return correct;
}

/** How many elements have (yPred > 0.5) equal to (yTrue > 0.5); counted per element. */
export function countBinaryCorrect(yTrue: ArrayLike<number>, pred: ArrayLike<number>): number {
  let correct = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] > 0.5 === yTrue[i] > 0.5) correct++;
  return correct;
}

/** yTrue: class indices [n] (or [n,1]); yPred: scores [n, classes]. */
export function sparseCategoricalAccuracy(yTrue: Tensor, yPred: Tensor): number {
  const fn = 'metrics.sparseCategoricalAccuracy';
  checkTensor(yTrue, 'yTrue', fn);
  checkTensor(yPred, 'yPred', fn);
  const [n, k] = rowsAndClasses(yPred, fn);
  if (yTrue.size !== n)
    throw new Error(`${fn}: yTrue must hold ${n} class indices; got shape ${fmtShape(yTrue.shape)}`);
  return n === 0 ? 0 : countSparseCorrect(yTrue.dataSync(), yPred.dataSync(), n, k) / n;
}

/** yTrue: one-hot [n, classes]; yPred: scores [n, classes]. */
export function categoricalAccuracy(yTrue: Tensor, yPred: Tensor): number {
  const fn = 'metrics.categoricalAccuracy';
  checkTensor(yTrue, 'yTrue', fn);
  checkTensor(yPred, 'yPred', fn);
  const [n, k] = rowsAndClasses(yPred, fn);
  if (yTrue.size !== yPred.size)
    throw new Error(`${fn}: yTrue ${fmtShape(yTrue.shape)} must match yPred ${fmtShape(yPred.shape)}`);
  return n === 0 ? 0 : countCategoricalCorrect(yTrue.dataSync(), yPred.dataSync(), n, k) / n;
}

/** Elementwise agreement of yPred > 0.5 with yTrue > 0.5. */
export function binaryAccuracy(yTrue: Tensor, yPred: Tensor): number {
  const fn = 'metrics.binaryAccuracy';
  checkTensor(yTrue, 'yTrue', fn);
  checkTensor(yPred, 'yPred', fn);
  if (yTrue.size !== yPred.size)
    throw new Error(`${fn}: yTrue ${fmtShape(yTrue.shape)} must match yPred ${fmtShape(yPred.shape)}`);
  return yPred.size === 0 ? 0 : countBinaryCorrect(yTrue.dataSync(), yPred.dataSync()) / yPred.size;
}

/** A metric as the training loop uses it: correct counts over a number of samples, averaged per epoch. */
export interface ResolvedMetric {
  /** The key in logs and History: 'acc' for 'accuracy'. */
  name: string;
  /** [correct, total] for one batch, from the labels' and predictions' values. */
  count(yTrue: ArrayLike<number>, pred: ArrayLike<number>, n: number, k: number): [number, number];
}

const sparse: ResolvedMetric['count'] = (y, p, n, k) => [countSparseCorrect(y, p, n, k), n];
const categorical: ResolvedMetric['count'] = (y, p, n, k) => [countCategoricalCorrect(y, p, n, k), n];
const binary: ResolvedMetric['count'] = (y, p) => [countBinaryCorrect(y, p), p.length];

/**
 * Resolves compile's metrics. 'accuracy' (or 'acc') picks the accuracy that fits the loss, as Keras does:
 * sparse labels → sparse categorical; one output per sample → binary; otherwise categorical.
 */
export function resolveMetrics(
  metrics: unknown,
  loss: LossFunction,
  outputUnits: number,
  fn: string,
): ResolvedMetric[] {
  if (metrics === undefined) return [];
  const list = Array.isArray(metrics) ? metrics : [metrics];
  return list.map((m) => {
    switch (m) {
      case 'accuracy':
      case 'acc':
        if (loss.labels === 'sparse') return { name: 'acc', count: sparse };
        return { name: 'acc', count: outputUnits === 1 ? binary : categorical };
      case 'sparseCategoricalAccuracy':
        return { name: 'sparseCategoricalAccuracy', count: sparse };
      case 'categoricalAccuracy':
        return { name: 'categoricalAccuracy', count: categorical };
      case 'binaryAccuracy':
        return { name: 'binaryAccuracy', count: binary };
      default:
        throw new Error(
          `${fn}: option 'metrics' may contain 'accuracy', 'sparseCategoricalAccuracy', 'categoricalAccuracy' or 'binaryAccuracy'; got ${describe(m)}`,
        );
    }
  });
}

export const metrics = { sparseCategoricalAccuracy, categoricalAccuracy, binaryAccuracy };
