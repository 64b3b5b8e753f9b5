// Bench-only entry point: simdnet's public API plus the internals the bench (and tests/unit/threads) need.
//  - withTape (src/core/engine.ts) lets the bench record one op's forward and then time that op's backward
//    alone, without the forward that sn.grads would run every time.
//  - wasmMemory (src/backend/wasm.ts) lets the bench check that simdnet and TF.js's wasm backend work in
//    different WebAssembly memories.
//  - runParallel and workerHandles (src/backend/threads/pool.ts) let tests/unit/threads.test.mjs make a
//    kernel fail in a worker, and stop a worker, which no public op can do.
// bench/simdnet-bundle.mjs bundles this with the same esbuild settings as dist/simdnet.js, from the same
// sources and the same build/*.wasm, so the code timed is the code shipped.
export * from '../src/index.ts';
export { withTape } from '../src/core/engine.ts';
export { wasmMemory } from '../src/backend/wasm.ts';
export { runParallel, workerHandles } from '../src/backend/threads/pool.ts';
