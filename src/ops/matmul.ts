// matMul and dense, on the same GEMM micro-kernel as conv2d. Kernels: assembly/gemm.ts.
// The helpers below (packing, row pointers, the three GEMM shapes) are shared with conv2d.ts.
import { Tensor, empty } from '../tensor.js';
import { isRecording, record } from '../engine.js';
import { kernels } from '../backend/wasm.js';
import { scratch } from '../backend/scratch.js';
import { cachedPack } from '../backend/packed-cache.js';
import { f32 } from '../backend/views.js';
import { within } from '../util/errors.js';
import { checkFloat, checkTensor, describe, fmtShape } from '../util/validate.js';

/** Rows and columns of the micro-kernel's register tile. */
export const MR = 4;
export const NR = 8;
/** Output pixels per chunk in the weight-gradient kernel (keeps a chunk of x and dy in cache). */
export const WEIGHT_GRAD_CHUNK = 256;

export const roundUp = (v: number, m: number): number => Math.ceil(v / m) * m;

/**
 * Packs B [K, N] (row stride ldb) with an optional bias into the micro-kernel's panels; returns the offset.
 * The pack is cached per (weights, bias) and redone only when a Variable's version moved (see
 * src/backend/packed-cache.ts): batch-1 inference then skips it; training repacks once a step.
 */
export function packWeights(w: Tensor, bias: Tensor | undefined, K: number, N: number): number {
  const bytes = roundUp(N, NR) * (K + 1) * 4;
  const tensors = bias ? [w, bias] : [w];
  return cachedPack('B', tensors, bytes, (packed) =>
    kernels().gemmPackB(packed, w.offset, K, N, N, bias ? bias.offset : 0),
  );
}

/** Packs Sᵀ for S [N, K] (row stride lds): the B operand of dy · Wᵀ. */
export function packBT(slot: string, s: number, K: number, N: number, lds: number): number {
  const packed = scratch(slot, roundUp(N, NR) * (K + 1) * 4);
  kernels().gemmPackBT(packed, s, K, N, lds);
  return packed;
}

/** Row pointers base + m * strideBytes for m < M (padded to a multiple of MR with `pad`). */
export function rowPointers(slot: string, base: number, strideBytes: number, M: number, pad = base): number {
  const mPad = roundUp(M, MR);
  const ind = scratch(slot, mPad * 4);
  kernels().gemmRowPointers(ind, base, strideBytes, M, mPad, pad);
  return ind;
}

/** out [M, N] = act(A [M, K] · B + bias) for a packed B; A's rows are lda floats apart. */
export function gemmRows(
  out: number,
  a: number,
  lda: number,
  M: number,
  K: number,
  packed: number,
  N: number,
  relu: boolean,
): void {
  if (M === 0 || N === 0) return;
  const ind = rowPointers('gemm.rows', a, lda * 4, M);
  kernels().gemmIndirect(ind, roundUp(M, MR), 1, K, packed, out, N, M, N, relu ? 1 : 0);
}

/** dw [taps*chans, N] = Σ_m A_t[m]ᵀ · D[m] over the indirection `ind` (mPad rows per tap), D packed by prepareGrad. */
export function weightGrad(
  dw: number,
  ind: number,
  mPad: number,
  taps: number,
  chans: number,
  M: number,
  packedD: number,
  dStride: number,
  N: number,
  accumulate: boolean,
): void {
  kernels().gemmWeightGrad(ind, mPad, taps, chans, M, packedD, dStride, N, dw, WEIGHT_GRAD_CHUNK, accumulate ? 1 : 0);
}

/** A fresh tensor of zeros (the facade's memset; the tensor module has no zero-filled allocation). */
export function zeroTensor(shape: readonly number[]): Tensor {
  const t = empty(shape);
  f32().fill(0, t.index, t.index + t.size);
  return t;
}

/**
 * The output gradient as the backward GEMMs read it, made in one kernel pass: D packed for the weight
 * gradient, the bias gradient summed into `dbias` (0: none), and, when `needRows`, the rows of dy masked by
 * y > 0 for the input gradient (dy itself without a fused ReLU; 0 when not needed). M and N must be > 0.
 */
export function prepareGrad(
  slot: string,
  dy: Tensor,
  y: Tensor,
  relu: boolean,
  M: number,
  N: number,
  dbias: number,
  needRows: boolean,
): { packed: number; rows: number } {
  const packed = scratch('gemm.packD', roundUp(N, NR) * M * 4);
  const rows = !needRows ? 0 : relu ? scratch(slot, dy.bytes) : dy.offset;
  kernels().gemmPrepareGrad(packed, relu ? rows : 0, dbias, dy.offset, relu ? y.offset : 0, M, N, 0);
  return { packed, rows };
}

export function checkActivation(activation: unknown, arg: string, fn: string): boolean {
  if (activation === undefined || activation === 'linear') return false;
  if (activation === 'relu') return true;
  throw new Error(`${fn}: argument '${arg}' must be 'linear' or 'relu'; got ${describe(activation)}`);
}

// ---- matMul and dense ----

/** c = a · b (+ bias), optionally through ReLU; records the gradient for every input. */
function product(fn: string, a: Tensor, b: Tensor, bias: Tensor | undefined, relu: boolean): Tensor {
  const [M, K] = a.shape;
  const N = b.shape[1];
  let y: Tensor;
  try {
    y = empty([M, N]);
  } catch (e) {
    throw within(e, fn);
  }
  if (M > 0 && N > 0) {
    if (K === 0) {
      f32().fill(0, y.index, y.index + y.size);
      if (bias) for (let i = 0; i < M; i++) f32().copyWithin(y.index + i * N, bias.index, bias.index + N);
      if (relu) kernels().gemmReluMask(y.offset, y.offset, y.offset, y.size);
    } else {
      try {
        gemmRows(y.offset, a.offset, K, M, K, packWeights(b, bias, K, N), N, relu);
      } catch (e) {
        // Out of memory for the packed weights or the row pointers: the output must not be left behind.
        y.dispose();
        throw within(e, fn);
      }
    }
  }
  if (isRecording()) {
    record({
      name: fn,
      inputs: bias ? [a, b, bias] : [a, b],
      outputs: [y],
      backward: ([dy]: Tensor[], needs: boolean[]) => {
        // The kernels overwrite every element, unless a dimension is empty (then the gradient is zero).
        const full = M > 0 && K > 0 && N > 0;
        const some = M > 0 && N > 0;
        const dbias = !bias ? null : some ? empty([N]) : zeroTensor([N]);
        const da = !needs[0] ? null : full ? empty([M, K]) : zeroTensor([M, K]);
        const dbw = !needs[1] ? null : full ? empty([K, N]) : zeroTensor([K, N]);
        if (some) {
          const g = prepareGrad('gemm.dyMasked', dy, y, relu, M, N, dbias ? dbias.offset : 0, da !== null && full);
          // da [M, K] = g · bᵀ
          if (full && da) gemmRows(da.offset, g.rows, N, M, N, packBT('gemm.packBT', b.offset, N, K, N), K, false);
          // db [K, N] = aᵀ · g
          if (full && dbw) {
            const ind = rowPointers('gemm.rows', a.offset, K * 4, M);
            weightGrad(dbw.offset, ind, roundUp(M, MR), 1, K, M, g.packed, M * 32, N, false);
          }
        }
        const grads: (Tensor | null)[] = [da, dbw];
        if (bias) grads.push(dbias);
        return grads;
      },
    });
  }
  return y;
}

/** a [m,k] · b [k,n] → [m,n]. */
export function matMul(a: Tensor, b: Tensor): Tensor {
  const fn = 'matMul';
  checkTensor(a, 'a', fn, 2, '[m,k]');
  checkTensor(b, 'b', fn, 2, '[k,n]');
  checkFloat(a, 'a', fn);
  checkFloat(b, 'b', fn);
  if (a.shape[1] !== b.shape[0]) {
    throw new Error(
      `${fn}: inner dimensions must agree: argument 'a' has shape ${fmtShape(a.shape)} (k = ${a.shape[1]}) but argument 'b' has shape ${fmtShape(b.shape)} (k = ${b.shape[0]})`,
    );
  }
  return product(fn, a, b, undefined, false);
}

/** x [n,in] · w [in,out] (+ b [out]) → [n,out]. */
export function dense(x: Tensor, w: Tensor, b?: Tensor, activation: 'linear' | 'relu' = 'linear'): Tensor {
  const fn = 'dense';
  checkTensor(x, 'x', fn, 2, '[n,in]');
  checkTensor(w, 'w', fn, 2, '[in,out]');
  checkFloat(x, 'x', fn);
  checkFloat(w, 'w', fn);
  if (x.shape[1] !== w.shape[0]) {
    throw new Error(
      `${fn}: argument 'w' must have shape [in,out] with in = ${x.shape[1]} (x's last axis); got shape ${fmtShape(w.shape)}`,
    );
  }
  if (b !== undefined && b !== null) {
    checkTensor(b, 'b', fn, 1, '[out]');
    checkFloat(b, 'b', fn);
    if (b.shape[0] !== w.shape[1]) {
      throw new Error(
        `${fn}: argument 'b' must have shape [${w.shape[1]}] (out = w's last axis); got shape ${fmtShape(b.shape)}`,
      );
    }
  }
  const relu = checkActivation(activation, 'activation', fn);
  return product(fn, x, w, b ?? undefined, relu);
}
