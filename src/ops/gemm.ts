// The GEMM driver: the facade's side of assembly/gemm.ts, in the same order (packing, row pointers, the
// micro-kernel, weight gradients). matMul and dense (matmul.ts) and conv2d (conv2d.ts) are its clients; it
// owns the buffer sizes that follow from the micro-kernel's MR x NR tile, which the WASM module exports.
import type { Tensor } from '../core/tensor.js';
import { onDispose } from '../core/engine.js';
import { kernelConstants, kernels } from '../backend/wasm.js';
import { scratch } from '../backend/scratch.js';
import { cachedPack, forgetPacksOf } from '../backend/packed-cache.js';

// A pack made from a tensor's data goes when the tensor does.
onDispose((t) => forgetPacksOf(t.id));

export const roundUp = (v: number, m: number): number => Math.ceil(v / m) * m;

/** Rows of the micro-kernel's register tile: indirection buffers hold M rounded up to a multiple of it. */
export function tileRows(): number {
  return kernelConstants().MR;
}

/** Rows M padded to whole tiles: the row count (mPad) of an indirection buffer. */
export function paddedRows(M: number): number {
  return roundUp(M, kernelConstants().MR);
}

/** Bytes of a packed B operand of depth K (plus its bias header row) and N columns. */
function packedBytes(K: number, N: number): number {
  return roundUp(N, kernelConstants().NR) * (K + 1) * 4;
}

/**
 * The A operand as the micro-kernels read it: for each of `taps` taps, one pointer per output row (mPad of
 * them, a tap's pointers mPad apart) to that row's tapLen contiguous floats. A matrix is one tap of its rows.
 */
export interface Indirection {
  ind: number;
  mPad: number;
  taps: number;
  tapLen: number;
}

/** The same indirection from output row m0 on (for blocks of rows). */
export function fromRow(a: Indirection, m0: number): Indirection {
  return { ...a, ind: a.ind + m0 * 4 };
}

// ---- packing ----

/**
 * Packs B [K, N] (row stride N) with an optional bias into the micro-kernel's panels; returns the offset.
 * The pack is cached per (weights, bias) and redone only when a Variable's version moved (see
 * src/backend/packed-cache.ts): batch-1 inference then skips it; training repacks once a step.
 */
export function packWeights(w: Tensor, bias: Tensor | undefined, K: number, N: number): number {
  const tensors = bias ? [w, bias] : [w];
  return cachedPack('B', tensors, packedBytes(K, N), (packed) =>
    kernels().gemmPackB(packed, w.offset, K, N, N, bias ? bias.offset : 0),
  );
}

/** Packs Sᵀ for S [N, K] (row stride lds): the B operand of dy · Wᵀ. */
export function packBT(slot: string, s: number, K: number, N: number, lds: number): number {
  const packed = scratch(slot, packedBytes(K, N));
  kernels().gemmPackBT(packed, s, K, N, lds);
  return packed;
}

// ---- row pointers ----

/** One tap of row pointers base + m * lda floats for m < M (the padding rows point at `pad`), each K floats. */
export function rowPointers(slot: string, base: number, lda: number, M: number, K: number, pad = base): Indirection {
  const mPad = paddedRows(M);
  const ind = scratch(slot, mPad * 4);
  kernels().gemmRowPointers(ind, base, lda * 4, M, mPad, pad);
  return { ind, mPad, taps: 1, tapLen: K };
}

// ---- the micro-kernel ----

/** out [M, N] (rows ldo floats apart) = act(A · B + bias) for A behind an indirection and B packed. */
export function gemm(
  out: number,
  ldo: number,
  a: Indirection,
  M: number,
  packed: number,
  N: number,
  relu: boolean,
): void {
  kernels().gemmIndirect(a.ind, a.mPad, a.taps, a.tapLen, packed, out, ldo, M, N, relu ? 1 : 0);
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
  gemm(out, N, rowPointers('gemm.rows', a, lda, M, K), M, packed, N, relu);
}

// ---- weight gradients ----

/** Where prepareGrad writes: D packed for weightGrad, the masked rows of dy (0: not wanted), dbias (0: none). */
export interface GradTargets {
  packed: number;
  rows: number;
  dbias: number;
}

/** The 'gemm.packD' scratch, big enough for D of M rows and N columns packed for weightGrad. */
export function packedGradScratch(M: number, N: number): number {
  return scratch('gemm.packD', roundUp(N, kernelConstants().NR) * M * 4);
}

/**
 * The output gradient dy [M, N] (or one block of its rows) as the backward GEMMs read it, made in one
 * kernel pass: D packed, the bias gradient summed (`accumulate` adds to it, for later blocks), and the rows
 * masked by y > 0 for the input gradient. y = 0: no fused ReLU.
 */
export function prepareGrad(t: GradTargets, dy: number, y: number, M: number, N: number, accumulate: boolean): void {
  kernels().gemmPrepareGrad(t.packed, t.rows, t.dbias, dy, y, M, N, accumulate ? 1 : 0);
}

/**
 * dw [taps*tapLen, N] (+)= Σ_m A_t[m]ᵀ · D[m] over M rows of the indirection `a`, D packed by prepareGrad
 * for exactly these M rows. `accumulate` adds to dw (for later blocks of rows) instead of overwriting it.
 */
export function weightGrad(
  dw: number,
  a: Indirection,
  M: number,
  packedD: number,
  N: number,
  accumulate: boolean,
): void {
  const { NR, WEIGHT_GRAD_CHUNK } = kernelConstants();
  const dStride = M * NR * 4; // bytes between D's panels of NR columns
  const acc = accumulate ? 1 : 0;
  kernels().gemmWeightGrad(a.ind, a.mPad, a.taps, a.tapLen, M, packedD, dStride, N, dw, WEIGHT_GRAD_CHUNK, acc);
}

/** Output rows per chunk of the weight-gradient kernel: blocks of rows should be multiples of it. */
export function weightGradChunk(): number {
  return kernelConstants().WEIGHT_GRAD_CHUNK;
}

/** Bytes of packed D per output row (the block sizes of conv2d's backward are budgeted with it). */
export function packedGradRowBytes(N: number): number {
  return roundUp(N, kernelConstants().NR) * 4;
}

/** dst = dy where y > 0, else 0, over n floats (the gradient of a fused ReLU; dst may be dy or y). */
export function reluMask(dst: number, dy: number, y: number, n: number): void {
  kernels().gemmReluMask(dst, dy, y, n);
}
