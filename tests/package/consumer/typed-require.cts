// The same package seen from a CommonJS TypeScript file (require's types, the .d.cts).
import sn = require('simdnet');

export const shape: readonly number[] = sn.zeros([2, 3]).shape;

import onnx = require('simdnet/onnx');
export const exporter: typeof onnx.toOnnx = onnx.toOnnx;
