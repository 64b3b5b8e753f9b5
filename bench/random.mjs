// Seeded random data, so every run (and every implementation within a run) sees the same numbers.

/** A small, fast 32-bit PRNG returning floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sizeOf = (shape) => shape.reduce((a, b) => a * b, 1);

export function uniformArray(rng, shape, lo, hi) {
  const out = new Float32Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * rng();
  return out;
}

/** Uniform in [-1, 1): the inputs, weights and upstream gradients of the op benchmarks. */
export function randomArray(shape, seed) {
  return uniformArray(mulberry32(seed), shape, -1, 1);
}
