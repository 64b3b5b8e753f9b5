// The GEMM driver: the facade's side of assembly/gemm.ts, in the same order (packing, row pointers, the
// micro-kernel, weight gradients). matMul and dense (matmul.ts) and conv2d (conv2d.ts) are its clients; it
// owns the buffer sizes that follow from the micro-kernel's MR x NR tile, which the WASM module exports,
// and how the work is split between threads: each output element is computed by one thread, in the same
// order as on one thread, so results are bit-identical for any number of threads.
import type { Tensor } from '../core/tensor.js';
import { onDispose } from '../core/engine.js';
import { kernelConstants, kernels } from '../backend/wasm.js';
import { scratch } from '../backend/scratch.js';
import { cachedPack, forgetPacksOf } from '../backend/packed-cache.js';
import { runParallel, threadsInUse, type Call } from '../backend/threads/pool.js';
import { forElementRanges, splitRange, tasksFor, threadsFor, threadsForElements } from '../backend/threads/split.js';

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
    byPanels(K, N, packed, (j0, n, dst) => [
      'gemmPackB',
      dst,
      w.offset + j0 * 4,
      K,
      n,
      N,
      bias ? bias.offset + j0 * 4 : 0,
    ]),
  );
}

/** Packs Sᵀ for S [N, K] (row stride lds): the B operand of dy · Wᵀ. */
export function packBT(slot: string, s: number, K: number, N: number, lds: number): number {
  const packed = scratch(slot, packedBytes(K, N));
  byPanels(K, N, packed, (j0, n, dst) => ['gemmPackBT', dst, s + j0 * lds * 4, K, n, lds]);
  return packed;
}

/**
 * Runs a packing kernel over B's panels, split between threads when there is enough to copy: each panel
 * is packed on its own, so `call(j0, n, dst)` packs columns [j0, j0 + n) into the panels from dst.
 */
function byPanels(K: number, N: number, packed: number, call: (j0: number, n: number, dst: number) => Call): void {
  const { NR } = kernelConstants();
  const panels = Math.ceil(N / NR);
  const panelBytes = NR * (K + 1) * 4;
  const ranges = splitRange(panels, threadsForElements(K * N, panels));
  runParallel(ranges.map(([p0, p1]) => [call(p0 * NR, Math.min(N, p1 * NR) - p0 * NR, packed + p0 * panelBytes)]));
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

/**
 * out [M, N] (rows ldo floats apart) = act(A · B + bias) for A behind an indirection and B packed; with
 * threads, split over output rows (whole tiles), or over columns (whole panels) when there are more panels
 * than row tiles. `fillRows(m0, m1)`, when given, is the call that writes the
 * indirection's rows [m0, m1) of every tap: each thread runs it for its rows right before their GEMM.
 */
export function gemm(
  out: number,
  ldo: number,
  a: Indirection,
  M: number,
  packed: number,
  N: number,
  relu: boolean,
  fillRows?: (m0: number, m1: number) => Call,
): void {
  const { MR, NR } = kernelConstants();
  const work = M * N * a.taps * a.tapLen;
  const rowTiles = Math.ceil(M / MR);
  const panels = Math.ceil(N / NR);
  // Few rows and many columns (a dense layer on a batch): split the columns, so that each thread reads only
  // its own panels of B instead of all of them. An indirection to fill goes with the rows.
  const byColumns = !fillRows && rowTiles < panels ? threadsFor(work, panels) : 1;
  if (byColumns > 1) {
    const panelBytes = NR * (a.taps * a.tapLen + 1) * 4;
    runParallel(
      splitRange(panels, tasksFor(work, panels, byColumns)).map(([p0, p1]): Call[] => [
        [
          'gemmIndirect',
          a.ind,
          a.mPad,
          a.taps,
          a.tapLen,
          packed + p0 * panelBytes,
          out + p0 * NR * 4,
          ldo,
          M,
          Math.min(N, p1 * NR) - p0 * NR,
          relu ? 1 : 0,
        ],
      ]),
    );
    return;
  }
  const threads = threadsFor(work, rowTiles);
  if (threads === 1) {
    if (fillRows) runParallel([[fillRows(0, a.mPad)]]);
    kernels().gemmIndirect(a.ind, a.mPad, a.taps, a.tapLen, packed, out, ldo, M, N, relu ? 1 : 0);
    return;
  }
  // A thread that fills its own rows' indirection reads no pointer another thread writes: ranges are whole
  // tiles, and the last one also fills the padding rows up to mPad.
  runParallel(
    splitRange(M, tasksFor(work, M / MR, threads), MR).map(([m0, m1]): Call[] => [
      ...(fillRows ? [fillRows(m0, m1 === M ? a.mPad : m1)] : []),
      [
        'gemmIndirect',
        a.ind + m0 * 4,
        a.mPad,
        a.taps,
        a.tapLen,
        packed,
        out + m0 * ldo * 4,
        ldo,
        m1 - m0,
        N,
        relu ? 1 : 0,
      ],
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
  gemm(out, N, rowPointers('gemm.rows', a, lda, M, K), M, packed, N, relu);
}

// ---- weight gradients ----

/**
 * Budget for one block of packed dy in the backward pass (see gradients): it stays in the 1 MB L2 of the
 * machines measured, next to the blocks of dy and y it is made from.
 */
const GRAD_BLOCK_BYTES = 256 * 1024;

/** Output rows per backward block: a multiple of the weight-gradient chunk, so the sums add up in the same order. */
function gradBlockRows(M: number, N: number): number {
  const { NR, WEIGHT_GRAD_CHUNK } = kernelConstants();
  const rows = Math.max(1, Math.floor(GRAD_BLOCK_BYTES / (roundUp(N, NR) * 4 * WEIGHT_GRAD_CHUNK))) * WEIGHT_GRAD_CHUNK;
  return Math.min(M, rows);
}

/** What the backward GEMMs make from the output gradient dy [M, N] (byte offsets; 0 where not wanted). */
export interface GradTargets {
  /** y [M, N] when the output went through a fused ReLU (dy is masked by y > 0), else 0. */
  y: number;
  /** The masked dy rows (the A operand of dy · Wᵀ); written only when y != 0. */
  rows: number;
  /** db [N] = Σ_m dy. */
  dbias: number;
  /** dw [taps * tapLen, N] = Σ_m A_t[m]ᵀ · dy[m] over the indirection. */
  dw: number;
}

/**
 * Groups of rows whose weight and bias gradients are summed apart and then added up in group order, when
 * there are enough rows: at most this many, each of at least GROUP_MIN_ROWS rows. The grouping depends on
 * the shape only, never on the threads, so the sums are the same for any number of threads.
 */
const MAX_GROUPS = 8;
/** Rows a group needs: the extra cost of a group (its partial dw, added up at the end) is 1 / rows of its work. */
const GROUP_MIN_ROWS = 256;

/** Row ranges [m0, m1) of the groups: whole items of `rowsPerItem` rows each (output rows of a convolution). */
function rowGroups(M: number, rowsPerItem: number): [number, number][] {
  const items = Math.floor(M / rowsPerItem);
  const groups = Math.min(MAX_GROUPS, items, Math.floor(M / GROUP_MIN_ROWS));
  if (groups <= 1) return [[0, M]];
  return splitRange(items, groups).map(([i0, i1]) => [i0 * rowsPerItem, i1 * rowsPerItem]);
}

/**
 * The weight and bias gradients (and the masked dy) of a GEMM whose A operand is the indirection `a`, block
 * by block of output rows: each block of dy is masked and packed (gemmPrepareGrad) right before the
 * weight-gradient kernel reads it, so the packed copy stays in L2 rather than making a round trip through
 * memory. With many rows, they are cut into groups of whole items (`rowsPerItem` rows each: a convolution's
 * output rows, so that a batch's groups are whole images), each summed into its own partial dw and db, then
 * added up in group order (see rowGroups): a thread then reads only the rows of its groups, the images it
 * also runs in the other ops, and leaves no copy of another thread's rows in its cache for that thread's
 * next write to invalidate (which costs most where the cores share no cache). With few rows, each thread
 * takes a range of NR-column panels through every block; with fewer panels than threads (N <= NR), each
 * block is packed here and the taps are split instead.
 */
export function gradients(a: Indirection, M: number, N: number, dy: number, t: GradTargets, rowsPerItem = 1): void {
  const groups = rowGroups(M, rowsPerItem);
  if (groups.length > 1) {
    groupedGradients(a, M, N, dy, t, groups);
    return;
  }
  const { NR, WEIGHT_GRAD_CHUNK } = kernelConstants();
  const panels = Math.ceil(N / NR);
  const block = gradBlockRows(M, N);
  const work = M * N * (t.dw ? a.taps * a.tapLen : 1);
  const byPanels = threadsFor(work, panels);
  const byTaps = t.dw ? threadsFor(work, a.taps) : 1;
  const packedDy = scratch('gemm.packD', roundUp(N, NR) * block * 4);
  const rows = t.y ? t.rows : 0;
  if (byTaps > byPanels) {
    for (let m0 = 0; m0 < M; m0 += block) {
      const r = Math.min(block, M - m0);
      const at = m0 * N * 4;
      const again = m0 > 0 ? 1 : 0;
      kernels().gemmPrepareGrad(packedDy, rows && rows + at, t.dbias, dy + at, t.y && t.y + at, r, N, again, N);
      runParallel(
        splitRange(a.taps, byTaps).map(([t0, t1]): Call[] => [
          [
            'gemmWeightGrad',
            a.ind + m0 * 4 + t0 * a.mPad * 4,
            a.mPad,
            t1 - t0,
            a.tapLen,
            r,
            packedDy,
            r * NR * 4,
            N,
            t.dw + t0 * a.tapLen * N * 4,
            WEIGHT_GRAD_CHUNK,
            again,
            N,
          ],
        ]),
      );
    }
    return;
  }
  // Each task packs into its own buffer: tasks run through the blocks at their own pace, and a block of
  // another size (the last) would lay the panels out at other offsets in a shared one. One task per thread:
  // every task reads all of A, so more tasks would read it more often (measured slower).
  const tasks = splitRange(panels, byPanels).map(([p0, p1], task): Call[] => {
    const col = p0 * NR * 4;
    const n = Math.min(N, p1 * NR) - p0 * NR;
    const packed = task === 0 ? packedDy : scratch(`gemm.packD${task}`, roundUp(n, NR) * block * 4);
    return blockCalls(a, N, dy, t, [0, M], block, col, n, packed, t.dw && t.dw + col, t.dbias && t.dbias + col);
  });
  runParallel(tasks);
}

/**
 * The calls that sum rows [m0, m1) of dy's n columns from byte `col` into dw and db (0: not wanted), `block`
 * rows at a time: each block of dy is packed into `packed`, then multiplied.
 */
function blockCalls(
  a: Indirection,
  N: number,
  dy: number,
  t: GradTargets,
  [m0, m1]: [number, number],
  block: number,
  col: number,
  n: number,
  packed: number,
  dw: number,
  db: number,
): Call[] {
  const { NR, WEIGHT_GRAD_CHUNK } = kernelConstants();
  const rows = t.y ? t.rows : 0;
  const calls: Call[] = [];
  for (let m = m0; m < m1; m += block) {
    const r = Math.min(block, m1 - m);
    const at = m * N * 4 + col;
    const again = m > m0 ? 1 : 0;
    calls.push(['gemmPrepareGrad', packed, rows && rows + at, db, dy + at, t.y && t.y + at, r, n, again, N]);
    if (dw) {
      const ind = a.ind + m * 4;
      calls.push([
        'gemmWeightGrad',
        ind,
        a.mPad,
        a.taps,
        a.tapLen,
        r,
        packed,
        r * NR * 4,
        n,
        dw,
        WEIGHT_GRAD_CHUNK,
        again,
        N,
      ]);
    }
  }
  return calls;
}

/**
 * gradients over row groups: group g sums its rows into partial dw and db (group 0 straight into dw and db,
 * the others into scratch), one task per group, then the partials are added to dw and db in group order,
 * split by ranges of elements.
 */
function groupedGradients(
  a: Indirection,
  M: number,
  N: number,
  dy: number,
  t: GradTargets,
  groups: [number, number][],
): void {
  const { NR } = kernelConstants();
  const block = gradBlockRows(M, N);
  const dwFloats = t.dw ? a.taps * a.tapLen * N : 0;
  const partFloats = dwFloats + (t.dbias ? N : 0);
  const parts = scratch('gemm.gradParts', Math.max(4, (groups.length - 1) * partFloats * 4));
  const oneThread = threadsInUse() === 1;
  const tasks = groups.map(([g0, g1], g): Call[] => {
    // Group g > 0 sums into partial g - 1: its dw, then its db.
    const part = parts + (g - 1) * partFloats * 4;
    const dw = g === 0 ? t.dw : t.dw && part;
    const db = g === 0 ? t.dbias : t.dbias && part + dwFloats * 4;
    // A buffer per task, as tasks may run at once; on one thread they run in turn and share one.
    const packed = scratch(g === 0 || oneThread ? 'gemm.packD' : `gemm.packD${g}`, roundUp(N, NR) * block * 4);
    return blockCalls(a, N, dy, t, [g0, g1], block, 0, N, packed, dw, db);
  });
  runParallel(tasks);
  const addParts = (dst: number, offsetInPart: number, n: number): void =>
    forElementRanges(n, (from, count) => {
      const calls: Call[] = [];
      for (let g = 1; g < groups.length; g++) {
        const src = parts + ((g - 1) * partFloats + offsetInPart + from) * 4;
        calls.push(['addArrays', dst + from * 4, src, dst + from * 4, count]);
      }
      return calls;
    });
  if (t.dw) addParts(t.dw, 0, dwFloats);
  if (t.dbias) addParts(t.dbias, dwFloats, N);
}

/** dst = dy where y > 0, else 0, over n floats (the gradient of a fused ReLU; dst may be dy or y). */
export function reluMask(dst: number, dy: number, y: number, n: number): void {
  kernels().gemmReluMask(dst, dy, y, n);
}
