// Sums over all elements or over one axis, and the broadcast that is their gradient. An axis reduction
// sees the tensor as [outer, len, inner] and sums over len.

// Long contiguous sums add float32 vectors in blocks of this many elements and the block totals in f64,
// so the rounding error does not grow with the length of the whole tensor.
const BLOCK = 4096;

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** Sum of `len` contiguous floats, four independent vector accumulators per block. */
function contiguousSum(x: usize, len: i32): f64 {
  let total: f64 = 0;
  for (let start = 0; start < len; start += BLOCK) {
    const end = min(start + BLOCK, len);
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
    total += <f64>s;
  }
  return total;
}

/** y[0] = scale * sum(x[0..n)). */
export function reduceSumAll(x: usize, y: usize, n: i32, scale: f64): void {
  store<f32>(y, <f32>(contiguousSum(x, n) * scale));
}

/** y[o, i] = scale * sum over l of x[o, l, i]. */
export function reduceSumAxis(x: usize, y: usize, outer: i32, len: i32, inner: i32, scale: f64): void {
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
    let i = 0;
    for (; i + 16 <= inner; i += 16) {
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
    for (; i + 4 <= inner; i += 4) {
      let p = src + ((<usize>i) << 2);
      let a = f32x4.splat(0);
      for (let l = 0; l < len; l++) {
        a = f32x4.add(a, v128.load(p));
        p += step;
      }
      v128.store(dst + ((<usize>i) << 2), f32x4.mul(a, sv));
    }
    for (; i < inner; i++) {
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
