// Convolution-specific kernels around the GEMM in gemm.ts: the indirection buffer (which input pixel each
// output pixel reads for each tap), horizontal padding of an image, and col2im for input gradients.
// Images are NHWC, so the cin values of a pixel are contiguous: one pointer per (output pixel, tap) is
// enough for the micro-kernel to read a whole tap. With horizontal dilation 1 a whole kernel row (kw*cin
// floats) is contiguous too, once the image is padded horizontally; the facade then builds the
// indirection with one tap per kernel row (kw = 1 here, taps of kw*cin floats).

/**
 * Fills ind[t * mPad + m] (t = ky * kw + kx, m = (b * oh + oy) * ow + ox) for the rows m0 <= m < m1 with the
 * byte pointer of input pixel (b, oy*sh + ky*dh - padTop, ox*sw + kx*dw - padLeft) of x [n, h, w, cin], or
 * with `zero` (a row of zeros as long as a tap) when that pixel lies in the padding; rows M <= m < mPad get
 * `zero`. A row range lets each thread build the pointers of the output rows it then computes, with no
 * wait for the others. Each output row splits into a left padding run, an interior run of evenly spaced
 * pointers and a right padding run, so the loops that fill them have no tests.
 */
export function convIndirection(
  ind: usize, x: usize, zero: usize, n: i32, h: i32, w: i32, cin: i32, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, mPad: i32,
  m0: i32, m1: i32,
): void {
  const M = n * oh * ow;
  const last = min<i32>(m1, M);
  const pixelBytes = (<usize>cin) << 2;
  const step = <usize>sw * pixelBytes;
  const tapStride = (<usize>mPad) << 2;
  let tp = ind;
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      // Output columns whose input column ox*sw + kx*dw - padLeft lies in [0, w).
      const shift = kx * dw - padLeft;
      const oxLo = min<i32>(ow, shift >= 0 ? 0 : (-shift + sw - 1) / sw);
      const oxHi = max<i32>(oxLo, min<i32>(ow, w - shift <= 0 ? 0 : (w - shift + sw - 1) / sw));
      let p = tp + ((<usize>m0) << 2);
      let m = m0;
      while (m < last) {
        // The output row (b, oy) holding m, and the part [from, to) of it inside the range.
        const row = m / ow;
        const from = m - row * ow;
        const to = min<i32>(ow, from + (last - m));
        const b = row / oh;
        const oy = row - b * oh;
        const iy = oy * sh + ky * dh - padTop;
        m += to - from;
        if (iy < 0 || iy >= h) {
          p = fillPointers(p, <u32>zero, from, to);
          continue;
        }
        const lo = max<i32>(from, min<i32>(to, oxLo));
        const hi = max<i32>(lo, min<i32>(to, oxHi));
        p = fillPointers(p, <u32>zero, from, lo);
        const image = x + <usize>(b * h) * <usize>w * pixelBytes;
        let q = <u32>(image + <usize>(iy * w) * pixelBytes + <usize>(lo * sw + shift) * pixelBytes);
        let ox = lo;
        let v = i32x4.add(i32x4.splat(<i32>q), i32x4.mul(i32x4(0, 1, 2, 3), i32x4.splat(<i32>step)));
        const v4 = i32x4.splat(<i32>(step * 4));
        for (; ox + 4 <= hi; ox += 4) {
          v128.store(p, v);
          v = i32x4.add(v, v4);
          p += 16;
        }
        q = <u32>i32x4.extract_lane(v, 0);
        for (; ox < hi; ox++) {
          store<u32>(p, q);
          q += <u32>step;
          p += 4;
        }
        p = fillPointers(p, <u32>zero, hi, to);
      }
      fillPointers(p, <u32>zero, max<i32>(m0, M), max<i32>(m0, min<i32>(m1, mPad)));
      tp += tapStride;
    }
  }
}

/** Stores `value` (to - from) times from p; returns the position after. */
// @ts-ignore: decorator
@inline function fillPointers(p: usize, value: u32, from: i32, to: i32): usize {
  for (let i = from; i < to; i++) {
    store<u32>(p, value);
    p += 4;
  }
  return p;
}

/**
 * Copies rows of w pixels (cin floats each) from src into rows of padLeft + w + padRight pixels at dst,
 * zeroing the padding: a horizontally padded image, so that a whole kernel row is one contiguous run.
 */
export function convPadWidth(dst: usize, src: usize, rows: i32, w: i32, cin: i32, padLeft: i32, padRight: i32): void {
  const leftBytes = <usize>(padLeft * cin) << 2;
  const rowBytes = <usize>(w * cin) << 2;
  const rightBytes = <usize>(padRight * cin) << 2;
  for (let r = 0; r < rows; r++) {
    memory.fill(dst, 0, leftBytes);
    dst += leftBytes;
    memory.copy(dst, src, rowBytes);
    dst += rowBytes;
    src += rowBytes;
    memory.fill(dst, 0, rightBytes);
    dst += rightBytes;
  }
}

/** The inverse of convPadWidth: copies the middle w pixels of each padded row back into dense rows. */
export function convCropWidth(dst: usize, src: usize, rows: i32, w: i32, cin: i32, padLeft: i32, padRight: i32): void {
  const leftBytes = <usize>(padLeft * cin) << 2;
  const rowBytes = <usize>(w * cin) << 2;
  const rightBytes = <usize>(padRight * cin) << 2;
  for (let r = 0; r < rows; r++) {
    memory.copy(dst, src + leftBytes, rowBytes);
    dst += rowBytes;
    src += leftBytes + rowBytes + rightBytes;
  }
}

/**
 * The scatter half of the input gradient: for rows m0 <= m < m0 + rows and every tap t whose pointer
 * p = ind[t * mPad + m] is not `zero` and lies in bytes [lo, hi) of x, adds col[(m - m0), t * cin ..
 * t * cin + cin] (row stride ldc floats) to dx at the same position as p in x (dx + (p - x)). dx must start
 * zeroed. [lo, hi) lets threads each take a band of dx's rows of one image (taps never cross rows: a tap
 * is one pixel, or one row's run of pixels); pass 0 and 0xffffffff for all of it.
 */
export function convCol2im(
  dx: usize, x: usize, zero: usize, ind: usize, mPad: i32, taps: i32, cin: i32, col: usize, ldc: i32, m0: i32, rows: i32,
  lo: u32, hi: u32,
): void {
  const tapStride = (<usize>mPad) << 2;
  const rowBytes = (<usize>ldc) << 2;
  const tapBytes = (<usize>cin) << 2;
  for (let r = 0; r < rows; r++) {
    let src = col + <usize>r * rowBytes;
    let ip = ind + ((<usize>(m0 + r)) << 2);
    for (let t = 0; t < taps; t++) {
      const p = <usize>load<u32>(ip);
      ip += tapStride;
      const at = <u32>(p - x);
      if (p != zero && at >= lo && at < hi) {
        const dst = dx + (p - x);
        let i = 0;
        for (; i + 4 <= cin; i += 4) {
          const o = (<usize>i) << 2;
          v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
        }
        for (; i < cin; i++) {
          const o = (<usize>i) << 2;
          store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
        }
      }
      src += tapBytes;
    }
  }
}
