// Kernels for add, sub and mul (facade: src/ops/elementwise.ts), forward and backward.
//
// Two shapes of operands:
//  - "arrays": a and b have the same size;
//  - "broadcast": b is a vector of `cols` values repeated along every row of a ([rows, cols]), which also
//    covers a size-1 b (cols = 1).
// Walking short rows one by one spends more time on loop overhead and scalar tails than on arithmetic
// (a bias of 3, 6 or 8 channels), so a vector shorter than PATTERN_MAX_COLS is first replicated into a
// "pattern" of lcm(cols, 4) values in scratch memory, which lines up with a's flat data in whole v128s;
// the flat data is then walked 4 at a time while the pattern index cycles. Long rows are walked row by row.
// (Measurements: bench/NOTES.md#elementwise-pattern.)
//
// Gradient sums over rows (the gradient of a broadcast b) accumulate in float32 SIMD over blocks of
// BLOCK_ROWS rows, and each block's partial sum is added into float64 running totals. A plain float32
// running sum drifts once the total dwarfs each term (a bias over 32x28x28 pixels sums 25088 rows):
// simulated on 300000 equal terms, it is off by 7e-4 relative, float32 blocks with float32 totals by
// 2e-5, and this scheme by 2e-7 whatever the number of rows. The float64 work is once per block.

const OP_ADD = 0;
const OP_SUB = 1;
const OP_MUL = 2;

/** Rows shorter than this are handled through a replicated pattern (at most 4 * 255 floats). */
const PATTERN_MAX_COLS = 256;
const BLOCK_ROWS = 64;

// @ts-ignore: decorator
@inline function opV(op: i32, a: v128, b: v128): v128 {
  if (op == OP_ADD) return f32x4.add(a, b);
  if (op == OP_SUB) return f32x4.sub(a, b);
  return f32x4.mul(a, b);
}

// @ts-ignore: decorator
@inline function opS(op: i32, a: f32, b: f32): f32 {
  if (op == OP_ADD) return a + b;
  if (op == OP_SUB) return a - b;
  return a * b;
}

// @ts-ignore: decorator
@inline function usesPattern(cols: i32): bool {
  return cols < PATTERN_MAX_COLS;
}

/** The smallest multiple of cols that is also a multiple of 4. */
// @ts-ignore: decorator
@inline function patternLength(cols: i32): i32 {
  if ((cols & 3) == 0) return cols;
  if ((cols & 1) == 0) return cols << 1;
  return cols << 2;
}

/** Bytes of scratch the broadcast kernels need for a vector of `cols` values (forward and gradient). */
export function broadcastScratchBytes(cols: i32): i32 {
  const len = usesPattern(cols) ? patternLength(cols) : cols;
  return len * 12 + 32; // float32 partials and float64 totals, each 16-byte aligned
}

// ---- forward ----

// @ts-ignore: decorator
@inline function binaryArrays(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = (<usize>i) << 2;
    v128.store(out + o, opV(op, v128.load(a + o), v128.load(b + o)));
    v128.store(out + o + 16, opV(op, v128.load(a + o + 16), v128.load(b + o + 16)));
  }
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(out + o, opV(op, v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, opS(op, load<f32>(a + o), load<f32>(b + o)));
  }
}

// @ts-ignore: decorator
@inline function binaryBroadcast(op: i32, a: usize, b: usize, out: usize, rows: i32, cols: i32, scratch: usize): void {
  const n = rows * cols;
  if (n == 0) return;
  if (usesPattern(cols)) {
    const len = patternLength(cols);
    for (let k = 0; k < len; k++) store<f32>(scratch + ((<usize>k) << 2), load<f32>(b + ((<usize>(k % cols)) << 2)));
    let k = 0;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const o = (<usize>i) << 2;
      v128.store(out + o, opV(op, v128.load(a + o), v128.load(scratch + ((<usize>k) << 2))));
      k += 4;
      if (k == len) k = 0;
    }
    for (; i < n; i++, k++) {
      const o = (<usize>i) << 2;
      store<f32>(out + o, opS(op, load<f32>(a + o), load<f32>(scratch + ((<usize>k) << 2))));
    }
    return;
  }
  const rowBytes = (<usize>cols) << 2;
  for (let r = 0; r < rows; r++) {
    const ar = a + <usize>r * rowBytes;
    const outr = out + <usize>r * rowBytes;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = (<usize>j) << 2;
      v128.store(outr + o, opV(op, v128.load(ar + o), v128.load(b + o)));
    }
    for (; j < cols; j++) {
      const o = (<usize>j) << 2;
      store<f32>(outr + o, opS(op, load<f32>(ar + o), load<f32>(b + o)));
    }
  }
}

/** out = a + b (same size n). */
export function addArrays(a: usize, b: usize, out: usize, n: i32): void {
  binaryArrays(OP_ADD, a, b, out, n);
}
/** out = a - b (same size n). */
export function subArrays(a: usize, b: usize, out: usize, n: i32): void {
  binaryArrays(OP_SUB, a, b, out, n);
}
/** out = a * b (same size n). */
export function mulArrays(a: usize, b: usize, out: usize, n: i32): void {
  binaryArrays(OP_MUL, a, b, out, n);
}

/** out[r, j] = a[r, j] + b[j]; scratch: broadcastScratchBytes(cols) bytes. */
export function addBroadcast(a: usize, b: usize, out: usize, rows: i32, cols: i32, scratch: usize): void {
  binaryBroadcast(OP_ADD, a, b, out, rows, cols, scratch);
}
/** out[r, j] = a[r, j] - b[j]. */
export function subBroadcast(a: usize, b: usize, out: usize, rows: i32, cols: i32, scratch: usize): void {
  binaryBroadcast(OP_SUB, a, b, out, rows, cols, scratch);
}
/** out[r, j] = a[r, j] * b[j]. */
export function mulBroadcast(a: usize, b: usize, out: usize, rows: i32, cols: i32, scratch: usize): void {
  binaryBroadcast(OP_MUL, a, b, out, rows, cols, scratch);
}

/** out = s * x (the gradient of sub's b is -dy). */
export function scaleArray(x: usize, out: usize, n: i32, s: f32): void {
  const sv = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(out + o, f32x4.mul(v128.load(x + o), sv));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, load<f32>(x + o) * s);
  }
}

// ---- gradient of a broadcast b: sums over rows ----

// @ts-ignore: decorator
@inline function termV(product: bool, x: usize, y: usize, o: usize): v128 {
  if (product) return f32x4.mul(v128.load(x + o), v128.load(y + o));
  return v128.load(x + o);
}

// @ts-ignore: decorator
@inline function termS(product: bool, x: usize, y: usize, o: usize): f32 {
  if (product) return load<f32>(x + o) * load<f32>(y + o);
  return load<f32>(x + o);
}

/** total[q..q+3] (float64) += partial[q..q+3] (float32). */
// @ts-ignore: decorator
@inline function addPartial4(total: usize, partial: usize, q: i32): void {
  const pv = v128.load(partial + ((<usize>q) << 2));
  const t = total + ((<usize>q) << 3);
  v128.store(t, f64x2.add(v128.load(t), f64x2.promote_low_f32x4(pv)));
  v128.store(t + 16, f64x2.add(v128.load(t + 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(pv, pv, 2, 3, 0, 1))));
}

/** The floats a block's partial sums hold: the pattern's length, or one row. */
// @ts-ignore: decorator
@inline function partialLength(cols: i32): i32 {
  return usesPattern(cols) ? patternLength(cols) : cols;
}

/** Floats in one block's partial sums (broadcastGradPartials writes this many per block). */
export function broadcastPartialFloats(cols: i32): i32 {
  return partialLength(cols);
}

/** Blocks of BLOCK_ROWS rows (the units the float32 partial sums cover). */
export function broadcastGradBlocks(rows: i32): i32 {
  return (rows + BLOCK_ROWS - 1) / BLOCK_ROWS;
}

/** partial[0..len) = the float32 sums of term over block b's rows (pattern-wise for short rows). */
// @ts-ignore: decorator
@inline function blockPartial(product: bool, x: usize, y: usize, partial: usize, rows: i32, cols: i32, b: i32): void {
  const len = partialLength(cols);
  memory.fill(partial, 0, (<usize>len) << 2);
  if (usesPattern(cols)) {
    // BLOCK_ROWS·cols is a multiple of len, so every block starts at pattern index 0.
    const n = rows * cols;
    let i = b * BLOCK_ROWS * cols;
    const end = min(n, i + BLOCK_ROWS * cols);
    let k = 0;
    for (; i + 4 <= end; i += 4) {
      const p = partial + ((<usize>k) << 2);
      v128.store(p, f32x4.add(v128.load(p), termV(product, x, y, (<usize>i) << 2)));
      k += 4;
      if (k == len) k = 0;
    }
    for (; i < end; i++, k++) {
      const p = partial + ((<usize>k) << 2);
      store<f32>(p, load<f32>(p) + termS(product, x, y, (<usize>i) << 2));
    }
    return;
  }
  const rowBytes = (<usize>cols) << 2;
  const r0 = b * BLOCK_ROWS;
  const r1 = min(rows, r0 + BLOCK_ROWS);
  for (let r = r0; r < r1; r++) {
    const base = <usize>r * rowBytes;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = (<usize>j) << 2;
      v128.store(partial + o, f32x4.add(v128.load(partial + o), termV(product, x, y, base + o)));
    }
    for (; j < cols; j++) {
      const o = (<usize>j) << 2;
      store<f32>(partial + o, load<f32>(partial + o) + termS(product, x, y, base + o));
    }
  }
}

/** total[0..len) (float64) += partial[0..len) (float32). */
// @ts-ignore: decorator
@inline function addBlock(total: usize, partial: usize, len: i32): void {
  let j = 0;
  for (; j + 4 <= len; j += 4) addPartial4(total, partial, j);
  for (; j < len; j++) {
    const t = total + ((<usize>j) << 3);
    store<f64>(t, load<f64>(t) + <f64>load<f32>(partial + ((<usize>j) << 2)));
  }
}

/** out[j] = scale * the sum of the pattern's len / cols float64 totals of column j. */
// @ts-ignore: decorator
@inline function foldTotals(total: usize, out: usize, cols: i32, scale: f32): void {
  const len = partialLength(cols);
  for (let j = 0; j < cols; j++) {
    let s: f64 = 0;
    for (let q = j; q < len; q += cols) s += load<f64>(total + ((<usize>q) << 3));
    store<f32>(out + ((<usize>j) << 2), <f32>(s * <f64>scale));
  }
}

// out[j] = scale * Σ_r term(r, j), where term is x[r, j] or x[r, j] * y[r, j]: each block's float32
// partial added into float64 totals in block order.
// @ts-ignore: decorator
@inline function sumRows(product: bool, x: usize, y: usize, out: usize, rows: i32, cols: i32, scale: f32, scratch: usize): void {
  if (cols == 0) return;
  const len = partialLength(cols);
  // 16-byte alignment of both buffers keeps the v128 accesses below aligned.
  const partial = (scratch + 15) & ~(<usize>15);
  const total = (partial + ((<usize>len) << 2) + 15) & ~(<usize>15);
  memory.fill(total, 0, (<usize>len) << 3);
  const blocks = broadcastGradBlocks(rows);
  for (let b = 0; b < blocks; b++) {
    blockPartial(product, x, y, partial, rows, cols, b);
    addBlock(total, partial, len);
  }
  foldTotals(total, out, cols, scale);
}

/**
 * With threads: the partial sums of blocks [from, to) of the rows, block b's at partials + b·len·4 (len =
 * the pattern's or a row's length; partials holds broadcastGradBlocks(rows)·len floats). y is 0 for
 * sumBroadcastGrad's terms, a's data for mulSumBroadcastGrad's. foldBroadcastBlocks then adds them in
 * block order: the same bits as the one-call kernels.
 */
export function broadcastGradPartials(x: usize, y: usize, rows: i32, cols: i32, from: i32, to: i32, partials: usize): void {
  if (cols == 0) return;
  const len = partialLength(cols);
  for (let b = from; b < to; b++) {
    const at = partials + (<usize>b) * ((<usize>len) << 2);
    if (y) blockPartial(true, x, y, at, rows, cols, b);
    else blockPartial(false, x, 0, at, rows, cols, b);
  }
}

/** out[j] = scale * Σ over the blocks' partials, added in block order. scratch: broadcastScratchBytes(cols). */
export function foldBroadcastBlocks(partials: usize, blocks: i32, out: usize, cols: i32, scale: f32, scratch: usize): void {
  if (cols == 0) return;
  const len = partialLength(cols);
  const total = (scratch + 15) & ~(<usize>15);
  memory.fill(total, 0, (<usize>len) << 3);
  for (let b = 0; b < blocks; b++) addBlock(total, partials + (<usize>b) * ((<usize>len) << 2), len);
  foldTotals(total, out, cols, scale);
}

/** out[j] = scale * Σ_r x[r, j]: the gradient of a broadcast b under add (scale 1) and sub (scale -1). */
export function sumBroadcastGrad(x: usize, out: usize, rows: i32, cols: i32, scale: f32, scratch: usize): void {
  sumRows(false, x, 0, out, rows, cols, scale, scratch);
}

/** out[j] = Σ_r x[r, j] * y[r, j]: the gradient of a broadcast b under mul (x = dy, y = a). */
export function mulSumBroadcastGrad(x: usize, y: usize, out: usize, rows: i32, cols: i32, scratch: usize): void {
  sumRows(true, x, y, out, rows, cols, 1, scratch);
}
