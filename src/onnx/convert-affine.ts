// Operators that are affine per channel or per feature: Gemm/MatMul, Add/Sub/Mul/Div by constants, and
// BatchNormalization in inference. Each folds into the Conv or Gemm that produced its input when it can
// (the exported graph then runs no extra layer); otherwise it becomes a Rescaling or BatchNormalization
// layer. Add of two computed tensors is a merge layer.
import type { NodeProto } from './proto.js';
import type { Attributes } from './attributes.js';
import type { Named, Planner, Value } from './plan.js';
import { channelsOf, type Step } from './specs.js';
import type { Constant } from './tensors.js';

/** simdnet's feature r of a 'flat-chw' value is ONNX's feature rowOf(r). */
function rowOf(v: Value): (r: number) => number {
  if (v.layout !== 'flat-chw') return (r) => r;
  const [c, h, w] = v.chw!;
  return (r) => (r % c) * h * w + Math.floor(r / c);
}

export function gemm(p: Planner, node: NodeProto, at: Attributes): void {
  const v = p.flowing(node);
  const isGemm = node.opType === 'Gemm';
  if (v.shape.length !== 2) p.err(`expects a 2-D input [N, K]; got rank ${v.shape.length}`);
  if (isGemm && at.int('transA', 0) !== 0) p.err('transA 1 is not supported');
  if (node.inputs[0] !== p.dynamicInputs(node)[0]) p.err('the constant must be the second operand');
  const b = p.constant(node.inputs[1], 'B');
  if (b.dims.length !== 2) p.err(`B must be 2-D; got [${b.dims.join(', ')}]`);
  const transB = isGemm && at.int('transB', 0) === 1;
  const [k, m] = transB ? [b.dims[1], b.dims[0]] : b.dims;
  const kIn = v.shape[1] as number;
  if (k !== kIn) p.err(`B has ${k} rows (after transB); the input has ${kIn} features`);
  const alpha = isGemm ? at.float('alpha', 1) : 1;
  const beta = isGemm ? at.float('beta', 1) : 1;
  // Row r of simdnet's kernel multiplies simdnet's feature r.
  const row = rowOf(v);
  const kernel = new Float32Array(k * m);
  for (let r = 0; r < k; r++) {
    const src = row(r);
    for (let j = 0; j < m; j++) kernel[r * m + j] = alpha * (transB ? b.values[j * k + src] : b.values[src * m + j]);
  }
  let bias: Float32Array | null = null;
  const c = isGemm ? p.optionalConstant(node.inputs[2], 'C') : null;
  if (c) {
    const n = c.values.length;
    if (n !== 1 && (n !== m || c.dims.some((d, i) => i < c.dims.length - 1 && d !== 1)))
      p.err(`C must broadcast as a bias of ${m} values; got dims [${c.dims.join(', ')}]`);
    bias = new Float32Array(m);
    for (let j = 0; j < m; j++) bias[j] = beta * c.values[n === 1 ? 0 : j];
  }
  p.emit(node, { kind: 'dense', units: m, activation: 'linear', kernel, bias }, [v.tensor], [null, m], 'plain', true);
}

/**
 * A constant as one value, or one value per channel in simdnet's channel order (its last axis): a constant
 * that varies along one ONNX axis only ([C, 1, 1] on NCHW, [C] on the last axis), which is brought to
 * simdnet's last axis. Null if it broadcasts otherwise.
 */
function perChannel(p: Planner, value: Named, c: Constant): { v: Named; values: Float64Array } | null {
  let v = value;
  if (c.values.length === 1) return { v, values: Float64Array.of(c.values[0]) };
  const rank = v.shape.length;
  const dims = c.dims.slice();
  while (dims.length > 1 && dims[0] === 1) dims.shift();
  const axis = rank - dims.length;
  if (axis < 1 || dims.slice(1).some((d) => d !== 1) || dims[0] !== v.shape[axis]) return null;
  // (A 'pooled' value already holds ONNX's axis 1 last.)
  if (rank >= 3 && axis === 1 && v.layout === 'plain') v = p.spatial(v);
  else if (rank >= 3 && axis === rank - 1) v = p.plain(v);
  const last = v.layout === 'flat-chw' ? axis === 1 : p.simdnetAxis(v, axis) === (v.layout === 'pooled' ? 1 : rank - 1);
  if (!last) return null;
  const row = rowOf(v);
  return { v, values: Float64Array.from({ length: dims[0] }, (_, r) => c.values[row(r)]) };
}

/** y = x * scale + offset per channel (arrays of one value or one per channel): folded, merged or a layer. */
function affine(p: Planner, node: NodeProto, v: Named, scale: Float64Array, offset: Float64Array): void {
  if (![...scale, ...offset].every(Number.isFinite))
    p.err('its constant makes a scale or offset that is not finite (a division by zero, or NaN)');
  const at = (a: Float64Array, i: number) => a[a.length === 1 ? 0 : i];
  const target = p.foldTarget(v);
  if (target) {
    const cout = channelsOf(target);
    for (let i = 0; i < target.kernel.length; i++) target.kernel[i] *= at(scale, i % cout);
    const bias = (target.bias ??= new Float32Array(cout));
    for (let o = 0; o < cout; o++) bias[o] = bias[o] * at(scale, o) + at(offset, o);
    return p.setOutput(node, v);
  }
  const n = Math.max(scale.length, offset.length);
  const prev = v.producer === undefined ? null : (p.specs[v.producer] as Step);
  if (prev?.kind === 'rescaling') {
    // (x * s0 + o0) * s + o: one Rescaling, e.g. (x - mean) / std.
    const m = Math.max(n, prev.scale.length, prev.offset.length);
    const s0 = Float64Array.from(prev.scale);
    const o0 = Float64Array.from(prev.offset);
    prev.scale = Array.from({ length: m }, (_, i) => at(s0, i) * at(scale, i));
    prev.offset = Array.from({ length: m }, (_, i) => at(o0, i) * at(scale, i) + at(offset, i));
    return p.setOutput(node, v);
  }
  const spec = { kind: 'rescaling' as const, scale: Array.from(scale), offset: Array.from(offset) };
  p.emit(node, spec, [v.tensor], v.shape, v.layout, true);
  // A Rescaling keeps the flattened order of its input (its constants were reordered to match); no Permute can
  // be put before the Flatten any more, hence no flattenAt.
  if (v.layout === 'flat-chw')
    p.setOutput(node, {
      ...v,
      tensor: p.specs[p.specs.length - 1].output,
      producer: p.specs.length - 1,
      flattenAt: undefined,
    });
}

/** Add, Sub, Mul or Div with one constant operand; Add of two computed tensors is a merge. */
export function arithmetic(p: Planner, node: NodeProto): void {
  const dyn = p.dynamicInputs(node);
  if (dyn.length === 2 && node.opType === 'Add') return addTensors(p, node, dyn);
  const first = node.inputs[0] === dyn[0];
  const c = p.constant(node.inputs[first ? 1 : 0], 'constant operand');
  const flow = p.flowing(node);
  const found = perChannel(p, flow, c);
  if (!found)
    p.err(
      `${node.opType} by a constant of dims [${c.dims.join(', ')}] on ${flow.shape.length}-D [${flow.shape.map((d) => d ?? 'N').join(', ')}]: only a scalar or one value per channel is supported`,
    );
  const { v, values } = found;
  const one = Float64Array.of(1);
  const zero = Float64Array.of(0);
  switch (node.opType) {
    case 'Add':
      return affine(p, node, v, one, values);
    case 'Sub':
      return first
        ? affine(
            p,
            node,
            v,
            one,
            values.map((x) => -x),
          )
        : affine(p, node, v, Float64Array.of(-1), values);
    case 'Mul':
      return affine(p, node, v, values, zero);
    default:
      if (!first) p.err('constant / x is not supported (only x / constant)');
      return affine(
        p,
        node,
        v,
        values.map((x) => 1 / x),
        zero,
      );
  }
}

/** Add of two computed tensors of the same shape (a residual connection): an Add merge layer. */
function addTensors(p: Planner, node: NodeProto, names: string[]): void {
  let [a, b] = names.map((n) => p.read(n));
  if (a.layout !== b.layout) [a, b] = [p.spatial(a), p.spatial(b)];
  if (a.layout === 'flat-chw' || a.shape.length !== b.shape.length || a.shape.some((d, i) => i > 0 && d !== b.shape[i]))
    p.err(`only tensors of the same shape can be added; got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
  p.emit(node, { kind: 'add' }, [a.tensor, b.tensor], a.shape, a.layout);
}

export function batchNorm(p: Planner, node: NodeProto, at: Attributes): void {
  let v = p.flowing(node);
  if (at.int('training_mode', 0) !== 0) p.err('training_mode 1; export the model in eval mode');
  // ONNX normalises axis 1; for NHWC-held tensors (and 'pooled' ones) that is simdnet's last axis.
  if (v.shape.length < 2 || v.shape.length > 4) p.err(`expects a 2-D, 3-D or 4-D input; got rank ${v.shape.length}`);
  if (v.shape.length >= 3 && v.layout !== 'pooled') v = p.spatial(v);
  const channels = v.shape[1] as number;
  const names = ['scale', 'B', 'input_mean', 'input_var'];
  const [gamma, beta, mean, variance] = names.map((what, i) => {
    const c = p.constant(node.inputs[i + 1], what);
    if (c.values.length !== channels)
      p.err(`${what} has ${c.values.length} values; the input has ${channels} channels`);
    const row = rowOf(v);
    return Float32Array.from({ length: channels }, (_, r) => c.values[row(r)]);
  });
  const epsilon = at.float('epsilon', 1e-5);
  if (!(epsilon >= 0 && Number.isFinite(epsilon))) p.err(`epsilon must be a non-negative number; got ${epsilon}`);
  if (variance.some((x) => !(x >= 0))) p.err('input_var has a negative or NaN value');
  if (p.foldTarget(v)) {
    const scale = Float64Array.from(gamma, (g, o) => g / Math.sqrt(variance[o] + epsilon));
    return affine(
      p,
      node,
      v,
      scale,
      Float64Array.from(beta, (b, o) => b - mean[o] * scale[o]),
    );
  }
  if (epsilon === 0) p.err('epsilon 0 is only supported where the batch norm folds into a Conv or Gemm before it');
  const spec = { kind: 'batchNormalization' as const, epsilon, gamma, beta, mean, variance };
  p.emit(node, spec, [v.tensor], v.shape, v.layout);
  if (v.layout === 'flat-chw')
    p.setOutput(node, { ...v, tensor: p.specs[p.specs.length - 1].output, producer: undefined, flattenAt: undefined });
}
