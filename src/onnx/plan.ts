// Turns a checked ONNX graph into a list of simdnet layer specs with their weights in JS arrays. ONNX
// tensors are NCHW; simdnet's are NHWC. Each value keeps its ONNX shape and a layout saying how simdnet
// holds it, so that layout changes cost nothing inside the graph:
//  - 'plain': simdnet holds the ONNX tensor as it is (the graph input, 2-D activations, NHWC tensors);
//  - 'nchw': an ONNX NCHW tensor held as NHWC (everything between convolutions), or NCW held as NWC;
//  - 'pooled': ONNX [N, C, 1, 1] or [N, C, 1] (after global pooling) held as [N, C];
//  - 'flat-chw': ONNX [N, C*H*W] flattened in C,H,W order, held flattened in H,W,C order. The next Gemm or
//    MatMul absorbs the difference by permuting its weight rows (per-feature constants are permuted alike);
//    a graph output in this layout gets a Permute inserted before its Flatten instead.
// Conv and Gemm absorb BatchNormalization, Add/Sub/Mul/Div by constants and a following activation; where
// they cannot, those become BatchNormalization, Rescaling and activation layers. The operators themselves
// are in convert-*.ts.
import type { ModelProto, NodeProto, TensorProto } from './proto.js';
import { Attributes, nodeLabel } from './attributes.js';
import { fail } from './errors.js';
import { decodeTensor, type Constant } from './tensors.js';
import { FOLDABLE, type Foldable, type Spec, type Step } from './specs.js';
import { CONVERTERS } from './convert.js';
import { mergePermutes } from './simplify.js';

export type Layout = 'plain' | 'nchw' | 'pooled' | 'flat-chw';

/** Permute dims (after the batch) from channels-first to channels-last, for a tensor of this rank. */
export function toLast(rank: number): number[] {
  return rank === 4 ? [2, 3, 1] : [2, 1];
}

/** Permute dims (after the batch) from channels-last back to channels-first. */
export function toFirst(rank: number): number[] {
  return rank === 4 ? [3, 1, 2] : [2, 1];
}

export interface Value {
  /** The simdnet tensor that holds it. */
  tensor: number;
  /** The ONNX shape, batch first (null: any batch). */
  shape: (number | null)[];
  layout: Layout;
  /** For 'flat-chw': the C, H, W that were flattened (H = 1 for NCW), their rank, and the index of the flatten spec. */
  chw?: [number, number, number];
  flatRank?: number;
  flattenAt?: number;
  /** The index of the spec whose output this value is, while nothing else reads it (it may absorb this node). */
  producer?: number;
}

export type Named = Value & { name: string };

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
}

export class Planner {
  private readonly constants = new Map<string, TensorProto | Constant>();
  private readonly values = new Map<string, Value>();
  private readonly uses = new Map<string, number>();
  readonly specs: Step[] = [];
  private tensors = 1;
  readonly opset: number;
  node!: NodeProto;

  constructor(
    private readonly model: ModelProto,
    private readonly options: PlanOptions,
    readonly fn: string,
  ) {
    this.opset = model.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx')!.version;
  }

  /** Fails naming the node being converted and the opset. */
  err(message: string): never {
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
      first[0].attributes.some((a) => a.name === 'perm' && a.ints.join() === (dims.length === 3 ? '0,3,1,2' : '0,2,1'));
    if (dims.length >= 2 && this.options.inputLayout === 'nhwc' && !declaresNhwc) {
      this.values.set(input.name, { tensor: 0, shape: [null, ...dims], layout: 'nchw' });
      inputShape = [...dims.slice(1), dims[0]];
    } else this.values.set(input.name, { tensor: 0, shape: [null, ...dims], layout: 'plain' });

    for (const node of g.nodes)
      for (const i of node.inputs) if (i !== '') this.uses.set(i, (this.uses.get(i) ?? 0) + 1);
    this.uses.set(output.name, (this.uses.get(output.name) ?? 0) + 1);

    for (const node of g.nodes) {
      this.node = node;
      const convert = CONVERTERS[node.opType];
      if (!convert) this.err('unsupported operator');
      convert(this, node, new Attributes(node, this.fn));
    }
    const last = this.values.get(output.name);
    if (!last) fail(this.fn, `the graph output '${output.name}' is not produced by any node`);
    const { steps, output: out } = mergePermutes(this.specs, this.finishOutput(last));
    if (steps.length === 0) fail(this.fn, 'the graph has no layers (it returns its input)');
    return { steps, output: out, inputShape, inputName: input.name, outputName: output.name };
  }

  /** The output in ONNX's layout: NCHW outputs are transposed back; CHW-flattened ones flattened so. */
  private finishOutput(v: Value): number {
    if (v.layout === 'nchw')
      return this.specs[this.push({ kind: 'permute', dims: toFirst(v.shape.length) }, [v.tensor])].output;
    if (v.layout === 'flat-chw') {
      if (v.flattenAt === undefined)
        fail(
          this.fn,
          'the graph output is flattened in C,H,W order and scaled per feature; not supported (add a layer after it)',
        );
      const flatten = this.specs[v.flattenAt!];
      const dims = toFirst(v.flatRank!);
      const permute: Step = { kind: 'permute', dims, inputs: flatten.inputs, output: this.tensors++ };
      flatten.inputs = [permute.output];
      this.specs.splice(v.flattenAt!, 0, permute);
    } else if (v.layout === 'pooled') {
      fail(this.fn, `the graph output has shape [N, C, 1, 1] after global pooling; flatten it before returning it`);
    }
    return v.tensor;
  }

  // ---- inputs and constants ----

  dynamicInputs(node: NodeProto): string[] {
    return node.inputs.filter((i) => i !== '' && !this.constants.has(i));
  }

  /** A computed tensor this node reads. One read elsewhere too cannot absorb this node into its producer. */
  read(name: string): Named {
    const v = this.values.get(name);
    if (!v) this.err(`it reads '${name}' before any node produces it (nodes must be in topological order)`);
    const shared = (this.uses.get(name) ?? 0) > 1;
    return { ...v, name, producer: shared ? undefined : v.producer };
  }

  /** The single computed tensor flowing through this node (the others are constants). */
  flowing(node: NodeProto): Named {
    const dyn = this.dynamicInputs(node);
    if (dyn.length !== 1) {
      this.err(
        dyn.length === 0
          ? 'all its inputs are constants; constant subgraphs are not folded'
          : `it reads ${dyn.length} computed tensors (${dyn.map((d) => `'${d}'`).join(', ')}); only Add and Concat take several`,
      );
    }
    return this.read(dyn[0]);
  }

  isConstant(name: string | undefined): boolean {
    return name !== undefined && name !== '' && this.constants.has(name);
  }

  constant(name: string | undefined, what: string): Constant {
    if (name === undefined || name === '') this.err(`its input '${what}' is missing`);
    const c = this.constants.get(name);
    if (!c) this.err(`its input '${what}' ('${name}') must be a constant (an initializer)`);
    if ('values' in c) return c;
    const decoded = { dims: c.dims.slice(), values: decodeTensor(c) };
    this.constants.set(name, decoded);
    return decoded;
  }

  optionalConstant(name: string | undefined, what: string): Constant | null {
    return name === undefined || name === '' ? null : this.constant(name, what);
  }

  setConstant(name: string, c: Constant): void {
    this.constants.set(name, c);
  }

  setOutput(node: NodeProto, v: Value): void {
    node.outputs.slice(1).forEach((o) => {
      if (o !== '' && this.uses.has(o)) this.err(`its extra output '${o}' is used, which is not supported`);
    });
    this.values.set(node.outputs[0], v);
  }

  /** Appends a layer reading `inputs`; returns its index (its output is a new simdnet tensor). */
  push(spec: Spec, inputs: number[]): number {
    this.specs.push({ ...spec, inputs, output: this.tensors++ } as Step);
    return this.specs.length - 1;
  }

  /** Appends a layer and makes it this node's output, in `layout` with ONNX shape `shape`. */
  emit(
    node: NodeProto,
    spec: Spec,
    inputs: number[],
    shape: (number | null)[],
    layout: Layout,
    foldable = false,
  ): void {
    const i = this.push(spec, inputs);
    this.setOutput(node, { tensor: this.specs[i].output, shape, layout, producer: foldable ? i : undefined });
  }

  /** Makes a 4-D (3-D) value NCHW-in-NHWC (NCW-in-NWC): a Permute after a 'plain' tensor, once per value. */
  spatial(v: Named): Named {
    const rank = v.shape.length;
    if (v.layout === 'nchw') return v;
    if (v.layout === 'plain' && (rank === 4 || rank === 3))
      return this.relayout(v, { kind: 'permute', dims: toLast(rank) }, 'nchw');
    // [N, C] held for ONNX [N, C, 1, 1]: as NHWC that is [N, 1, 1, C].
    if (v.layout === 'pooled')
      return this.relayout(v, { kind: 'reshape', targetShape: [...v.shape.slice(2), v.shape[1]] as number[] }, 'nchw');
    this.err(`expects a 4-D NCHW (or 3-D NCW) input; got shape [${v.shape.map((d) => d ?? 'N').join(', ')}]`);
  }

  /** Makes a value hold the ONNX tensor as it is (a Permute back from NCHW-in-NHWC), once per value. */
  plain(v: Named): Named {
    if (v.layout === 'plain') return v;
    if (v.layout === 'nchw') return this.relayout(v, { kind: 'permute', dims: toFirst(v.shape.length) }, 'plain');
    if (v.layout === 'pooled')
      return this.relayout(v, { kind: 'reshape', targetShape: v.shape.slice(1) as number[] }, 'plain');
    this.err(`cannot use a tensor flattened in C,H,W order here (shape [${v.shape.map((d) => d ?? 'N').join(', ')}])`);
  }

  private relayout(v: Named, spec: Spec, layout: Layout): Named {
    const converted = { tensor: this.specs[this.push(spec, [v.tensor])].output, shape: v.shape, layout };
    this.values.set(v.name, converted);
    return { ...converted, name: v.name };
  }

  /** The spec this value came straight out of, if it can still absorb an affine map or activation. */
  foldTarget(v: Value): Foldable | null {
    if (v.producer === undefined) return null;
    const s = this.specs[v.producer];
    return FOLDABLE.has(s.kind) && (s as Foldable).activation === 'linear' ? (s as Foldable) : null;
  }

  /** The axis of simdnet's tensor that holds ONNX axis `axis` (normalised) of this value, or -1. */
  simdnetAxis(v: Value, axis: number): number {
    const rank = v.shape.length;
    const a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) this.err(`axis ${axis} is out of range for rank ${rank}`);
    if (v.layout === 'nchw') return (rank === 4 ? [0, 3, 1, 2] : [0, 2, 1])[a];
    if (v.layout === 'pooled') return a <= 1 ? a : -1;
    if (v.layout === 'flat-chw') return a === 0 ? 0 : -1;
    return a;
  }
}
