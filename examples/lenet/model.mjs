// The seed's PyTorch LeNet (the CIFAR-10 tutorial network) in Keras terms:
//   Conv(6, 5x5, relu) → MaxPool(2) → Conv(16, 5x5, relu) → MaxPool(2) → Flatten
//   → Dense(120, relu) → Dense(84, relu) → Dense(10)
// On 32x32x3 (CIFAR-10) it has the tutorial's 62,006 parameters; on 28x28x1 (Fashion-MNIST) 44,426.
import * as sn from 'simdnet';

export function lenet({ inputShape = [28, 28, 1], seed, name } = {}) {
  return sn.sequential({
    name,
    seed,
    layers: [
      sn.layers.conv2d({ filters: 6, kernelSize: 5, activation: 'relu', inputShape }),
      sn.layers.maxPooling2d({ poolSize: 2 }),
      sn.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
      sn.layers.maxPooling2d({ poolSize: 2 }),
      sn.layers.flatten(),
      sn.layers.dense({ units: 120, activation: 'relu' }),
      sn.layers.dense({ units: 84, activation: 'relu' }),
      sn.layers.dense({ units: 10 }),
    ],
  });
}

/** SGD with learning rate 0.01 and momentum 0.9, cross-entropy on the logits (PyTorch's CrossEntropyLoss). */
export function compileLenet(model) {
  model.compile({
    optimizer: sn.train.sgd({ learningRate: 0.01, momentum: 0.9 }),
    loss: sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    metrics: ['accuracy'],
  });
  return model;
}
