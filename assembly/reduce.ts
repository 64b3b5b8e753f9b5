// Sums over all elements or over one axis, and the broadcast that is their gradient. An axis reduction
// sees the tensor as [outer, len, inner] and sums over len.

// Long contiguous sums add float32 vectors in blocks of this many elements and the block totals in f64,
// so the rounding error does not grow with the length of the whole tensor.
const BLOCK = 4096;

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** Sum of the floats [start, end) at x (at most one block), four independent vector accumulators. */
// @ts-ignore: decorator
@inline function blockSum(x: usize, start: i32, end: i32): f32 {
  let a0 = f32x4.splat(0);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  let i = start;
  for (; i + 16 <= end; i += 16) {
    const p = x + ((<usize>i) << 2);
    a0 = f32x4.add(a0, v128.load(p));
    a1 = f32x4.add(a1, v128.load(p, 16));
    a2 = f32x4.add(a2, v128.load(p, 32));
    a3 = f32x4.add(a3, v128.load(p, 48));
  }
  for (; i + 4 <= end; i += 4) a0 = f32x4.add(a0, v128.load(x + ((<usize>i) << 2)));
  let s = hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
  for (; i < end; i++) s += load<f32>(x + ((<usize>i) << 2));
  return s;
}

/** Sum of `len` contiguous floats: block sums added in float64 in block order. */
function contiguousSum(x: usize, len: i32): f64 {
  let total: f64 = 0;
  for (let start = 0; start < len; start += BLOCK) total += <f64>blockSum(x, start, min(start + BLOCK, len));
  return total;
}

/** Blocks of BLOCK floats in a run of len floats (the partials reduceBlockSums writes per row). */
export function reduceBlockCount(len: i32): i32 {
  return (len + BLOCK - 1) / BLOCK;
}

/**
 * For each of `rows` runs of len floats at x: partials[row, b] = the sum of block b, for the blocks b in
 * [from, to) (partials is [rows, reduceBlockCount(len)] f32). Threads take ranges of blocks; adding them
 * with reduceAddBlocks gives the bits contiguousSum gives on one thread.
 */
export function reduceBlockSums(x: usize, partials: usize, rows: i32, len: i32, from: i32, to: i32): void {
  const blocks = reduceBlockCount(len);
  for (let r = 0; r < rows; r++) {
    const run = x + (<usize>r) * (<usize>len) * 4;
    const out = partials + (<usize>r) * (<usize>blocks) * 4;
    for (let b = from; b < to; b++) {
      const start = b * BLOCK;
      store<f32>(out + ((<usize>b) << 2), blockSum(run, start, min(start + BLOCK, len)));
    }
  }
}

/** y[row] = scale * Σ_b partials[row, b], added in float64 in block order (as contiguousSum does). */
export function reduceAddBlocks(partials: usize, y: usize, rows: i32, blocks: i32, scale: f64): void {
  for (let r = 0; r < rows; r++) {
    const p = partials + (<usize>r) * (<usize>blocks) * 4;
    let total: f64 = 0;
    for (let b = 0; b < blocks; b++) total += <f64>load<f32>(p + ((<usize>b) << 2));
    store<f32>(y + ((<usize>r) << 2), <f32>(total * scale));
  }
}

/**
 * y[o, i] = scale * sum over l of x[o, l, i], for the columns i in [from, to) (inner > 1; all of them
 * when inner = 1). Threads take ranges of o or of columns: a column's sum does not depend on the range.
 */
export function reduceSumAxis(x: usize, y: usize, outer: i32, len: i32, inner: i32, scale: f64, from: i32, to: i32): void {
  if (inner == 1) {
    // The reduced axis is the last one: each output is a contiguous sum.
    for (let o = 0; o < outer; o++) {
      store<f32>(y + ((<usize>o) << 2), <f32>(contiguousSum(x + (<usize>o) * (<usize>len) * 4, len) * scale));
    }
    return;
  }
  const step = (<usize>inner) << 2; // bytes between consecutive l
  const s: f32 = <f32>scale;
  const sv = f32x4.splat(s);
  for (let o = 0; o < outer; o++) {
    const src = x + (<usize>o) * (<usize>len) * step;
    const dst = y + (<usize>o) * step;
    let i = from;
    for (; i + 16 <= to; i += 16) {
      let p = src + ((<usize>i) << 2);
      let a0 = f32x4.splat(0);
      let a1 = a0;
      let a2 = a0;
      let a3 = a0;
      for (let l = 0; l < len; l++) {
        a0 = f32x4.add(a0, v128.load(p));
        a1 = f32x4.add(a1, v128.load(p, 16));
        a2 = f32x4.add(a2, v128.load(p, 32));
        a3 = f32x4.add(a3, v128.load(p, 48));
        p += step;
      }
      const q = dst + ((<usize>i) << 2);
      v128.store(q, f32x4.mul(a0, sv));
      v128.store(q, f32x4.mul(a1, sv), 16);
      v128.store(q, f32x4.mul(a2, sv), 32);
      v128.store(q, f32x4.mul(a3, sv), 48);
    }
    for (; i + 4 <= to; i += 4) {
      let p = src + ((<usize>i) << 2);
      let a = f32x4.splat(0);
      for (let l = 0; l < len; l++) {
        a = f32x4.add(a, v128.load(p));
        p += step;
      }
      v128.store(dst + ((<usize>i) << 2), f32x4.mul(a, sv));
    }
    for (; i < to; i++) {
      let p = src + ((<usize>i) << 2);
      let a: f32 = 0;
      for (let l = 0; l < len; l++) {
        a += load<f32>(p);
        p += step;
      }
      store<f32>(dst + ((<usize>i) << 2), a * s);
    }
  }
}

/** dx[o, l, i] = scale * dy[o, i]: the gradient of reduceSumAxis (and of reduceSumAll with outer = inner = 1). */
export function reduceBroadcastAxis(dy: usize, dx: usize, outer: i32, len: i32, inner: i32, scale: f32): void {
  const sv = f32x4.splat(scale);
  let p = dx;
  for (let o = 0; o < outer; o++) {
    const src = dy + (<usize>o) * (<usize>inner) * 4;
    if (inner == 1) {
      const v = load<f32>(src) * scale;
      const vv = f32x4.splat(v);
      let l = 0;
      for (; l + 4 <= len; l += 4) {
        v128.store(p, vv);
        p += 16;
      }
      for (; l < len; l++) {
        store<f32>(p, v);
        p += 4;
      }
      continue;
    }
    for (let l = 0; l < len; l++) {
      let i = 0;
      for (; i + 4 <= inner; i += 4) {
        const q = (<usize>i) << 2;
        v128.store(p + q, f32x4.mul(v128.load(src + q), sv));
      }
      for (; i < inner; i++) {
        const q = (<usize>i) << 2;
        store<f32>(p + q, load<f32>(src + q) * scale);
      }
      p += (<usize>inner) << 2;
    }
  }
}
