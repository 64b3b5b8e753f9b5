// Kernels for gemm (see src/ops or src/optimizers for the facade).
