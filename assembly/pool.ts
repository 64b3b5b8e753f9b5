// Pooling kernels over NHWC images. Channels are contiguous in NHWC, so every kernel vectorises over
// channels: f32x4 lanes are 4 neighbouring channels of one pixel, in blocks of 16 channels (4 registers)
// while they last, then 4, then a tail (see "Channel tails"). Windows are clipped to the input (padding
// cells are never read): max pooling ignores them (padding with -Infinity) and average pooling divides by
// the number of cells inside the input, or, with countPad, also counts the padded cells (PyTorch's
// default). Full 2x2 windows, by far the most common, take a straight-line path: with few channels the
// loop bookkeeping of the general path costs more than the loads and maxima themselves.
//
// Geometry arguments shared by the windowed kernels: the input is [n,h,w,c], the output [n,oh,ow,c], the
// window ph x pw, the strides sh, sw, and padTop/padLeft the padding before the first row/column.

// ---------------------------------------------------------------------------------------------------
// Channel tails. Forward kernels compute each output channel from that channel alone, so when c is not
// a multiple of 4 (but at least 4) the last channels are done as one more vector over channels c-4..c-1,
// overlapping channels already written with the very same values: LeNet's 6-channel maps then cost two
// vector passes instead of one vector and two scalar (and branchy) ones. Below 4 channels, scalar code.
// Backward kernels accumulate, so they cannot overlap and keep scalar tails.

// @ts-ignore: decorator
@inline function tailStart(c: i32, ch: i32): i32 {
  return ch < c && c >= 4 ? c - 4 : ch;
}

// ---------------------------------------------------------------------------------------------------
// max pooling forward (inference): no index bookkeeping. pmax(acc, v) is `acc < v ? v : acc`, a single
// instruction on x86 and ARM (f32x4.max is several, for its NaN and -0 rules).

/** Max over the window of the 4 channels at `base` (the window's first cell), which starts the maximum. */
// @ts-ignore: decorator
@inline function maxWindow4(base: usize, rows: i32, cols: i32, row: usize, cell: usize): v128 {
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
  return a;
}

/** Max of a full 2x2 window of the 4 channels at `base`. */
// @ts-ignore: decorator
@inline function max2x2(base: usize, row: usize, cell: usize): v128 {
  const below = base + row;
  return f32x4.pmax(f32x4.pmax(v128.load(base), v128.load(base + cell)), f32x4.pmax(v128.load(below), v128.load(below + cell)));
}

/** One channel; `select` rather than a branch, which random data would mispredict half the time. */
// @ts-ignore: decorator
@inline function maxWindow1(base: usize, rows: i32, cols: i32, row: usize, cell: usize): f32 {
  let a = load<f32>(base);
  for (let r = 0; r < rows; r++) {
    let p = base + (<usize>r) * row;
    for (let k = 0; k < cols; k++) {
      const v = load<f32>(p);
      a = select<f32>(v, a, a < v);
      p += cell;
    }
  }
  return a;
}

/** y = max over each window (cells inside the input). */
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
        if (rows == 2 && cols == 2 && c >= 4) {
          for (; ch + 4 <= c; ch += 4) {
            v128.store(out + ((<usize>ch) << 2), max2x2(first + ((<usize>ch) << 2), row, cell));
          }
          for (ch = tailStart(c, ch); ch + 4 <= c; ch += 4) {
            v128.store(out + ((<usize>ch) << 2), max2x2(first + ((<usize>ch) << 2), row, cell));
          }
          out += cell;
          continue;
        }
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
          v128.store(out + ((<usize>ch) << 2), maxWindow4(first + ((<usize>ch) << 2), rows, cols, row, cell));
        }
        for (ch = tailStart(c, ch); ch + 4 <= c; ch += 4) {
          v128.store(out + ((<usize>ch) << 2), maxWindow4(first + ((<usize>ch) << 2), rows, cols, row, cell));
        }
        for (; ch < c; ch++) {
          store<f32>(out + ((<usize>ch) << 2), maxWindow1(first + ((<usize>ch) << 2), rows, cols, row, cell));
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
// anyway, and tracking the index there costs a compare and two integer ops per loaded vector (about 1.5x
// the inference forward: bench/NOTES.md#pool-argmax), while recomputing would read every input window a second time in
// the backward, which then costs that same tracking work on top of the forward's plain pass. With saved
// indices the backward only zero-fills dx and scatters one value per OUTPUT element (a quarter of the
// input for 2x2 pooling). The price is one int32 per output element, alive until the tape is done.

/**
 * `mask ? at : index` per lane, in two cheap instructions instead of a bitselect: cells are visited in
 * increasing flat index, so `at` is larger than any index recorded before it, and max(index, at & mask)
 * picks `at` exactly where the mask is set (all indices are >= 0).
 */
// @ts-ignore: decorator
@inline function later(index: v128, at: v128, mask: v128): v128 {
  return i32x4.max_s(index, v128.and(at, mask));
}

/**
 * Max and first argmax over the window of the 4 channels at `base`, stored at y + o and argmax + o.
 * `firstIndex` is the flat index of the window's first cell at channel 0; `ch` the first channel.
 */
// @ts-ignore: decorator
@inline function argmaxWindow4(
  base: usize, yAt: usize, argmaxAt: usize, rows: i32, cols: i32, row: usize, cell: usize,
  firstIndex: i32, rowStep: i32, c: i32, ch: i32,
): void {
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
      i = later(i, i32x4.splat(index), m);
      p += cell;
      index += c;
    }
  }
  v128.store(yAt, a);
  v128.store(argmaxAt, i32x4.add(i, i32x4.add(i32x4(0, 1, 2, 3), i32x4.splat(ch))));
}

/** argmaxWindow4 for a full 2x2 window, straight-line. */
// @ts-ignore: decorator
@inline function argmax2x2(base: usize, yAt: usize, argmaxAt: usize, row: usize, cell: usize, firstIndex: i32, rowStep: i32, c: i32, ch: i32): void {
  let a = v128.load(base);
  let i = i32x4.splat(firstIndex);
  let v = v128.load(base + cell);
  let m = f32x4.lt(a, v);
  a = f32x4.pmax(a, v);
  i = later(i, i32x4.splat(firstIndex + c), m);
  v = v128.load(base + row);
  m = f32x4.lt(a, v);
  a = f32x4.pmax(a, v);
  i = later(i, i32x4.splat(firstIndex + rowStep), m);
  v = v128.load(base + row + cell);
  m = f32x4.lt(a, v);
  a = f32x4.pmax(a, v);
  i = later(i, i32x4.splat(firstIndex + rowStep + c), m);
  v128.store(yAt, a);
  v128.store(argmaxAt, i32x4.add(i, i32x4.add(i32x4(0, 1, 2, 3), i32x4.splat(ch))));
}

export function maxPool2dForwardArgmax(
  x: usize, y: usize, argmax: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  ph: i32, pw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32,
): void {
  const cell = (<usize>c) << 2;
  const row = (<usize>w) * cell;
  const rowStep = w * c; // flat-index distance between vertically adjacent pixels
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
        // Flat index of the window's first cell at channel 0; a cell's is this + r*w*c + k*c.
        const firstIndex = (imagePixel + y0 * w + x0) * c;
        let ch = 0;
        if (rows == 2 && cols == 2 && c >= 4) {
          for (; ch + 4 <= c; ch += 4) {
            const o = (<usize>ch) << 2;
            argmax2x2(first + o, y + out + o, argmax + out + o, row, cell, firstIndex, rowStep, c, ch);
          }
          for (ch = tailStart(c, ch); ch + 4 <= c; ch += 4) {
            const o = (<usize>ch) << 2;
            argmax2x2(first + o, y + out + o, argmax + out + o, row, cell, firstIndex, rowStep, c, ch);
          }
          out += cell;
          continue;
        }
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
              // Strictly greater: a later equal value does not replace the first maximum. One vector
              // at a time keeps few registers live (V8 has 16 on x64).
              let v = v128.load(p);
              let m = f32x4.lt(a0, v);
              a0 = f32x4.pmax(a0, v);
              i0 = later(i0, at, m);
              v = v128.load(p, 16);
              m = f32x4.lt(a1, v);
              a1 = f32x4.pmax(a1, v);
              i1 = later(i1, at, m);
              v = v128.load(p, 32);
              m = f32x4.lt(a2, v);
              a2 = f32x4.pmax(a2, v);
              i2 = later(i2, at, m);
              v = v128.load(p, 48);
              m = f32x4.lt(a3, v);
              a3 = f32x4.pmax(a3, v);
              i3 = later(i3, at, m);
              p += cell;
              index += c;
            }
          }
          const o = out + ((<usize>ch) << 2);
          v128.store(y + o, a0);
          v128.store(y + o, a1, 16);
          v128.store(y + o, a2, 32);
          v128.store(y + o, a3, 48);
          const chv = i32x4.add(i32x4(0, 1, 2, 3), i32x4.splat(ch));
          v128.store(argmax + o, i32x4.add(i0, chv));
          v128.store(argmax + o, i32x4.add(i1, i32x4.add(chv, i32x4.splat(4))), 16);
          v128.store(argmax + o, i32x4.add(i2, i32x4.add(chv, i32x4.splat(8))), 32);
          v128.store(argmax + o, i32x4.add(i3, i32x4.add(chv, i32x4.splat(12))), 48);
        }
        for (; ch + 4 <= c; ch += 4) {
          const o = out + ((<usize>ch) << 2);
          argmaxWindow4(first + ((<usize>ch) << 2), y + o, argmax + o, rows, cols, row, cell, firstIndex, rowStep, c, ch);
        }
        for (ch = tailStart(c, ch); ch + 4 <= c; ch += 4) {
          const o = out + ((<usize>ch) << 2);
          argmaxWindow4(first + ((<usize>ch) << 2), y + o, argmax + o, rows, cols, row, cell, firstIndex, rowStep, c, ch);
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
              const greater = a < v;
              a = select<f32>(v, a, greater);
              best = select<i32>(index, best, greater);
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
 * Tried for non-overlapping windows: one write pass over dx (dy where argmax names the cell, else 0)
 * instead of fill + scatter; slower on every LeNet/Keras shape (bench/NOTES.md#pool-argmax): memory.fill
 * is a fast bulk store and the scatter touches only a quarter of dx, while the write pass pays a compare
 * per cell and loop overhead for few channels.
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

/** Sum over the window of the 4 channels at `base`. */
// @ts-ignore: decorator
@inline function sumWindow4(base: usize, rows: i32, cols: i32, row: usize, cell: usize): v128 {
  let a = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    let p = base + (<usize>r) * row;
    for (let k = 0; k < cols; k++) {
      a = f32x4.add(a, v128.load(p));
      p += cell;
    }
  }
  return a;
}

// @ts-ignore: decorator
@inline function sumWindow1(base: usize, rows: i32, cols: i32, row: usize, cell: usize): f32 {
  let a: f32 = 0;
  for (let r = 0; r < rows; r++) {
    let p = base + (<usize>r) * row;
    for (let k = 0; k < cols; k++) {
      a += load<f32>(p);
      p += cell;
    }
  }
  return a;
}

/**
 * y = sum over the window's cells inside the input / their number, or with countPad / the number of the
 * window's cells inside the input and its padding (PyTorch's count_include_pad; padBottom/padRight end the
 * padding, which a ceil-mode window may reach past).
 */
export function avgPool2dForward(
  x: usize, y: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  ph: i32, pw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32,
  padBottom: i32, padRight: i32, countPad: i32,
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
      const divRows = min(top + ph, h + padBottom) - top; // rows of the window inside input and padding
      for (let ox = 0; ox < ow; ox++) {
        const left = ox * sw - padLeft;
        const x0 = max(left, 0);
        const cols = min(left + pw, w) - x0;
        const first = image + (<usize>y0) * row + (<usize>x0) * cell;
        const inv: f32 = <f32>1 / <f32>(countPad ? divRows * (min(left + pw, w + padRight) - left) : rows * cols);
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
          v128.store(out + ((<usize>ch) << 2), f32x4.mul(sumWindow4(first + ((<usize>ch) << 2), rows, cols, row, cell), invv));
        }
        for (ch = tailStart(c, ch); ch + 4 <= c; ch += 4) {
          v128.store(out + ((<usize>ch) << 2), f32x4.mul(sumWindow4(first + ((<usize>ch) << 2), rows, cols, row, cell), invv));
        }
        for (; ch < c; ch++) {
          store<f32>(out + ((<usize>ch) << 2), sumWindow1(first + ((<usize>ch) << 2), rows, cols, row, cell) * inv);
        }
        out += cell;
      }
    }
  }
}

/** dx = 0, then every cell of each window (inside the input) gets dy / (the forward's divisor). */
export function avgPool2dBackward(
  dy: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  ph: i32, pw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32,
  padBottom: i32, padRight: i32, countPad: i32,
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
      const divRows = min(top + ph, h + padBottom) - top; // rows of the window inside input and padding
      for (let ox = 0; ox < ow; ox++) {
        const left = ox * sw - padLeft;
        const x0 = max(left, 0);
        const cols = min(left + pw, w) - x0;
        const first = image + (<usize>y0) * row + (<usize>x0) * cell;
        const inv: f32 = <f32>1 / <f32>(countPad ? divRows * (min(left + pw, w + padRight) - left) : rows * cols);
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

/**
 * y[b, ch] = the mean over the hw pixels of x[b, :, ch], for the channels [from, to) (threads take images
 * or channel ranges; a channel's sum is the same float32 additions on any path).
 */
export function globalAvgPool2dForward(x: usize, y: usize, n: i32, hw: i32, c: i32, from: i32, to: i32): void {
  const cell = (<usize>c) << 2;
  const inv: f32 = <f32>1 / <f32>hw;
  const invv = f32x4.splat(inv);
  for (let b = 0; b < n; b++) {
    const image = x + (<usize>b) * (<usize>hw) * cell;
    const out = y + (<usize>b) * cell;
    let ch = from;
    for (; ch + 16 <= to; ch += 16) {
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
    for (; ch + 4 <= to; ch += 4) {
      let p = image + ((<usize>ch) << 2);
      let a = f32x4.splat(0);
      for (let i = 0; i < hw; i++) {
        a = f32x4.add(a, v128.load(p));
        p += cell;
      }
      v128.store(out + ((<usize>ch) << 2), f32x4.mul(a, invv));
    }
    if (ch < to && to - from >= 4) {
      // The last channels as one more vector over to-4..to-1, rewriting some with the same values.
      ch = to - 4;
      let p = image + ((<usize>ch) << 2);
      let a = f32x4.splat(0);
      for (let i = 0; i < hw; i++) {
        a = f32x4.add(a, v128.load(p));
        p += cell;
      }
      v128.store(out + ((<usize>ch) << 2), f32x4.mul(a, invv));
      ch = to;
    }
    for (; ch < to; ch++) {
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

/**
 * dx[b, i, :] = dy[b, :] / hw for the pixels i in [from, to) of each of n images (dx points at pixel
 * `from` of the first image; threads take ranges of pixels).
 */
export function globalAvgPool2dBackward(dy: usize, dx: usize, n: i32, hw: i32, c: i32, from: i32, to: i32): void {
  const cell = (<usize>c) << 2;
  const inv: f32 = <f32>1 / <f32>hw;
  const invv = f32x4.splat(inv);
  for (let b = 0; b < n; b++) {
    const g = dy + (<usize>b) * cell;
    let p = dx + (<usize>b) * (<usize>hw) * cell;
    for (let i = from; i < to; i++) {
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
