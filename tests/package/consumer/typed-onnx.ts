// Type-checked against the installed declarations: simdnet/onnx's functions take and return the core's types.
import * as sn from 'simdnet';
import { loadOnnx, toOnnx, type LoadOnnxOptions } from 'simdnet/onnx';

export async function roundTrip(model: sn.Sequential): Promise<sn.Tensor> {
  const options: LoadOnnxOptions = { inputLayout: 'nhwc' };
  const bytes: Uint8Array = await toOnnx(model, { opset: 13 });
  const loaded: sn.Sequential = await loadOnnx(bytes, options);
  return loaded.predict(sn.zeros([1, 5, 5, 1]));
}
