// SIMD helpers shared by the kernels. One source serves both builds: ASC_FEATURE_RELAXED_SIMD is a
// compile-time constant, so the relaxed build gets a fused multiply-add and the plain build mul + add.

/** a * b + c, fused in the relaxed build. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
