// Each simdnet layer class as ONNX nodes (see export-writer.ts for the layouts). Conv kernels go from
// simdnet's [k..., cin, cout] to ONNX's [cout, cin, k...]; dense kernels stay [in, out] (Gemm without
// transB); 'same' and 'causal' padding become the explicit pads they stand for.
import type * as sn from '../index.js';
import type { AttributeOut } from './proto.js';
import { fail } from './errors.js';
import { type Flow, type Writer, channelsLast, padsOf } from './export-writer.js';

async function weightsOf(layer: sn.Layer): Promise<Float32Array[]> {
  const tensors = layer.getWeights();
  try {
    return tensors.map((t) => t.dataSync() as Float32Array);
  } finally {
    for (const t of tensors) t.dispose();
  }
}

/** simdnet's [taps, cin, cout] kernel (taps = kh * kw, or k) as ONNX's [cout, cin, taps]. */
function channelsFirstKernel(kernel: Float32Array, taps: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let t = 0; t < taps; t++)
    for (let i = 0; i < cin; i++)
      for (let o = 0; o < cout; o++) out[(o * cin + i) * taps + t] = kernel[(t * cin + i) * cout + o];
  return out;
}

interface ConvArgs {
  kernel: Float32Array;
  /** ONNX's W dims [cout, cin / group, k...]. */
  dims: number[];
  bias?: Float32Array;
  strides: number[];
  dilations: number[];
  pads: number[];
  group: number;
}

function convNode(w: Writer, name: string, x: Flow, suffix: string, a: ConvArgs, out: Flow['shape']): Flow {
  const inputs = [x.name, w.weight(`${name}/${suffix}`, a.dims, a.kernel)];
  if (a.bias) inputs.push(w.weight(`${name}/bias`, [a.dims[0]], a.bias));
  const y = w.node('Conv', name, inputs, [
    { name: 'kernel_shape', ints: a.dims.slice(2) },
    { name: 'strides', ints: a.strides },
    { name: 'dilations', ints: a.dilations },
    { name: 'pads', ints: a.pads },
    { name: 'group', i: a.group },
  ]);
  return { name: y, layout: 'nchw', shape: out };
}

/** The depthwise step of DepthwiseConv2D and SeparableConv2D: a Conv with one group per input channel. */
function depthwise(
  w: Writer,
  layer: sn.Layer,
  x: Flow,
  kernel: Float32Array,
  bias: Float32Array | undefined,
  out: Flow['shape'],
): Flow {
  const c = layer.getConfig() as Record<string, any>;
  const [, h, wd, cin] = x.shape as number[];
  const [kh, kw] = c.kernelSize as number[];
  const cout = cin * (c.depthMultiplier as number);
  // [kh, kw, cin, mult] -> [cin * mult, 1, kh, kw]: output channel c * mult + m, as ONNX's groups.
  const taps = kh * kw;
  const oihw = new Float32Array(kernel.length);
  for (let t = 0; t < taps; t++) for (let o = 0; o < cout; o++) oihw[o * taps + t] = kernel[t * cout + o];
  const pads = padsOf(c.padding, [h, wd], [kh, kw], c.strides, c.dilationRate);
  const args = {
    kernel: oihw,
    dims: [cout, 1, kh, kw],
    bias,
    strides: c.strides,
    dilations: c.dilationRate,
    pads,
    group: cin,
  };
  return convNode(w, layer.name, w.toNchw(x, layer.name), 'depthwise_kernel', args, out);
}

function pool(w: Writer, layer: sn.Layer, x: Flow, out: Flow['shape']): Flow {
  const c = layer.getConfig() as Record<string, any>;
  const name = layer.name;
  const oneD = x.shape.length === 3;
  const k = oneD ? [c.poolSize as number] : (c.poolSize as number[]);
  const strides = oneD ? [c.strides as number] : (c.strides as number[]);
  const sizes = x.shape.slice(1, -1) as number[];
  const attrs: AttributeOut[] = [
    { name: 'kernel_shape', ints: k },
    { name: 'strides', ints: strides },
    {
      name: 'pads',
      ints: padsOf(
        c.padding,
        sizes,
        k,
        strides,
        k.map(() => 1),
      ),
    },
  ];
  if (c.ceilMode) attrs.push({ name: 'ceil_mode', i: 1 });
  const max = layer.className.startsWith('Max');
  // simdnet's 'same' average is over the cells inside the input; explicit padding says which.
  if (!max) attrs.push({ name: 'count_include_pad', i: c.countIncludePad ? 1 : 0 });
  const y = w.node(max ? 'MaxPool' : 'AveragePool', name, [w.toNchw(x, name).name], attrs);
  return { name: y, layout: 'nchw', shape: out };
}

export async function convert(w: Writer, layer: sn.Layer, flows: Flow[]): Promise<Flow> {
  const c = layer.getConfig() as Record<string, any>;
  const name = layer.name;
  const out = layer.outputShape;
  const flow = flows[0];
  switch (layer.className) {
    case 'Conv2D':
    case 'Conv1D': {
      const [kernel, bias] = await weightsOf(layer);
      const oneD = layer.className === 'Conv1D';
      const cin = flow.shape[flow.shape.length - 1] as number;
      const k = oneD ? [c.kernelSize as number] : (c.kernelSize as number[]);
      const strides = oneD ? [c.strides as number] : (c.strides as number[]);
      const dilations = oneD ? [c.dilationRate as number] : (c.dilationRate as number[]);
      const sizes = flow.shape.slice(1, -1) as number[];
      const taps = k.reduce((a, b) => a * b, 1);
      const dims = [c.filters as number, cin, ...k];
      const pads = padsOf(c.padding, sizes, k, strides, dilations);
      const args = {
        kernel: channelsFirstKernel(kernel, taps, cin, c.filters),
        dims,
        bias,
        strides,
        dilations,
        pads,
        group: 1,
      };
      return w.activation(convNode(w, name, w.toNchw(flow, name), 'kernel', args, out), c.activation, name);
    }
    case 'DepthwiseConv2D': {
      const [kernel, bias] = await weightsOf(layer);
      return w.activation(depthwise(w, layer, flow, kernel, bias, out), c.activation, name);
    }
    case 'SeparableConv2D': {
      const [kernel, pointwise, bias] = await weightsOf(layer);
      const mid = depthwise(w, layer, flow, kernel, undefined, out);
      const cmid = pointwise.length / (c.filters as number);
      const args = {
        kernel: channelsFirstKernel(pointwise, 1, cmid, c.filters),
        dims: [c.filters as number, cmid, 1, 1],
        bias,
        strides: [1, 1],
        dilations: [1, 1],
        pads: [0, 0, 0, 0],
        group: 1,
      };
      return w.activation(convNode(w, name, mid, 'pointwise_kernel', args, out), c.activation, name);
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D':
    case 'MaxPooling1D':
    case 'AveragePooling1D':
      return pool(w, layer, flow, out);
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
    case 'GlobalAveragePooling1D': {
      const op = layer.className === 'GlobalMaxPooling2D' ? 'GlobalMaxPool' : 'GlobalAveragePool';
      const pooled = w.node(op, name, [w.toNchw(flow, name).name]);
      return { name: w.node('Flatten', name, [pooled], [{ name: 'axis', i: 1 }]), layout: 'plain', shape: out };
    }
    case 'ZeroPadding2D': {
      const x = w.toNchw(flow, name);
      const [[t, b], [l, r]] = c.padding as [number, number][];
      // Pads are an input from opset 11 on: [begin of N, C, H, W, end of N, C, H, W].
      const y = w.node(
        'Pad',
        name,
        [x.name, w.ints(`${name}/pads`, [0, 0, t, l, 0, 0, b, r])],
        [{ name: 'mode', s: 'constant' }],
      );
      return { name: y, layout: 'nchw', shape: out };
    }
    case 'BatchNormalization': {
      if (flow.shape.length < 2 || flow.shape.length > 4)
        fail('toOnnx', `${layer.label}: batch normalization of rank-${flow.shape.length} tensors is not exported`);
      // ONNX normalises axis 1: the channels of a channels-first tensor, the features of a 2-D one.
      const x = flow.shape.length === 2 ? flow : w.toNchw(flow, name);
      const ch = flow.shape[flow.shape.length - 1] as number;
      const values = await weightsOf(layer);
      let k = 0;
      const gamma = c.scale === false ? new Float32Array(ch).fill(1) : values[k++];
      const beta = c.center === false ? new Float32Array(ch) : values[k++];
      const stats = [gamma, beta, values[k], values[k + 1]];
      const inputs = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((s, i) =>
        w.weight(`${name}/${s}`, [ch], stats[i]),
      );
      const y = w.node('BatchNormalization', name, [x.name, ...inputs], [{ name: 'epsilon', f: c.epsilon as number }]);
      return { name: y, layout: x.layout, shape: out };
    }
    case 'Rescaling': {
      const rank = flow.shape.length;
      // One value, or one per channel: [C] broadcasts over the last axis, [C, 1, ...] over axis 1 of NCHW.
      const constant = (v: number | number[], what: string) => {
        const values = Float32Array.from(Array.isArray(v) ? v : [v]);
        const dims =
          values.length === 1
            ? []
            : flow.layout === 'nchw'
              ? [values.length, ...new Array(rank - 2).fill(1)]
              : [values.length];
        return w.weight(`${name}/${what}`, dims, values);
      };
      const scaled = w.node('Mul', name, [flow.name, constant(c.scale, 'scale')]);
      return { ...flow, name: w.node('Add', name, [scaled, constant(c.offset, 'offset')]) };
    }
    case 'Flatten': {
      if (flow.shape.length === 2) return flow;
      const ch = flow.shape[flow.shape.length - 1] as number;
      const pixels = (flow.shape.slice(1, -1) as number[]).reduce((a, b) => a * b, 1);
      // simdnet flattens in H,W,C order; the same order in NCHW needs a transpose first, unless one of the
      // orders is trivial.
      const x = ch === 1 || pixels === 1 ? flow : w.toPlain(flow, name);
      return { name: w.node('Flatten', name, [x.name], [{ name: 'axis', i: 1 }]), layout: 'plain', shape: out };
    }
    case 'Reshape': {
      const x = w.toPlain(flow, name);
      const shape = w.ints(`${name}/shape`, [0, ...(c.targetShape as number[])]);
      return { name: w.node('Reshape', name, [x.name, shape]), layout: 'plain', shape: out };
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
    case 'LeakyReLU':
      return { ...flow, name: w.node('LeakyRelu', name, [flow.name], [{ name: 'alpha', f: c.alpha as number }]) };
    case 'Clip': {
      // Bounds are inputs from opset 11 on; an open bound is an empty input name.
      const bound = (v: unknown, which: string) =>
        v === null || v === undefined ? '' : w.weight(`${name}/${which}`, [], Float32Array.of(v as number));
      const bounds = [bound(c.min, 'min'), bound(c.max, 'max')];
      while (bounds.length > 0 && bounds[bounds.length - 1] === '') bounds.pop();
      return { ...flow, name: w.node('Clip', name, [flow.name, ...bounds]) };
    }
    case 'Dropout':
      return flow;
    case 'Add': {
      // Operands in one layout: channels-first if any is.
      const ins = flows.some((f) => f.layout === 'nchw') ? flows.map((f) => w.toNchw(f, name)) : flows;
      let y = ins[0].name;
      for (const other of ins.slice(1)) y = w.node('Add', name, [y, other.name]);
      return { name: y, layout: ins[0].layout, shape: out };
    }
    case 'Concatenate': {
      const rank = out.length;
      const axis = (c.axis as number) < 0 ? rank + (c.axis as number) : (c.axis as number);
      const nchw = rank >= 3 && flows.some((f) => f.layout === 'nchw');
      const ins = nchw ? flows.map((f) => w.toNchw(f, name)) : flows.map((f) => w.toPlain(f, name));
      // simdnet's axis of a channels-last tensor; in the channels-first one the channels are axis 1.
      const onnxAxis = nchw ? (axis === rank - 1 ? 1 : axis + 1) : axis;
      const y = w.node(
        'Concat',
        name,
        ins.map((f) => f.name),
        [{ name: 'axis', i: onnxAxis }],
      );
      return { name: y, layout: nchw ? 'nchw' : 'plain', shape: out };
    }
    case 'Permute': {
      const q = [0, ...(c.dims as number[])];
      const back = channelsLast(q.length);
      // Moving the channels last of a plain flow is what an 'nchw' flow of the result already is: free.
      if (flow.layout === 'plain' && q.join() === back.join()) return { ...flow, layout: 'nchw', shape: out };
      // An 'nchw' flow's ONNX axis back[a] is simdnet's axis a.
      const r = flow.layout === 'nchw' ? q.map((a) => back[a]) : q;
      if (r.every((v, i) => v === i)) return { ...flow, layout: 'plain', shape: out };
      return { name: w.node('Transpose', name, [flow.name], [{ name: 'perm', ints: r }]), layout: 'plain', shape: out };
    }
    default:
      fail('toOnnx', `${layer.label}: layer class '${layer.className}' cannot be exported yet`);
  }
}
