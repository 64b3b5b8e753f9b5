// The graph toOnnx writes, node by node. simdnet computes channels-last (NHWC, NWC); ONNX's operators are
// channels-first, so each tensor is a Flow that knows whether the ONNX tensor holds simdnet's as it is
// ('plain') or with the channels moved to axis 1 ('nchw', also for 3-D NCW), and Transposes are written only
// where the order matters: into a spatial operator, before a Flatten or Reshape, and at an NHWC edge.
import type { AttributeOut, NodeOut, TensorOut } from './proto.js';
import { fail } from './errors.js';
// geometry.ts's arithmetic core (geometry.ts itself would bundle the whole core into simdnet/onnx).
import { windowAxis } from '../ops/window-axis.js';

export type FlowLayout = 'plain' | 'nchw';

export interface Flow {
  name: string;
  layout: FlowLayout;
  /** simdnet's shape (batch null). */
  shape: (number | null)[];
}

/** Axis order that moves the channels (last) to axis 1, for a tensor of this rank. */
export function channelsFirst(rank: number): number[] {
  return [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
}

/** Axis order that moves the channels (axis 1) back to the end. */
export function channelsLast(rank: number): number[] {
  return [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
}

export class Writer {
  readonly nodes: NodeOut[] = [];
  readonly initializers: TensorOut[] = [];
  private counter = 0;

  constructor(readonly opset: number) {}

  fresh(base: string): string {
    return `${base}_${++this.counter}`;
  }

  node(opType: string, name: string, inputs: string[], attributes: AttributeOut[] = []): string {
    // Node names must be unique too (a layer may write two nodes of one type): the node is named as its output.
    const out = this.fresh(`${name}/${opType}`);
    this.nodes.push({ opType, name: out, inputs, outputs: [out], attributes });
    return out;
  }

  weight(name: string, dims: number[], values: Float32Array): string {
    this.initializers.push({ name, dims, float: values });
    return name;
  }

  ints(name: string, values: number[]): string {
    this.initializers.push({ name, dims: [values.length], int64: values });
    return name;
  }

  /** simdnet's activation names as ONNX nodes; softmax runs over the channels. */
  activation(flow: Flow, activation: string, layer: string): Flow {
    if (activation === 'linear') return flow;
    if (activation === 'relu6') {
      // Clip's bounds are inputs from opset 11 on (the only opsets toOnnx writes).
      const bounds = [
        this.weight(`${layer}/relu6_min`, [], Float32Array.of(0)),
        this.weight(`${layer}/relu6_max`, [], Float32Array.of(6)),
      ];
      return { ...flow, name: this.node('Clip', layer, [flow.name, ...bounds]) };
    }
    const op = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', softmax: 'Softmax' }[activation];
    if (!op) fail('toOnnx', `${layer}: activation '${activation}' has no ONNX equivalent here`);
    let attrs: AttributeOut[] = [];
    if (op === 'Softmax') {
      const rank = flow.shape.length;
      if (flow.layout === 'nchw' && this.opset < 13 && rank > 2)
        fail('toOnnx', `${layer}: softmax over the channels of a ${rank}-D tensor needs opset 13 or later`);
      attrs = [{ name: 'axis', i: flow.layout === 'nchw' ? 1 : -1 }];
    }
    return { ...flow, name: this.node(op, layer, [flow.name], attrs) };
  }

  /** Makes a 3-D or 4-D flow channels-first. */
  toNchw(flow: Flow, layer: string): Flow {
    if (flow.layout === 'nchw') return flow;
    const rank = flow.shape.length;
    if (rank !== 3 && rank !== 4) fail('toOnnx', `${layer}: expects a 3-D or 4-D input; got rank ${rank}`);
    return {
      ...flow,
      layout: 'nchw',
      name: this.node('Transpose', layer, [flow.name], [{ name: 'perm', ints: channelsFirst(rank) }]),
    };
  }

  /** Makes a flow hold simdnet's own order. */
  toPlain(flow: Flow, layer: string): Flow {
    if (flow.layout === 'plain') return flow;
    const perm = channelsLast(flow.shape.length);
    return {
      ...flow,
      layout: 'plain',
      name: this.node('Transpose', layer, [flow.name], [{ name: 'perm', ints: perm }]),
    };
  }
}

/**
 * ONNX pads for simdnet's padding option over spatial `sizes`: [begin..., end...] ('causal' is Conv1D's
 * all-before padding).
 */
export function padsOf(
  padding: unknown,
  sizes: number[],
  k: number[],
  strides: number[],
  dilations: number[],
): number[] {
  const n = sizes.length;
  if (padding === 'valid') return new Array<number>(2 * n).fill(0);
  if (padding === 'same' || padding === 'causal') {
    const axes = sizes.map((s, i) =>
      padding === 'same'
        ? windowAxis(s, k[i], strides[i], dilations[i], 'same')
        : { before: (k[i] - 1) * dilations[i], after: 0 },
    );
    return [...axes.map((a) => a.before), ...axes.map((a) => a.after)];
  }
  if (Array.isArray(padding) && padding.length === n && padding.every((p) => Array.isArray(p) && p.length === 2)) {
    const sides = padding as [number, number][];
    return [...sides.map((p) => p[0]), ...sides.map((p) => p[1])];
  }
  fail('toOnnx', `padding ${JSON.stringify(padding)} cannot be exported`);
}
