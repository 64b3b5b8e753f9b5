// Depthwise convolution over NHWC images: every channel is convolved with its own kh x kw filter.
// The kernels here see c channels in and c out, with weights [kh, kw, c]; a depth multiplier m > 1 is
// handled by the facade, which repeats every input channel m times first (depthwiseExpand), because the
// weights [kh, kw, cin, m] flattened per tap are exactly in output-channel order c·m + j.
//
// Channels are contiguous in NHWC, so f32x4 lanes are 4 neighbouring channels of one pixel, in blocks of
// 16 channels (4 registers) while they last, then 4, then a tail. Windows are clipped to the input
// (padding taps are skipped, never read).
//
import { madd } from './simd';

// Geometry arguments shared by the kernels: the input [n,h,w,c], the output [n,oh,ow,c], the window kh x
// kw, strides sh, sw, dilation dh, dw, and padTop/padLeft the padding before the first row/column.

/** First tap index k in [0, kSize) with 0 <= base + k·d, and one past the last with base + k·d < size. */
// @ts-ignore: decorator
@inline function tapLo(base: i32, d: i32): i32 {
  return base >= 0 ? 0 : (-base + d - 1) / d;
}
// @ts-ignore: decorator
@inline function tapHi(base: i32, d: i32, size: i32, k: i32): i32 {
  return size - 1 - base < 0 ? 0 : min(k, (size - 1 - base) / d + 1);
}

/** Accumulates 4 channels over the clipped window: Σ x[iy, ix, ch] · wt[ky, kx, ch]. */
// @ts-ignore: decorator
@inline function window4(
  acc: v128, image: usize, wt: usize, ch: usize, row: usize, cell: usize, tapRow: usize,
  iy0: i32, ix0: i32, ky0: i32, ky1: i32, kx0: i32, kx1: i32, dh: i32, dw: i32,
): v128 {
  for (let ky = ky0; ky < ky1; ky++) {
    let px = image + (<usize>(iy0 + ky * dh)) * row + (<usize>(ix0 + kx0 * dw)) * cell + ch;
    let pw = wt + (<usize>ky) * tapRow + (<usize>kx0) * ((cell)) + ch;
    for (let kx = kx0; kx < kx1; kx++) {
      acc = madd(v128.load(px), v128.load(pw), acc);
      px += (<usize>dw) * cell;
      pw += cell;
    }
  }
  return acc;
}

/** Channels from..c-1 of one output pixel, one at a time (the tails a vector does not cover). */
// @ts-ignore: decorator
@inline function scalarChannels(
  out: usize, image: usize, wt: usize, bias: usize, from: i32, c: i32, row: usize, cell: usize, tapRow: usize,
  by: i32, bx: i32, ky0: i32, ky1: i32, kx0: i32, kx1: i32, dh: i32, dw: i32,
): void {
  for (let ch = from; ch < c; ch++) {
    const o = (<usize>ch) << 2;
    let acc: f32 = bias ? load<f32>(bias + o) : 0;
    for (let ky = ky0; ky < ky1; ky++) {
      for (let kx = kx0; kx < kx1; kx++) {
        const px = image + (<usize>(by + ky * dh)) * row + (<usize>(bx + kx * dw)) * cell + o;
        acc += load<f32>(px) * load<f32>(wt + (<usize>ky) * tapRow + (<usize>kx) * cell + o);
      }
    }
    store<f32>(out + o, acc);
  }
}

/** y = depthwise conv of x with wt [kh,kw,c] (+ bias [c] when the pointer is not 0). */
export function depthwiseForward(
  x: usize, wt: usize, bias: usize, y: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32,
): void {
  const cell = (<usize>c) << 2;
  const row = (<usize>w) * cell;
  const tapRow = (<usize>kw) * cell;
  const zero = f32x4.splat(0);
  // Output columns whose whole kernel row lies inside the image, and the channels in whole vectors.
  const oxA = min<i32>(ow, (padLeft + sw - 1) / sw);
  const lastTap = (kw - 1) * dw;
  const oxB = w - 1 - lastTap + padLeft < 0 ? 0 : min<i32>(ow, (w - 1 - lastTap + padLeft) / sw + 1);
  const c4 = c & ~3;
  const pixelStep = (<usize>sw) * cell;
  const tapStep = (<usize>dw) * cell;
  let out = y;
  for (let b = 0; b < n; b++) {
    const image = x + (<usize>b) * (<usize>h) * row;
    for (let oy = 0; oy < oh; oy++) {
      const by = oy * sh - padTop;
      const ky0 = tapLo(by, dh);
      const ky1 = tapHi(by, dh, h, kh);
      for (let ox = 0; ox < ow; ox++) {
        const bx = ox * sw - padLeft;
        if (ox >= oxA && ox + 4 <= oxB && c4 > 0) {
          // Four interior output pixels share each weight load: 5 loads per 4 multiply-adds instead of 8.
          for (let ch = 0; ch < c4; ch += 4) {
            const o = (<usize>ch) << 2;
            let a0 = bias ? v128.load(bias + o) : zero;
            let a1 = a0;
            let a2 = a0;
            let a3 = a0;
            for (let ky = ky0; ky < ky1; ky++) {
              let px = image + (<usize>(by + ky * dh)) * row + (<usize>bx) * cell + o;
              let pw = wt + (<usize>ky) * tapRow + o;
              for (let kx = 0; kx < kw; kx++) {
                const wv = v128.load(pw);
                a0 = madd(v128.load(px), wv, a0);
                a1 = madd(v128.load(px + pixelStep), wv, a1);
                a2 = madd(v128.load(px + 2 * pixelStep), wv, a2);
                a3 = madd(v128.load(px + 3 * pixelStep), wv, a3);
                px += tapStep;
                pw += cell;
              }
            }
            v128.store(out + o, a0);
            v128.store(out + cell + o, a1);
            v128.store(out + 2 * cell + o, a2);
            v128.store(out + 3 * cell + o, a3);
          }
          for (let j = 0; j < 4; j++)
            scalarChannels(out + (<usize>j) * cell, image, wt, bias, c4, c, row, cell, tapRow, by, bx + j * sw, ky0, ky1, 0, kw, dh, dw);
          out += 4 * cell;
          ox += 3;
          continue;
        }
        const kx0 = tapLo(bx, dw);
        const kx1 = tapHi(bx, dw, w, kw);
        let ch = 0;
        for (; ch + 16 <= c; ch += 16) {
          const o = (<usize>ch) << 2;
          let a0 = bias ? v128.load(bias + o) : zero;
          let a1 = bias ? v128.load(bias + o, 16) : zero;
          let a2 = bias ? v128.load(bias + o, 32) : zero;
          let a3 = bias ? v128.load(bias + o, 48) : zero;
          for (let ky = ky0; ky < ky1; ky++) {
            let px = image + (<usize>(by + ky * dh)) * row + (<usize>(bx + kx0 * dw)) * cell + o;
            let pw = wt + (<usize>ky) * tapRow + (<usize>kx0) * cell + o;
            for (let kx = kx0; kx < kx1; kx++) {
              a0 = madd(v128.load(px), v128.load(pw), a0);
              a1 = madd(v128.load(px, 16), v128.load(pw, 16), a1);
              a2 = madd(v128.load(px, 32), v128.load(pw, 32), a2);
              a3 = madd(v128.load(px, 48), v128.load(pw, 48), a3);
              px += (<usize>dw) * cell;
              pw += cell;
            }
          }
          v128.store(out + o, a0);
          v128.store(out + o, a1, 16);
          v128.store(out + o, a2, 32);
          v128.store(out + o, a3, 48);
        }
        for (; ch + 4 <= c; ch += 4) {
          const o = (<usize>ch) << 2;
          const acc = window4(bias ? v128.load(bias + o) : zero, image, wt, o, row, cell, tapRow, by, bx, ky0, ky1, kx0, kx1, dh, dw);
          v128.store(out + o, acc);
        }
        if (ch < c && c >= 4) {
          // The last channels as one more vector over c-4..c-1, rewriting some with the same values.
          const o = (<usize>(c - 4)) << 2;
          const acc = window4(bias ? v128.load(bias + o) : zero, image, wt, o, row, cell, tapRow, by, bx, ky0, ky1, kx0, kx1, dh, dw);
          v128.store(out + o, acc);
          ch = c;
        }
        scalarChannels(out, image, wt, bias, ch, c, row, cell, tapRow, by, bx, ky0, ky1, kx0, kx1, dh, dw);
        out += cell;
      }
    }
  }
}

/**
 * dx += the input gradient for dy, for the channels [c0, c1) (dx must hold zeros first): each dy pixel
 * scatters dy·wt to the taps it read. Threads take images, or channel ranges (c0 a multiple of 4, c1 one
 * too or c: every channel gets the same operations in the same lanes as in one call over all of them).
 */
export function depthwiseBackwardInput(
  dy: usize, wt: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, c0: i32, c1: i32,
): void {
  const cell = (<usize>c) << 2;
  const row = (<usize>w) * cell;
  const tapRow = (<usize>kw) * cell;
  let g = dy;
  for (let b = 0; b < n; b++) {
    const image = dx + (<usize>b) * (<usize>h) * row;
    for (let oy = 0; oy < oh; oy++) {
      const by = oy * sh - padTop;
      const ky0 = tapLo(by, dh);
      const ky1 = tapHi(by, dh, h, kh);
      for (let ox = 0; ox < ow; ox++) {
        const bx = ox * sw - padLeft;
        const kx0 = tapLo(bx, dw);
        const kx1 = tapHi(bx, dw, w, kw);
        for (let ky = ky0; ky < ky1; ky++) {
          for (let kx = kx0; kx < kx1; kx++) {
            const px = image + (<usize>(by + ky * dh)) * row + (<usize>(bx + kx * dw)) * cell;
            const pw = wt + (<usize>ky) * tapRow + (<usize>kx) * cell;
            let ch = c0;
            for (; ch + 16 <= c1; ch += 16) {
              const o = (<usize>ch) << 2;
              v128.store(px + o, madd(v128.load(g + o), v128.load(pw + o), v128.load(px + o)));
              v128.store(px + o, madd(v128.load(g + o, 16), v128.load(pw + o, 16), v128.load(px + o, 16)), 16);
              v128.store(px + o, madd(v128.load(g + o, 32), v128.load(pw + o, 32), v128.load(px + o, 32)), 32);
              v128.store(px + o, madd(v128.load(g + o, 48), v128.load(pw + o, 48), v128.load(px + o, 48)), 48);
            }
            for (; ch + 4 <= c1; ch += 4) {
              const o = (<usize>ch) << 2;
              v128.store(px + o, madd(v128.load(g + o), v128.load(pw + o), v128.load(px + o)));
            }
            for (; ch < c1; ch++) {
              const o = (<usize>ch) << 2;
              store<f32>(px + o, load<f32>(px + o) + load<f32>(g + o) * load<f32>(pw + o));
            }
          }
        }
        g += cell;
      }
    }
  }
}

/**
 * dwt[ky,kx,ch] = Σ over output pixels of x[tap pixel, ch] · dy[pixel, ch] for the channels ch in [c0, c1)
 * (overwritten; other channels are left alone, so threads can take channel ranges: c0 a multiple of 4, c1
 * one too or c, and every channel is summed in the same order, in the same lanes, as by one call over all
 * of them). One output row at a time: per tap and block of channels, the sum along the row stays in
 * registers.
 */
export function depthwiseBackwardFilter(
  x: usize, dy: usize, dwt: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, c0: i32, c1: i32,
): void {
  const cell = (<usize>c) << 2;
  const row = (<usize>w) * cell;
  const tapRow = (<usize>kw) * cell;
  const outRow = (<usize>ow) * cell;
  const xStep = (<usize>sw) * cell;
  for (let tap = 0; tap < kh * kw; tap++) memory.fill(dwt + (<usize>tap) * cell + ((<usize>c0) << 2), 0, (<usize>(c1 - c0)) << 2);
  for (let b = 0; b < n; b++) {
    const image = x + (<usize>b) * (<usize>h) * row;
    for (let oy = 0; oy < oh; oy++) {
      const by = oy * sh - padTop;
      const ky0 = tapLo(by, dh);
      const ky1 = tapHi(by, dh, h, kh);
      const grow = dy + (<usize>(b * oh + oy)) * outRow;
      for (let ky = ky0; ky < ky1; ky++) {
        const xrow = image + (<usize>(by + ky * dh)) * row;
        for (let kx = 0; kx < kw; kx++) {
          // Output columns whose tap kx lands inside the row: ox·sw + kx·dw - padLeft in [0, w).
          const shift = kx * dw - padLeft;
          const ox0 = min<i32>(ow, shift >= 0 ? 0 : (-shift + sw - 1) / sw);
          const ox1 = max<i32>(ox0, min<i32>(ow, w - shift <= 0 ? 0 : (w - shift + sw - 1) / sw));
          if (ox0 >= ox1) continue;
          const px0 = xrow + (<usize>(ox0 * sw + shift)) * cell;
          const pg0 = grow + (<usize>ox0) * cell;
          const pw = dwt + (<usize>ky) * tapRow + (<usize>kx) * cell;
          let ch = c0;
          for (; ch + 16 <= c1; ch += 16) {
            const o = (<usize>ch) << 2;
            let a0 = f32x4.splat(0);
            let a1 = a0;
            let a2 = a0;
            let a3 = a0;
            let px = px0 + o;
            let pg = pg0 + o;
            for (let ox = ox0; ox < ox1; ox++) {
              a0 = madd(v128.load(px), v128.load(pg), a0);
              a1 = madd(v128.load(px, 16), v128.load(pg, 16), a1);
              a2 = madd(v128.load(px, 32), v128.load(pg, 32), a2);
              a3 = madd(v128.load(px, 48), v128.load(pg, 48), a3);
              px += xStep;
              pg += cell;
            }
            v128.store(pw + o, f32x4.add(v128.load(pw + o), a0));
            v128.store(pw + o, f32x4.add(v128.load(pw + o, 16), a1), 16);
            v128.store(pw + o, f32x4.add(v128.load(pw + o, 32), a2), 32);
            v128.store(pw + o, f32x4.add(v128.load(pw + o, 48), a3), 48);
          }
          for (; ch + 4 <= c1; ch += 4) {
            const o = (<usize>ch) << 2;
            let a = f32x4.splat(0);
            let px = px0 + o;
            let pg = pg0 + o;
            for (let ox = ox0; ox < ox1; ox++) {
              a = madd(v128.load(px), v128.load(pg), a);
              px += xStep;
              pg += cell;
            }
            v128.store(pw + o, f32x4.add(v128.load(pw + o), a));
          }
          for (; ch < c1; ch++) {
            const o = (<usize>ch) << 2;
            let a: f32 = 0;
            let px = px0 + o;
            let pg = pg0 + o;
            for (let ox = ox0; ox < ox1; ox++) {
              a += load<f32>(px) * load<f32>(pg);
              px += xStep;
              pg += cell;
            }
            store<f32>(pw + o, load<f32>(pw + o) + a);
          }
        }
      }
    }
  }
}

/** xr[p, c·m + j] = x[p, c]: every channel repeated m times (the depth multiplier's input). */
export function depthwiseExpand(x: usize, xr: usize, pixels: i32, cin: i32, m: i32): void {
  const total = pixels * cin;
  let q = xr;
  for (let i = 0; i < total; i++) {
    const v = load<f32>(x + ((<usize>i) << 2));
    const vv = f32x4.splat(v);
    let j = 0;
    for (; j + 4 <= m; j += 4) {
      v128.store(q, vv);
      q += 16;
    }
    for (; j < m; j++) {
      store<f32>(q, v);
      q += 4;
    }
  }
}

/** dx[p, c] = Σ_j dxr[p, c·m + j]: the gradient of depthwiseExpand. */
export function depthwiseReduce(dxr: usize, dx: usize, pixels: i32, cin: i32, m: i32): void {
  const total = pixels * cin;
  let q = dxr;
  for (let i = 0; i < total; i++) {
    let a = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= m; j += 4) {
      a = f32x4.add(a, v128.load(q));
      q += 16;
    }
    let s: f32 = f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3);
    for (; j < m; j++) {
      s += load<f32>(q);
      q += 4;
    }
    store<f32>(dx + ((<usize>i) << 2), s);
  }
}
