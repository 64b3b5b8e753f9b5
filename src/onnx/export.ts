// toOnnx: a simdnet Sequential model to an ONNX file. simdnet computes in NHWC; ONNX's operators are
// NCHW, so every 4-D tensor is written in NCHW ('nchw': the ONNX tensor is simdnet's transposed by
// [0, 3, 1, 2]) and converted only where simdnet's own order matters: before a Flatten (simdnet flattens
// H,W,C) and at an NHWC edge. Conv kernels go from [kh, kw, cin, cout] to OIHW, dense kernels stay
// [in, out] (Gemm without transB), 'same' padding becomes the explicit pads it stands for.
import * as sn from '../index.js';
import { writeModel, type AttributeOut, type NodeOut, type TensorOut } from './proto.js';
import { fail } from './errors.js';
// geometry.ts's arithmetic core (geometry.ts itself would bundle the whole core into simdnet/onnx).
import { windowAxis } from '../ops/window-axis.js';

export interface ToOnnxOptions {
  /** The ONNX opset to write, 11 to 23. Default 13. */
  opset?: number;
  /**
   * 'nchw' (default): 4-D inputs and outputs are declared NCHW, as ONNX consumers expect. 'nhwc': they
   * keep simdnet's NHWC, with transposes inside the graph.
   */
  inputLayout?: 'nchw' | 'nhwc';
  /** Names of the graph's input and output. Default 'input' and 'output'. */
  inputName?: string;
  outputName?: string;
}

type Layout = 'plain' | 'nchw';

interface Flow {
  name: string;
  layout: Layout;
  /** simdnet's shape (batch null). */
  shape: (number | null)[];
}

/** The ONNX IR version that goes with each opset (ONNX's release table). */
function irVersionFor(opset: number): number {
  if (opset <= 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  return 11;
}

class Writer {
  readonly nodes: NodeOut[] = [];
  readonly initializers: TensorOut[] = [];
  private counter = 0;

  constructor(private readonly opset: number) {}

  fresh(base: string): string {
    return `${base}_${++this.counter}`;
  }

  node(opType: string, name: string, inputs: string[], attributes: AttributeOut[] = []): string {
    const out = this.fresh(`${name}/${opType}`);
    this.nodes.push({ opType, name: `${name}/${opType}`, inputs, outputs: [out], attributes });
    return out;
  }

  weight(name: string, dims: number[], values: Float32Array): string {
    this.initializers.push({ name, dims, float: values });
    return name;
  }

  /** simdnet's activation names as ONNX nodes; `channelsAxis` is where softmax runs. */
  activation(flow: Flow, activation: string, layer: string): Flow {
    if (activation === 'linear') return flow;
    const op = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', softmax: 'Softmax' }[activation];
    if (!op) fail('toOnnx', `${layer}: activation '${activation}' has no ONNX equivalent here`);
    let attrs: AttributeOut[] = [];
    if (op === 'Softmax') {
      if (flow.layout === 'nchw' && this.opset < 13)
        fail('toOnnx', `${layer}: softmax over channels of a 4-D tensor needs opset 13 or later`);
      attrs = [{ name: 'axis', i: flow.layout === 'nchw' ? 1 : -1 }];
    }
    return { ...flow, name: this.node(op, layer, [flow.name], attrs) };
  }

  /** Makes a 4-D flow NCHW. */
  toNchw(flow: Flow, layer: string): Flow {
    if (flow.layout === 'nchw') return flow;
    if (flow.shape.length !== 4) fail('toOnnx', `${layer}: expects a 4-D input; got rank ${flow.shape.length}`);
    return {
      ...flow,
      layout: 'nchw',
      name: this.node('Transpose', layer, [flow.name], [{ name: 'perm', ints: [0, 3, 1, 2] }]),
    };
  }

  /** Makes a flow hold simdnet's own order. */
  toPlain(flow: Flow, layer: string): Flow {
    if (flow.layout === 'plain') return flow;
    return {
      ...flow,
      layout: 'plain',
      name: this.node('Transpose', layer, [flow.name], [{ name: 'perm', ints: [0, 2, 3, 1] }]),
    };
  }
}

async function weightsOf(layer: sn.Layer): Promise<Float32Array[]> {
  const tensors = layer.getWeights();
  try {
    return tensors.map((t) => t.dataSync() as Float32Array);
  } finally {
    for (const t of tensors) t.dispose();
  }
}

async function convert(w: Writer, layer: sn.Layer, flows: Flow[]): Promise<Flow> {
  const c = layer.getConfig() as Record<string, any>;
  const name = layer.name;
  const out = layer.outputShape;
  const flow = flows[0];
  switch (layer.className) {
    case 'Add': {
      // Operands in one layout: NCHW if any is.
      const ins = flows.some((f) => f.layout === 'nchw') ? flows.map((f) => w.toNchw(f, name)) : flows;
      let y = ins[0].name;
      for (const other of ins.slice(1)) y = w.node('Add', name, [y, other.name]);
      return { name: y, layout: ins[0].layout, shape: out };
    }
    case 'Concatenate': {
      const rank = out.length;
      const axis = (c.axis as number) < 0 ? rank + (c.axis as number) : (c.axis as number);
      const nchw = rank === 4 && flows.some((f) => f.layout === 'nchw');
      const ins = nchw ? flows.map((f) => w.toNchw(f, name)) : flows.map((f) => w.toPlain(f, name));
      // simdnet's axis in NHWC; the same axis of an NCHW tensor is [0, 2, 3, 1][axis].
      const onnxAxis = nchw ? [0, 2, 3, 1][axis] : axis;
      const y = w.node(
        'Concat',
        name,
        ins.map((f) => f.name),
        [{ name: 'axis', i: onnxAxis }],
      );
      return { name: y, layout: nchw ? 'nchw' : 'plain', shape: out };
    }
    case 'DepthwiseConv2D': {
      const x = w.toNchw(flow, name);
      const [, h, wd, cin] = flow.shape as number[];
      const [kh, kw] = c.kernelSize as number[];
      const mult = c.depthMultiplier as number;
      const cout = cin * mult;
      const [kernel, bias] = await weightsOf(layer);
      // [kh, kw, cin, mult] -> [cin * mult, 1, kh, kw]: output channel c * mult + m, as ONNX's groups.
      const w4 = new Float32Array(kernel.length);
      for (let y = 0; y < kh; y++)
        for (let xx = 0; xx < kw; xx++)
          for (let o = 0; o < cout; o++) w4[(o * kh + y) * kw + xx] = kernel[(y * kw + xx) * cout + o];
      const inputs = [x.name, w.weight(`${name}/depthwise_kernel`, [cout, 1, kh, kw], w4)];
      if (bias) inputs.push(w.weight(`${name}/bias`, [cout], bias));
      const pads = padsOf(c.padding, [h, wd], [kh, kw], c.strides, c.dilationRate);
      const y = w.node('Conv', name, inputs, [
        { name: 'kernel_shape', ints: [kh, kw] },
        { name: 'strides', ints: c.strides },
        { name: 'dilations', ints: c.dilationRate },
        { name: 'pads', ints: pads },
        { name: 'group', i: cin },
      ]);
      return w.activation({ name: y, layout: 'nchw', shape: out }, c.activation, name);
    }
    case 'BatchNormalization': {
      if (flow.shape.length !== 4)
        fail('toOnnx', `${layer.label}: only batch normalization of 4-D tensors is exported`);
      const x = w.toNchw(flow, name);
      const ch = flow.shape[3] as number;
      const values = await weightsOf(layer);
      let k = 0;
      const gamma = c.scale === false ? new Float32Array(ch).fill(1) : values[k++];
      const beta = c.center === false ? new Float32Array(ch) : values[k++];
      const [mean, variance] = [values[k], values[k + 1]];
      const inputs = [
        x.name,
        w.weight(`${name}/gamma`, [ch], gamma),
        w.weight(`${name}/beta`, [ch], beta),
        w.weight(`${name}/moving_mean`, [ch], mean),
        w.weight(`${name}/moving_variance`, [ch], variance),
      ];
      const y = w.node('BatchNormalization', name, inputs, [{ name: 'epsilon', f: c.epsilon as number }]);
      return { name: y, layout: 'nchw', shape: out };
    }
    case 'Conv2D': {
      const x = w.toNchw(flow, name);
      const [, h, wd, cin] = flow.shape as number[];
      const [kh, kw] = c.kernelSize as number[];
      const cout = c.filters as number;
      const [kernel, bias] = await weightsOf(layer);
      const oihw = new Float32Array(kernel.length);
      for (let y = 0; y < kh; y++)
        for (let xx = 0; xx < kw; xx++)
          for (let i = 0; i < cin; i++)
            for (let o = 0; o < cout; o++)
              oihw[((o * cin + i) * kh + y) * kw + xx] = kernel[((y * kw + xx) * cin + i) * cout + o];
      const inputs = [x.name, w.weight(`${name}/kernel`, [cout, cin, kh, kw], oihw)];
      if (bias) inputs.push(w.weight(`${name}/bias`, [cout], bias));
      const pads = padsOf(c.padding, [h, wd], [kh, kw], c.strides, c.dilationRate);
      const y = w.node('Conv', name, inputs, [
        { name: 'kernel_shape', ints: [kh, kw] },
        { name: 'strides', ints: c.strides },
        { name: 'dilations', ints: c.dilationRate },
        { name: 'pads', ints: pads },
        { name: 'group', i: 1 },
      ]);
      return w.activation({ name: y, layout: 'nchw', shape: out }, c.activation, name);
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const x = w.toNchw(flow, name);
      const [, h, wd] = flow.shape as number[];
      const pads = padsOf(c.padding, [h, wd], c.poolSize, c.strides, [1, 1]);
      const attrs: AttributeOut[] = [
        { name: 'kernel_shape', ints: c.poolSize },
        { name: 'strides', ints: c.strides },
        { name: 'pads', ints: pads },
      ];
      if (c.ceilMode) attrs.push({ name: 'ceil_mode', i: 1 });
      // simdnet's 'same' average is over the cells inside the input; explicit padding says which.
      if (layer.className === 'AveragePooling2D')
        attrs.push({ name: 'count_include_pad', i: c.countIncludePad ? 1 : 0 });
      const op = layer.className === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool';
      return { name: w.node(op, name, [x.name], attrs), layout: 'nchw', shape: out };
    }
    case 'GlobalAveragePooling2D': {
      const x = w.toNchw(flow, name);
      const pooled = w.node('GlobalAveragePool', name, [x.name]);
      return { name: w.node('Flatten', name, [pooled], [{ name: 'axis', i: 1 }]), layout: 'plain', shape: out };
    }
    case 'Flatten': {
      if (flow.shape.length === 2) return flow;
      const [, h, wd, ch] = flow.shape as number[];
      // simdnet flattens in H,W,C order; the same order in NCHW needs a transpose first, unless one of the
      // orders is trivial.
      const x = flow.shape.length === 4 && (ch === 1 || h * wd === 1) ? flow : w.toPlain(flow, name);
      return { name: w.node('Flatten', name, [x.name], [{ name: 'axis', i: 1 }]), layout: 'plain', shape: out };
    }
    case 'Dense': {
      if (flow.shape.length !== 2)
        fail('toOnnx', `${layer.label}: Dense on rank-${flow.shape.length} inputs is not supported`);
      const [kernel, bias] = await weightsOf(layer);
      const [k, m] = [flow.shape[1] as number, c.units as number];
      const inputs = [flow.name, w.weight(`${name}/kernel`, [k, m], kernel)];
      if (bias) inputs.push(w.weight(`${name}/bias`, [m], bias));
      const y = w.node('Gemm', name, inputs, [
        { name: 'alpha', f: 1 },
        { name: 'beta', f: 1 },
      ]);
      return w.activation({ name: y, layout: 'plain', shape: out }, c.activation, name);
    }
    case 'Activation':
      return w.activation(flow, c.activation, name);
    case 'Dropout':
      return flow;
    case 'Permute': {
      const q = [0, ...(c.dims as number[])];
      if (flow.layout === 'plain' && q.join() === '0,2,3,1') return { ...flow, layout: 'nchw', shape: out };
      // An 'nchw' flow's ONNX axis j is simdnet's axis [0, 3, 1, 2][j].
      const r = flow.layout === 'nchw' ? q.map((a) => [0, 2, 3, 1][a]) : q;
      if (r.every((v, i) => v === i)) return { ...flow, layout: 'plain', shape: out };
      return { name: w.node('Transpose', name, [flow.name], [{ name: 'perm', ints: r }]), layout: 'plain', shape: out };
    }
    default:
      fail('toOnnx', `${layer.label}: layer class '${layer.className}' cannot be exported yet`);
  }
}

function padsOf(
  padding: unknown,
  hw: [number, number],
  k: [number, number],
  strides: [number, number],
  dilation: [number, number],
): number[] {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding === 'same') {
    const y = windowAxis(hw[0], k[0], strides[0], dilation[0], 'same');
    const x = windowAxis(hw[1], k[1], strides[1], dilation[1], 'same');
    return [y.before, x.before, y.after, x.after];
  }
  if (Array.isArray(padding) && padding.length === 2) {
    const [[t, b], [l, r]] = padding as [[number, number], [number, number]];
    return [t, l, b, r];
  }
  fail('toOnnx', `padding ${JSON.stringify(padding)} cannot be exported`);
}

/**
 * Writes a Sequential model as an ONNX file (a Uint8Array). 4-D inputs and outputs are NCHW unless
 * inputLayout is 'nhwc'; the batch dimension is symbolic ('batch').
 */
/** The model as layers in order, each with the names of the layers (or 'input') it reads. */
function graphOf(model: sn.Sequential | sn.Functional, fn: string): { layer: sn.Layer; inputs: string[] }[] {
  if (model instanceof sn.Sequential)
    return model.layers.map((layer, i, all) => ({ layer, inputs: [i === 0 ? '' : all[i - 1].name] }));
  const config = model.getConfig();
  if (config.inputLayers.length !== 1 || config.outputLayers.length !== 1)
    fail(
      fn,
      `only models with one input and one output can be exported; ${model.name} has ${config.inputLayers.length} and ${config.outputLayers.length}`,
    );
  const inputLayer = config.inputLayers[0][0];
  const steps = config.layers
    .filter((l) => l.className !== 'InputLayer')
    .map((l) => {
      if (l.inboundNodes.length !== 1)
        fail(fn, `layer '${l.config.name}' is applied ${l.inboundNodes.length} times; shared layers are not exported`);
      return {
        layer: model.getLayer(l.config.name),
        inputs: l.inboundNodes[0].map((ref) => (ref[0] === inputLayer ? '' : ref[0])),
      };
    });
  const output = config.outputLayers[0][0];
  if (steps.length === 0 || steps[steps.length - 1].layer.name !== output)
    fail(fn, `the output layer '${output}' must come last in the model's layer order`);
  return steps;
}

export async function toOnnx(model: sn.Sequential | sn.Functional, options: ToOnnxOptions = {}): Promise<Uint8Array> {
  const fn = 'toOnnx';
  if (!(model instanceof sn.Sequential) && !(model instanceof sn.Functional))
    fail(fn, `argument 'model' must be a simdnet Sequential or functional model`);
  if (options === null || typeof options !== 'object') fail(fn, `argument 'options' must be an object`);
  const known = ['opset', 'inputLayout', 'inputName', 'outputName'];
  for (const k of Object.keys(options))
    if (!known.includes(k)) fail(fn, `unknown option '${k}'; known options: ${known.join(', ')}`);
  const opset = options.opset ?? 13;
  if (!Number.isInteger(opset) || opset < 11 || opset > 23)
    fail(fn, `option 'opset' must be an integer from 11 to 23; got ${JSON.stringify(opset)}`);
  const layout = options.inputLayout ?? 'nchw';
  if (layout !== 'nchw' && layout !== 'nhwc')
    fail(fn, `option 'inputLayout' must be 'nchw' or 'nhwc'; got ${JSON.stringify(layout)}`);
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'output';
  if (model.layers.length === 0) fail(fn, 'the model has no layers');
  const steps = graphOf(model, fn);

  const w = new Writer(opset);
  const inShape = model.inputShape;
  // A 4-D input is an NHWC image; by default the file takes it NCHW, which the graph reads as is.
  let flow: Flow = {
    name: inputName,
    layout: inShape.length === 4 && layout === 'nchw' ? 'nchw' : 'plain',
    shape: inShape,
  };
  let declared = inShape.slice(1) as number[];
  if (flow.layout === 'nchw') {
    const readers = steps.filter((st) => st.inputs.includes(''));
    const first = readers[0].layer;
    if (
      readers.length === 1 &&
      first.className === 'Permute' &&
      (first.getConfig().dims as number[]).join() === '2,3,1'
    ) {
      // The model already takes NCHW (a model that loadOnnx made): the ONNX input is its own input, which
      // the Permute turns into the NCHW-in-NHWC flow at no cost.
      flow = { name: inputName, layout: 'plain', shape: inShape };
    } else declared = [declared[2], declared[0], declared[1]];
  }
  const flows = new Map<string, Flow>([['', flow]]);
  for (const { layer, inputs } of steps) {
    flow = await convert(
      w,
      layer,
      inputs.map((i) => flows.get(i)!),
    );
    flows.set(layer.name, flow);
  }
  if (flow.shape.length === 4 && layout === 'nhwc') flow = w.toPlain(flow, 'output');
  const outDims = flow.shape.slice(1) as number[];
  const outShape = flow.layout === 'nchw' ? [outDims[2], outDims[0], outDims[1]] : outDims;
  const last = w.nodes[w.nodes.length - 1];
  if (last && last.outputs[0] === flow.name) last.outputs[0] = outputName;
  else w.nodes.push({ opType: 'Identity', name: 'output/Identity', inputs: [flow.name], outputs: [outputName] });

  return writeModel({
    irVersion: irVersionFor(opset),
    opset,
    producerName: 'simdnet',
    producerVersion: '0.1.0',
    graphName: model.name,
    nodes: w.nodes,
    initializers: w.initializers,
    inputs: [{ name: inputName, dims: ['batch', ...declared] }],
    outputs: [{ name: outputName, dims: ['batch', ...outShape] }],
  });
}
