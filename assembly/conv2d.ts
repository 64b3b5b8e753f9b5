// Kernels for conv2d (see src/ops or src/optimizers for the facade).
