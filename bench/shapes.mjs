// The shapes the bench runs: the layers of small image CNNs (the seed's Keras model on 28x28x1, LeNet on
// 32x32x3 and 28x28x1) and one larger ResNet-style layer, all NHWC float32.
// `quick: true` marks the subset `--quick` runs.
import { convGeometry } from './naive.mjs';

export const CONV_SHAPES = [
  { id: 'c1', n: 32, h: 28, w: 28, cin: 1, cout: 32, k: 3, padding: 'valid', quick: true },
  { id: 'c2', n: 32, h: 13, w: 13, cin: 32, cout: 64, k: 3, padding: 'valid', quick: true },
  { id: 'c3', n: 32, h: 32, w: 32, cin: 3, cout: 6, k: 5, padding: 'valid' },
  { id: 'c4', n: 32, h: 14, w: 14, cin: 6, cout: 16, k: 5, padding: 'valid' },
  { id: 'c5', n: 1, h: 56, w: 56, cin: 64, cout: 64, k: 3, padding: 'same' },
].map((s) => ({ ...s, geom: convGeometry({ ...s, kh: s.k, kw: s.k, stride: 1 }) }));

export const POOL_SHAPES = [{ id: 'p1', n: 32, h: 26, w: 26, c: 32, size: 2, stride: 2, quick: true }].map((s) => ({
  ...s,
  geom: convGeometry({ n: s.n, h: s.h, w: s.w, cin: s.c, kh: s.size, kw: s.size, stride: s.stride }),
}));

export const MATMUL_SHAPES = [
  { id: 'm1', m: 32, k: 800, n: 128, quick: true },
  { id: 'm2', m: 256, k: 256, n: 256 },
];

export const convLabel = (s) => `conv2d n${s.n} ${s.h}x${s.w}x${s.cin}→${s.cout} ${s.k}x${s.k} ${s.padding}`;
export const poolLabel = (s) => `maxPool ${s.size}x${s.size}/${s.stride} n${s.n} ${s.h}x${s.w}x${s.c}`;
export const matMulLabel = (s) => `matMul ${s.m}x${s.k}·${s.k}x${s.n}`;

/** Multiply-adds count as 2 FLOP. */
export const convFlops = (g) => 2 * g.n * g.oh * g.ow * g.kh * g.kw * g.cin * g.cout;
/** Pooling: one op per window element visited. */
export const poolOps = (g) => g.n * g.oh * g.ow * g.cin * g.kh * g.kw;
export const matMulFlops = (s) => 2 * s.m * s.k * s.n;
