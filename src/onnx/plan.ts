// Turns a checked ONNX graph into a list of simdnet layer specs with their weights in JS arrays. ONNX
// tensors are NCHW; simdnet's are NHWC. Each value keeps its ONNX shape and a layout saying how simdnet
// holds it, so that layout changes cost nothing inside the graph:
//  - 'plain': simdnet holds the ONNX tensor as it is (the graph input, 2-D activations);
//  - 'nchw': an ONNX NCHW tensor held as NHWC (everything between convolutions);
//  - 'pooled': ONNX [N, C, 1, 1] after global pooling, held as [N, C];
//  - 'flat-chw': ONNX [N, C*H*W] flattened in C,H,W order, held flattened in H,W,C order. The next Gemm or
//    MatMul absorbs the difference by permuting its weight rows; a graph output in this layout gets a
//    Permute inserted before its Flatten instead.
// Conv and Gemm absorb BatchNormalization, Add/Sub/Mul by constants and a following activation.
import type { ModelProto, NodeProto, TensorProto } from './proto.js';
import { Attributes, nodeLabel } from './attributes.js';
import { fail } from './errors.js';
import { decodeTensor, type Constant } from './tensors.js';

export type Activation = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax';
export type Padding = 'valid' | 'same' | [[number, number], [number, number]];

export type Spec =
  | { kind: 'permute'; dims: number[] }
  | {
      kind: 'conv2d';
      filters: number;
      kernelSize: [number, number];
      strides: [number, number];
      dilationRate: [number, number];
      padding: Padding;
      activation: Activation;
      /** [kh, kw, cin, cout] */
      kernel: Float32Array;
      bias: Float32Array | null;
    }
  | {
      kind: 'maxPooling2d';
      poolSize: [number, number];
      strides: [number, number];
      padding: Padding;
      ceilMode: boolean;
    }
  | {
      kind: 'averagePooling2d';
      poolSize: [number, number];
      strides: [number, number];
      padding: Padding;
      ceilMode: boolean;
      countIncludePad: boolean;
    }
  | {
      kind: 'depthwiseConv2d';
      depthMultiplier: number;
      kernelSize: [number, number];
      strides: [number, number];
      dilationRate: [number, number];
      padding: Padding;
      activation: Activation;
      /** [kh, kw, cin, multiplier] */
      kernel: Float32Array;
      bias: Float32Array | null;
    }
  | { kind: 'add' }
  | { kind: 'globalAveragePooling2d' }
  | { kind: 'flatten' }
  | { kind: 'dense'; units: number; activation: Activation; kernel: Float32Array; bias: Float32Array | null }
  | { kind: 'activation'; activation: Activation };

/** A layer and the simdnet tensors it reads and writes (0 is the model's input). */
export type Step = Spec & { inputs: number[]; output: number };

type Layout = 'plain' | 'nchw' | 'pooled' | 'flat-chw';

interface Value {
  /** The simdnet tensor that holds it. */
  tensor: number;
  /** The ONNX shape, batch first (null: any batch). */
  shape: (number | null)[];
  layout: Layout;
  /** For 'flat-chw': the C, H, W that were flattened, and the index of the flatten spec. */
  chw?: [number, number, number];
  flattenAt?: number;
  /** The index of the spec whose output this value is, when no layer ran after it. */
  producer?: number;
}

export interface Plan {
  steps: Step[];
  /** The simdnet tensor that is the graph's output. */
  output: number;
  /** The model's input shape without the batch, as simdnet sees it. */
  inputShape: number[];
  inputName: string;
  outputName: string;
}

export interface PlanOptions {
  inputLayout: 'nchw' | 'nhwc';
  /** Whether this simdnet build has functional models (graphs with branches) and depthwise convolution. */
  functional: boolean;
  depthwise: boolean;
}

/** The operators loadOnnx knows, checked over the whole graph before anything else happens. */
export const SUPPORTED_OPS = [
  'Conv',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'Gemm',
  'MatMul',
  'Add',
  'Sub',
  'Mul',
  'Relu',
  'Sigmoid',
  'Tanh',
  'Softmax',
  'Flatten',
  'Reshape',
  'Transpose',
  'BatchNormalization',
  'Dropout',
  'Identity',
  'Constant',
] as const;

const FOLDABLE = new Set(['conv2d', 'depthwiseConv2d', 'dense']);
type Foldable = Extract<Step, { kind: 'conv2d' | 'depthwiseConv2d' | 'dense' }>;

/** TensorFlow's 'same' padding [before, after] for one axis, which simdnet's 'same' implements. */
function sameAmounts(size: number, k: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

export class Planner {
  private readonly constants = new Map<string, TensorProto | Constant>();
  private readonly values = new Map<string, Value>();
  private readonly uses = new Map<string, number>();
  private readonly specs: Step[] = [];
  private tensors = 1;
  private readonly opset: number;
  private node!: NodeProto;

  constructor(
    private readonly model: ModelProto,
    private readonly options: PlanOptions,
    private readonly fn: string,
  ) {
    this.opset = model.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx')!.version;
  }

  private err(message: string): never {
    fail(this.fn, `${nodeLabel(this.node)} (opset ${this.opset}): ${message}`);
  }

  plan(): Plan {
    const g = this.model.graph!;
    for (const t of g.initializers) this.constants.set(t.name, t);
    const input = g.inputs.find((v) => !this.constants.has(v.name))!;
    const output = g.outputs[0];
    // Graph inputs were checked to have a static shape apart from the batch.
    const dims = input.dims!.slice(1) as number[];
    let inputShape = dims;
    // A graph that declares NHWC itself (TensorFlow exports, toOnnx's 'nhwc') starts with a Transpose to
    // NCHW: its input is then taken as declared, whatever inputLayout says.
    const first = g.nodes.filter((n) => n.inputs.includes(input.name));
    const declaresNhwc =
      first.length === 1 &&
      first[0].opType === 'Transpose' &&
      first[0].attributes.some((a) => a.name === 'perm' && a.ints.join() === '0,3,1,2');
    if (dims.length === 3 && this.options.inputLayout === 'nhwc' && !declaresNhwc) {
      this.values.set(input.name, { tensor: 0, shape: [null, ...dims], layout: 'nchw' });
      inputShape = [dims[1], dims[2], dims[0]];
    } else this.values.set(input.name, { tensor: 0, shape: [null, ...dims], layout: 'plain' });

    for (const node of g.nodes)
      for (const i of node.inputs) if (i !== '') this.uses.set(i, (this.uses.get(i) ?? 0) + 1);
    this.uses.set(output.name, (this.uses.get(output.name) ?? 0) + 1);

    for (const node of g.nodes) {
      this.node = node;
      this.convert(node);
    }
    const last = this.values.get(output.name);
    if (!last) fail(this.fn, `the graph output '${output.name}' is not produced by any node`);
    const out = this.finishOutput(last);
    if (this.specs.length === 0) fail(this.fn, 'the graph has no layers (it returns its input)');
    const branches = this.specs.some(
      (st, i) => st.inputs.length !== 1 || st.inputs[0] !== (i === 0 ? 0 : this.specs[i - 1].output),
    );
    if (branches && !this.options.functional)
      fail(
        this.fn,
        'the graph has branches (e.g. residual connections), which need functional models (sn.model); this simdnet build has none',
      );
    return { steps: this.specs, output: out, inputShape, inputName: input.name, outputName: output.name };
  }

  /** The output in ONNX's layout: NCHW outputs are transposed back; CHW-flattened ones flattened so. */
  private finishOutput(v: Value): number {
    if (v.layout === 'nchw') return this.specs[this.push({ kind: 'permute', dims: [3, 1, 2] }, [v.tensor])].output;
    if (v.layout === 'flat-chw') {
      const flatten = this.specs[v.flattenAt!];
      const permute: Step = { kind: 'permute', dims: [3, 1, 2], inputs: flatten.inputs, output: this.tensors++ };
      flatten.inputs = [permute.output];
      this.specs.splice(v.flattenAt!, 0, permute);
    } else if (v.layout === 'pooled') {
      fail(this.fn, `the graph output has shape [N, C, 1, 1] after global pooling; flatten it before returning it`);
    }
    return v.tensor;
  }

  // ---- inputs and constants ----

  private dynamicInputs(node: NodeProto): string[] {
    return node.inputs.filter((i) => i !== '' && !this.constants.has(i));
  }

  /** A computed tensor this node reads. One read elsewhere too cannot absorb this node into its producer. */
  private read(name: string): Value & { name: string } {
    const v = this.values.get(name);
    if (!v) this.err(`it reads '${name}' before any node produces it (nodes must be in topological order)`);
    const shared = (this.uses.get(name) ?? 0) > 1;
    return { ...v, name, producer: shared ? undefined : v.producer };
  }

  /** The single computed tensor flowing through this node (the others are constants). */
  private flowing(node: NodeProto): Value & { name: string } {
    const dyn = this.dynamicInputs(node);
    if (dyn.length !== 1) {
      this.err(
        dyn.length === 0
          ? 'all its inputs are constants; constant subgraphs are not folded'
          : `it reads ${dyn.length} computed tensors (${dyn.map((d) => `'${d}'`).join(', ')}); only Add takes two`,
      );
    }
    return this.read(dyn[0]);
  }

  private constant(name: string | undefined, what: string): Constant {
    if (name === undefined || name === '') this.err(`its input '${what}' is missing`);
    const c = this.constants.get(name);
    if (!c) this.err(`its input '${what}' ('${name}') must be a constant (an initializer)`);
    if ('values' in c) return c;
    const decoded = { dims: c.dims.slice(), values: decodeTensor(c) };
    this.constants.set(name, decoded);
    return decoded;
  }

  private optionalConstant(name: string | undefined, what: string): Constant | null {
    return name === undefined || name === '' ? null : this.constant(name, what);
  }

  private setOutput(node: NodeProto, v: Value): void {
    node.outputs.slice(1).forEach((o) => {
      if (o !== '' && this.uses.has(o)) this.err(`its extra output '${o}' is used, which is not supported`);
    });
    this.values.set(node.outputs[0], v);
  }

  /** Appends a layer reading `inputs`; returns its index (its output is a new simdnet tensor). */
  private push(spec: Spec, inputs: number[]): number {
    this.specs.push({ ...spec, inputs, output: this.tensors++ } as Step);
    return this.specs.length - 1;
  }

  /** Makes a 4-D value NCHW-in-NHWC (a Permute at the input for PyTorch exports), once per value. */
  private spatial(v: Value & { name: string }): Value & { name: string } {
    if (v.layout === 'nchw') return v;
    if (v.layout === 'plain' && v.shape.length === 4) {
      const i = this.push({ kind: 'permute', dims: [2, 3, 1] }, [v.tensor]);
      const converted = { tensor: this.specs[i].output, shape: v.shape, layout: 'nchw' as const };
      this.values.set(v.name, converted);
      return { ...converted, name: v.name };
    }
    this.err(`expects a 4-D NCHW input; got shape [${v.shape.map((d) => d ?? 'N').join(', ')}]`);
  }

  // ---- padding ----

  /** The pads [top, left, bottom, right] that ONNX's auto_pad/pads stand for on this input. */
  private pads(
    at: Attributes,
    hw: [number, number],
    k: [number, number],
    s: [number, number],
    d: [number, number],
  ): number[] {
    const autoPad = at.string('auto_pad', 'NOTSET');
    if (autoPad === 'VALID') return [0, 0, 0, 0];
    const same = [sameAmounts(hw[0], k[0], s[0], d[0]), sameAmounts(hw[1], k[1], s[1], d[1])];
    if (autoPad === 'SAME_UPPER') return [same[0][0], same[1][0], same[0][1], same[1][1]];
    if (autoPad === 'SAME_LOWER') return [same[0][1], same[1][1], same[0][0], same[1][0]];
    if (autoPad !== 'NOTSET') this.err(`auto_pad '${autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
    const pads = at.ints('pads', [0, 0, 0, 0]);
    if (pads.length !== 4 || pads.some((p) => !Number.isInteger(p) || p < 0 || p > 1 << 16))
      this.err(`pads must be 4 non-negative integers (2-D); got [${pads.join(', ')}]`);
    return pads;
  }

  /** simdnet's padding option for ONNX pads: 'valid', TensorFlow's 'same' when they are that, else explicit. */
  private padding(
    pads: number[],
    hw: [number, number],
    k: [number, number],
    s: [number, number],
    d: [number, number],
  ): Padding {
    const [t, l, b, r] = pads;
    if (pads.every((p) => p === 0)) return 'valid';
    const same = [sameAmounts(hw[0], k[0], s[0], d[0]), sameAmounts(hw[1], k[1], s[1], d[1])];
    if (t === same[0][0] && b === same[0][1] && l === same[1][0] && r === same[1][1]) return 'same';
    return [
      [t, b],
      [l, r],
    ];
  }

  /** Output size along one axis (see src/ops/geometry.ts: PyTorch's ceil mode drops a window starting in the padding). */
  private outSize(size: number, k: number, s: number, d: number, before: number, after: number, ceil: boolean): number {
    const span = size + before + after - ((k - 1) * d + 1);
    if (span < 0) return 0;
    if (!ceil) return Math.floor(span / s) + 1;
    let out = Math.ceil(span / s) + 1;
    if ((out - 1) * s >= size + before) out--;
    return out;
  }

  private pair(at: Attributes, name: string, fallback: number): [number, number] {
    const v = at.ints(name, [fallback, fallback]);
    if (v.length !== 2 || v.some((x) => !Number.isInteger(x) || x < 1))
      this.err(`${name} must be 2 positive integers (2-D only); got [${v.join(', ')}]`);
    return [v[0], v[1]];
  }

  // ---- operators ----

  private convert(node: NodeProto): void {
    const at = new Attributes(node, this.fn);
    switch (node.opType) {
      case 'Constant':
        return this.constantNode(node, at);
      case 'Identity':
      case 'Dropout':
        if (node.opType === 'Dropout' && node.inputs.length > 2 && node.inputs[2] !== '') {
          const training = this.constant(node.inputs[2], 'training_mode').values[0];
          if (training) this.err('training_mode is true; export the model in eval mode');
        }
        return this.setOutput(node, this.flowing(node));
      case 'Conv':
        return this.conv(node, at);
      case 'MaxPool':
      case 'AveragePool':
        return this.pool(node, at);
      case 'GlobalAveragePool': {
        const v = this.spatial(this.flowing(node));
        const i = this.push({ kind: 'globalAveragePooling2d' }, [v.tensor]);
        return this.setOutput(node, {
          tensor: this.specs[i].output,
          shape: [null, v.shape[1], 1, 1],
          layout: 'pooled',
        });
      }
      case 'Flatten':
        return this.flatten(node, this.flowing(node), at.int('axis', 1));
      case 'Reshape':
        return this.reshape(node);
      case 'Transpose':
        return this.transpose(node, at);
      case 'Gemm':
      case 'MatMul':
        return this.gemm(node, at);
      case 'Add':
      case 'Sub':
      case 'Mul':
        return this.affine(node);
      case 'BatchNormalization':
        return this.batchNorm(node, at);
      case 'Relu':
      case 'Sigmoid':
      case 'Tanh':
        return this.activation(node, node.opType.toLowerCase() as Activation, this.flowing(node));
      case 'Softmax': {
        const v = this.flowing(node);
        const axis = at.int('axis', this.opset >= 13 ? -1 : 1);
        if (v.shape.length !== 2 || (axis !== 1 && axis !== -1))
          this.err(
            `only softmax over the features of a 2-D tensor is supported; got axis ${axis} on rank ${v.shape.length}`,
          );
        // Softmax over all features commutes with the C,H,W -> H,W,C reordering of 'flat-chw'.
        return this.activation(node, 'softmax', v);
      }
      default:
        this.err('unsupported operator');
    }
  }

  private constantNode(node: NodeProto, at: Attributes): void {
    const attr = node.attributes[0];
    if (node.attributes.length !== 1 || !attr) this.err('expected exactly one value attribute');
    if (attr.name === 'value' && attr.t) {
      this.constants.set(node.outputs[0], { dims: attr.t.dims.slice(), values: decodeTensor(attr.t) });
    } else if (attr.name === 'value_float') {
      this.constants.set(node.outputs[0], { dims: [], values: Float32Array.of(at.float('value_float', 0)) });
    } else if (attr.name === 'value_floats') {
      this.constants.set(node.outputs[0], { dims: [attr.floats.length], values: Float32Array.from(attr.floats) });
    } else if (attr.name === 'value_int') {
      this.constants.set(node.outputs[0], { dims: [], values: Float64Array.of(attr.i) });
    } else if (attr.name === 'value_ints') {
      this.constants.set(node.outputs[0], { dims: [attr.ints.length], values: Float64Array.from(attr.ints) });
    } else this.err(`constant attribute '${attr.name}' is not supported`);
  }

  private conv(node: NodeProto, at: Attributes): void {
    const v = this.spatial(this.flowing(node));
    const w = this.constant(node.inputs[1], 'W');
    const b = this.optionalConstant(node.inputs[2], 'B');
    if (w.dims.length !== 4) this.err(`W must be 4-D [M, C, kh, kw] (2-D convolution); got [${w.dims.join(', ')}]`);
    const [cout, cinG, kh, kw] = w.dims;
    const [, cin, h, wd] = v.shape as number[];
    const group = at.int('group', 1);
    const depthwise = group > 1 && group === cin && cinG === 1 && cout % cin === 0;
    if (group !== 1 && !depthwise)
      this.err(`group ${group} (grouped convolution) is not supported; only group 1 and depthwise (group = channels)`);
    if (depthwise && !this.options.depthwise)
      this.err('depthwise convolution needs layers.depthwiseConv2d, which this simdnet build does not have');
    if (!depthwise && cinG !== cin) this.err(`W has ${cinG} input channels; the input has ${cin}`);
    const ks = at.ints('kernel_shape', [kh, kw]);
    if (ks[0] !== kh || ks[1] !== kw)
      this.err(`kernel_shape [${ks.join(', ')}] does not match W [${w.dims.join(', ')}]`);
    if (b && b.values.length !== cout) this.err(`B has ${b.values.length} values; W has ${cout} output channels`);
    const strides = this.pair(at, 'strides', 1);
    const dilations = this.pair(at, 'dilations', 1);
    if ((strides[0] > 1 || strides[1] > 1) && (dilations[0] > 1 || dilations[1] > 1))
      this.err('strides and dilations both above 1 are not supported');
    const pads = this.pads(at, [h, wd], [kh, kw], strides, dilations);
    const padding = this.padding(pads, [h, wd], [kh, kw], strides, dilations);
    const oh = this.outSize(h, kh, strides[0], dilations[0], pads[0], pads[2], false);
    const ow = this.outSize(wd, kw, strides[1], dilations[1], pads[1], pads[3], false);
    if (oh < 1 || ow < 1) this.err(`the ${kh}x${kw} kernel does not fit the ${h}x${wd} input`);
    const kernel = new Float32Array(kh * kw * cinG * cout);
    const src = w.values;
    if (depthwise) {
      // ONNX output channel c * mult + m reads input channel c: simdnet's [kh, kw, cin, mult] in the same order.
      for (let o = 0; o < cout; o++)
        for (let y = 0; y < kh; y++)
          for (let x = 0; x < kw; x++) kernel[(y * kw + x) * cout + o] = src[(o * kh + y) * kw + x];
      const producer = this.push(
        {
          kind: 'depthwiseConv2d',
          depthMultiplier: cout / cin,
          kernelSize: [kh, kw],
          strides,
          dilationRate: dilations,
          padding,
          activation: 'linear',
          kernel,
          bias: b ? Float32Array.from(b.values) : null,
        },
        [v.tensor],
      );
      return this.setOutput(node, {
        tensor: this.specs[producer].output,
        shape: [null, cout, oh, ow],
        layout: 'nchw',
        producer,
      });
    }
    for (let o = 0; o < cout; o++)
      for (let c = 0; c < cin; c++)
        for (let y = 0; y < kh; y++)
          for (let x = 0; x < kw; x++)
            kernel[((y * kw + x) * cin + c) * cout + o] = src[((o * cin + c) * kh + y) * kw + x];
    const producer = this.push(
      {
        kind: 'conv2d',
        filters: cout,
        kernelSize: [kh, kw],
        strides,
        dilationRate: dilations,
        padding,
        activation: 'linear',
        kernel,
        bias: b ? Float32Array.from(b.values) : null,
      },
      [v.tensor],
    );
    this.setOutput(node, {
      tensor: this.specs[producer].output,
      shape: [null, cout, oh, ow],
      layout: 'nchw',
      producer,
    });
  }

  private pool(node: NodeProto, at: Attributes): void {
    const v = this.spatial(this.flowing(node));
    const [, c, h, w] = v.shape as number[];
    const k = this.pair(at, 'kernel_shape', 0);
    const strides = this.pair(at, 'strides', 1);
    if (at.has('dilations') && at.ints('dilations', []).some((d) => d !== 1))
      this.err('dilated pooling is not supported');
    if (at.int('storage_order', 0) !== 0) this.err('storage_order 1 is not supported');
    const pads = this.pads(at, [h, w], k, strides, [1, 1]);
    const ceilMode = at.int('ceil_mode', 0) === 1;
    let padding = this.padding(pads, [h, w], k, strides, [1, 1]);
    const max = node.opType === 'MaxPool';
    // simdnet's 'same' average leaves the padding out, as count_include_pad 0 does; ceil mode needs explicit pads.
    const countIncludePad = !max && at.int('count_include_pad', 0) === 1;
    if (padding === 'same' && (ceilMode || countIncludePad))
      padding = [
        [pads[0], pads[2]],
        [pads[1], pads[3]],
      ];
    if (pads[0] + pads[2] >= k[0] || pads[1] + pads[3] >= k[1])
      this.err(`pads [${pads.join(', ')}] leave whole windows of padding for a ${k[0]}x${k[1]} window`);
    const oh = this.outSize(h, k[0], strides[0], 1, pads[0], pads[2], ceilMode);
    const ow = this.outSize(w, k[1], strides[1], 1, pads[1], pads[3], ceilMode);
    if (oh < 1 || ow < 1) this.err(`the ${k[0]}x${k[1]} window does not fit the ${h}x${w} input`);
    const pool = { poolSize: k, strides, padding, ceilMode };
    const i = this.push(
      max ? { kind: 'maxPooling2d', ...pool } : { kind: 'averagePooling2d', ...pool, countIncludePad },
      [v.tensor],
    );
    this.setOutput(node, { tensor: this.specs[i].output, shape: [null, c, oh, ow], layout: 'nchw' });
  }

  private flatten(node: NodeProto, v: Value, axis: number): void {
    const rank = v.shape.length;
    if (axis !== 1 && axis !== 1 - rank) this.err(`only axis 1 (keep the batch) is supported; got axis ${axis}`);
    const features = (v.shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
    const shape = [null, features];
    if (v.layout === 'pooled' || v.layout === 'flat-chw' || (v.layout === 'plain' && rank === 2)) {
      return this.setOutput(node, { ...v, shape, layout: v.layout === 'flat-chw' ? 'flat-chw' : 'plain' });
    }
    const flattenAt = this.push({ kind: 'flatten' }, [v.tensor]);
    const tensor = this.specs[flattenAt].output;
    if (v.layout === 'nchw') {
      const [, c, h, w] = v.shape as number[];
      // With one channel, or one pixel, C,H,W order and H,W,C order are the same order.
      if (c > 1 && h * w > 1)
        return this.setOutput(node, { tensor, shape, layout: 'flat-chw', chw: [c, h, w], flattenAt });
    }
    this.setOutput(node, { tensor, shape, layout: 'plain' });
  }

  private reshape(node: NodeProto): void {
    const v = this.flowing(node);
    const target = Array.from(this.constant(node.inputs[1], 'shape').values);
    const features = (v.shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
    const flattening =
      target.length === 2 &&
      (target[0] === 0 || target[0] === -1) &&
      (target[1] === features || (target[1] === -1 && target[0] === 0));
    const flatteningBatch = target.length === 2 && target[1] === features && target[0] === -1;
    if (!flattening && !flatteningBatch)
      this.err(
        `only reshapes that flatten all but the batch are supported; got shape [${target.join(', ')}] for an input of [N, ${v.shape.slice(1).join(', ')}]`,
      );
    this.flatten(node, v, 1);
  }

  private transpose(node: NodeProto, at: Attributes): void {
    const v = this.flowing(node);
    const rank = v.shape.length;
    const perm = at.ints(
      'perm',
      v.shape.map((_, i) => rank - 1 - i),
    );
    const is = (p: number[]) => perm.length === p.length && perm.every((x, i) => x === p[i]);
    const shape = perm.map((p) => v.shape[p]);
    if (perm.every((p, i) => p === i)) return this.setOutput(node, v);
    if (rank === 4 && v.layout === 'plain' && is([0, 3, 1, 2]))
      return this.setOutput(node, { tensor: v.tensor, shape, layout: 'nchw' });
    if (rank === 4 && v.layout === 'nchw' && is([0, 2, 3, 1]))
      return this.setOutput(node, { tensor: v.tensor, shape, layout: 'plain' });
    this.err(`perm [${perm.join(', ')}] is not a layout change between NCHW and NHWC`);
  }

  /** The spec this value came straight out of, if it can still absorb an affine map or activation. */
  private foldTarget(v: Value): Foldable | null {
    if (v.producer === undefined) return null;
    const s = this.specs[v.producer];
    return FOLDABLE.has(s.kind) && (s as Foldable).activation === 'linear' ? (s as Foldable) : null;
  }

  /** Output channels of a foldable layer. */
  private channels(t: Foldable): number {
    return t.kind === 'dense'
      ? t.units
      : t.kind === 'conv2d'
        ? t.filters
        : t.kernel.length / (t.kernelSize[0] * t.kernelSize[1]);
  }

  private gemm(node: NodeProto, at: Attributes): void {
    const v = this.flowing(node);
    const gemm = node.opType === 'Gemm';
    if (v.shape.length !== 2) this.err(`expects a 2-D input [N, K]; got rank ${v.shape.length}`);
    if (gemm && at.int('transA', 0) !== 0) this.err('transA 1 is not supported');
    if (node.inputs[0] !== this.dynamicInputs(node)[0]) this.err('the constant must be the second operand');
    const b = this.constant(node.inputs[1], 'B');
    if (b.dims.length !== 2) this.err(`B must be 2-D; got [${b.dims.join(', ')}]`);
    const transB = gemm && at.int('transB', 0) === 1;
    const [k, m] = transB ? [b.dims[1], b.dims[0]] : b.dims;
    const kIn = v.shape[1] as number;
    if (k !== kIn) this.err(`B has ${k} rows (after transB); the input has ${kIn} features`);
    const alpha = gemm ? at.float('alpha', 1) : 1;
    const beta = gemm ? at.float('beta', 1) : 1;
    // Row r of simdnet's kernel multiplies simdnet's feature r, which for 'flat-chw' is ONNX's row rowOf(r).
    const rowOf = (r: number): number => {
      if (v.layout !== 'flat-chw') return r;
      const [c, h, w] = v.chw!;
      const ch = r % c;
      const pix = (r - ch) / c;
      return ch * h * w + pix;
    };
    const kernel = new Float32Array(k * m);
    for (let r = 0; r < k; r++) {
      const src = rowOf(r);
      for (let j = 0; j < m; j++) kernel[r * m + j] = alpha * (transB ? b.values[j * k + src] : b.values[src * m + j]);
    }
    let bias: Float32Array | null = null;
    const c = gemm ? this.optionalConstant(node.inputs[2], 'C') : null;
    if (c) {
      const n = c.values.length;
      if (n !== 1 && (n !== m || c.dims.some((d, i) => i < c.dims.length - 1 && d !== 1)))
        this.err(`C must broadcast as a bias of ${m} values; got dims [${c.dims.join(', ')}]`);
      bias = new Float32Array(m);
      for (let j = 0; j < m; j++) bias[j] = beta * c.values[n === 1 ? 0 : j];
    }
    const producer = this.push({ kind: 'dense', units: m, activation: 'linear', kernel, bias }, [v.tensor]);
    this.setOutput(node, { tensor: this.specs[producer].output, shape: [null, m], layout: 'plain', producer });
  }

  /** Add, Sub or Mul by a constant, folded into the conv or dense layer that produced the input. */
  private affine(node: NodeProto): void {
    const dyn = this.dynamicInputs(node);
    if (dyn.length === 2 && node.opType === 'Add') return this.addTensors(node, dyn);
    const v = this.flowing(node);
    const dynFirst = node.inputs[0] === this.dynamicInputs(node)[0];
    const c = this.constant(node.inputs[dynFirst ? 1 : 0], 'constant operand');
    if (node.opType === 'Sub' && !dynFirst) this.err('constant - x is not supported (only x - constant)');
    const target = this.foldTarget(v);
    const channels =
      v.layout === 'nchw' || v.layout === 'pooled' ? (v.shape[1] as number) : (v.shape[v.shape.length - 1] as number);
    // Per-channel constants: [C, 1, 1] or [1, C, 1, 1] on NCHW values, [C] or [1, C] on 2-D ones.
    const perChannel =
      c.values.length === channels &&
      (v.shape.length === 4
        ? c.dims.length >= 3 && c.dims[c.dims.length - 3] === channels && c.dims.slice(-2).every((d) => d === 1)
        : c.dims[c.dims.length - 1] === channels);
    if (!target || v.layout === 'flat-chw' || (c.values.length !== 1 && !perChannel)) {
      this.err(
        `only ${node.opType} by a scalar or a per-channel constant directly after a Conv, Gemm or MatMul is supported; got constant dims [${c.dims.join(', ')}]`,
      );
    }
    const value = (ch: number) => c.values[c.values.length === 1 ? 0 : ch];
    const cout = this.channels(target);
    if (node.opType === 'Mul') {
      for (let i = 0; i < target.kernel.length; i++) target.kernel[i] *= value(i % cout);
      if (target.bias) for (let o = 0; o < cout; o++) target.bias[o] *= value(o);
    } else {
      target.bias ??= new Float32Array(cout);
      const sign = node.opType === 'Sub' ? -1 : 1;
      for (let o = 0; o < cout; o++) target.bias[o] += sign * value(o);
    }
    this.setOutput(node, v);
  }

  /** Add of two computed tensors of the same shape (a residual connection): an Add merge layer. */
  private addTensors(node: NodeProto, names: string[]): void {
    let [a, b] = names.map((n) => this.read(n));
    if (a.layout !== b.layout) [a, b] = [this.spatial(a), this.spatial(b)];
    if (
      a.layout === 'flat-chw' ||
      a.shape.length !== b.shape.length ||
      a.shape.some((d, i) => i > 0 && d !== b.shape[i])
    )
      this.err(`only tensors of the same shape can be added; got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
    const i = this.push({ kind: 'add' }, [a.tensor, b.tensor]);
    this.setOutput(node, { tensor: this.specs[i].output, shape: a.shape, layout: a.layout });
  }

  private batchNorm(node: NodeProto, at: Attributes): void {
    const v = this.flowing(node);
    if (at.int('training_mode', 0) !== 0) this.err('training_mode 1; export the model in eval mode');
    const target = this.foldTarget(v);
    if (!target || target.kind === 'dense')
      this.err('only batch normalization directly after a Conv (folded into it) is supported yet');
    const [scale, offset, mean, variance] = [1, 2, 3, 4].map((i) =>
      this.constant(node.inputs[i], ['', 'scale', 'B', 'input_mean', 'input_var'][i]),
    );
    const cout = this.channels(target);
    for (const [t, name] of [
      [scale, 'scale'],
      [offset, 'B'],
      [mean, 'input_mean'],
      [variance, 'input_var'],
    ] as const) {
      if (t.values.length !== cout) this.err(`${name} has ${t.values.length} values; the input has ${cout} channels`);
    }
    const eps = at.float('epsilon', 1e-5);
    const bias = (target.bias ??= new Float32Array(cout));
    const factor = new Float64Array(cout);
    for (let o = 0; o < cout; o++) {
      factor[o] = scale.values[o] / Math.sqrt(variance.values[o] + eps);
      bias[o] = (bias[o] - mean.values[o]) * factor[o] + offset.values[o];
    }
    for (let i = 0; i < target.kernel.length; i++) target.kernel[i] *= factor[i % cout];
    this.setOutput(node, v);
  }

  private activation(node: NodeProto, activation: Activation, v: Value): void {
    const target = this.foldTarget(v);
    if (target && (activation !== 'softmax' || target.kind === 'dense')) {
      target.activation = activation;
      return this.setOutput(node, { ...v, producer: undefined });
    }
    const i = this.push({ kind: 'activation', activation }, [v.tensor]);
    this.setOutput(node, { ...v, tensor: this.specs[i].output, producer: undefined });
  }
}
