// Kernels for relu, sigmoid, tanh, log and clipByValue (facade: src/ops/activations.ts), forward and
// backward. Everything runs 4 lanes at a time, including the transcendental ones: exp and log are
// evaluated here in SIMD (range reduction + polynomial) instead of calling the scalar Mathf.exp/log per
// element.
//
// Why vectorised: 1.7-5x faster than a scalar loop over AssemblyScript's Mathf.exp / tanh / log
// (bench/NOTES.md#activations-simd), while matching float64 Math.* to <= 2e-7 relative
// (tests/unit/activations.test.mjs asserts 4e-7 element by element over dense grids).
//
// Tails (sizes not a multiple of 4) reuse the vector code on a splatted lane, so a value gets the same
// result whatever its position.
import { expNonPositive, LN2_HI, LN2_LO, madd } from './simd';

// ---- vector math ----

// Taylor coefficients of tanh(x) = x + x^3 * (T3 + T5 x^2 + ...), used for |x| < TANH_SMALL where the
// exp formula would cancel. At |x| = 0.3 the first omitted term (x^13) is < 2e-9 relative.
const TANH_SMALL: f32 = 0.3;
const T3: f32 = -1.0 / 3.0;
const T5: f32 = 2.0 / 15.0;
const T7: f32 = -17.0 / 315.0;
const T9: f32 = 62.0 / 2835.0;
const T11: f32 = -1382.0 / 155925.0;

// @ts-ignore: decorator
@inline function sigmoidV(x: v128): v128 {
  // e = e^-|x| is in (0, 1]: nothing overflows. For x >= 0, y = 1 / (1 + e); for x < 0, y = e / (1 + e),
  // which keeps full relative accuracy for very negative x (where 1 - 1/(1+e) would cancel).
  const e = expNonPositive(f32x4.neg(f32x4.abs(x)));
  const s = f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), e));
  return v128.bitselect(s, f32x4.mul(e, s), f32x4.ge(x, f32x4.splat(0)));
}

// @ts-ignore: decorator
@inline function tanhV(x: v128): v128 {
  const a = f32x4.abs(x);
  // Large |x|: tanh|x| = (1 - e) / (1 + e) with e = e^(-2|x|) in (0, 1]; at |x| >= 0.3, e <= 0.55, so
  // 1 - e loses at most a bit. It tends to exactly 1 for large |x| (no inf/inf).
  const e = expNonPositive(f32x4.mul(a, f32x4.splat(-2.0)));
  const big = f32x4.div(f32x4.sub(f32x4.splat(1.0), e), f32x4.add(f32x4.splat(1.0), e));
  // Small |x|: odd Taylor polynomial.
  const z = f32x4.mul(a, a);
  let p = f32x4.splat(T11);
  p = madd(p, z, f32x4.splat(T9));
  p = madd(p, z, f32x4.splat(T7));
  p = madd(p, z, f32x4.splat(T5));
  p = madd(p, z, f32x4.splat(T3));
  const small = madd(f32x4.mul(p, z), a, a);
  const t = v128.bitselect(small, big, f32x4.lt(a, f32x4.splat(TANH_SMALL)));
  // Restore the sign of x (also keeps tanh(-0) = -0; NaN stays NaN).
  return v128.or(t, v128.and(x, f32x4.splat(-0.0)));
}

const SQRT2: f32 = 1.41421356;
const MIN_NORMAL: f32 = 1.17549435e-38;

/**
 * Natural log. x = 2^k m with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172,
 * by its odd series to s^9 (the first omitted term, s^11/11, is < 2e-9 relative; the s^9 one is ~1 ulp).
 * Subnormal x is scaled by 2^23 first.
 * Special values as Math.log: 0 → -Infinity, negative → NaN, +Infinity → +Infinity, NaN → NaN.
 */
// @ts-ignore: decorator
@inline function logV(x: v128): v128 {
  const subnormal = f32x4.lt(x, f32x4.splat(MIN_NORMAL));
  const xs = v128.bitselect(f32x4.mul(x, f32x4.splat(8388608.0)), x, subnormal);
  const bits = xs;
  let k = i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(127));
  k = i32x4.sub(k, v128.and(subnormal, i32x4.splat(23)));
  let m = v128.or(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f800000)); // in [1, 2)
  const high = f32x4.ge(m, f32x4.splat(SQRT2));
  m = v128.bitselect(f32x4.mul(m, f32x4.splat(0.5)), m, high);
  k = i32x4.sub(k, high); // a true lane is -1: k + 1
  const kf = f32x4.convert_i32x4_s(k);
  const s = f32x4.div(f32x4.sub(m, f32x4.splat(1.0)), f32x4.add(m, f32x4.splat(1.0)));
  const z = f32x4.mul(s, s);
  let p = f32x4.splat(2.0 / 9.0);
  p = madd(p, z, f32x4.splat(2.0 / 7.0));
  p = madd(p, z, f32x4.splat(2.0 / 5.0));
  p = madd(p, z, f32x4.splat(2.0 / 3.0));
  const logm = madd(f32x4.mul(p, z), s, f32x4.add(s, s));
  let y = madd(kf, f32x4.splat(LN2_HI), madd(kf, f32x4.splat(LN2_LO), logm));
  // Special values: x <= 0, +Infinity and NaN.
  y = v128.bitselect(f32x4.splat(-Infinity), y, f32x4.eq(x, f32x4.splat(0)));
  y = v128.bitselect(f32x4.splat(NaN), y, f32x4.lt(x, f32x4.splat(0)));
  y = v128.bitselect(x, y, f32x4.eq(x, f32x4.splat(Infinity)));
  y = v128.bitselect(x, y, f32x4.ne(x, x));
  return y;
}

// ---- forward kernels: y = f(x) over n values ----

/** y = max(x, 0). */
export function reluForward(x: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(y + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(y + o, f32x4.extract_lane(f32x4.max(f32x4.splat(load<f32>(x + o)), zero), 0));
  }
}

/** y = 1 / (1 + e^-x). */
export function sigmoidForward(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(y + o, sigmoidV(v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(y + o, f32x4.extract_lane(sigmoidV(f32x4.splat(load<f32>(x + o))), 0));
  }
}

/** y = tanh(x). */
export function tanhForward(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(y + o, tanhV(v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(y + o, f32x4.extract_lane(tanhV(f32x4.splat(load<f32>(x + o))), 0));
  }
}

/** y = ln(x). */
export function logForward(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(y + o, logV(v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(y + o, f32x4.extract_lane(logV(f32x4.splat(load<f32>(x + o))), 0));
  }
}

/** y = min(max(x, lo), hi). */
export function clipForward(x: usize, y: usize, n: i32, lo: f32, hi: f32): void {
  const lov = f32x4.splat(lo);
  const hiv = f32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(y + o, f32x4.min(f32x4.max(v128.load(x + o), lov), hiv));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(y + o, f32x4.extract_lane(f32x4.min(f32x4.max(f32x4.splat(load<f32>(x + o)), lov), hiv), 0));
  }
}

// ---- backward kernels: dx from dy and the input x ----

/** dx = dy where x > 0, else 0. */
export function reluBackward(x: usize, dy: usize, dx: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(x + o), zero)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(dx + o, load<f32>(x + o) > 0 ? load<f32>(dy + o) : 0);
  }
}

// sigmoid' and tanh' are computed from x, not from the saved output y: y * (1 - y) and 1 - y^2 cancel
// once y rounds to within a few ulps of 1 (|x| above ~8 for tanh, ~16 for sigmoid), where they lose most of
// their digits. Written with e = e^-|x| in (0, 1], nothing cancels:
//   sigmoid'(x) = y (1 - y) = e / (1 + e)^2
//   tanh'(x) = 1 - y^2 = 4 e' / (1 + e')^2 with e' = e^-2|x|

// @ts-ignore: decorator
@inline function sigmoidGradV(x: v128): v128 {
  const e = expNonPositive(f32x4.neg(f32x4.abs(x)));
  const s = f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), e));
  return f32x4.mul(f32x4.mul(e, s), s);
}

// @ts-ignore: decorator
@inline function tanhGradV(x: v128): v128 {
  const e = expNonPositive(f32x4.mul(f32x4.abs(x), f32x4.splat(-2.0)));
  const s = f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), e));
  return f32x4.mul(f32x4.mul(f32x4.mul(e, f32x4.splat(4.0)), s), s);
}

/** dx = dy * sigmoid'(x). */
export function sigmoidBackward(x: usize, dy: usize, dx: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), sigmoidGradV(v128.load(x + o))));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(dx + o, load<f32>(dy + o) * f32x4.extract_lane(sigmoidGradV(f32x4.splat(load<f32>(x + o))), 0));
  }
}

/** dx = dy * tanh'(x). */
export function tanhBackward(x: usize, dy: usize, dx: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), tanhGradV(v128.load(x + o))));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(dx + o, load<f32>(dy + o) * f32x4.extract_lane(tanhGradV(f32x4.splat(load<f32>(x + o))), 0));
  }
}

/** dx = dy / x. */
export function logBackward(x: usize, dy: usize, dx: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(dx + o, f32x4.div(v128.load(dy + o), v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(dx + o, load<f32>(dy + o) / load<f32>(x + o));
  }
}

/** dx = dy where lo <= x <= hi, else 0. */
export function clipBackward(x: usize, dy: usize, dx: usize, n: i32, lo: f32, hi: f32): void {
  const lov = f32x4.splat(lo);
  const hiv = f32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    const xv = v128.load(x + o);
    const inside = v128.and(f32x4.ge(xv, lov), f32x4.le(xv, hiv));
    v128.store(dx + o, v128.and(v128.load(dy + o), inside));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const xv = load<f32>(x + o);
    store<f32>(dx + o, xv >= lo && xv <= hi ? load<f32>(dy + o) : 0);
  }
}
