// Type-checked in strict mode against the installed package's declarations: tensors, a model and fit.
import * as sn from 'simdnet';
import { loadOnnx, toOnnx } from 'simdnet/onnx';

export async function train(): Promise<number[]> {
  await sn.ready();
  const x: sn.Tensor = sn.randomNormal([8, 6, 6, 1], { seed: 1 });
  const y: sn.Tensor = sn.tensor([0, 1, 0, 1, 0, 1, 0, 1], [8], 'int32');
  const model = sn.sequential({
    seed: 1,
    layers: [
      sn.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1] }),
      sn.layers.flatten(),
      sn.layers.dense({ units: 2 }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const history = await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
  const losses: number[] = history.history.loss;
  const shape: readonly number[] = sn.conv2d(x, sn.ones([3, 3, 1, 1])).shape;
  return [...losses, ...shape];
}

export async function roundTrip(model: sn.Sequential): Promise<sn.Tensor> {
  const loaded = await loadOnnx(await toOnnx(model, { opset: 13 }), { inputLayout: 'nhwc' });
  return loaded.predict(sn.zeros([1, 6, 6, 1])) as sn.Tensor;
}
