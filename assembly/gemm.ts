// The GEMM kernels every dense and convolution op runs on: one register-tiled 4x8 micro-kernel (8 f32x4
// accumulators) fed through an indirection buffer, the packing routines that lay B out for it, and a
// second 4x8 kernel for weight gradients.
//
// Why an indirection buffer: the A operand is given as a list of row pointers, one per output row and
// per "tap". A matrix product uses one tap (pointers to A's rows); a convolution uses kh*kw taps whose
// pointers go straight to the input pixels (or to a row of zeros for padding), or kh taps of whole kernel
// rows when channels are few (see src/ops/conv2d.ts), so no im2col copy is made.
// Layout of `ind`: ind[t * mPad + m] = byte pointer of row m's data for tap t, mPad = M rounded up to 4;
// rows m >= M must point at readable memory (their results are discarded).
//
// Why 4x8 and not 6x8: per k step a tile of r rows needs r broadcasts from A, 2 v128 loads from B and 2r
// multiply-adds. V8's TurboFan (Node 20) schedules all of a step's loads before its arithmetic, so r
// broadcasts + 2 B vectors + 2r accumulators are live at once, against 15 allocatable xmm registers:
// 4x8 needs 14, while 6x8 needs 20 and spills four accumulators to the stack every step; unrolling k
// spills too. Measurements: bench/NOTES.md#gemm-tile.
import { madd } from './simd';

/** Rows and columns of the micro-kernels' register tile; exported so the facade sizes its buffers by them. */
export const MR: i32 = 4;
export const NR: i32 = 8;

// ---- partial rows (N not a multiple of 8) ----

/** Stores the first n (1..8) lanes of lo|hi at p. */
// @ts-ignore: decorator
@inline function storeRow(p: usize, lo: v128, hi: v128, n: i32): void {
  if (n >= 8) {
    v128.store(p, lo);
    v128.store(p, hi, 16);
    return;
  }
  let v = lo;
  if (n >= 4) {
    v128.store(p, lo);
    v = hi;
    p += 16;
    n -= 4;
  }
  if (n > 0) v128.store32_lane(p, v, 0);
  if (n > 1) v128.store32_lane(p, v, 1, 4);
  if (n > 2) v128.store32_lane(p, v, 2, 8);
}

/** Loads the first n (1..4) floats at p, zero in the other lanes (never reads past p + 4n). */
// @ts-ignore: decorator
@inline function loadPartial(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  let v = v128.load32_zero(p);
  if (n > 1) v = v128.load32_lane(p, v, 1, 4);
  if (n > 2) v = v128.load32_lane(p, v, 2, 8);
  return v;
}

// @ts-ignore: decorator
@inline function loadRowLo(p: usize, n: i32): v128 {
  return n >= 4 ? v128.load(p) : loadPartial(p, n);
}

// @ts-ignore: decorator
@inline function loadRowHi(p: usize, n: i32): v128 {
  if (n >= 8) return v128.load(p, 16);
  if (n <= 4) return f32x4.splat(0);
  return loadPartial(p + 16, n - 4);
}

// ---- packing ----

/**
 * Packs B [K, N] (row stride ldb floats) into panels of 8 columns, zero padded past N. Each panel is
 * [8 header floats][K rows of 8], 32 * (K + 1) bytes; the header holds bias[j..j+8] (zeros when bias is 0)
 * and is where the micro-kernel starts its accumulators.
 */
export function gemmPackB(dst: usize, b: usize, K: i32, N: i32, ldb: i32, bias: usize): void {
  const rowBytes = (<usize>ldb) << 2;
  for (let j = 0; j < N; j += NR) {
    const n = min<i32>(NR, N - j);
    const col = (<usize>j) << 2;
    if (bias != 0) {
      v128.store(dst, loadRowLo(bias + col, n));
      v128.store(dst, loadRowHi(bias + col, n), 16);
    } else {
      v128.store(dst, f32x4.splat(0));
      v128.store(dst, f32x4.splat(0), 16);
    }
    dst += 32;
    let src = b + col;
    if (n == NR) {
      for (let k = 0; k < K; k++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += rowBytes;
        dst += 32;
      }
    } else {
      for (let k = 0; k < K; k++) {
        v128.store(dst, loadRowLo(src, n));
        v128.store(dst, loadRowHi(src, n), 16);
        src += rowBytes;
        dst += 32;
      }
    }
  }
}

/**
 * Packs the transpose of S [N, K] (row stride lds floats), that is B[k][n] = S[n][k], in gemmPackB's
 * format with a zero header. Used for dy · Wᵀ (input gradients).
 */
export function gemmPackBT(dst: usize, s: usize, K: i32, N: i32, lds: i32): void {
  const rowBytes = (<usize>lds) << 2;
  for (let j = 0; j < N; j += NR) {
    const n = min<i32>(NR, N - j);
    v128.store(dst, f32x4.splat(0));
    v128.store(dst, f32x4.splat(0), 16);
    dst += 32;
    const rows = s + <usize>j * rowBytes;
    if (n == NR) {
      // Eight source rows, read together along k: one 8-float destination row per k.
      for (let k = 0; k < K; k++) {
        const src = rows + ((<usize>k) << 2);
        let lo = v128.load32_zero(src);
        lo = v128.load32_lane(src + rowBytes, lo, 1);
        lo = v128.load32_lane(src + 2 * rowBytes, lo, 2);
        lo = v128.load32_lane(src + 3 * rowBytes, lo, 3);
        let hi = v128.load32_zero(src + 4 * rowBytes);
        hi = v128.load32_lane(src + 5 * rowBytes, hi, 1);
        hi = v128.load32_lane(src + 6 * rowBytes, hi, 2);
        hi = v128.load32_lane(src + 7 * rowBytes, hi, 3);
        v128.store(dst, lo);
        v128.store(dst, hi, 16);
        dst += 32;
      }
    } else {
      for (let k = 0; k < K; k++) {
        const src = rows + ((<usize>k) << 2);
        for (let c = 0; c < NR; c++) {
          store<f32>(dst + ((<usize>c) << 2), c < n ? load<f32>(src + <usize>c * rowBytes) : 0);
        }
        dst += 32;
      }
    }
  }
}

/**
 * The output gradient made ready for the backward GEMMs in one pass over it: g = dy, masked to zero where
 * y <= 0 when y != 0 (a fused ReLU), is packed into `packed` as header-less panels of 8 columns,
 * [panel][M][8], zero padded past N (the B operand of gemmWeightGrad; with rows = sums = y = 0 it only
 * packs), stored row-major at `rows` when rows != 0 (the A operand of dy · Wᵀ), and summed over m into sums[N]
 * when sums != 0 (the bias gradient; accumulate != 0 adds to the sums there, so that a big dy can be
 * done in blocks of rows); sums run over m in order, as a column-sum pass would.
 * This replaced a mask pass, a column-sum pass and a packing pass, each reading all of dy
 * (bench/NOTES.md#gemm-prepare-grad).
 * Rows of dy, y and `rows` are ld floats apart (ld = N, or more when threads each take a range of panels).
 */
export function gemmPrepareGrad(
  packed: usize, rows: usize, sums: usize, dy: usize, y: usize, M: i32, N: i32, accumulate: i32, ld: i32,
): void {
  const rowBytes = (<usize>ld) << 2;
  const zero = f32x4.splat(0);
  for (let j = 0; j < N; j += NR) {
    const n = min<i32>(NR, N - j);
    const col = (<usize>j) << 2;
    let s0 = zero, s1 = zero;
    if (accumulate != 0 && sums != 0) {
      s0 = loadRowLo(sums + col, n);
      s1 = loadRowHi(sums + col, n);
    }
    let src = dy + col;
    let mask = y + col;
    let out = rows + col;
    if (n == NR) {
      for (let m = 0; m < M; m++) {
        let lo = v128.load(src);
        let hi = v128.load(src, 16);
        if (y != 0) {
          lo = v128.and(lo, f32x4.gt(v128.load(mask), zero));
          hi = v128.and(hi, f32x4.gt(v128.load(mask, 16), zero));
          mask += rowBytes;
        }
        v128.store(packed, lo);
        v128.store(packed, hi, 16);
        if (rows != 0) {
          v128.store(out, lo);
          v128.store(out, hi, 16);
          out += rowBytes;
        }
        s0 = f32x4.add(s0, lo);
        s1 = f32x4.add(s1, hi);
        src += rowBytes;
        packed += 32;
      }
    } else {
      for (let m = 0; m < M; m++) {
        let lo = loadRowLo(src, n);
        let hi = loadRowHi(src, n);
        if (y != 0) {
          // Lanes past n load as 0, and 0 > 0 is false: they stay zero.
          lo = v128.and(lo, f32x4.gt(loadRowLo(mask, n), zero));
          hi = v128.and(hi, f32x4.gt(loadRowHi(mask, n), zero));
          mask += rowBytes;
        }
        v128.store(packed, lo);
        v128.store(packed, hi, 16);
        if (rows != 0) {
          storeRow(out, lo, hi, n);
          out += rowBytes;
        }
        s0 = f32x4.add(s0, lo);
        s1 = f32x4.add(s1, hi);
        src += rowBytes;
        packed += 32;
      }
    }
    if (sums != 0) storeRow(sums + col, s0, s1, n);
  }
}

/** ind[m] = base + m * strideBytes for m < M, and `pad` for M <= m < mPad: row pointers for a plain matrix. */
export function gemmRowPointers(ind: usize, base: usize, strideBytes: i32, M: i32, mPad: i32, pad: usize): void {
  let p = base;
  for (let m = 0; m < M; m++) {
    store<u32>(ind + ((<usize>m) << 2), <u32>p);
    p += <usize>strideBytes;
  }
  for (let m = M; m < mPad; m++) store<u32>(ind + ((<usize>m) << 2), <u32>pad);
}

// ---- the micro-kernel ----

/**
 * out[m, n] = act(header[n] + sum over taps t, c < tapLen of A_t[m][c] * B[t * tapLen + c][n]) for
 * m < M, n < N, where A_t[m] is the row at ind[t * mPad + m] and B is packed by gemmPackB or gemmPackBT
 * with K = taps * tapLen. Output rows are ldo floats apart. relu != 0 clamps the result at zero.
 */
export function gemmIndirect(
  ind: usize, mPad: i32, taps: i32, tapLen: i32, packed: usize, out: usize, ldo: i32, M: i32, N: i32, relu: i32,
): void {
  const tapStride = (<usize>mPad) << 2;
  const panelBytes = (<usize>(taps * tapLen + 1)) << 5;
  const tapBytes = (<usize>tapLen) << 5;
  const outRow = (<usize>ldo) << 2;
  const zero = f32x4.splat(0);
  for (let i = 0; i < M; i += MR) {
    const rows = min<i32>(MR, M - i);
    const rowInd = ind + ((<usize>i) << 2);
    let bp0 = packed;
    for (let j = 0; j < N; j += NR) {
      let bp = bp0;
      bp0 += panelBytes;
      let c00 = v128.load(bp);
      let c01 = v128.load(bp, 16);
      let c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01;
      bp += 32;
      let ip = rowInd;
      for (let t = 0; t < taps; t++) {
        let a0 = <usize>load<u32>(ip);
        let a1 = <usize>load<u32>(ip, 4);
        let a2 = <usize>load<u32>(ip, 8);
        let a3 = <usize>load<u32>(ip, 12);
        ip += tapStride;
        // The loop runs on bp alone (no separate counter): in the plain build the loop is front-end
        // bound (mul and add are separate instructions), and one increment less per step is measurable.
        const bpEnd = bp + tapBytes;
        while (bp < bpEnd) {
          const b0 = v128.load(bp);
          const b1 = v128.load(bp, 16);
          bp += 32;
          let va = v128.load32_splat(a0);
          c00 = madd(va, b0, c00);
          c01 = madd(va, b1, c01);
          va = v128.load32_splat(a1);
          c10 = madd(va, b0, c10);
          c11 = madd(va, b1, c11);
          va = v128.load32_splat(a2);
          c20 = madd(va, b0, c20);
          c21 = madd(va, b1, c21);
          va = v128.load32_splat(a3);
          c30 = madd(va, b0, c30);
          c31 = madd(va, b1, c31);
          a0 += 4;
          a1 += 4;
          a2 += 4;
          a3 += 4;
        }
      }
      if (relu != 0) {
        c00 = f32x4.max(c00, zero); c01 = f32x4.max(c01, zero);
        c10 = f32x4.max(c10, zero); c11 = f32x4.max(c11, zero);
        c20 = f32x4.max(c20, zero); c21 = f32x4.max(c21, zero);
        c30 = f32x4.max(c30, zero); c31 = f32x4.max(c31, zero);
      }
      const n = N - j;
      const op = out + <usize>i * outRow + ((<usize>j) << 2);
      storeRow(op, c00, c01, n);
      if (rows > 1) storeRow(op + outRow, c10, c11, n);
      if (rows > 2) storeRow(op + 2 * outRow, c20, c21, n);
      if (rows > 3) storeRow(op + 3 * outRow, c30, c31, n);
    }
  }
}

// ---- weight gradients ----

/**
 * Output rows per chunk that the facade passes to gemmWeightGrad as mChunk, and the unit of its blocks of
 * rows (so sums add up in the same order whatever the block). An argument, so benchmarks can try others.
 */
export const WEIGHT_GRAD_CHUNK: i32 = 256;

/**
 * dw[t * chans + c, n] (+)= sum over m < M of A_t[m][c] * D[m][n]: for every tap t, the product of the
 * transpose of the rows behind the indirection (chans floats each) with D, packed by gemmPrepareGrad
 * (K = M; its panels are dStride bytes apart, so a block of rows of a bigger packed D can be passed). The 4
 * tile rows are 4 consecutive channels read at one pointer; in the last tile, channels past `chans` re-read
 * the last channel and are not stored. M is walked in chunks of mChunk so
 * that the A and D rows of a chunk stay in cache while every tile passes over them; accumulate != 0 adds
 * to dw instead of overwriting it. (Variants tried and not kept:
 * bench/NOTES.md#gemm-weight-grad.) dw rows are ldw floats apart (N, or more when threads each take a range of
 * panels).
 */
export function gemmWeightGrad(
  ind: usize, mPad: i32, taps: i32, chans: i32, M: i32, packedD: usize, dStride: i32, N: i32, dw: usize, mChunk: i32,
  accumulate: i32, ldw: i32,
): void {
  const tapStride = (<usize>mPad) << 2;
  const panelBytes = <usize>dStride;
  const dwRow = (<usize>ldw) << 2;
  for (let m0 = 0; m0 < M; m0 += mChunk) {
    const m1 = min<i32>(M, m0 + mChunk);
    const fresh = m0 == 0 && accumulate == 0;
    for (let t = 0; t < taps; t++) {
      const tapInd = ind + <usize>t * tapStride;
      for (let c = 0; c < chans; c += MR) {
        const rows = min<i32>(MR, chans - c);
        // Byte offsets of the tile's channels within a pixel, clamped to the last channel.
        const o0 = (<usize>c) << 2;
        const o1 = (<usize>min<i32>(c + 1, chans - 1)) << 2;
        const o2 = (<usize>min<i32>(c + 2, chans - 1)) << 2;
        const o3 = (<usize>min<i32>(c + 3, chans - 1)) << 2;
        let dp = dw + <usize>(t * chans + c) * dwRow;
        let dp0 = packedD + ((<usize>m0) << 5);
        for (let j = 0; j < N; j += NR) {
          const n = N - j;
          let c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128;
          c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = f32x4.splat(0);
          if (!fresh) {
            c00 = loadRowLo(dp, n); c01 = loadRowHi(dp, n);
            if (rows > 1) { c10 = loadRowLo(dp + dwRow, n); c11 = loadRowHi(dp + dwRow, n); }
            if (rows > 2) { c20 = loadRowLo(dp + 2 * dwRow, n); c21 = loadRowHi(dp + 2 * dwRow, n); }
            if (rows > 3) { c30 = loadRowLo(dp + 3 * dwRow, n); c31 = loadRowHi(dp + 3 * dwRow, n); }
          }
          let bp = dp0;
          dp0 += panelBytes;
          let ip = tapInd + ((<usize>m0) << 2);
          const ipEnd = tapInd + ((<usize>m1) << 2);
          if (rows == MR) {
            // Full tile: the channels are contiguous, so immediate offsets replace the clamped ones.
            // (Two pixels per iteration spilled and ran slower: bench/NOTES.md#gemm-weight-grad.)
            while (ip < ipEnd) {
              const a = <usize>load<u32>(ip) + o0;
              ip += 4;
              const b0 = v128.load(bp);
              const b1 = v128.load(bp, 16);
              bp += 32;
              let va = v128.load32_splat(a);
              c00 = madd(va, b0, c00);
              c01 = madd(va, b1, c01);
              va = v128.load32_splat(a, 4);
              c10 = madd(va, b0, c10);
              c11 = madd(va, b1, c11);
              va = v128.load32_splat(a, 8);
              c20 = madd(va, b0, c20);
              c21 = madd(va, b1, c21);
              va = v128.load32_splat(a, 12);
              c30 = madd(va, b0, c30);
              c31 = madd(va, b1, c31);
            }
          } else {
            while (ip < ipEnd) {
              const a = <usize>load<u32>(ip);
              ip += 4;
              const b0 = v128.load(bp);
              const b1 = v128.load(bp, 16);
              bp += 32;
              let va = v128.load32_splat(a + o0);
              c00 = madd(va, b0, c00);
              c01 = madd(va, b1, c01);
              va = v128.load32_splat(a + o1);
              c10 = madd(va, b0, c10);
              c11 = madd(va, b1, c11);
              va = v128.load32_splat(a + o2);
              c20 = madd(va, b0, c20);
              c21 = madd(va, b1, c21);
              va = v128.load32_splat(a + o3);
              c30 = madd(va, b0, c30);
              c31 = madd(va, b1, c31);
            }
          }
          storeRow(dp, c00, c01, n);
          if (rows > 1) storeRow(dp + dwRow, c10, c11, n);
          if (rows > 2) storeRow(dp + 2 * dwRow, c20, c21, n);
          if (rows > 3) storeRow(dp + 3 * dwRow, c30, c31, n);
          dp += NR << 2;
        }
      }
    }
  }
}

// ---- small helpers for the facades ----

/** dst[i] = y[i] > 0 ? dy[i] : 0, the gradient through a fused ReLU. */
export function gemmReluMask(dst: usize, dy: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(dst + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(y + o), zero)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(dst + o, load<f32>(y + o) > 0 ? load<f32>(dy + o) : 0);
  }
}
