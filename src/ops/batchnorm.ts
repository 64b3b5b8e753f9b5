// Batch normalisation and moments. Kernels: assembly/batchnorm.ts (statistics, gradient sums and a
// centred per-channel affine, each over a tensor seen as [outer, len, inner]).
//
// - batchNorm(x, mean, variance, offset?, scale?, epsilon): TF.js's op, normalising over the last axis
//   with given statistics (inference), differentiable in all five tensors.
// - batchNormTraining(x, { scale, offset, epsilon }): the training-mode op a BatchNormalization layer runs:
//   statistics of the batch over every axis but the last, one fused kernel forward and one backward.
// - moments(x, axes, keepDims): mean and biased variance over a contiguous run of axes.
import { empty, type Tensor } from '../core/tensor.js';
import { isRecording, record } from '../core/engine.js';
import { kernels } from '../backend/wasm.js';
import { scratch } from '../backend/scratch.js';
import { f32 } from '../backend/views.js';
import { checkFloat, checkTensor, describe, fmtShape, sizeOf } from '../util/validate.js';
import { runParallel } from '../backend/threads/pool.js';
import { channelRanges } from '../backend/threads/grid.js';
import { affineInto, forChannels, momentsInto, splitsStatistics } from './batchnorm-threads.js';

/** A per-channel tensor for x's last axis: [c], or any shape of size c whose other axes are 1 ([1,1,1,c]). */
function checkChannelVector(t: unknown, arg: string, fn: string, c: number): Tensor {
  const v = checkTensor(t, arg, fn);
  checkFloat(v, arg, fn);
  const last = v.rank === 0 ? 1 : v.shape[v.rank - 1];
  if (v.rank === 0 || last !== c || v.size !== c) {
    throw new Error(
      `${fn}: argument '${arg}' must have shape [${c}] (x's last axis), or [1,…,1,${c}]; got shape ${fmtShape(v.shape)}`,
    );
  }
  return v;
}

function checkEpsilon(epsilon: unknown, fn: string): number {
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon < 0) {
    throw new Error(`${fn}: argument 'epsilon' must be a finite number >= 0; got ${describe(epsilon)}`);
  }
  return epsilon;
}

/** x as [rows, c] over its last axis. */
function channelsOf(x: Tensor, fn: string): { rows: number; c: number } {
  checkTensor(x, 'x', fn);
  checkFloat(x, 'x', fn);
  if (x.rank === 0) throw new Error(`${fn}: argument 'x' must have at least one axis (the channels); got a scalar`);
  const c = x.shape[x.rank - 1];
  return { rows: c === 0 ? 0 : x.size / c, c };
}

/** Copies a small float array into a scratch slot and returns its byte offset. */
function staged(slot: string, values: Float32Array): number {
  const at = scratch(slot, values.length * 4);
  f32().set(values, at >>> 2);
  return at;
}

/**
 * (x - mean) · scale / √(variance + epsilon) + offset over x's last axis. mean, variance, offset and
 * scale are [c] (or [1,…,1,c]); offset and scale may be left out (0 and 1). Default epsilon 0.001, as TF.js.
 */
export function batchNorm(
  x: Tensor,
  mean: Tensor,
  variance: Tensor,
  offset?: Tensor | null,
  scale?: Tensor | null,
  epsilon = 0.001,
): Tensor {
  const fn = 'batchNorm';
  const { rows, c } = channelsOf(x, fn);
  checkChannelVector(mean, 'mean', fn, c);
  checkChannelVector(variance, 'variance', fn, c);
  const off = offset ?? undefined;
  const sc = scale ?? undefined;
  if (off) checkChannelVector(off, 'offset', fn, c);
  if (sc) checkChannelVector(sc, 'scale', fn, c);
  const eps = checkEpsilon(epsilon, fn);
  const y = empty(x.shape);
  // Per-channel multiplier, computed in float64 from the (small) statistics.
  const view = f32();
  const inv = new Float64Array(c);
  const a = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    inv[i] = 1 / Math.sqrt(view[variance.index + i] + eps);
    a[i] = inv[i] * (sc ? view[sc.index + i] : 1);
  }
  if (rows > 0 && c > 0) {
    const aAt = staged('bn.a', a);
    affineInto(x.offset, 0, mean.offset, aAt, 0, off ? off.offset : 0, y.offset, 1, rows, c);
  }
  if (isRecording()) {
    const inputs = [x, mean, variance, ...(off ? [off] : []), ...(sc ? [sc] : [])];
    record({
      name: fn,
      inputs,
      outputs: [y],
      backward: ([dy]: Tensor[], needs: boolean[]) => {
        // Σdy and Σdy·(x - mean) per channel give every parameter's gradient.
        const sums = empty([2, c]);
        if (rows > 0 && c > 0) {
          const ws = scratch('bn.ws', 16 * c);
          forChannels({ elements: rows * c }, c, (from, to) => [
            'gradSumsAxis',
            dy.offset,
            x.offset,
            mean.offset,
            sums.offset,
            sums.offset + c * 4,
            1,
            rows,
            c,
            from,
            to,
            ws,
          ]);
        } else f32().fill(0, sums.index, sums.index + 2 * c);
        const v = f32();
        const s1 = v.slice(sums.index, sums.index + c);
        const s2 = v.slice(sums.index + c, sums.index + 2 * c);
        sums.dispose();
        const vector = (values: Float32Array, like: Tensor): Tensor => {
          const t = empty(like.shape);
          f32().set(values, t.index);
          return t;
        };
        let dx: Tensor | null = null;
        if (needs[0]) {
          dx = empty(x.shape);
          if (rows > 0 && c > 0) affineInto(dy.offset, 0, 0, staged('bn.a', a), 0, 0, dx.offset, 1, rows, c);
        }
        const g = (i: number) => (sc ? f32()[sc.index + i] : 1);
        const dmean = needs[1]
          ? vector(
              a.map((ai, i) => -ai * s1[i]),
              mean,
            )
          : null;
        const dvar = needs[2]
          ? vector(
              s2.map((s, i) => -0.5 * g(i) * s * inv[i] * inv[i] * inv[i]),
              variance,
            )
          : null;
        const grads: (Tensor | null)[] = [dx, dmean, dvar];
        if (off) grads.push(needs[3] ? vector(s1, off) : null);
        if (sc)
          grads.push(
            needs[inputs.length - 1]
              ? vector(
                  s2.map((s, i) => s * inv[i]),
                  sc,
                )
              : null,
          );
        return grads;
      },
    });
  }
  return y;
}

export interface BatchNormTrainingOptions {
  /** γ, [c]; default 1. */
  scale?: Tensor | null;
  /** β, [c]; default 0. */
  offset?: Tensor | null;
  /** Default 0.001 (Keras's BatchNormalization). */
  epsilon?: number;
}

export interface BatchNormTrainingResult {
  y: Tensor;
  /** The batch mean per channel, [c]. */
  mean: Tensor;
  /** The batch's biased variance per channel, [c]. */
  variance: Tensor;
}

const TRAINING_KEYS = ['scale', 'offset', 'epsilon'];

/**
 * Batch norm with the batch's own statistics over every axis but the last (training mode), fused: one
 * kernel computes the statistics and normalises, one computes every gradient. All three outputs are
 * differentiable (the mean and variance too, for losses that use them).
 */
export function batchNormTraining(x: Tensor, options: BatchNormTrainingOptions = {}): BatchNormTrainingResult {
  const fn = 'batchNormTraining';
  const { rows, c } = channelsOf(x, fn);
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new Error(`${fn}: argument 'options' must be an object { scale, offset, epsilon }; got ${describe(options)}`);
  for (const key of Object.keys(options))
    if (!TRAINING_KEYS.includes(key))
      throw new Error(`${fn}: unknown option '${key}'; expected one of ${TRAINING_KEYS.join(', ')}`);
  const sc = options.scale ?? undefined;
  const off = options.offset ?? undefined;
  if (sc) checkChannelVector(sc, 'scale', fn, c);
  if (off) checkChannelVector(off, 'offset', fn, c);
  const eps = checkEpsilon(options.epsilon ?? 0.001, fn);
  if (rows === 0 && c > 0)
    throw new Error(
      `${fn}: argument 'x' must hold at least one value per channel to take statistics; got shape ${fmtShape(x.shape)}`,
    );
  const y = empty(x.shape);
  const mean = empty([c]);
  const variance = empty([c]);
  if (c > 0) {
    const ws = scratch('bn.ws', 20 * c);
    const [scAt, offAt] = [sc ? sc.offset : 0, off ? off.offset : 0];
    if (!splitsStatistics(rows, c)) {
      kernels().batchNormTrainForward(x.offset, y.offset, mean.offset, variance.offset, scAt, offAt, rows, c, eps, ws);
    } else {
      // The one-call kernel's two halves: statistics by channel ranges, then the affine by rows.
      runParallel(
        channelRanges({ elements: rows * c }, c).map(([from, to]) => [
          ['batchNormStats', x.offset, mean.offset, variance.offset, scAt, rows, c, from, to, eps, ws],
        ]),
      );
      affineInto(x.offset, 0, mean.offset, ws + 16 * c, 0, offAt, y.offset, 1, rows, c);
    }
  }
  if (isRecording()) {
    const inputs = [x, ...(sc ? [sc] : []), ...(off ? [off] : [])];
    record({
      name: fn,
      inputs,
      outputs: [y, mean, variance],
      backward: ([dy, dmean, dvar]: Tensor[], needs: boolean[]) => {
        const dx = needs[0] ? empty(x.shape) : null;
        const dscale = sc && needs[1] ? empty(sc.shape) : null;
        const doffset = off && needs[inputs.length - 1] ? empty(off.shape) : null;
        if (c > 0) {
          const ws = scratch('bn.ws', 36 * c);
          const args = [sc ? sc.offset : 0, dmean.offset, dvar.offset] as const;
          const [dxAt, dscAt, doffAt] = [dx ? dx.offset : 0, dscale ? dscale.offset : 0, doffset ? doffset.offset : 0];
          const [xAt, dyAt, mAt, vAt] = [x.offset, dy.offset, mean.offset, variance.offset];
          if (!splitsStatistics(rows, c)) {
            kernels().batchNormTrainBackward(xAt, dyAt, mAt, vAt, ...args, dxAt, dscAt, doffAt, rows, c, eps, ws);
          } else {
            // Sums and coefficients by channel ranges, then dx = dy·A + (x - mean)·B + C by rows.
            forChannels({ elements: rows * c }, c, (from, to) => [
              'batchNormGradCoefficients',
              xAt,
              dyAt,
              mAt,
              vAt,
              ...args,
              dscAt,
              doffAt,
              rows,
              c,
              from,
              to,
              eps,
              ws,
            ]);
            const A = ws + 24 * c;
            if (dx) affineInto(dyAt, xAt, mAt, A, A + 4 * c, A + 8 * c, dxAt, 1, rows, c);
          }
        }
        const grads: (Tensor | null)[] = [dx];
        if (sc) grads.push(dscale);
        if (off) grads.push(doffset);
        return grads;
      },
    });
  }
  return { y, mean, variance };
}

/** axes (a number or a list) as a sorted contiguous run [first, last] of x's axes. */
function axisRun(axes: unknown, rank: number, fn: string): [number, number] {
  const list = typeof axes === 'number' ? [axes] : axes;
  if (!Array.isArray(list) || list.length === 0)
    throw new Error(`${fn}: argument 'axes' must be an axis or a non-empty list of axes; got ${describe(axes)}`);
  const resolved = list.map((a) => {
    if (typeof a !== 'number' || !Number.isInteger(a) || a < -rank || a >= rank)
      throw new Error(
        `${fn}: argument 'axes' must hold integers in [${-rank}, ${rank - 1}] for x of rank ${rank}; got ${JSON.stringify(list)}`,
      );
    return a < 0 ? a + rank : a;
  });
  const sorted = [...new Set(resolved)].sort((a, b) => a - b);
  if (sorted.length !== resolved.length)
    throw new Error(`${fn}: argument 'axes' names an axis twice; got ${JSON.stringify(list)}`);
  if (sorted[sorted.length - 1] - sorted[0] !== sorted.length - 1)
    throw new Error(
      `${fn}: argument 'axes' must be a contiguous run of axes (e.g. [0, 1, 2] for NHWC batch statistics); got ${JSON.stringify(list)}`,
    );
  return [sorted[0], sorted[sorted.length - 1]];
}

/** Mean and biased variance of x over `axes` (a contiguous run), both differentiable. */
export function moments(x: Tensor, axes: number | number[], keepDims = false): { mean: Tensor; variance: Tensor } {
  const fn = 'moments';
  checkTensor(x, 'x', fn);
  checkFloat(x, 'x', fn);
  if (typeof keepDims !== 'boolean')
    throw new Error(`${fn}: argument 'keepDims' must be true or false; got ${describe(keepDims)}`);
  const [first, last] = axisRun(axes, x.rank, fn);
  const outer = sizeOf(x.shape.slice(0, first));
  const len = sizeOf(x.shape.slice(first, last + 1));
  const inner = sizeOf(x.shape.slice(last + 1));
  if (len === 0 && outer * inner > 0)
    throw new Error(
      `${fn}: argument 'x' has no values along axes ${JSON.stringify(axes)} to take moments of; got shape ${fmtShape(x.shape)}`,
    );
  const outShape = keepDims
    ? x.shape.map((d, i) => (i >= first && i <= last ? 1 : d))
    : x.shape.filter((_, i) => i < first || i > last);
  const mean = empty(outShape);
  const variance = empty(outShape);
  if (outer * inner > 0) momentsInto(x.offset, mean.offset, variance.offset, outer, len, inner);
  if (isRecording()) {
    record({
      name: fn,
      inputs: [x],
      outputs: [mean, variance],
      backward: ([dmean, dvar]: Tensor[]) => {
        // dx = dmean/len + 2·dvariance·(x - mean)/len
        const n = outer * inner;
        const v = f32();
        const a = new Float32Array(n);
        const c = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          a[i] = (2 * v[dvar.index + i]) / len;
          c[i] = v[dmean.index + i] / len;
        }
        const dx = empty(x.shape);
        if (n > 0) {
          const aAt = staged('moments.a', a);
          const cAt = staged('moments.c', c);
          affineInto(x.offset, 0, mean.offset, aAt, 0, cAt, dx.offset, outer, len, inner);
        }
        return [dx];
      },
    });
  }
  return { mean, variance };
}
