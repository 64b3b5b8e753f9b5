// Kernels for pool (see src/ops or src/optimizers for the facade).
