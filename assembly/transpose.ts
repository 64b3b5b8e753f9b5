// transpose (facade: src/ops/transpose.ts): y, contiguous with dims d0..d3, takes x at the input strides
// s0..s3 (in elements) of each output axis. The facade drops size-1 axes and merges axes that stay
// adjacent, so a layout change (NCHW <-> NHWC) arrives here as at most three axes.
//
// When the last output axis is contiguous in x too, every row is one memory.copy. Otherwise the inner
// loop is a strided gather: WASM SIMD has no gather, so it moves four scalars at a time with the loads
// unrolled. The op is bound by memory traffic, not arithmetic, either way.
//
// Only the output rows [from, to) of the d0·d1·d2 rows of d3 floats are written: threads take ranges.
export function transpose4(
  x: usize,
  y: usize,
  d0: i32,
  d1: i32,
  d2: i32,
  d3: i32,
  s0: i32,
  s1: i32,
  s2: i32,
  s3: i32,
  from: i32,
  to: i32,
): void {
  const rowBytes = <usize>d3 << 2;
  const step = <usize>s3 << 2;
  if (from >= to) return;
  let out = y + <usize>from * rowBytes;
  // The first row's indices, then counters (no division per row).
  let a = from / (d1 * d2);
  let b = (from - a * d1 * d2) / d2;
  let c = from - (a * d1 + b) * d2;
  for (let r = from; r < to; r++) {
    const base = x + ((<usize>a * s0 + <usize>b * s1 + <usize>c * s2) << 2);
    if (++c == d2) {
      c = 0;
      if (++b == d1) {
        b = 0;
        a++;
      }
    }
    if (s3 == 1) {
      memory.copy(out, base, rowBytes);
      out += rowBytes;
      continue;
    }
    let src = base;
    let d = 0;
    for (; d + 4 <= d3; d += 4) {
      const v0 = load<f32>(src);
      const v1 = load<f32>(src + step);
      const v2 = load<f32>(src + 2 * step);
      const v3 = load<f32>(src + 3 * step);
      v128.store(out, f32x4(v0, v1, v2, v3));
      src += 4 * step;
      out += 16;
    }
    for (; d < d3; d++) {
      store<f32>(out, load<f32>(src));
      src += step;
      out += 4;
    }
  }
}
