// Every unit test imports simdnet from here: the built bundle, initialised with the build that
// tests/run.mjs asked for (SIMDNET_SIMD=relaxed|plain), so each suite runs against both builds, and with
// the threads it asked for (SIMDNET_THREADS, default 'auto').
import * as sn from '../../dist/simdnet.js';

const threads = process.env.SIMDNET_THREADS;
await sn.ready({
  ...(process.env.SIMDNET_SIMD ? { simd: process.env.SIMDNET_SIMD } : {}),
  ...(threads ? { threads: threads === 'auto' ? 'auto' : Number(threads) } : {}),
});

export { sn };
export const simd = sn.backendInfo().simd;
