// Kernels for optimizers (see src/ops or src/optimizers for the facade).
