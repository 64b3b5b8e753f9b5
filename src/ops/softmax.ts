// softmax over the last axis, and the fused softmax cross-entropy. Kernels: assembly/softmax.ts.
// With threads, rows are split into ranges (rows are independent); the cross-entropy's per-row losses are
// then averaged by one call in row order, so the loss is the same bits for any number of threads.
import { empty, type Tensor } from '../core/tensor.js';
import { isRecording, record } from '../core/engine.js';
import { kernels } from '../backend/wasm.js';
import { f32, i32 } from '../backend/views.js';
import { scratch } from '../backend/scratch.js';
import { forRows } from '../backend/threads/grid.js';

/**
 * Elements of a memory-bound op that one value with an exp costs about as much as (the vector exp is a
 * polynomial of about a dozen operations): an estimate, not a measured figure.
 */
const EXP_WORK = 4;
import { checkFloat, checkKnownKeys, checkTensor, describe, fmtShape } from '../util/validate.js';

export function softmax(x: Tensor): Tensor {
  const fn = 'softmax';
  checkTensor(x, 'x', fn);
  checkFloat(x, 'x', fn);
  if (x.rank < 1)
    throw new Error(`${fn}: argument 'x' must have rank >= 1 (softmax is over the last axis); got a scalar`);
  const k = x.shape[x.rank - 1];
  const rows = k === 0 ? 0 : x.size / k;
  const y = empty(x.shape, 'float32', fn);
  forRows({ elements: EXP_WORK * x.size }, rows, (r0, r1) => [
    'softmaxForward',
    x.offset + r0 * k * 4,
    y.offset + r0 * k * 4,
    r1 - r0,
    k,
  ]);
  if (isRecording()) {
    record({
      name: fn,
      inputs: [x],
      outputs: [y],
      backward: ([dy]) => {
        const dx = empty(x.shape);
        forRows({ elements: 2 * x.size }, rows, (r0, r1) => {
          const at = r0 * k * 4;
          return ['softmaxBackward', y.offset + at, dy.offset + at, dx.offset + at, r1 - r0, k];
        });
        return [dx];
      },
    });
  }
  return y;
}

export interface SoftmaxCrossEntropyOptions {
  /** true (default): labels are int32 class indices [n]; false: one-hot (or soft) float labels [n,k]. */
  sparse?: boolean;
}

function checkSparseLabels(labels: Tensor, n: number, k: number, fn: string): void {
  if (labels.dtype !== 'int32') {
    throw new Error(
      `${fn}: argument 'labels' must have dtype int32 (class indices) with sparse: true; got ${labels.dtype} ` +
        `(make them with sn.tensor(values, undefined, 'int32'), or pass one-hot float labels with { sparse: false })`,
    );
  }
  if (labels.rank !== 1 || labels.shape[0] !== n) {
    throw new Error(
      `${fn}: argument 'labels' must have shape [${n}] (one class index per row of logits); got ${fmtShape(labels.shape)}`,
    );
  }
  const view = i32();
  for (let r = 0; r < n; r++) {
    const label = view[labels.index + r];
    if (label < 0 || label >= k) {
      throw new Error(
        `${fn}: argument 'labels' must hold class indices in [0, ${k}) for ${k} classes; got ${label} at index ${r}`,
      );
    }
  }
}

function checkDenseLabels(labels: Tensor, logits: Tensor, fn: string): void {
  if (labels.dtype !== 'float32') {
    throw new Error(
      `${fn}: argument 'labels' must have dtype float32 (one-hot or soft labels) with sparse: false; got ${labels.dtype}`,
    );
  }
  if (labels.rank !== 2 || labels.shape[0] !== logits.shape[0] || labels.shape[1] !== logits.shape[1]) {
    throw new Error(
      `${fn}: argument 'labels' must have the shape of 'logits' ${fmtShape(logits.shape)} with sparse: false; got ${fmtShape(labels.shape)}`,
    );
  }
}

/** Mean over the batch of -log softmax(logits)[label]; logits [n,k]. Returns a scalar. */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor, options: SoftmaxCrossEntropyOptions = {}): Tensor {
  const fn = 'softmaxCrossEntropy';
  checkTensor(logits, 'logits', fn, 2, '[n,k]');
  checkFloat(logits, 'logits', fn);
  checkTensor(labels, 'labels', fn);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`${fn}: argument 'options' must be an object { sparse }; got ${describe(options)}`);
  }
  checkKnownKeys(options, ['sparse'], fn);
  const sparse = options.sparse ?? true;
  if (typeof sparse !== 'boolean')
    throw new Error(`${fn}: argument 'sparse' must be a boolean; got ${describe(sparse)}`);
  const [n, k] = logits.shape;
  if (k === 0)
    throw new Error(`${fn}: argument 'logits' must have at least one class; got shape ${fmtShape(logits.shape)}`);
  if (sparse) checkSparseLabels(labels, n, k, fn);
  else checkDenseLabels(labels, logits, fn);

  const loss = empty([], 'float32', fn);
  const losses = scratch('softmax.losses', n * 4);
  forRows({ elements: EXP_WORK * logits.size }, n, (r0, r1) => [
    sparse ? 'softmaxCrossEntropySparseRows' : 'softmaxCrossEntropyDenseRows',
    logits.offset + r0 * k * 4,
    labels.offset + r0 * (sparse ? 1 : k) * 4,
    losses + r0 * 4,
    r1 - r0,
    k,
  ]);
  kernels().meanOfRows(losses, loss.offset, n);
  if (isRecording()) {
    record({
      name: fn,
      inputs: [logits, labels],
      outputs: [loss],
      backward: ([dy]) => {
        const scale = f32()[dy.index] / n;
        const dz = empty(logits.shape);
        if (sparse) {
          // Class indices are not differentiable.
          forRows({ elements: EXP_WORK * logits.size }, n, (r0, r1) => {
            const at = r0 * k * 4;
            return [
              'softmaxCrossEntropySparseBackward',
              logits.offset + at,
              labels.offset + r0 * 4,
              dz.offset + at,
              r1 - r0,
              k,
              scale,
            ];
          });
          return [dz, null];
        }
        const dt = empty(labels.shape);
        forRows({ elements: EXP_WORK * logits.size }, n, (r0, r1) => {
          const at = r0 * k * 4;
          return [
            'softmaxCrossEntropyDenseBackward',
            logits.offset + at,
            labels.offset + at,
            dz.offset + at,
            dt.offset + at,
            r1 - r0,
            k,
            scale,
          ];
        });
        return [dz, dt];
      },
    });
  }
  return loss;
}
