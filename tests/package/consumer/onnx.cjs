// simdnet/onnx through the installed package: a model written with toOnnx and read back with loadOnnx
// predicts what the original does, on tensors made by the 'simdnet' import (one shared WASM memory).
const sn = require('simdnet');
const { loadOnnx, toOnnx } = require('simdnet/onnx');

(async () => {
  await sn.ready();
  const model = sn.sequential({
    seed: 1,
    layers: [sn.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [5, 5, 1] }), sn.layers.flatten()],
  });
  const copy = await loadOnnx(await toOnnx(model, { inputLayout: 'nhwc' }), { inputLayout: 'nhwc' });
  const x = sn.randomNormal([2, 5, 5, 1], { seed: 2 });
  const a = model.predict(x).dataSync();
  const b = copy.predict(x).dataSync();
  console.log(
    a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) < 1e-6) ? 'onnx round trip ok' : 'onnx mismatch',
  );
})();
