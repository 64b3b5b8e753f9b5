// Kernels for reduce (see src/ops or src/optimizers for the facade).
