// The seed's Keras model for Fashion-MNIST, layer for layer:
//   Conv2D(32, 3, relu) → MaxPooling2D(2) → Conv2D(64, 3, relu) → MaxPooling2D(2) → Conv2D(64, 3, relu)
//   → Flatten → Dense(64, relu) → Dense(10)        (input 28x28x1, 93,322 parameters, logits out)
import * as sn from 'simdnet';

export function kerasCnn({ seed, name } = {}) {
  return sn.sequential({
    name,
    seed,
    layers: [
      sn.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      sn.layers.maxPooling2d({ poolSize: 2 }),
      sn.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      sn.layers.maxPooling2d({ poolSize: 2 }),
      sn.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      sn.layers.flatten(),
      sn.layers.dense({ units: 64, activation: 'relu' }),
      sn.layers.dense({ units: 10 }),
    ],
  });
}

/** Keras's compile call from the seed: Adam (learning rate 0.001), sparse cross-entropy from logits. */
export function compileKerasCnn(model) {
  model.compile({
    optimizer: 'adam',
    loss: sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    metrics: ['accuracy'],
  });
  return model;
}
