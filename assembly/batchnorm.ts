// Batch normalisation and moments. Every kernel sees its tensor as [outer, len, inner] and works per
// (outer, inner) "channel" over the len axis: batch norm over NHWC is outer = 1, len = n*h*w, inner = c;
// moments over a trailing run of axes is inner = 1 (contiguous runs).
//
// Statistics are one pass with a shift: each channel's first value s is subtracted before summing, so
// var = E[(x-s)^2] - E[x-s]^2 does not cancel catastrophically unless s is far out in the distribution.
// Sums run in float32 vectors over chunks of CHUNK rows (the chunk stays in cache while every channel
// block reads it) and the chunk totals are added in float64, so the rounding error does not grow with
// the batch. `ws` is caller-provided workspace; kernels allocate nothing.
//
// Per-channel coefficients are applied centred, y = (x - centre)·a + b, rather than x·a + (b - centre·a),
// so the output keeps its precision when a channel's mean is large compared with its spread.

const CHUNK = 64;

// @ts-ignore: decorator
@inline function f64At(p: usize, i: i32): usize {
  return p + ((<usize>i) << 3);
}

// @ts-ignore: decorator
@inline function f32At(p: usize, i: i32): usize {
  return p + ((<usize>i) << 2);
}

/** Adds the four lanes of v to the float64s at p. */
// @ts-ignore: decorator
@inline function addLanes(p: usize, v: v128): void {
  store<f64>(p, load<f64>(p) + <f64>f32x4.extract_lane(v, 0));
  store<f64>(p, load<f64>(p, 8) + <f64>f32x4.extract_lane(v, 1), 8);
  store<f64>(p, load<f64>(p, 16) + <f64>f32x4.extract_lane(v, 2), 16);
  store<f64>(p, load<f64>(p, 24) + <f64>f32x4.extract_lane(v, 3), 24);
}

/**
 * For one outer index and the channels i in [from, to): s1[i] = Σ_l (a[l,i] - sa[i]), s2[i] = Σ_l
 * (a[l,i] - sa[i]) · (b[l,i] - sb[i]) where the shifts sa, sb are rows (or vectors of inner floats). With
 * b == a and sb == sa this is the shifted sum and sum of squares of moments; with a = dy (shift 0) and
 * b = x (shift the mean) the gradient sums Σdy and Σdy·(x - mean). s1, s2 are float64 [inner]. A channel's
 * sums do not depend on the range (every path does the same float32 operations per lane), so threads take
 * channel ranges.
 */
function channelSums(
  a: usize, sa: usize, b: usize, sb: usize, len: i32, inner: i32, from: i32, to: i32, s1: usize, s2: usize,
): void {
  const step = (<usize>inner) << 2;
  memory.fill(f64At(s1, from), 0, (<usize>(to - from)) << 3);
  memory.fill(f64At(s2, from), 0, (<usize>(to - from)) << 3);
  for (let l0 = 0; l0 < len; l0 += CHUNK) {
    const rows = min(CHUNK, len - l0);
    const rowA = a + (<usize>l0) * step;
    const rowB = b + (<usize>l0) * step;
    let i = from;
    for (; i + 8 <= to; i += 8) {
      const o = (<usize>i) << 2;
      const za0 = sa ? v128.load(sa + o) : f32x4.splat(0);
      const za1 = sa ? v128.load(sa + o, 16) : f32x4.splat(0);
      const zb0 = sb ? v128.load(sb + o) : f32x4.splat(0);
      const zb1 = sb ? v128.load(sb + o, 16) : f32x4.splat(0);
      let u0 = f32x4.splat(0);
      let u1 = u0;
      let q0 = u0;
      let q1 = u0;
      let pa = rowA + o;
      let pb = rowB + o;
      for (let r = 0; r < rows; r++) {
        const a0 = f32x4.sub(v128.load(pa), za0);
        const a1 = f32x4.sub(v128.load(pa, 16), za1);
        u0 = f32x4.add(u0, a0);
        u1 = f32x4.add(u1, a1);
        q0 = f32x4.add(q0, f32x4.mul(a0, f32x4.sub(v128.load(pb), zb0)));
        q1 = f32x4.add(q1, f32x4.mul(a1, f32x4.sub(v128.load(pb, 16), zb1)));
        pa += step;
        pb += step;
      }
      addLanes(f64At(s1, i), u0);
      addLanes(f64At(s1, i + 4), u1);
      addLanes(f64At(s2, i), q0);
      addLanes(f64At(s2, i + 4), q1);
    }
    for (; i + 4 <= to; i += 4) {
      const o = (<usize>i) << 2;
      const za = sa ? v128.load(sa + o) : f32x4.splat(0);
      const zb = sb ? v128.load(sb + o) : f32x4.splat(0);
      let u = f32x4.splat(0);
      let q = u;
      let pa = rowA + o;
      let pb = rowB + o;
      for (let r = 0; r < rows; r++) {
        const a0 = f32x4.sub(v128.load(pa), za);
        u = f32x4.add(u, a0);
        q = f32x4.add(q, f32x4.mul(a0, f32x4.sub(v128.load(pb), zb)));
        pa += step;
        pb += step;
      }
      addLanes(f64At(s1, i), u);
      addLanes(f64At(s2, i), q);
    }
    for (; i < to; i++) {
      const o = (<usize>i) << 2;
      const za: f32 = sa ? load<f32>(sa + o) : 0;
      const zb: f32 = sb ? load<f32>(sb + o) : 0;
      let u: f32 = 0;
      let q: f32 = 0;
      let pa = rowA + o;
      let pb = rowB + o;
      for (let r = 0; r < rows; r++) {
        const a0 = load<f32>(pa) - za;
        u += a0;
        q += a0 * (load<f32>(pb) - zb);
        pa += step;
        pb += step;
      }
      store<f64>(f64At(s1, i), load<f64>(f64At(s1, i)) + <f64>u);
      store<f64>(f64At(s2, i), load<f64>(f64At(s2, i)) + <f64>q);
    }
  }
}

/** The same sums for inner = 1 (one contiguous run of len floats, vectorised along it); shifts are scalars. */
function runSums(a: usize, sa: f32, b: usize, sb: f32, len: i32, out: usize): void {
  const za = f32x4.splat(sa);
  const zb = f32x4.splat(sb);
  let t1: f64 = 0;
  let t2: f64 = 0;
  const BLOCK = 1024;
  for (let l0 = 0; l0 < len; l0 += BLOCK) {
    const end = min(l0 + BLOCK, len);
    let u0 = f32x4.splat(0);
    let u1 = u0;
    let q0 = u0;
    let q1 = u0;
    let l = l0;
    for (; l + 8 <= end; l += 8) {
      const o = (<usize>l) << 2;
      const a0 = f32x4.sub(v128.load(a + o), za);
      const a1 = f32x4.sub(v128.load(a + o, 16), za);
      u0 = f32x4.add(u0, a0);
      u1 = f32x4.add(u1, a1);
      q0 = f32x4.add(q0, f32x4.mul(a0, f32x4.sub(v128.load(b + o), zb)));
      q1 = f32x4.add(q1, f32x4.mul(a1, f32x4.sub(v128.load(b + o, 16), zb)));
    }
    const u = f32x4.add(u0, u1);
    const q = f32x4.add(q0, q1);
    let s: f32 =
      f32x4.extract_lane(u, 0) + f32x4.extract_lane(u, 1) + f32x4.extract_lane(u, 2) + f32x4.extract_lane(u, 3);
    let s2: f32 =
      f32x4.extract_lane(q, 0) + f32x4.extract_lane(q, 1) + f32x4.extract_lane(q, 2) + f32x4.extract_lane(q, 3);
    for (; l < end; l++) {
      const o = (<usize>l) << 2;
      const a0 = load<f32>(a + o) - sa;
      s += a0;
      s2 += a0 * (load<f32>(b + o) - sb);
    }
    t1 += <f64>s;
    t2 += <f64>s2;
  }
  store<f64>(out, t1);
  store<f64>(out, t2, 8);
}

/**
 * mean[o,i] and biased variance[o,i] of x[o, :, i] over len, for the channels i in [from, to) (all of
 * them when inner = 1). ws: 16·inner bytes (float64 sums), its channels' part used. len must be at least 1.
 */
export function momentsAxis(
  x: usize, mean: usize, variance: usize, outer: i32, len: i32, inner: i32, from: i32, to: i32, ws: usize,
): void {
  const plane = (<usize>len) * (<usize>inner) << 2;
  const inv: f64 = 1.0 / <f64>len;
  for (let o = 0; o < outer; o++) {
    const base = x + (<usize>o) * plane;
    const m = mean + (((<usize>o) * (<usize>inner)) << 2);
    const v = variance + (((<usize>o) * (<usize>inner)) << 2);
    if (inner == 1) {
      const s = load<f32>(base);
      runSums(base, s, base, s, len, ws);
      const d = load<f64>(ws) * inv;
      store<f32>(m, <f32>(<f64>s + d));
      store<f32>(v, <f32>max(load<f64>(ws, 8) * inv - d * d, 0));
      continue;
    }
    // The first row is the shift; sums go to ws.
    channelSums(base, base, base, base, len, inner, from, to, ws, f64At(ws, inner));
    for (let i = from; i < to; i++) {
      const d = load<f64>(f64At(ws, i)) * inv;
      const q = load<f64>(f64At(ws, inner + i)) * inv;
      store<f32>(f32At(m, i), <f32>(<f64>load<f32>(f32At(base, i)) + d));
      store<f32>(f32At(v, i), <f32>max(q - d * d, 0));
    }
  }
}

/**
 * sdy[o,i] = Σ_l dy[o,l,i] and sdyc[o,i] = Σ_l dy[o,l,i]·(x[o,l,i] - centre[o,i]) (centre 0 when the
 * pointer is 0), for the channels i in [from, to) (all when inner = 1). ws: 16·inner bytes.
 */
export function gradSumsAxis(
  dy: usize, x: usize, centre: usize, sdy: usize, sdyc: usize, outer: i32, len: i32, inner: i32, from: i32, to: i32,
  ws: usize,
): void {
  const plane = (<usize>len) * (<usize>inner) << 2;
  for (let o = 0; o < outer; o++) {
    const at = (((<usize>o) * (<usize>inner)) << 2);
    const c = centre ? centre + at : 0;
    if (inner == 1) {
      runSums(dy + (<usize>o) * plane, 0, x + (<usize>o) * plane, c ? load<f32>(c) : 0, len, ws);
      store<f32>(sdy + at, <f32>load<f64>(ws));
      store<f32>(sdyc + at, <f32>load<f64>(ws, 8));
      continue;
    }
    channelSums(dy + (<usize>o) * plane, 0, x + (<usize>o) * plane, c, len, inner, from, to, ws, f64At(ws, inner));
    for (let i = from; i < to; i++) {
      store<f32>(f32At(sdy + at, i), <f32>load<f64>(f64At(ws, i)));
      store<f32>(f32At(sdyc + at, i), <f32>load<f64>(f64At(ws, inner + i)));
    }
  }
}

/**
 * y[o,l,i] = u[o,l,i]·a[o,i] + (v[o,l,i] - centre[o,i])·b[o,i] + c[o,i], or without v (pointer 0)
 * y = (u - centre)·a + c. Pointers centre and c may be 0 (terms left out). y may not alias u or v.
 */
export function affineAxis(
  u: usize, v: usize, centre: usize, a: usize, b: usize, c: usize, y: usize, outer: i32, len: i32, inner: i32,
): void {
  const plane = (<usize>len) * (<usize>inner) << 2;
  const step = (<usize>inner) << 2;
  const zero = f32x4.splat(0);
  for (let o = 0; o < outer; o++) {
    const at = (((<usize>o) * (<usize>inner)) << 2);
    const pu0 = u + (<usize>o) * plane;
    const pv0 = v ? v + (<usize>o) * plane : 0;
    const py0 = y + (<usize>o) * plane;
    if (inner == 1) {
      const av = f32x4.splat(load<f32>(a + at));
      const bv = f32x4.splat(v ? load<f32>(b + at) : 0);
      const zv = f32x4.splat(centre ? load<f32>(centre + at) : 0);
      const cv = f32x4.splat(c ? load<f32>(c + at) : 0);
      const as = f32x4.extract_lane(av, 0);
      const bs = f32x4.extract_lane(bv, 0);
      const zs = f32x4.extract_lane(zv, 0);
      const cs = f32x4.extract_lane(cv, 0);
      let l = 0;
      if (v) {
        for (; l + 4 <= len; l += 4) {
          const q = (<usize>l) << 2;
          const r = f32x4.add(f32x4.mul(v128.load(pu0 + q), av), cv);
          v128.store(py0 + q, f32x4.add(r, f32x4.mul(f32x4.sub(v128.load(pv0 + q), zv), bv)));
        }
        for (; l < len; l++) {
          const q = (<usize>l) << 2;
          store<f32>(py0 + q, load<f32>(pu0 + q) * as + (load<f32>(pv0 + q) - zs) * bs + cs);
        }
      } else {
        for (; l + 4 <= len; l += 4) {
          const q = (<usize>l) << 2;
          v128.store(py0 + q, f32x4.add(f32x4.mul(f32x4.sub(v128.load(pu0 + q), zv), av), cv));
        }
        for (; l < len; l++) {
          const q = (<usize>l) << 2;
          store<f32>(py0 + q, (load<f32>(pu0 + q) - zs) * as + cs);
        }
      }
      continue;
    }
    let i = 0;
    for (; i + 4 <= inner; i += 4) {
      const q = (<usize>i) << 2;
      const av = v128.load(a + at + q);
      const bv = v ? v128.load(b + at + q) : zero;
      const zv = centre ? v128.load(centre + at + q) : zero;
      const cv = c ? v128.load(c + at + q) : zero;
      let pu = pu0 + q;
      let pv = pv0 + q;
      let py = py0 + q;
      if (v) {
        for (let l = 0; l < len; l++) {
          const r = f32x4.add(f32x4.mul(v128.load(pu), av), cv);
          v128.store(py, f32x4.add(r, f32x4.mul(f32x4.sub(v128.load(pv), zv), bv)));
          pu += step;
          pv += step;
          py += step;
        }
      } else {
        // Centre applies to u when there is no v (the forward normalisation).
        for (let l = 0; l < len; l++) {
          v128.store(py, f32x4.add(f32x4.mul(f32x4.sub(v128.load(pu), zv), av), cv));
          pu += step;
          py += step;
        }
      }
    }
    for (; i < inner; i++) {
      const q = (<usize>i) << 2;
      const as: f32 = load<f32>(a + at + q);
      const bs: f32 = v ? load<f32>(b + at + q) : 0;
      const zs: f32 = centre ? load<f32>(centre + at + q) : 0;
      const cs: f32 = c ? load<f32>(c + at + q) : 0;
      let pu = pu0 + q;
      let pv = pv0 + q;
      let py = py0 + q;
      for (let l = 0; l < len; l++) {
        if (v) store<f32>(py, load<f32>(pu) * as + (load<f32>(pv) - zs) * bs + cs);
        else store<f32>(py, (load<f32>(pu) - zs) * as + cs);
        pu += step;
        pv += step;
        py += step;
      }
    }
  }
}

/**
 * The statistics half of the training forward for the channels [from, to) of x [rows, c]: the batch's
 * mean and biased variance (written to mean, variance), and the multiplier scale/√(variance + eps) to
 * f32 [c] at ws + 16·c. scale may be 0 (1). ws: 20·c bytes, the range's part used (threads take ranges).
 */
export function batchNormStats(
  x: usize, mean: usize, variance: usize, scale: usize, rows: i32, c: i32, from: i32, to: i32, eps: f32, ws: usize,
): void {
  momentsAxis(x, mean, variance, 1, rows, c, from, to, ws);
  const a = ws + ((<usize>c) << 4);
  for (let i = from; i < to; i++) {
    const inv: f32 = <f32>1.0 / sqrt<f32>(load<f32>(f32At(variance, i)) + eps);
    store<f32>(f32At(a, i), scale ? inv * load<f32>(f32At(scale, i)) : inv);
  }
}

/**
 * Training-mode batch norm over the last axis of x [rows, c], forward in one call: batchNormStats, then
 * y = (x - mean)·scale/√(variance + eps) + offset. scale and offset may be 0 (1 and 0). ws: 20·c bytes.
 */
export function batchNormTrainForward(
  x: usize, y: usize, mean: usize, variance: usize, scale: usize, offset: usize, rows: i32, c: i32, eps: f32, ws: usize,
): void {
  batchNormStats(x, mean, variance, scale, rows, c, 0, c, eps, ws);
  affineAxis(x, 0, mean, ws + ((<usize>c) << 4), 0, offset, y, 1, rows, c);
}

/**
 * The sums half of the training backward for the channels [from, to): doffset, dscale and the per-channel
 * coefficients A, B, C (f32 [c] each at ws + 24·c, + 28·c, + 32·c) of dx = dy·A + (x - mean)·B + C, which
 * affineAxis then applies. With N = rows, x̂ = (x - mean)/σ, σ = √(variance + eps), γ = scale (or 1):
 * doffset = Σdy, dscale = Σdy·x̂, and
 *   dx = γ/σ·(dy - Σdy/N - x̂·Σdy·x̂/N) + dmean/N + 2·dvariance·(x - mean)/N,
 * the last two terms when the batch statistics themselves feed the loss (dmean, dvariance may be 0).
 * dscale, doffset may be 0 (not wanted). ws: 36·c bytes, the range's part used (threads take ranges).
 */
export function batchNormGradCoefficients(
  x: usize, dy: usize, mean: usize, variance: usize, scale: usize, dmean: usize, dvariance: usize,
  dscale: usize, doffset: usize, rows: i32, c: i32, from: i32, to: i32, eps: f32, ws: usize,
): void {
  const sdy = ws + ((<usize>c) << 4);
  const sdyc = sdy + ((<usize>c) << 2);
  gradSumsAxis(dy, x, mean, sdy, sdyc, 1, rows, c, from, to, ws);
  const A = ws + ((<usize>c) * 24);
  const B = A + ((<usize>c) << 2);
  const C = B + ((<usize>c) << 2);
  const n: f32 = <f32>rows;
  for (let i = from; i < to; i++) {
    const inv: f32 = <f32>1.0 / sqrt<f32>(load<f32>(f32At(variance, i)) + eps);
    const s1 = load<f32>(f32At(sdy, i));
    const s2 = load<f32>(f32At(sdyc, i));
    if (doffset) store<f32>(f32At(doffset, i), s1);
    if (dscale) store<f32>(f32At(dscale, i), s2 * inv);
    const a: f32 = (scale ? load<f32>(f32At(scale, i)) : 1) * inv;
    let b: f32 = (-a * inv * inv * s2) / n;
    let k: f32 = (-a * s1) / n;
    if (dmean) k += load<f32>(f32At(dmean, i)) / n;
    if (dvariance) b += (2 * load<f32>(f32At(dvariance, i))) / n;
    store<f32>(f32At(A, i), a);
    store<f32>(f32At(B, i), b);
    store<f32>(f32At(C, i), k);
  }
}

/** The training backward in one call: batchNormGradCoefficients, then dx (may be 0). ws: 36·c bytes. */
export function batchNormTrainBackward(
  x: usize, dy: usize, mean: usize, variance: usize, scale: usize, dmean: usize, dvariance: usize,
  dx: usize, dscale: usize, doffset: usize, rows: i32, c: i32, eps: f32, ws: usize,
): void {
  batchNormGradCoefficients(x, dy, mean, variance, scale, dmean, dvariance, dscale, doffset, rows, c, 0, c, eps, ws);
  const A = ws + ((<usize>c) * 24);
  if (dx) affineAxis(dy, x, mean, A, A + ((<usize>c) << 2), A + ((<usize>c) << 3), dx, 1, rows, c);
}
