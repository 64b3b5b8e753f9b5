// matMul and dense, on the same GEMM micro-kernel as conv2d. Kernels: assembly/gemm.ts.
// The helpers below (packing, row pointers, the three GEMM shapes) are shared with conv2d.ts.
import { Tensor, empty } from '../tensor.js';
import { isRecording, record } from '../engine.js';
import { kernels } from '../backend/wasm.js';
import { scratch } from '../backend/scratch.js';
import { cachedPack } from '../backend/packed-cache.js';
import { f32 } from '../backend/views.js';
import { checkFloat, checkTensor, describe, fmtShape } from '../util/validate.js';
import { runParallel, type Call } from '../backend/threads/pool.js';
import { splitRange, threadsFor } from '../backend/threads/split.js';

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

/**
 * out [M, N] = act(Σ_t A_t · B_t + header) through the indirection `ind` (see assembly/gemm.ts), split over
 * output rows (whole tiles) between threads: each output row is computed by one thread, as on one thread.
 */
export function gemmIndirect(
  ind: number,
  mPad: number,
  taps: number,
  tapLen: number,
  packed: number,
  out: number,
  ldo: number,
  M: number,
  N: number,
  relu: boolean,
): void {
  const threads = threadsFor(M * N * taps * tapLen, Math.ceil(M / MR));
  if (threads === 1) {
    kernels().gemmIndirect(ind, mPad, taps, tapLen, packed, out, ldo, M, N, relu ? 1 : 0);
    return;
  }
  runParallel(
    splitRange(M, threads, MR).map(([a, b]): Call[] => [
      ['gemmIndirect', ind + a * 4, mPad, taps, tapLen, packed, out + a * ldo * 4, ldo, b - a, N, relu ? 1 : 0],
    ]),
  );
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
  gemmIndirect(ind, roundUp(M, MR), 1, K, packed, out, N, M, N, relu);
}

/**
 * Budget for one block of packed dy in the backward pass (see gradients): it stays in the 1 MB L2 of the
 * machines measured, next to the blocks of dy and y it is made from.
 */
const GRAD_BLOCK_BYTES = 256 * 1024;

/** Output rows per backward block: a multiple of the weight-gradient chunk, so the sums add up in the same order. */
function gradBlockRows(M: number, N: number): number {
  const rows = Math.max(1, Math.floor(GRAD_BLOCK_BYTES / (roundUp(N, NR) * 4 * WEIGHT_GRAD_CHUNK))) * WEIGHT_GRAD_CHUNK;
  return Math.min(M, rows);
}

/** What the backward GEMMs need from the output gradient (byte offsets; 0 where not wanted). */
export interface GradientTargets {
  /** The A rows behind the indirection: ind[t * mPad + m], taps of `chans` floats. */
  ind: number;
  mPad: number;
  taps: number;
  chans: number;
  M: number;
  N: number;
  /** dy [M, N], and y [M, N] when the output went through a fused ReLU (0 otherwise). */
  dy: number;
  y: number;
  /** Where the masked dy rows go (the A operand of dy · Wᵀ), 0 for none; used only when y != 0. */
  rows: number;
  /** db [N] = Σ_m dy (0: none), dw [taps * chans, N] = Σ_m A_t[m]ᵀ · dy[m] (0: none). */
  db: number;
  dw: number;
}

/**
 * The weight and bias gradients and the masked dy, block by block of output rows: each block of dy is masked
 * and packed (gemmPrepareGrad) right before the weight-gradient kernel reads it, so the packed copy stays in
 * L2 rather than making a round trip through memory. With threads, each thread takes a range of 8-column
 * panels through every block (its packing, its columns of db and dw: no thread waits for another); when
 * there are fewer panels than threads (N <= 8), each block is packed here and the taps are split instead.
 * Either way every sum runs over m in order, as on one thread.
 */
export function gradients(g: GradientTargets): void {
  const { M, N } = g;
  const panels = Math.ceil(N / NR);
  const block = gradBlockRows(M, N);
  const work = M * N * (g.dw ? g.taps * g.chans : 1);
  const byPanels = threadsFor(work, panels);
  const byTaps = g.dw ? threadsFor(work, g.taps) : 1;
  const packedDy = scratch('gemm.packD', roundUp(N, NR) * block * 4);
  const rows = g.y ? g.rows : 0;
  if (byTaps > byPanels) {
    const k = kernels();
    for (let m0 = 0; m0 < M; m0 += block) {
      const r = Math.min(block, M - m0);
      const at = m0 * N * 4;
      k.gemmPrepareGrad(packedDy, rows && rows + at, g.db, g.dy + at, g.y && g.y + at, r, N, m0 > 0 ? 1 : 0, N);
      runParallel(
        splitRange(g.taps, byTaps).map(([t0, t1]): Call[] => [
          [
            'gemmWeightGrad',
            g.ind + m0 * 4 + t0 * g.mPad * 4,
            g.mPad,
            t1 - t0,
            g.chans,
            r,
            packedDy,
            r * 32,
            N,
            g.dw + t0 * g.chans * N * 4,
            WEIGHT_GRAD_CHUNK,
            m0 > 0 ? 1 : 0,
            N,
          ],
        ]),
      );
    }
    return;
  }
  // Each thread packs into its own buffer: threads run through the blocks at their own pace, and a block
  // of another size (the last) would lay the panels out at other offsets in a shared one.
  const tasks = splitRange(panels, byPanels).map(([p0, p1], t) => {
    const col = p0 * NR * 4;
    const n = Math.min(N, p1 * NR) - p0 * NR;
    const packed = t === 0 ? packedDy : scratch(`gemm.packD${t}`, roundUp(n, NR) * block * 4);
    const calls: Call[] = [];
    for (let m0 = 0; m0 < M; m0 += block) {
      const r = Math.min(block, M - m0);
      const at = m0 * N * 4 + col;
      const again = m0 > 0 ? 1 : 0;
      calls.push([
        'gemmPrepareGrad',
        packed,
        rows && rows + at,
        g.db && g.db + col,
        g.dy + at,
        g.y && g.y + at,
        r,
        n,
        again,
        N,
      ]);
      if (g.dw)
        calls.push([
          'gemmWeightGrad',
          g.ind + m0 * 4,
          g.mPad,
          g.taps,
          g.chans,
          r,
          packed,
          r * 32,
          n,
          g.dw + col,
          WEIGHT_GRAD_CHUNK,
          again,
          N,
        ]);
    }
    return calls;
  });
  runParallel(tasks);
}

/** A fresh tensor of zeros (the facade's memset; the tensor module has no zero-filled allocation). */
export function zeroTensor(shape: readonly number[]): Tensor {
  const t = empty(shape);
  f32().fill(0, t.index, t.index + t.size);
  return t;
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
      gemmRows(y.offset, a.offset, K, M, K, packWeights(b, bias, K, N), N, relu);
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
          const rows = da !== null && full ? (relu ? scratch('gemm.dyMasked', dy.bytes) : dy.offset) : 0;
          const ind = rowPointers('gemm.rows', a.offset, K * 4, M);
          gradients({
            ind,
            mPad: roundUp(M, MR),
            taps: 1,
            chans: K,
            M,
            N,
            dy: dy.offset,
            y: relu ? y.offset : 0,
            rows,
            db: dbias ? dbias.offset : 0,
            dw: full && dbw ? dbw.offset : 0,
          });
          // da [M, K] = g · bᵀ
          if (full && da) gemmRows(da.offset, rows, N, M, N, packBT('gemm.packBT', b.offset, N, K, N), K, false);
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
