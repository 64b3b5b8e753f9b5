// simdnet/onnx: ONNX import and export, a separate entry point so that the core bundle does not grow.
// It imports simdnet itself as the external module 'simdnet' (see scripts/build.mjs), so both work on the
// same WebAssembly memory and tensors.
export { loadOnnx } from './load.js';
export type { LoadOnnxOptions } from './load.js';
export { toOnnx } from './export.js';
export type { ToOnnxOptions } from './export.js';
