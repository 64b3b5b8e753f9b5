// Kernels for activations (see src/ops or src/optimizers for the facade).
