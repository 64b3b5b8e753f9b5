// The kernel module: every export takes pointers (byte offsets into the shared memory) and sizes.
// Kernels allocate nothing; the TypeScript facade owns all memory. One file per op family, named after it.
export function heapBase(): usize {
  return __heap_base;
}
export * from './accumulate';
export * from './gemm';
export * from './conv2d';
export * from './pool';
export * from './elementwise';
export * from './activations';
export * from './leaky-relu';
export * from './softmax';
export * from './reduce';
export * from './batchnorm';
export * from './depthwise';
export * from './concat';
export * from './pad';
export * from './optimizers';
export * from './transpose';
