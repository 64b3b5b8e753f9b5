// Operators that move values around without arithmetic: Flatten, Reshape, Transpose, Concat. Most cost
// nothing: they change how the planner reads a simdnet tensor (its layout) rather than the tensor.
import type { NodeProto } from './proto.js';
import type { Attributes } from './attributes.js';
import type { Named, Planner, Value } from './plan.js';

const fmt = (shape: (number | null)[]) => `[${shape.map((d) => d ?? 'N').join(', ')}]`;

export function flatten(p: Planner, node: NodeProto, v: Value, axis: number): void {
  const rank = v.shape.length;
  if (axis !== 1 && axis !== 1 - rank) p.err(`only axis 1 (keep the batch) is supported; got axis ${axis}`);
  const features = (v.shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
  const shape = [null, features];
  if (v.layout === 'pooled' || v.layout === 'flat-chw' || (v.layout === 'plain' && rank === 2))
    return p.setOutput(node, { ...v, shape, layout: v.layout === 'flat-chw' ? 'flat-chw' : 'plain' });
  const flattenAt = p.push({ kind: 'flatten' }, [v.tensor]);
  const tensor = p.specs[flattenAt].output;
  if (v.layout === 'nchw') {
    // A 3-D NCW tensor is NCHW with H = 1.
    const [, c, h, w] = (rank === 3 ? [null, v.shape[1], 1, v.shape[2]] : v.shape) as number[];
    // With one channel, or one pixel, C,H,W order and H,W,C order are the same order.
    if (c > 1 && h * w > 1)
      return p.setOutput(node, { tensor, shape, layout: 'flat-chw', chw: [c, h, w], flatRank: rank, flattenAt });
  }
  p.setOutput(node, { tensor, shape, layout: 'plain' });
}

/**
 * The shape after the batch that a Reshape's constant target stands for: 0 copies the input's size (unless
 * allowzero), one -1 is inferred, and the first entry is the batch whether it is 0, -1 or a literal size.
 */
function targetOf(p: Planner, v: Value, target: number[], allowZero: boolean): number[] {
  const features = (v.shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
  const bad = () =>
    p.err(
      `cannot reshape ${fmt(v.shape)} to [${target.join(', ')}] keeping the batch first (${features} values per example)`,
    );
  if (target.length < 2 || (allowZero && target.includes(0))) bad();
  const rest = target.slice(1).map((d, i) => (d === 0 ? (v.shape[i + 1] ?? bad()) : d));
  const known = rest.reduce((a, d) => (d === -1 ? a : a * d), 1);
  const inferred = rest.filter((d) => d === -1).length;
  if (rest.some((d) => d < -1) || inferred > 1 || (inferred === 1 && target[0] === -1)) bad();
  if (inferred === 1) {
    if (known === 0 || features % known !== 0) bad();
    return rest.map((d) => (d === -1 ? features / known : d));
  }
  if (known !== features) bad();
  return rest;
}

export function reshape(p: Planner, node: NodeProto, at: Attributes): void {
  const v = p.flowing(node);
  const target = Array.from(p.constant(node.inputs[1], 'shape').values);
  const rest = targetOf(p, v, target, at.int('allowzero', 0) === 1);
  const shape = [null, ...rest];
  if (rest.join() === v.shape.slice(1).join()) return p.setOutput(node, v);
  if (rest.length === 1) return flatten(p, node, v, 1);
  // [N, C] to [N, C, 1, 1] (before a 1x1 conv, say): the 'pooled' layout, free.
  if (rest.length === 3 && rest[1] === 1 && rest[2] === 1 && v.shape.length === 2 && v.layout === 'plain')
    return p.setOutput(node, { tensor: v.tensor, shape, layout: 'pooled' });
  // Anything else reshapes the ONNX tensor as it is: a Reshape layer after undoing simdnet's layout.
  const pl = p.plain(v);
  p.emit(node, { kind: 'reshape', targetShape: rest }, [pl.tensor], shape, 'plain');
}

export function transpose(p: Planner, node: NodeProto, at: Attributes): void {
  const v = p.flowing(node);
  const rank = v.shape.length;
  const perm = at.ints(
    'perm',
    v.shape.map((_, i) => rank - 1 - i),
  );
  const is = (q: number[]) => perm.join() === q.join();
  if (perm.length !== rank || new Set(perm).size !== rank || perm.some((a) => !(a >= 0 && a < rank)))
    p.err(`perm [${perm.join(', ')}] is not a permutation of the ${rank} axes`);
  const shape = perm.map((a) => v.shape[a]);
  if (perm.every((a, i) => a === i)) return p.setOutput(node, v);
  if (perm[0] !== 0) p.err(`perm [${perm.join(', ')}] moves the batch axis, which is not supported`);
  // Between NCHW and NHWC: a change of how simdnet's tensor is read, free.
  if (rank === 3 && v.layout === 'plain' && is([0, 2, 1]))
    return p.setOutput(node, { tensor: v.tensor, shape, layout: 'nchw' });
  if (rank === 3 && v.layout === 'nchw' && is([0, 2, 1]))
    return p.setOutput(node, { tensor: v.tensor, shape, layout: 'plain' });
  if (rank === 4 && v.layout === 'plain' && is([0, 3, 1, 2]))
    return p.setOutput(node, { tensor: v.tensor, shape, layout: 'nchw' });
  if (rank === 4 && v.layout === 'nchw' && is([0, 2, 3, 1]))
    return p.setOutput(node, { tensor: v.tensor, shape, layout: 'plain' });
  // Any other order (e.g. PyTorch's channel softmax before opset 13): a Permute of the ONNX tensor as it is.
  const pl = p.plain(v);
  p.emit(node, { kind: 'permute', dims: perm.slice(1) }, [pl.tensor], shape, 'plain');
}

export function concat(p: Planner, node: NodeProto, at: Attributes): void {
  if (node.inputs.some((i) => p.isConstant(i)))
    p.err('concatenating constants is not supported; only computed tensors');
  let vals: Named[] = node.inputs.map((n) => p.read(n));
  const rank = vals[0].shape.length;
  if (!at.has('axis')) p.err("the attribute 'axis' is missing");
  const axis = at.int('axis', 1);
  const a = axis < 0 ? axis + rank : axis;
  if (vals.some((v) => v.shape.length !== rank))
    p.err(`its inputs have different ranks: ${vals.map((v) => fmt(v.shape)).join(', ')}`);
  if (a <= 0 || a >= rank)
    p.err(`axis ${axis} is not supported on rank ${rank} (the batch axis cannot be concatenated)`);
  const mismatch = vals.some((v) => v.shape.some((d, i) => i > 0 && i !== a && d !== vals[0].shape[i]));
  if (mismatch) p.err(`its inputs differ outside axis ${axis}: ${vals.map((v) => fmt(v.shape)).join(', ')}`);
  // One layout for all: the common one if they share it, else NCHW-in-NHWC for 4-D tensors.
  const same = vals.every((v) => v.layout === vals[0].layout) && p.simdnetAxis(vals[0], a) > 0;
  if (!same) {
    if (rank < 3) p.err(`cannot concatenate tensors of shapes ${vals.map((v) => fmt(v.shape)).join(', ')} here`);
    vals = vals.map((v) => p.spatial(v));
  }
  const shape = vals[0].shape.slice();
  shape[a] = vals.reduce((s, v) => s + (v.shape[a] as number), 0);
  p.emit(
    node,
    { kind: 'concatenate', axis: p.simdnetAxis(vals[0], a) },
    vals.map((v) => v.tensor),
    shape,
    vals[0].layout,
  );
}
