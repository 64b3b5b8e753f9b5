// The two models the page trains; the same layers as examples/keras-cnn and examples/lenet.
import * as sn from 'simdnet';
import type { ModelKind } from './protocol.js';

export function buildModel(kind: ModelKind, seed: number): sn.Sequential {
  const loss = sn.losses.sparseCategoricalCrossentropy({ fromLogits: true });
  if (kind === 'lenet') {
    const model = sn.sequential({
      name: 'lenet',
      seed,
      layers: [
        sn.layers.conv2d({ filters: 6, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] }),
        sn.layers.maxPooling2d({ poolSize: 2 }),
        sn.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
        sn.layers.maxPooling2d({ poolSize: 2 }),
        sn.layers.flatten(),
        sn.layers.dense({ units: 120, activation: 'relu' }),
        sn.layers.dense({ units: 84, activation: 'relu' }),
        sn.layers.dense({ units: 10 }),
      ],
    });
    model.compile({ optimizer: sn.train.sgd({ learningRate: 0.01, momentum: 0.9 }), loss, metrics: ['accuracy'] });
    return model;
  }
  const model = sn.sequential({
    name: 'keras_cnn',
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
  model.compile({ optimizer: 'adam', loss, metrics: ['accuracy'] });
  return model;
}
