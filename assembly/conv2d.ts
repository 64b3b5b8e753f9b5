// Convolution-specific kernels around the GEMM in gemm.ts: the indirection buffer (which input pixel each
// output pixel reads for each tap), im2col for small channel counts, and col2im for input gradients.
// Images are NHWC, so the cin values of a pixel are contiguous: one pointer per (output pixel, tap) is
// enough for the micro-kernel to read a whole tap.

/**
 * Fills ind[t * mPad + m] (t = ky * kw + kx, m = (b * oh + oy) * ow + ox) with the byte pointer of input
 * pixel (b, oy*sh + ky*dh - padTop, ox*sw + kx*dw - padLeft) of x [n, h, w, cin], or with `zero` (a row of
 * at least cin zeros) when that pixel lies in the padding; rows M <= m < mPad also get `zero`.
 */
export function convIndirection(
  ind: usize, x: usize, zero: usize, n: i32, h: i32, w: i32, cin: i32, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, mPad: i32,
): void {
  const M = n * oh * ow;
  const pixelBytes = (<usize>cin) << 2;
  const tapStride = (<usize>mPad) << 2;
  let tp = ind;
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      let p = tp;
      for (let b = 0; b < n; b++) {
        const image = x + <usize>(b * h) * <usize>w * pixelBytes;
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh + ky * dh - padTop;
          const rowOk = iy >= 0 && iy < h;
          const row = image + <usize>(iy * w) * pixelBytes;
          let ix = kx * dw - padLeft;
          for (let ox = 0; ox < ow; ox++) {
            const inside = rowOk && ix >= 0 && ix < w;
            store<u32>(p, inside ? <u32>(row + <usize>ix * pixelBytes) : <u32>zero);
            p += 4;
            ix += sw;
          }
        }
      }
      for (let m = M; m < mPad; m++) {
        store<u32>(p, <u32>zero);
        p += 4;
      }
      tp += tapStride;
    }
  }
}

/**
 * col[m, t * cin + c] = the cin floats behind ind[t * mPad + m], for m < M: an im2col matrix [M, taps*cin]
 * (row stride ldc floats) built from the indirection buffer, so padding comes for free.
 */
export function convIm2col(col: usize, ldc: i32, ind: usize, mPad: i32, taps: i32, cin: i32, M: i32): void {
  const tapStride = (<usize>mPad) << 2;
  const rowBytes = (<usize>ldc) << 2;
  const tapBytes = (<usize>cin) << 2;
  for (let m = 0; m < M; m++) {
    let dst = col + <usize>m * rowBytes;
    let ip = ind + ((<usize>m) << 2);
    for (let t = 0; t < taps; t++) {
      const src = <usize>load<u32>(ip);
      ip += tapStride;
      copyFloats(dst, src, cin);
      dst += tapBytes;
    }
  }
}

// @ts-ignore: decorator
@inline function copyFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(dst + o, v128.load(src + o));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(dst + o, load<f32>(src + o));
  }
}

/**
 * The scatter half of the input gradient: for rows m0 <= m < m0 + rows and every tap t whose pointer
 * p = ind[t * mPad + m] is not `zero`, adds col[(m - m0), t * cin .. t * cin + cin] (row stride ldc
 * floats) to dx at the same position as p in x (dx + (p - x)). dx must start zeroed.
 */
export function convCol2im(
  dx: usize, x: usize, zero: usize, ind: usize, mPad: i32, taps: i32, cin: i32, col: usize, ldc: i32, m0: i32, rows: i32,
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
      if (p != zero) {
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
