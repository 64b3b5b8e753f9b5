// softmax over the last axis and the fused softmax cross-entropy, over rows of k contiguous values.
// Every row is shifted by its maximum before exponentiating, so exp never overflows; the cross-entropy
// works with log-sum-exp of the shifted row, so logits of +-1e4 give finite losses and gradients.
import { expNonPositive as expv } from './simd';

// @ts-ignore: decorator
@inline function exps(x: f32): f32 {
  return f32x4.extract_lane(expv(f32x4.splat(x)), 0);
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** The largest of k values at `row` (NaN-propagating: a NaN logit makes its row NaN, as it should). */
function rowMax(row: usize, k: i32): f32 {
  let i = 0;
  let m: f32 = -Infinity;
  if (k >= 4) {
    let mv = v128.load(row);
    for (i = 4; i + 4 <= k; i += 4) mv = f32x4.max(mv, v128.load(row + ((<usize>i) << 2)));
    m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
  }
  for (; i < k; i++) m = max(m, load<f32>(row + ((<usize>i) << 2)));
  return m;
}

/** Writes exp(row - m) to `out` (which may be 0 to only sum) and returns the sum. */
function rowExpSum(row: usize, out: usize, k: i32, m: f32): f32 {
  const mv = f32x4.splat(m);
  let sv = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= k; i += 4) {
    const o = (<usize>i) << 2;
    const e = expv(f32x4.sub(v128.load(row + o), mv));
    if (out) v128.store(out + o, e);
    sv = f32x4.add(sv, e);
  }
  let s = hsum(sv);
  for (; i < k; i++) {
    const o = (<usize>i) << 2;
    const e = exps(load<f32>(row + o) - m);
    if (out) store<f32>(out + o, e);
    s += e;
  }
  return s;
}

/** row *= s, in place. */
function rowScale(row: usize, k: i32, s: f32): void {
  const sv = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= k; i += 4) {
    const o = row + ((<usize>i) << 2);
    v128.store(o, f32x4.mul(v128.load(o), sv));
  }
  for (; i < k; i++) {
    const o = row + ((<usize>i) << 2);
    store<f32>(o, load<f32>(o) * s);
  }
}

// ---------------------------------------------------------------------------------------------------
// softmax

/** y = exp(x - max) / sum(exp(x - max)) for each of `rows` rows of k values. */
export function softmaxForward(x: usize, y: usize, rows: i32, k: i32): void {
  const stride = (<usize>k) << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>r) * stride;
    const yr = y + (<usize>r) * stride;
    const s = rowExpSum(xr, yr, k, rowMax(xr, k));
    rowScale(yr, k, <f32>1 / s);
  }
}

/** dx = y * (dy - sum(dy * y)) per row: the softmax Jacobian applied to dy. */
export function softmaxBackward(y: usize, dy: usize, dx: usize, rows: i32, k: i32): void {
  const stride = (<usize>k) << 2;
  for (let r = 0; r < rows; r++) {
    const base = (<usize>r) * stride;
    let dv = f32x4.splat(0);
    let i = 0;
    for (; i + 4 <= k; i += 4) {
      const o = base + ((<usize>i) << 2);
      dv = f32x4.add(dv, f32x4.mul(v128.load(y + o), v128.load(dy + o)));
    }
    let dot = hsum(dv);
    for (; i < k; i++) {
      const o = base + ((<usize>i) << 2);
      dot += load<f32>(y + o) * load<f32>(dy + o);
    }
    const dotv = f32x4.splat(dot);
    for (i = 0; i + 4 <= k; i += 4) {
      const o = base + ((<usize>i) << 2);
      v128.store(dx + o, f32x4.mul(v128.load(y + o), f32x4.sub(v128.load(dy + o), dotv)));
    }
    for (; i < k; i++) {
      const o = base + ((<usize>i) << 2);
      store<f32>(dx + o, load<f32>(y + o) * (load<f32>(dy + o) - dot));
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// softmax cross-entropy. Per row, with m the row maximum and s = sum(exp(z - m)):
//   -log softmax(z)_j = log(s) - (z_j - m)
// which stays accurate for large logits because z_j - m is exact when z_j is near m. The loss is the
// mean over the n rows' losses, accumulated in f64 in row order.

/**
 * losses[r] = -log softmax(logits[r])[labels[r]] for each of n rows; labels are int32 in [0, k). Rows are
 * independent, so threads take ranges of them; meanOfRows adds the losses in row order.
 */
export function softmaxCrossEntropySparseRows(logits: usize, labels: usize, losses: usize, n: i32, k: i32): void {
  const stride = (<usize>k) << 2;
  for (let r = 0; r < n; r++) {
    const zr = logits + (<usize>r) * stride;
    const m = rowMax(zr, k);
    const s = rowExpSum(zr, 0, k, m);
    const label = load<i32>(labels + ((<usize>r) << 2));
    store<f32>(losses + ((<usize>r) << 2), Mathf.log(s) - (load<f32>(zr + ((<usize>label) << 2)) - m));
  }
}

/** loss[0] = the mean of n per-row losses, summed in float64 in row order (the same for any threads). */
export function meanOfRows(losses: usize, loss: usize, n: i32): void {
  let total: f64 = 0;
  for (let r = 0; r < n; r++) total += <f64>load<f32>(losses + ((<usize>r) << 2));
  store<f32>(loss, <f32>(total / <f64>n));
}

/** dz = (softmax(z) - onehot(label)) * scale per row; scale is dy / n. */
export function softmaxCrossEntropySparseBackward(logits: usize, labels: usize, dz: usize, n: i32, k: i32, scale: f32): void {
  const stride = (<usize>k) << 2;
  for (let r = 0; r < n; r++) {
    const zr = logits + (<usize>r) * stride;
    const dr = dz + (<usize>r) * stride;
    const s = rowExpSum(zr, dr, k, rowMax(zr, k));
    rowScale(dr, k, scale / s);
    const at = dr + ((<usize>load<i32>(labels + ((<usize>r) << 2))) << 2);
    store<f32>(at, load<f32>(at) - scale);
  }
}

/**
 * losses[r] = sum_j t_j * (-log softmax(z)_j) for float (one-hot or soft) labels t, per row (the mean is
 * meanOfRows). With labels that do not sum to 1 this is still exactly that sum (no renormalisation).
 */
export function softmaxCrossEntropyDenseRows(logits: usize, labels: usize, losses: usize, n: i32, k: i32): void {
  const stride = (<usize>k) << 2;
  for (let r = 0; r < n; r++) {
    const zr = logits + (<usize>r) * stride;
    const tr = labels + (<usize>r) * stride;
    const m = rowMax(zr, k);
    const lse = Mathf.log(rowExpSum(zr, 0, k, m));
    // sum_j t_j * (lse - (z_j - m))
    const mv = f32x4.splat(m);
    const lv = f32x4.splat(lse);
    let av = f32x4.splat(0);
    let i = 0;
    for (; i + 4 <= k; i += 4) {
      const o = (<usize>i) << 2;
      av = f32x4.add(av, f32x4.mul(v128.load(tr + o), f32x4.sub(lv, f32x4.sub(v128.load(zr + o), mv))));
    }
    let a = hsum(av);
    for (; i < k; i++) {
      const o = (<usize>i) << 2;
      a += load<f32>(tr + o) * (lse - (load<f32>(zr + o) - m));
    }
    store<f32>(losses + ((<usize>r) << 2), a);
  }
}

/**
 * dz = (softmax(z) * sum(t) - t) * scale per row (softmax - t for labels summing to 1); scale is dy / n.
 * If dt is not 0 it also receives the labels' gradient, -log softmax(z) * scale.
 */
export function softmaxCrossEntropyDenseBackward(logits: usize, labels: usize, dz: usize, dt: usize, n: i32, k: i32, scale: f32): void {
  const stride = (<usize>k) << 2;
  const scalev = f32x4.splat(scale);
  for (let r = 0; r < n; r++) {
    const base = (<usize>r) * stride;
    const zr = logits + base;
    const tr = labels + base;
    const dr = dz + base;
    const m = rowMax(zr, k);
    const s = rowExpSum(zr, dr, k, m);
    let tv = f32x4.splat(0);
    let i = 0;
    for (; i + 4 <= k; i += 4) tv = f32x4.add(tv, v128.load(tr + ((<usize>i) << 2)));
    let tsum = hsum(tv);
    for (; i < k; i++) tsum += load<f32>(tr + ((<usize>i) << 2));
    const pscale = f32x4.splat(tsum / s);
    for (i = 0; i + 4 <= k; i += 4) {
      const o = (<usize>i) << 2;
      v128.store(dr + o, f32x4.mul(f32x4.sub(f32x4.mul(v128.load(dr + o), pscale), v128.load(tr + o)), scalev));
    }
    for (; i < k; i++) {
      const o = (<usize>i) << 2;
      store<f32>(dr + o, (load<f32>(dr + o) * (tsum / s) - load<f32>(tr + o)) * scale);
    }
    if (dt) {
      const lse = Mathf.log(s);
      const mv = f32x4.splat(m);
      const lv = f32x4.splat(lse);
      const dtr = dt + base;
      for (i = 0; i + 4 <= k; i += 4) {
        const o = (<usize>i) << 2;
        v128.store(dtr + o, f32x4.mul(f32x4.sub(lv, f32x4.sub(v128.load(zr + o), mv)), scalev));
      }
      for (; i < k; i++) {
        const o = (<usize>i) << 2;
        store<f32>(dtr + o, (lse - (load<f32>(zr + o) - m)) * scale);
      }
    }
  }
}
