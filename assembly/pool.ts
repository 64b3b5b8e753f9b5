// Pooling kernels over NHWC images. Channels are contiguous in NHWC, so every kernel vectorises over
// channels: f32x4 lanes are 4 neighbouring channels of one pixel, in blocks of 16 channels (4 registers)
// while they last, then 4, then a scalar tail. Windows are clipped to the input (padding cells are never
// read): max pooling ignores them and average pooling divides by the number of cells inside the input.
//
// Geometry arguments shared by the windowed kernels: the input is [n,h,w,c], the output [n,oh,ow,c], the
// window ph x pw, the strides sh, sw, and padTop/padLeft the padding before the first row/column.

// ---------------------------------------------------------------------------------------------------
// max pooling forward (inference): no index bookkeeping.

/** y = max over each window. pmax(acc, v) is `acc < v ? v : acc`: one instruction on x86/ARM. */
export function maxPool2dForward(
  x: usize, y: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  ph: i32, pw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32,
): void {
  const cell = (<usize>c) << 2; // bytes between horizontally adjacent pixels
  const row = (<usize>w) * cell; // bytes between vertically adjacent pixels
  let out = y;
  for (let b = 0; b < n; b++) {
    const image = x + (<usize>b) * (<usize>h) * row;
    for (let oy = 0; oy < oh; oy++) {
      const top = oy * sh - padTop;
      const y0 = max(top, 0);
      const rows = min(top + ph, h) - y0;
      for (let ox = 0; ox < ow; ox++) {
        const left = ox * sw - padLeft;
        const x0 = max(left, 0);
        const cols = min(left + pw, w) - x0;
        const first = image + (<usize>y0) * row + (<usize>x0) * cell;
        let ch = 0;
        for (; ch + 16 <= c; ch += 16) {
          const base = first + ((<usize>ch) << 2);
          // Start from the first cell so it needs no -Infinity and is not compared with itself.
          let a0 = v128.load(base);
          let a1 = v128.load(base, 16);
          let a2 = v128.load(base, 32);
          let a3 = v128.load(base, 48);
          for (let r = 0; r < rows; r++) {
            let p = base + (<usize>r) * row;
            let k = 0;
            if (r == 0) {
              p += cell;
              k = 1;
            }
            for (; k < cols; k++) {
              a0 = f32x4.pmax(a0, v128.load(p));
              a1 = f32x4.pmax(a1, v128.load(p, 16));
              a2 = f32x4.pmax(a2, v128.load(p, 32));
              a3 = f32x4.pmax(a3, v128.load(p, 48));
              p += cell;
            }
          }
          const o = out + ((<usize>ch) << 2);
          v128.store(o, a0);
          v128.store(o, a1, 16);
          v128.store(o, a2, 32);
          v128.store(o, a3, 48);
        }
        for (; ch + 4 <= c; ch += 4) {
          const base = first + ((<usize>ch) << 2);
          let a = v128.load(base);
          for (let r = 0; r < rows; r++) {
            let p = base + (<usize>r) * row;
            let k = 0;
            if (r == 0) {
              p += cell;
              k = 1;
            }
            for (; k < cols; k++) {
              a = f32x4.pmax(a, v128.load(p));
              p += cell;
            }
          }
          v128.store(out + ((<usize>ch) << 2), a);
        }
        for (; ch < c; ch++) {
          const base = first + ((<usize>ch) << 2);
          let a = load<f32>(base);
          for (let r = 0; r < rows; r++) {
            let p = base + (<usize>r) * row;
            for (let k = 0; k < cols; k++) {
              const v = load<f32>(p);
              if (a < v) a = v;
              p += cell;
            }
          }
          store<f32>(out + ((<usize>ch) << 2), a);
        }
        out += cell;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// max pooling forward for training: also writes, per output element, the flat index into x of the
// first maximum of its window (row-major window order, as PyTorch and TensorFlow).
//
// Why save indices rather than recompute them in the backward kernel: a training step runs the forward
// anyway, and tracking the index there costs one compare and one select per loaded vector, while
// recomputing would read every input window a second time (as much work as the forward, plus the same
// compare/select). The backward then only zero-fills dx and scatters one value per OUTPUT element
// (a quarter of the input for 2x2 pooling). The price is one int32 per output element, alive until the
// tape is done.

export function maxPool2dForwardArgmax(
  x: usize, y: usize, argmax: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  ph: i32, pw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32,
): void {
  const cell = (<usize>c) << 2;
  const row = (<usize>w) * cell;
  const lanes = i32x4(0, 1, 2, 3);
  let out: usize = 0; // byte offset of the output pixel in y and in argmax
  for (let b = 0; b < n; b++) {
    const imagePixel = b * h * w; // pixel index of the image's first pixel
    const image = x + (<usize>imagePixel) * cell;
    for (let oy = 0; oy < oh; oy++) {
      const top = oy * sh - padTop;
      const y0 = max(top, 0);
      const rows = min(top + ph, h) - y0;
      for (let ox = 0; ox < ow; ox++) {
        const left = ox * sw - padLeft;
        const x0 = max(left, 0);
        const cols = min(left + pw, w) - x0;
        const first = image + (<usize>y0) * row + (<usize>x0) * cell;
        // Flat index (element, channel 0) of the window's first cell; a cell's is this + r*w*c + k*c.
        const firstIndex = (imagePixel + y0 * w + x0) * c;
        const rowStep = w * c;
        let ch = 0;
        for (; ch + 16 <= c; ch += 16) {
          const base = first + ((<usize>ch) << 2);
          let a0 = v128.load(base);
          let a1 = v128.load(base, 16);
          let a2 = v128.load(base, 32);
          let a3 = v128.load(base, 48);
          // One cell index serves all 16 lanes; the channel is added when storing.
          let i0 = i32x4.splat(firstIndex);
          let i1 = i0;
          let i2 = i0;
          let i3 = i0;
          for (let r = 0; r < rows; r++) {
            let p = base + (<usize>r) * row;
            let index = firstIndex + r * rowStep;
            let k = 0;
            if (r == 0) {
              p += cell;
              index += c;
              k = 1;
            }
            for (; k < cols; k++) {
              const at = i32x4.splat(index);
              // Strictly greater: a later equal value does not replace the first maximum.
              const v0 = v128.load(p);
              const v1 = v128.load(p, 16);
              const v2 = v128.load(p, 32);
              const v3 = v128.load(p, 48);
              const m0 = f32x4.lt(a0, v0);
              const m1 = f32x4.lt(a1, v1);
              const m2 = f32x4.lt(a2, v2);
              const m3 = f32x4.lt(a3, v3);
              a0 = f32x4.pmax(a0, v0);
              a1 = f32x4.pmax(a1, v1);
              a2 = f32x4.pmax(a2, v2);
              a3 = f32x4.pmax(a3, v3);
              i0 = v128.bitselect(at, i0, m0);
              i1 = v128.bitselect(at, i1, m1);
              i2 = v128.bitselect(at, i2, m2);
              i3 = v128.bitselect(at, i3, m3);
              p += cell;
              index += c;
            }
          }
          const o = out + ((<usize>ch) << 2);
          v128.store(y + o, a0);
          v128.store(y + o, a1, 16);
          v128.store(y + o, a2, 32);
          v128.store(y + o, a3, 48);
          const chv = i32x4.add(lanes, i32x4.splat(ch));
          v128.store(argmax + o, i32x4.add(i0, chv));
          v128.store(argmax + o, i32x4.add(i1, i32x4.add(chv, i32x4.splat(4))), 16);
          v128.store(argmax + o, i32x4.add(i2, i32x4.add(chv, i32x4.splat(8))), 32);
          v128.store(argmax + o, i32x4.add(i3, i32x4.add(chv, i32x4.splat(12))), 48);
        }
        for (; ch + 4 <= c; ch += 4) {
          const base = first + ((<usize>ch) << 2);
          let a = v128.load(base);
          let i = i32x4.splat(firstIndex);
          for (let r = 0; r < rows; r++) {
            let p = base + (<usize>r) * row;
            let index = firstIndex + r * rowStep;
            let k = 0;
            if (r == 0) {
              p += cell;
              index += c;
              k = 1;
            }
            for (; k < cols; k++) {
              const v = v128.load(p);
              const m = f32x4.lt(a, v);
              a = f32x4.pmax(a, v);
              i = v128.bitselect(i32x4.splat(index), i, m);
              p += cell;
              index += c;
            }
          }
          const o = out + ((<usize>ch) << 2);
          v128.store(y + o, a);
          v128.store(argmax + o, i32x4.add(i, i32x4.add(lanes, i32x4.splat(ch))));
        }
        for (; ch < c; ch++) {
          const base = first + ((<usize>ch) << 2);
          let a = load<f32>(base);
          let best = firstIndex;
          for (let r = 0; r < rows; r++) {
            let p = base + (<usize>r) * row;
            let index = firstIndex + r * rowStep;
            for (let k = 0; k < cols; k++) {
              const v = load<f32>(p);
              if (a < v) {
                a = v;
                best = index;
              }
              p += cell;
              index += c;
            }
          }
          const o = out + ((<usize>ch) << 2);
          store<f32>(y + o, a);
          store<i32>(argmax + o, best + ch);
        }
        out += cell;
      }
    }
  }
}

/**
 * dx = 0, then dx[argmax[i]] += dy[i] for every output element i. Accumulating (not storing) matters
 * when windows overlap (stride < pool): one input cell can be the maximum of several windows.
 */
export function maxPool2dBackward(dy: usize, argmax: usize, dx: usize, ySize: i32, xSize: i32): void {
  memory.fill(dx, 0, (<usize>xSize) << 2);
  for (let i = 0; i < ySize; i++) {
    const o = (<usize>i) << 2;
    const at = dx + ((<usize>load<i32>(argmax + o)) << 2);
    store<f32>(at, load<f32>(at) + load<f32>(dy + o));
  }
}

// ---------------------------------------------------------------------------------------------------
// average pooling

/** y = sum over the window's cells inside the input / their number. */
export function avgPool2dForward(
  x: usize, y: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  ph: i32, pw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32,
): void {
  const cell = (<usize>c) << 2;
  const row = (<usize>w) * cell;
  let out = y;
  for (let b = 0; b < n; b++) {
    const image = x + (<usize>b) * (<usize>h) * row;
    for (let oy = 0; oy < oh; oy++) {
      const top = oy * sh - padTop;
      const y0 = max(top, 0);
      const rows = min(top + ph, h) - y0;
      for (let ox = 0; ox < ow; ox++) {
        const left = ox * sw - padLeft;
        const x0 = max(left, 0);
        const cols = min(left + pw, w) - x0;
        const first = image + (<usize>y0) * row + (<usize>x0) * cell;
        const inv: f32 = <f32>1 / <f32>(rows * cols);
        const invv = f32x4.splat(inv);
        let ch = 0;
        for (; ch + 16 <= c; ch += 16) {
          const base = first + ((<usize>ch) << 2);
          let a0 = f32x4.splat(0);
          let a1 = a0;
          let a2 = a0;
          let a3 = a0;
          for (let r = 0; r < rows; r++) {
            let p = base + (<usize>r) * row;
            for (let k = 0; k < cols; k++) {
              a0 = f32x4.add(a0, v128.load(p));
              a1 = f32x4.add(a1, v128.load(p, 16));
              a2 = f32x4.add(a2, v128.load(p, 32));
              a3 = f32x4.add(a3, v128.load(p, 48));
              p += cell;
            }
          }
          const o = out + ((<usize>ch) << 2);
          v128.store(o, f32x4.mul(a0, invv));
          v128.store(o, f32x4.mul(a1, invv), 16);
          v128.store(o, f32x4.mul(a2, invv), 32);
          v128.store(o, f32x4.mul(a3, invv), 48);
        }
        for (; ch + 4 <= c; ch += 4) {
          const base = first + ((<usize>ch) << 2);
          let a = f32x4.splat(0);
          for (let r = 0; r < rows; r++) {
            let p = base + (<usize>r) * row;
            for (let k = 0; k < cols; k++) {
              a = f32x4.add(a, v128.load(p));
              p += cell;
            }
          }
          v128.store(out + ((<usize>ch) << 2), f32x4.mul(a, invv));
        }
        for (; ch < c; ch++) {
          const base = first + ((<usize>ch) << 2);
          let a: f32 = 0;
          for (let r = 0; r < rows; r++) {
            let p = base + (<usize>r) * row;
            for (let k = 0; k < cols; k++) {
              a += load<f32>(p);
              p += cell;
            }
          }
          store<f32>(out + ((<usize>ch) << 2), a * inv);
        }
        out += cell;
      }
    }
  }
}

/** dx = 0, then every cell of each window (inside the input) gets dy / (number of those cells). */
export function avgPool2dBackward(
  dy: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  ph: i32, pw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32,
): void {
  const cell = (<usize>c) << 2;
  const row = (<usize>w) * cell;
  memory.fill(dx, 0, (<usize>n) * (<usize>h) * row);
  let g = dy;
  for (let b = 0; b < n; b++) {
    const image = dx + (<usize>b) * (<usize>h) * row;
    for (let oy = 0; oy < oh; oy++) {
      const top = oy * sh - padTop;
      const y0 = max(top, 0);
      const rows = min(top + ph, h) - y0;
      for (let ox = 0; ox < ow; ox++) {
        const left = ox * sw - padLeft;
        const x0 = max(left, 0);
        const cols = min(left + pw, w) - x0;
        const first = image + (<usize>y0) * row + (<usize>x0) * cell;
        const inv: f32 = <f32>1 / <f32>(rows * cols);
        const invv = f32x4.splat(inv);
        let ch = 0;
        for (; ch + 16 <= c; ch += 16) {
          const o = (<usize>ch) << 2;
          const g0 = f32x4.mul(v128.load(g + o), invv);
          const g1 = f32x4.mul(v128.load(g + o, 16), invv);
          const g2 = f32x4.mul(v128.load(g + o, 32), invv);
          const g3 = f32x4.mul(v128.load(g + o, 48), invv);
          for (let r = 0; r < rows; r++) {
            let p = first + o + (<usize>r) * row;
            for (let k = 0; k < cols; k++) {
              v128.store(p, f32x4.add(v128.load(p), g0));
              v128.store(p, f32x4.add(v128.load(p, 16), g1), 16);
              v128.store(p, f32x4.add(v128.load(p, 32), g2), 32);
              v128.store(p, f32x4.add(v128.load(p, 48), g3), 48);
              p += cell;
            }
          }
        }
        for (; ch + 4 <= c; ch += 4) {
          const o = (<usize>ch) << 2;
          const g0 = f32x4.mul(v128.load(g + o), invv);
          for (let r = 0; r < rows; r++) {
            let p = first + o + (<usize>r) * row;
            for (let k = 0; k < cols; k++) {
              v128.store(p, f32x4.add(v128.load(p), g0));
              p += cell;
            }
          }
        }
        for (; ch < c; ch++) {
          const o = (<usize>ch) << 2;
          const g0 = load<f32>(g + o) * inv;
          for (let r = 0; r < rows; r++) {
            let p = first + o + (<usize>r) * row;
            for (let k = 0; k < cols; k++) {
              store<f32>(p, load<f32>(p) + g0);
              p += cell;
            }
          }
        }
        g += cell;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// global average pooling: [n, hw, c] → [n, c]

export function globalAvgPool2dForward(x: usize, y: usize, n: i32, hw: i32, c: i32): void {
  const cell = (<usize>c) << 2;
  const inv: f32 = <f32>1 / <f32>hw;
  const invv = f32x4.splat(inv);
  for (let b = 0; b < n; b++) {
    const image = x + (<usize>b) * (<usize>hw) * cell;
    const out = y + (<usize>b) * cell;
    let ch = 0;
    for (; ch + 16 <= c; ch += 16) {
      let p = image + ((<usize>ch) << 2);
      let a0 = f32x4.splat(0);
      let a1 = a0;
      let a2 = a0;
      let a3 = a0;
      for (let i = 0; i < hw; i++) {
        a0 = f32x4.add(a0, v128.load(p));
        a1 = f32x4.add(a1, v128.load(p, 16));
        a2 = f32x4.add(a2, v128.load(p, 32));
        a3 = f32x4.add(a3, v128.load(p, 48));
        p += cell;
      }
      const o = out + ((<usize>ch) << 2);
      v128.store(o, f32x4.mul(a0, invv));
      v128.store(o, f32x4.mul(a1, invv), 16);
      v128.store(o, f32x4.mul(a2, invv), 32);
      v128.store(o, f32x4.mul(a3, invv), 48);
    }
    for (; ch + 4 <= c; ch += 4) {
      let p = image + ((<usize>ch) << 2);
      let a = f32x4.splat(0);
      for (let i = 0; i < hw; i++) {
        a = f32x4.add(a, v128.load(p));
        p += cell;
      }
      v128.store(out + ((<usize>ch) << 2), f32x4.mul(a, invv));
    }
    for (; ch < c; ch++) {
      let p = image + ((<usize>ch) << 2);
      let a: f32 = 0;
      for (let i = 0; i < hw; i++) {
        a += load<f32>(p);
        p += cell;
      }
      store<f32>(out + ((<usize>ch) << 2), a * inv);
    }
  }
}

/** dx[b, i, :] = dy[b, :] / hw for every pixel i. */
export function globalAvgPool2dBackward(dy: usize, dx: usize, n: i32, hw: i32, c: i32): void {
  const cell = (<usize>c) << 2;
  const inv: f32 = <f32>1 / <f32>hw;
  const invv = f32x4.splat(inv);
  let p = dx;
  for (let b = 0; b < n; b++) {
    const g = dy + (<usize>b) * cell;
    for (let i = 0; i < hw; i++) {
      let ch = 0;
      for (; ch + 4 <= c; ch += 4) {
        const o = (<usize>ch) << 2;
        v128.store(p + o, f32x4.mul(v128.load(g + o), invv));
      }
      for (; ch < c; ch++) {
        const o = (<usize>ch) << 2;
        store<f32>(p + o, load<f32>(g + o) * inv);
      }
      p += cell;
    }
  }
}
