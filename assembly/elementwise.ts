// Kernels for elementwise (see src/ops or src/optimizers for the facade).
