// Bench-only entry point: simdnet's public API plus two internals the bench needs.
//  - withTape (src/core/engine.ts) lets the bench record one op's forward and then time that op's backward
//    alone, without the forward that sn.grads would run every time.
//  - wasmMemory (src/backend/wasm.ts) lets the bench check that simdnet and TF.js's wasm backend work in
//    different WebAssembly memories.
// bench/simdnet-bundle.mjs bundles this with the same esbuild settings as dist/simdnet.js, from the same
// sources and the same build/*.wasm, so the code timed is the code shipped.
export * from '../src/index.ts';
export { withTape } from '../src/core/engine.ts';
export { wasmMemory } from '../src/backend/wasm.ts';
