// Activations: Relu, Sigmoid, Tanh and Clip(0, 6) fold into the Conv or Gemm before them when they can;
// LeakyRelu is a LeakyReLU layer, other Clips a Clip layer; Softmax is simdnet's softmax over the last axis, which is where ONNX's
// axis lands for 2-D tensors and for the channels of NCHW ones.
import type { NodeProto } from './proto.js';
import type { Attributes } from './attributes.js';
import type { Planner, Value } from './plan.js';
import type { Activation } from './specs.js';

export function activation(p: Planner, node: NodeProto, name: Activation, v: Value): void {
  const target = p.foldTarget(v);
  if (target && (name !== 'softmax' || target.kind === 'dense')) {
    target.activation = name;
    return p.setOutput(node, { ...v, producer: undefined });
  }
  const i = p.push({ kind: 'activation', activation: name }, [v.tensor]);
  p.setOutput(node, { ...v, tensor: p.specs[i].output, producer: undefined });
}

export function leakyRelu(p: Planner, node: NodeProto, at: Attributes): void {
  const v = p.flowing(node);
  const alpha = at.float('alpha', 0.01);
  if (!Number.isFinite(alpha)) p.err(`alpha must be a finite number; got ${alpha}`);
  const i = p.push({ kind: 'leakyReLU', alpha }, [v.tensor]);
  p.setOutput(node, { ...v, tensor: p.specs[i].output, producer: undefined });
}

/** Clip with min and max as inputs (opset 11 on): Relu for [0, none], Relu6 for [0, 6], else a Clip layer. */
export function clip(p: Planner, node: NodeProto): void {
  const v = p.flowing(node);
  const bound = (i: number, what: string, fallback: number) => {
    const c = p.optionalConstant(node.inputs[i], what);
    if (c && c.values.length !== 1) p.err(`${what} must be a scalar; got dims [${c.dims.join(', ')}]`);
    return c ? c.values[0] : fallback;
  };
  const lo = bound(1, 'min', -Infinity);
  const hi = bound(2, 'max', Infinity);
  if (lo === 0 && hi === Infinity) return activation(p, node, 'relu', v);
  if (lo === 0 && hi === 6) return activation(p, node, 'relu6', v);
  if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi)
    p.err(`Clip's bounds must satisfy min <= max; got [${lo}, ${hi}]`);
  const i = p.push({ kind: 'clip', min: lo, max: hi }, [v.tensor]);
  p.setOutput(node, { ...v, tensor: p.specs[i].output, producer: undefined });
}

/**
 * Softmax. From opset 13 over the one axis `axis` (default -1); before, over all axes from `axis` on
 * (default 1) as one flattened axis. Either way it must come out as simdnet's last axis.
 */
export function softmax(p: Planner, node: NodeProto, at: Attributes): void {
  let v = p.flowing(node);
  const rank = v.shape.length;
  const raw = at.int('axis', p.opset >= 13 ? -1 : 1);
  const axis = raw < 0 ? raw + rank : raw;
  // simdnet's softmax runs over its tensor's last axis: bring ONNX's axis there (channels of NCHW, or the
  // last axis of the tensor as it is).
  if (rank >= 3 && axis === 1 && v.layout === 'plain') v = p.spatial(v);
  else if (rank >= 3 && axis === rank - 1) v = p.plain(v);
  // Before opset 13 the axes after `axis` join it; that is one axis when they all have size 1.
  const trailing = p.opset >= 13 ? [] : v.shape.slice(axis + 1);
  const lastAxis = v.layout === 'pooled' ? 1 : rank - 1;
  const last = v.layout === 'flat-chw' ? axis === 1 : p.simdnetAxis(v, axis) === lastAxis;
  if (axis < 1 || !last || trailing.some((d) => d !== 1)) {
    p.err(
      `softmax over axis ${raw} of [${v.shape.map((d) => d ?? 'N').join(', ')}] is not supported (opset ${p.opset}: ${p.opset >= 13 ? 'that one axis' : 'that axis and all after it'}); only over the channels or the last axis`,
    );
  }
  // Softmax over all features commutes with the C,H,W -> H,W,C reordering of 'flat-chw'.
  activation(p, node, 'softmax', v);
}
