// loadOnnx: an ONNX file to a simdnet model. Parse, check the whole model, plan the layers in JS, and
// only then create layers and weights in WASM memory (and free them again if anything fails).
import * as sn from '../index.js';
import { readModel } from './proto.js';
import { OnnxError, fail } from './errors.js';
import { checkModel } from './checks.js';
import { Planner } from './plan.js';
import type { Spec } from './specs.js';

export interface LoadOnnxOptions {
  /**
   * 'nchw' (default): predict takes the graph's input as declared (NCHW for PyTorch exports) and the
   * model transposes it at its edge. 'nhwc': the caller already holds NHWC data, and the edge transpose
   * is left out.
   */
  inputLayout?: 'nchw' | 'nhwc';
  /** The model's name (default: simdnet's 'sequential_N'). */
  name?: string;
}

function toBytes(data: unknown, fn: string): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  fail(
    fn,
    `argument 'bytes' must be a Uint8Array or ArrayBuffer with the .onnx file's contents; got ${data === null ? 'null' : typeof data}`,
  );
}

function layerOf(spec: Spec, inputShape: number[] | undefined): sn.Layer {
  const first = inputShape ? { inputShape } : {};
  const L = sn.layers;
  switch (spec.kind) {
    case 'permute':
      return L.permute({ dims: spec.dims, ...first });
    case 'conv2d':
    case 'depthwiseConv2d': {
      const { kernelSize, strides, dilationRate, padding, activation } = spec;
      const common = { kernelSize, strides, dilationRate, padding, activation, useBias: spec.bias !== null, ...first };
      return spec.kind === 'conv2d'
        ? L.conv2d({ filters: spec.filters, kernelInitializer: 'zeros', ...common })
        : L.depthwiseConv2d({ depthMultiplier: spec.depthMultiplier, depthwiseInitializer: 'zeros', ...common });
    }
    case 'maxPooling2d': {
      const { poolSize, strides, padding, ceilMode } = spec;
      return L.maxPooling2d({ poolSize, strides, padding, ceilMode, ...first });
    }
    case 'averagePooling2d': {
      const { poolSize, strides, padding, ceilMode, countIncludePad } = spec;
      return L.averagePooling2d({ poolSize, strides, padding, ceilMode, countIncludePad, ...first });
    }
    case 'conv1d': {
      const { filters, kernelSize, strides, dilationRate, padding, activation } = spec;
      const args = { filters, kernelSize, strides, dilationRate, padding, activation, useBias: spec.bias !== null };
      return L.conv1d({ ...args, kernelInitializer: 'zeros', ...first });
    }
    case 'maxPooling1d':
    case 'averagePooling1d': {
      const { poolSize, strides, padding } = spec;
      return (spec.kind === 'maxPooling1d' ? L.maxPooling1d : L.averagePooling1d)({
        poolSize,
        strides,
        padding,
        ...first,
      });
    }
    case 'globalAveragePooling1d':
      return L.globalAveragePooling1d(first);
    case 'globalAveragePooling2d':
      return L.globalAveragePooling2d(first);
    case 'globalMaxPooling2d':
      return L.globalMaxPooling2d(first);
    case 'zeroPadding2d':
      return L.zeroPadding2d({ padding: spec.padding, ...first });
    case 'flatten':
      return L.flatten(first);
    case 'reshape':
      return L.reshape({ targetShape: spec.targetShape, ...first });
    case 'dense':
      return L.dense({
        units: spec.units,
        activation: spec.activation,
        useBias: spec.bias !== null,
        kernelInitializer: 'zeros',
        ...first,
      });
    case 'activation':
      return L.activation({ activation: spec.activation, ...first });
    case 'leakyReLU':
      return L.leakyReLU({ alpha: spec.alpha, ...first });
    case 'clip':
      return L.clip({ min: spec.min, max: spec.max, ...first });
    case 'rescaling': {
      const one = (v: number[]) => (v.length === 1 ? v[0] : v);
      return L.rescaling({ scale: one(spec.scale), offset: one(spec.offset), ...first });
    }
    case 'batchNormalization':
      return L.batchNormalization({ epsilon: spec.epsilon, ...first });
    case 'add':
      return L.add();
    case 'concatenate':
      return L.concatenate({ axis: spec.axis });
  }
}

/** Symbolic tensors of functional models, as apply() takes and returns them. */
type Symbolic = sn.SymbolicTensor;

/** The weights a spec carries, as tensors in the layer's order. */
function weightsOf(spec: Spec, layer: sn.Layer): sn.Tensor[] {
  const shapes = layer.weights.map((w) => w.shape.slice());
  if (spec.kind === 'batchNormalization')
    return [spec.gamma, spec.beta, spec.mean, spec.variance].map((v, i) => sn.tensor(v, shapes[i]));
  if (spec.kind !== 'conv2d' && spec.kind !== 'dense' && spec.kind !== 'depthwiseConv2d' && spec.kind !== 'conv1d')
    return [];
  const out = [sn.tensor(spec.kernel, shapes[0])];
  if (spec.bias) out.push(sn.tensor(spec.bias, shapes[1]));
  return out;
}

/**
 * Loads an ONNX model (opset 11 to 23) as a simdnet model whose predict takes the graph's input as
 * declared and returns its output. Throws before creating anything when the file is malformed, uses an
 * unsupported operator, or has a feature simdnet cannot represent.
 */
export async function loadOnnx(
  bytes: Uint8Array | ArrayBuffer,
  options: LoadOnnxOptions = {},
): Promise<sn.Sequential | sn.Functional> {
  const fn = 'loadOnnx';
  const data = toBytes(bytes, fn);
  if (options === null || typeof options !== 'object') fail(fn, `argument 'options' must be an object`);
  const known = ['inputLayout', 'name'];
  for (const k of Object.keys(options))
    if (!known.includes(k)) fail(fn, `unknown option '${k}'; known options: ${known.join(', ')}`);
  const inputLayout = options.inputLayout ?? 'nchw';
  if (inputLayout !== 'nchw' && inputLayout !== 'nhwc')
    fail(fn, `option 'inputLayout' must be 'nchw' or 'nhwc'; got ${JSON.stringify(inputLayout)}`);
  await sn.ready();

  let model;
  try {
    model = readModel(data);
  } catch (e) {
    if (e instanceof OnnxError) throw e;
    fail(fn, `the file is not a valid ONNX protobuf (${(e as Error).message}); is it truncated or corrupt?`);
  }
  checkModel(model, fn);
  const plan = new Planner(model, { inputLayout }, fn).plan();
  const steps = plan.steps;
  const chain = steps.every((st, i) => st.inputs.length === 1 && st.inputs[0] === (i === 0 ? 0 : steps[i - 1].output));
  const named = options.name ? { name: options.name } : {};

  const layers: sn.Layer[] = [];
  let result: sn.Sequential | sn.Functional;
  try {
    if (chain) {
      steps.forEach((spec, i) => layers.push(layerOf(spec, i === 0 ? plan.inputShape : undefined)));
      result = sn.sequential({ layers, ...named });
    } else {
      // A graph with branches: a functional model, each layer applied to the symbolic tensors it reads.
      const tensors = new Map<number, Symbolic>([[0, sn.input({ shape: plan.inputShape })]]);
      for (const st of steps) {
        const layer = layerOf(st, undefined);
        layers.push(layer);
        const ins = st.inputs.map((t) => tensors.get(t)!);
        const apply = layer.apply as unknown as (v: Symbolic | Symbolic[]) => Symbolic;
        tensors.set(st.output, apply.call(layer, ins.length === 1 ? ins[0] : ins));
      }
      result = sn.model({ inputs: tensors.get(0)!, outputs: tensors.get(plan.output)!, ...named });
    }
    for (let i = 0; i < layers.length; i++) {
      const weights = weightsOf(steps[i], layers[i]);
      try {
        if (weights.length) layers[i].setWeights(weights);
      } finally {
        for (const w of weights) w.dispose();
      }
    }
    return result;
  } catch (e) {
    for (const l of layers) l.dispose();
    throw e;
  }
}
