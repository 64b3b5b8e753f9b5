// SIMD helpers shared by the kernels. One source serves both builds: ASC_FEATURE_RELAXED_SIMD is a
// compile-time constant, so the relaxed build gets a fused multiply-add and the plain build mul + add.

/** a * b + c, fused in the relaxed build. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

const LOG2E: f32 = 1.44269504;
// ln 2 split in two (Cody-Waite): LN2_HI has few mantissa bits, so n * LN2_HI is exact for |n| < 2^15.
export const LN2_HI: f32 = 0.693359375;
export const LN2_LO: f32 = -2.12194440e-4;
/** Below this, e^x < 2^-150 rounds to 0 anyway; clamping keeps n + 64 a valid exponent. */
const EXP_MIN: f32 = -104.0;

/**
 * e^x for x <= 0 (every caller passes -|x|, so there is no overflow to handle); NaN in, NaN out.
 * x = n ln2 + r with |r| <= ln2/2, e^r by its Taylor polynomial to degree 7 (truncation error
 * r^8/8! < 5e-9), then times 2^n. 2^n is applied as 2^(n+64) (built in the exponent bits, always normal
 * since n >= -150) and then 2^-64, so results below 2^-126 underflow gradually to subnormals and 0
 * with one rounding, as Math.exp does.
 */
// @ts-ignore: decorator
@inline export function expNonPositive(x: v128): v128 {
  // max() propagates NaN (wasm's fmax returns NaN when either operand is NaN).
  const xc = f32x4.max(x, f32x4.splat(EXP_MIN));
  const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(LOG2E)));
  let r = madd(n, f32x4.splat(-LN2_HI), xc);
  r = madd(n, f32x4.splat(-LN2_LO), r);
  let p = f32x4.splat(1.0 / 5040.0);
  p = madd(p, r, f32x4.splat(1.0 / 720.0));
  p = madd(p, r, f32x4.splat(1.0 / 120.0));
  p = madd(p, r, f32x4.splat(1.0 / 24.0));
  p = madd(p, r, f32x4.splat(1.0 / 6.0));
  p = madd(p, r, f32x4.splat(0.5));
  p = madd(p, r, f32x4.splat(1.0));
  p = madd(p, r, f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127 + 64)), 23);
  return f32x4.mul(f32x4.mul(p, scale), f32x4.splat(5.421010862427522e-20)); // 2^-64
}
