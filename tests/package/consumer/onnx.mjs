// simdnet/onnx from the installed package: the cross-correlation as a one-layer model, exported with
// toOnnx and loaded back with loadOnnx, runs on the same simdnet instance as the user's own import.
import * as sn from 'simdnet';
import { loadOnnx, toOnnx } from 'simdnet/onnx';

await sn.ready();
const model = sn.sequential({
  layers: [sn.layers.conv2d({ filters: 1, kernelSize: 2, useBias: false, inputShape: [3, 3, 1] })],
});
model.setWeights([sn.tensor([0, 1, 2, 3], [2, 2, 1, 1])]);
const loaded = await loadOnnx(await toOnnx(model));
const y = loaded.predict(sn.tensor([0, 1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 3, 3])); // NCHW, as ONNX declares it
console.log(JSON.stringify(y.reshape([2, 2]).array()).replaceAll(',', ', '));
