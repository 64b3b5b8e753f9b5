// Bench-only entry bundling TF.js for Node: tfjs-core with its gradients, the cpu backend and the wasm
// backend, in ONE copy of tfjs-core. Why a bundle: tfjs-core's Node build (tf-core.node.js) registers no
// gradients (the @tensorflow/tfjs union package adds them), and the ESM file that registers them
// cannot be loaded by Node directly (extensionless imports). bench/impl/tfjs.mjs bundles this with
// esbuild from the packages' ES module sources (their `module` field), as an application bundler would.
export * from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
export * as wasmBackend from '@tensorflow/tfjs-backend-wasm';
