// Constant padding of a tensor seen as 4 axes [d0, d1, d2, d3] (the facade merges axes to get there):
// the padded tensor [o0, o1, o2, o3] is filled with the constant, then each innermost run of d3 floats is
// copied into place. Cropping (the gradient) copies the same runs back out.

/** Fills n floats at dst with v. */
export function fillFloats(dst: usize, n: i32, v: f32): void {
  const vv = f32x4.splat(v);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + ((<usize>i) << 2), vv);
  for (; i < n; i++) store<f32>(dst + ((<usize>i) << 2), v);
}

/**
 * crop == 0: copies src [d0,d1,d2,d3] into dst [o0,o1,o2,o3] at offset [p0,p1,p2,p3] (dst already filled).
 * crop == 1: the reverse, src is the padded [o0..o3] and dst the dense [d0..d3]. Only the runs [from, to)
 * of the d0·d1·d2 runs of d3 floats (in dense order) are copied: threads take ranges of runs.
 */
export function padCopy(
  dst: usize, src: usize, d0: i32, d1: i32, d2: i32, d3: i32, p0: i32, p1: i32, p2: i32, p3: i32,
  o1: i32, o2: i32, o3: i32, crop: i32, from: i32, to: i32,
): void {
  const run = (<usize>d3) << 2;
  if (from >= to) return;
  // The first run's indices, then counters (no division per run).
  let a = from / (d1 * d2);
  let b = (from - a * d1 * d2) / d2;
  let c = from - (a * d1 + b) * d2;
  for (let r = from; r < to; r++) {
    const dense = (<usize>r * <usize>d3) << 2;
    const padded =
      ((((<usize>(a + p0) * <usize>o1 + <usize>(b + p1)) * <usize>o2 + <usize>(c + p2)) * <usize>o3 + <usize>p3) << 2);
    if (crop) memory.copy(dst + dense, src + padded, run);
    else memory.copy(dst + padded, src + dense, run);
    if (++c == d2) {
      c = 0;
      if (++b == d1) {
        b = 0;
        a++;
      }
    }
  }
}
