// The operators loadOnnx knows, each with the function that plans it. checkModel lists them before any
// weight is decoded, so an unsupported operator fails first.
import type { NodeProto } from './proto.js';
import type { Attributes } from './attributes.js';
import type { Planner } from './plan.js';
import { decodeTensor } from './tensors.js';
import { conv, globalPool, padOp, pool, reduce } from './convert-window.js';
import { concat, flatten, reshape, transpose } from './convert-shape.js';
import { arithmetic, batchNorm, gemm } from './convert-affine.js';
import { activation, clip, leakyRelu, softmax } from './convert-activation.js';

type Converter = (p: Planner, node: NodeProto, at: Attributes) => void;

function constantNode(p: Planner, node: NodeProto, at: Attributes): void {
  const attr = node.attributes[0];
  if (node.attributes.length !== 1 || !attr) p.err('expected exactly one value attribute');
  const set = (dims: number[], values: Float32Array | Float64Array) => p.setConstant(node.outputs[0], { dims, values });
  if (attr.name === 'value' && attr.t) set(attr.t.dims.slice(), decodeTensor(attr.t));
  else if (attr.name === 'value_float') set([], Float32Array.of(at.float('value_float', 0)));
  else if (attr.name === 'value_floats') set([attr.floats.length], Float32Array.from(attr.floats));
  else if (attr.name === 'value_int') set([], Float64Array.of(attr.i));
  else if (attr.name === 'value_ints') set([attr.ints.length], Float64Array.from(attr.ints));
  else p.err(`constant attribute '${attr.name}' is not supported`);
}

/** Identity, and Dropout in inference (which is the identity). */
function passThrough(p: Planner, node: NodeProto): void {
  if (node.opType === 'Dropout' && node.inputs.length > 2 && node.inputs[2] !== '') {
    const training = p.constant(node.inputs[2], 'training_mode').values[0];
    if (training) p.err('training_mode is true; export the model in eval mode');
  }
  p.setOutput(node, p.flowing(node));
}

const named =
  (name: 'relu' | 'sigmoid' | 'tanh'): Converter =>
  (p, node) =>
    activation(p, node, name, p.flowing(node));

export const CONVERTERS: Record<string, Converter> = {
  Conv: conv,
  MaxPool: pool,
  AveragePool: pool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  ReduceMean: reduce,
  ReduceMax: reduce,
  Pad: padOp,
  Gemm: gemm,
  MatMul: gemm,
  Add: arithmetic,
  Sub: arithmetic,
  Mul: arithmetic,
  Div: arithmetic,
  BatchNormalization: batchNorm,
  Relu: named('relu'),
  Sigmoid: named('sigmoid'),
  Tanh: named('tanh'),
  LeakyRelu: leakyRelu,
  Clip: clip,
  Softmax: softmax,
  Flatten: (p, node, at) => flatten(p, node, p.flowing(node), at.int('axis', 1)),
  Reshape: reshape,
  Transpose: transpose,
  Concat: concat,
  Dropout: passThrough,
  Identity: passThrough,
  Constant: constantNode,
};

/** The operators loadOnnx knows, in the order error messages list them. */
export const SUPPORTED_OPS = Object.keys(CONVERTERS);
