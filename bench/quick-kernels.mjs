// Quick timing of the GEMM and conv2d kernels (not a test; speed is never asserted).
//   npm run build && node bench/quick-kernels.mjs [relaxed|plain] [--reps N] [--only SUBSTRING]
// Forward, dx and dw are timed separately by driving the kernel exports directly, on a private instance
// of the same build with a bump allocator, in the same sequence as src/ops/conv2d.ts runs them; the public
// API is timed beside them as a cross-check ("api fwd": sn.conv2d; "api fwd+bwd": forward and the whole
// backward through sn.valueAndGrads, counted as 3 passes). GFLOP/s counts 2*M*K*N per pass (M = n*oh*ow,
// K = kh*kw*cin, N = cout) from the median process CPU time over the repetitions (the machine is shared:
// time spent descheduled is not counted), after warm-up calls (V8 tiers the module up). A naive float32
// nested-loop conv in plain JavaScript gives the forward speed-up ratio.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import * as sn from '../dist/simdnet.js';
import { naiveConvF32 } from '../tests/helpers/reference-conv.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flavor = args.find((a) => a === 'relaxed' || a === 'plain') ?? 'relaxed';
const reps = Number(args[args.indexOf('--reps') + 1]) || 15;
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : '';
// Knobs mirrored from the facade (src/ops/conv2d.ts, src/ops/gemm.ts); change here to try alternatives.
const ROW_TAPS_BELOW_CIN = Number(process.env.ROW_TAPS_BELOW_CIN ?? 8);
const BLOCK_BYTES = Number(process.env.BLOCK_BYTES ?? 256 * 1024);

await sn.ready({ simd: flavor });

// ---- a private instance of the kernels ----
const memory = new WebAssembly.Memory({ initial: 16 });
const { instance } = await WebAssembly.instantiate(readFileSync(path.join(root, `build/simdnet-${flavor}.wasm`)), {
  env: { memory },
});
const k = instance.exports;
// The micro-kernel's tile and the weight-gradient chunk, as the module exports them (the facade reads them too).
const MR = k.MR.value;
const NR = k.NR.value;
const WEIGHT_GRAD_CHUNK = Number(process.env.WEIGHT_GRAD_CHUNK ?? k.WEIGHT_GRAD_CHUNK.value);
let top = (k.heapBase() + 63) & ~63;
function alloc(bytes) {
  const at = top;
  top += Math.ceil(bytes / 64) * 64 + 64;
  const need = top - memory.buffer.byteLength;
  if (need > 0) memory.grow(Math.ceil(need / 65536));
  return at;
}
function randomFill(at, n) {
  const v = new Float32Array(memory.buffer, at, n);
  for (let i = 0; i < n; i++) v[i] = Math.random() * 2 - 1;
}

const roundUp = (v, m) => Math.ceil(v / m) * m;

function setupConv(s) {
  const [n, h, w, cin] = s.x;
  const [kh, kw, , cout] = s.w;
  const [pt, pl] = s.pad ?? [0, 0];
  const oh = s.out?.[0] ?? h - kh + 1;
  const ow = s.out?.[1] ?? w - kw + 1;
  const M = n * oh * ow;
  const K = kh * kw * cin;
  const mPad = roundUp(M, MR);
  // The facade's plan: one tap per kernel row for few channels (these shapes need no padded copy).
  const rowTaps = cin < ROW_TAPS_BELOW_CIN && kw > 1;
  if (rowTaps && (pt || pl)) throw new Error('bench: row taps with padding need the padded copy; not mirrored here');
  const taps = rowTaps ? kh : kh * kw;
  const tapLen = rowTaps ? kw * cin : cin;
  const g = { n, h, w, cin, kh, kw, cout, pt, pl, oh, ow, M, K, mPad, N: cout, rowTaps, taps, tapLen };
  g.x = alloc(n * h * w * cin * 4);
  randomFill(g.x, n * h * w * cin);
  g.wt = alloc(K * cout * 4);
  randomFill(g.wt, K * cout);
  g.y = alloc(M * cout * 4);
  g.dy = alloc(M * cout * 4);
  randomFill(g.dy, M * cout);
  g.dx = alloc(n * h * w * cin * 4);
  g.dw = alloc(K * cout * 4);
  g.zero = alloc(Math.max(tapLen, 8) * 4);
  g.ind = alloc(taps * mPad * 4);
  g.packed = alloc(roundUp(cout, NR) * (K + 1) * 4);
  g.packedWT = alloc(roundUp(K, NR) * (cout + 1) * 4);
  g.packedD = alloc(roundUp(cout, NR) * M * 4);
  g.rows = Math.min(mPad, Math.max(MR, Math.floor(BLOCK_BYTES / (K * 4) / MR) * MR));
  g.col = alloc(g.rows * K * 4);
  g.dyRows = alloc(mPad * 4);
  return g;
}

// As src/ops/conv2d.ts's indirectionArgs: row taps read one kernel row (kw = dw = 1) per tap.
const indirection = (g) =>
  k.convIndirection(
    ...[g.ind, g.x, g.zero, g.n, g.h, g.w, g.cin, g.oh, g.ow, g.kh, g.rowTaps ? 1 : g.kw],
    ...[1, 1, 1, 1, g.pt, g.rowTaps ? 0 : g.pl, g.mPad, 0, g.mPad],
  );

function convForward(g) {
  k.gemmPackB(g.packed, g.wt, g.K, g.N, g.N, 0);
  indirection(g);
  k.gemmIndirect(g.ind, g.mPad, g.taps, g.tapLen, g.packed, g.y, g.N, g.M, g.N, 0);
}

function convWeightGrad(g) {
  k.gemmPrepareGrad(g.packedD, 0, 0, g.dy, 0, g.M, g.N, 0, g.N); // pack only: no mask, rows or sums
  indirection(g);
  k.gemmWeightGrad(g.ind, g.mPad, g.taps, g.tapLen, g.M, g.packedD, g.M * NR * 4, g.N, g.dw, WEIGHT_GRAD_CHUNK, 0, g.N);
}

function convInputGrad(g) {
  new Float32Array(memory.buffer, g.dx, g.n * g.h * g.w * g.cin).fill(0);
  k.gemmPackBT(g.packedWT, g.wt, g.N, g.K, g.N);
  indirection(g);
  k.gemmRowPointers(g.dyRows, g.dy, g.N * 4, g.M, g.mPad, g.dy);
  for (let m0 = 0; m0 < g.M; m0 += g.rows) {
    const r = Math.min(g.rows, g.M - m0);
    k.gemmIndirect(g.dyRows + m0 * 4, g.mPad, 1, g.N, g.packedWT, g.col, g.K, r, g.K, 0);
    k.convCol2im(g.dx, g.x, g.zero, g.ind, g.mPad, g.taps, g.tapLen, g.col, g.K, m0, r, 0, 0xffffffff);
  }
}

function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1];
}

function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Median CPU seconds per call of fn, after warm-up calls; repeats fn inside a sample when it is quick. */
function time(fn, warmup = 5) {
  for (let i = 0; i < warmup; i++) fn();
  let inner = 1;
  for (;;) {
    const t0 = cpuSeconds();
    for (let i = 0; i < inner; i++) fn();
    if (cpuSeconds() - t0 > 0.03 || inner >= 1 << 12) break;
    inner *= 2;
  }
  const samples = [];
  for (let r = 0; r < reps; r++) {
    const t0 = cpuSeconds();
    for (let i = 0; i < inner; i++) fn();
    samples.push((cpuSeconds() - t0) / inner);
  }
  return median(samples);
}

const gflops = (flops, seconds) => (flops / seconds / 1e9).toFixed(1).padStart(6);

const convShapes = [
  { name: 'n32 28x28x1->32 3x3 valid', x: [32, 28, 28, 1], w: [3, 3, 1, 32], naive: true },
  { name: 'n32 13x13x32->64 3x3 valid', x: [32, 13, 13, 32], w: [3, 3, 32, 64], naive: true },
  { name: 'n32 32x32x3->6 5x5 valid', x: [32, 32, 32, 3], w: [5, 5, 3, 6], naive: true },
  { name: 'n32 14x14x6->16 5x5 valid', x: [32, 14, 14, 6], w: [5, 5, 6, 16], naive: true },
  {
    name: 'n1 56x56x64->64 3x3 same',
    x: [1, 56, 56, 64],
    w: [3, 3, 64, 64],
    pad: [1, 1],
    out: [56, 56],
    padding: 'same',
  },
];

console.log(
  `simdnet quick kernels (${flavor} SIMD, node ${process.versions.node}); median GFLOP/s over ${reps} samples`,
);
console.log('shape                              fwd     dx     dw | api fwd  api fwd+bwd | naive JS  speed-up');
for (const s of convShapes) {
  if (only && !s.name.includes(only)) continue;
  const g = setupConv(s);
  const flops = 2 * g.M * g.K * g.N;
  const tf = time(() => convForward(g));
  const tdx = time(() => convInputGrad(g));
  const tdw = time(() => convWeightGrad(g));
  // The public API on the same shape.
  const x = sn.randomNormal(s.x, { seed: 1 });
  const w = sn.randomNormal(s.w, { seed: 2 });
  const opts = { padding: s.padding ?? 'valid' };
  const apiF = time(() =>
    sn.tidy(() => {
      sn.conv2d(x, w, opts);
    }),
  );
  const vg = sn.valueAndGrads((a, b) => sn.conv2d(a, b, opts));
  const apiFB = time(
    () =>
      sn.tidy(() => {
        vg([x, w]);
      }),
    2,
  );
  x.dispose();
  w.dispose();
  let naive = '';
  if (s.naive) {
    const xs = new Float32Array(g.n * g.h * g.w * g.cin).map(() => Math.random());
    const ws = new Float32Array(g.K * g.N).map(() => Math.random());
    const ys = new Float32Array(g.M * g.N);
    const tn = time(() => naiveConvF32(xs, s.x, ws, s.w, ys), 2);
    naive = `${gflops(flops, tn)}  ${(tn / tf).toFixed(0).padStart(6)}x`; // forward vs naive forward
  }
  console.log(
    `${s.name.padEnd(30)} ${gflops(flops, tf)} ${gflops(flops, tdx)} ${gflops(flops, tdw)} | ${gflops(flops, apiF)}   ${gflops(3 * flops, apiFB)}     | ${naive}`,
  );
}

const matShapes = [
  { name: 'matMul 32x800 . 800x128', m: 32, k: 800, n: 128 },
  { name: 'matMul 256^3', m: 256, k: 256, n: 256 },
];
console.log('\nshape                              fwd     dA     dB | api fwd  api fwd+bwd');
for (const s of matShapes) {
  if (only && !s.name.includes(only)) continue;
  const { m, k: K, n } = s;
  const flops = 2 * m * K * n;
  const a = alloc(m * K * 4);
  randomFill(a, m * K);
  const b = alloc(K * n * 4);
  randomFill(b, K * n);
  const c = alloc(m * n * 4);
  const dc = alloc(m * n * 4);
  randomFill(dc, m * n);
  const da = alloc(m * K * 4);
  const db = alloc(K * n * 4);
  const packed = alloc(roundUp(Math.max(n, K), NR) * (Math.max(n, K) + 1) * 4);
  const packedD = alloc(roundUp(n, NR) * m * 4);
  const rows = alloc(roundUp(m, MR) * 4);
  const mPad = roundUp(m, MR);
  const tf = time(() => {
    k.gemmPackB(packed, b, K, n, n, 0);
    k.gemmRowPointers(rows, a, K * 4, m, mPad, a);
    k.gemmIndirect(rows, mPad, 1, K, packed, c, n, m, n, 0);
  });
  const tda = time(() => {
    k.gemmPackBT(packed, b, n, K, n);
    k.gemmRowPointers(rows, dc, n * 4, m, mPad, dc);
    k.gemmIndirect(rows, mPad, 1, n, packed, da, K, m, K, 0);
  });
  const tdb = time(() => {
    k.gemmPrepareGrad(packedD, 0, 0, dc, 0, m, n, 0, n);
    k.gemmRowPointers(rows, a, K * 4, m, mPad, a);
    k.gemmWeightGrad(rows, mPad, 1, K, m, packedD, m * NR * 4, n, db, WEIGHT_GRAD_CHUNK, 0, n);
  });
  const ta = sn.randomNormal([m, K], { seed: 3 });
  const tb = sn.randomNormal([K, n], { seed: 4 });
  const apiF = time(() =>
    sn.tidy(() => {
      sn.matMul(ta, tb);
    }),
  );
  const vg = sn.valueAndGrads((p, q) => sn.matMul(p, q));
  const apiFB = time(
    () =>
      sn.tidy(() => {
        vg([ta, tb]);
      }),
    2,
  );
  ta.dispose();
  tb.dispose();
  console.log(
    `${s.name.padEnd(30)} ${gflops(flops, tf)} ${gflops(flops, tda)} ${gflops(flops, tdb)} | ${gflops(flops, apiF)}   ${gflops(3 * flops, apiFB)}`,
  );
}
