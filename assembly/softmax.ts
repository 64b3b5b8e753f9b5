// Kernels for softmax (see src/ops or src/optimizers for the facade).
