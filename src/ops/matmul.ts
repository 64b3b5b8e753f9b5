// matMul and dense, on the same GEMM micro-kernel as conv2d. Kernels: assembly/gemm.ts.
// The helpers below (packing, row pointers, the three GEMM shapes) are shared with conv2d.ts.
import { Tensor, empty } from '../tensor.js';
import { isRecording, record } from '../engine.js';
import { kernels } from '../backend/wasm.js';
import { scratch } from '../backend/scratch.js';
import { f32 } from '../backend/views.js';
import { checkFloat, checkTensor, describe, fmtShape } from '../util/validate.js';

/** Rows and columns of the micro-kernel's register tile. */
export const MR = 4;
export const NR = 8;
/** Output pixels per chunk in the weight-gradient kernel (keeps a chunk of x and dy in cache). */
const WEIGHT_GRAD_CHUNK = 256;

export const roundUp = (v: number, m: number): number => Math.ceil(v / m) * m;

/** Packs B [K, N] (row stride ldb) with an optional bias into the micro-kernel's panels; returns the offset. */
export function packB(slot: string, b: number, K: number, N: number, ldb: number, bias: number): number {
  const packed = scratch(slot, roundUp(N, NR) * (K + 1) * 4);
  kernels().gemmPackB(packed, b, K, N, ldb, bias);
  return packed;
}

/** Packs Sᵀ for S [N, K] (row stride lds): the B operand of dy · Wᵀ. */
export function packBT(slot: string, s: number, K: number, N: number, lds: number): number {
  const packed = scratch(slot, roundUp(N, NR) * (K + 1) * 4);
  kernels().gemmPackBT(packed, s, K, N, lds);
  return packed;
}

/** Packs D [M, N] into header-less panels for gemmWeightGrad. */
export function packD(slot: string, d: number, M: number, N: number): number {
  const packed = scratch(slot, Math.max(roundUp(N, NR) * M * 4, 4));
  kernels().gemmPackRows(packed, d, M, N, N);
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
export function gemmRows(out: number, a: number, lda: number, M: number, K: number, packed: number, N: number, relu: boolean): void {
  if (M === 0 || N === 0) return;
  const ind = rowPointers('gemm.rows', a, lda * 4, M);
  kernels().gemmIndirect(ind, roundUp(M, MR), 1, K, packed, out, N, M, N, relu ? 1 : 0);
}

/** dw [taps*chans, N] = Σ_m A_t[m]ᵀ · D[m] over the indirection `ind` (mPad rows per tap), D packed by packD. */
export function weightGrad(dw: number, ind: number, mPad: number, taps: number, chans: number, M: number, packedD: number, dStride: number, N: number, accumulate: boolean): void {
  kernels().gemmWeightGrad(ind, mPad, taps, chans, M, packedD, dStride, N, dw, WEIGHT_GRAD_CHUNK, accumulate ? 1 : 0);
}

/** A fresh tensor of zeros (the facade's memset; the tensor module has no zero-filled allocation). */
export function zeroTensor(shape: readonly number[]): Tensor {
  const t = empty(shape);
  f32().fill(0, t.index, t.index + t.size);
  return t;
}

/** dy masked by y > 0 (the gradient through a fused ReLU), in scratch; or dy itself when there is no ReLU. */
export function maskedGrad(slot: string, dy: Tensor, y: Tensor, relu: boolean): number {
  if (!relu) return dy.offset;
  const out = scratch(slot, dy.bytes);
  kernels().gemmReluMask(out, dy.offset, y.offset, dy.size);
  return out;
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
  const y = empty([M, N]);
  if (M > 0 && N > 0) {
    if (K === 0) {
      f32().fill(0, y.index, y.index + y.size);
      if (bias) for (let i = 0; i < M; i++) f32().copyWithin(y.index + i * N, bias.index, bias.index + N);
      if (relu) kernels().gemmReluMask(y.offset, y.offset, y.offset, y.size);
    } else {
      gemmRows(y.offset, a.offset, K, M, K, packB('gemm.packB', b.offset, K, N, N, bias ? bias.offset : 0), N, relu);
    }
  }
  if (isRecording()) {
    record({
      name: fn,
      inputs: bias ? [a, b, bias] : [a, b],
      outputs: [y],
      backward: ([dy]: Tensor[], needs: boolean[]) => {
        const k = kernels();
        const g = maskedGrad('gemm.dyMasked', dy, y, relu);
        // The kernels overwrite every element, unless a dimension is empty (then the gradient is zero).
        const full = M > 0 && K > 0 && N > 0;
        // da [M, K] = g · bᵀ
        const da = !needs[0] ? null : full ? empty([M, K]) : zeroTensor([M, K]);
        if (full && da) gemmRows(da.offset, g, N, M, N, packBT('gemm.packBT', b.offset, N, K, N), K, false);
        // db [K, N] = aᵀ · g
        const dbw = full ? empty([K, N]) : zeroTensor([K, N]);
        if (full) {
          const ind = rowPointers('gemm.rows', a.offset, K * 4, M);
          weightGrad(dbw.offset, ind, roundUp(M, MR), 1, K, M, packD('gemm.packD', g, M, N), M * 32, N, false);
        }
        const grads: (Tensor | null)[] = [da, dbw];
        if (bias) {
          const dbias = M > 0 && N > 0 ? empty([N]) : zeroTensor([N]);
          if (M > 0 && N > 0) k.gemmColumnSums(dbias.offset, g, M, N, N);
          grads.push(dbias);
        }
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
    throw new Error(`${fn}: inner dimensions must agree: argument 'a' has shape ${fmtShape(a.shape)} (k = ${a.shape[1]}) but argument 'b' has shape ${fmtShape(b.shape)} (k = ${b.shape[0]})`);
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
    throw new Error(`${fn}: argument 'w' must have shape [in,out] with in = ${x.shape[1]} (x's last axis); got shape ${fmtShape(w.shape)}`);
  }
  if (b !== undefined && b !== null) {
    checkTensor(b, 'b', fn, 1, '[out]');
    checkFloat(b, 'b', fn);
    if (b.shape[0] !== w.shape[1]) {
      throw new Error(`${fn}: argument 'b' must have shape [${w.shape[1]}] (out = w's last axis); got shape ${fmtShape(b.shape)}`);
    }
  }
  const relu = checkActivation(activation, 'activation', fn);
  return product(fn, x, w, b ?? undefined, relu);
}
