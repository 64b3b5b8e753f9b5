// Every unit test imports simdnet from here: the built bundle, initialised with the build that
// tests/run.mjs asked for (SIMDNET_SIMD=relaxed|plain), so each suite runs against both builds.
import * as sn from '../../dist/simdnet.js';

await sn.ready(process.env.SIMDNET_SIMD ? { simd: process.env.SIMDNET_SIMD } : {});

export { sn };
export const simd = sn.backendInfo().simd;
