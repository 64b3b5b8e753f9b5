// Conv, MaxPool, AveragePool and GlobalAveragePool on 3-D NCW tensors (sequences): simdnet's Conv1D and
// 1-D pooling layers, held NWC. Those layers take 'valid', 'same' (TensorFlow's rule) and, for Conv1D,
// 'causal' padding, so ONNX pads must be one of those; anything else is refused.
import type { NodeProto } from './proto.js';
import type { Attributes } from './attributes.js';
import type { Named, Planner } from './plan.js';
// geometry.ts's arithmetic core (geometry.ts itself would bundle the whole core into simdnet/onnx).
import { windowAxis } from '../ops/window-axis.js';

function single(p: Planner, at: Attributes, name: string): number {
  const v = at.ints(name, [1]);
  if (v.length !== 1 || !Number.isInteger(v[0]) || v[0] < 1)
    p.err(`${name} must be 1 positive integer (1-D); got [${v.join(', ')}]`);
  return v[0];
}

/** simdnet's padding for ONNX's auto_pad/pads on a 1-D window, and the output length. */
function window1d(
  p: Planner,
  at: Attributes,
  size: number,
  k: number,
  stride: number,
  dilation: number,
  causal: boolean,
) {
  const same = windowAxis(size, k, stride, dilation, 'same');
  const autoPad = at.string('auto_pad', 'NOTSET');
  let pads: number[];
  if (autoPad === 'VALID') pads = [0, 0];
  else if (autoPad === 'SAME_UPPER') pads = [same.before, same.after];
  else if (autoPad === 'NOTSET') pads = at.ints('pads', [0, 0]);
  else return p.err(`auto_pad '${autoPad}' is not supported on 1-D windows`);
  if (pads.length !== 2) p.err(`pads must be 2 integers (1-D); got [${pads.join(', ')}]`);
  const [b, a] = pads;
  let padding: 'valid' | 'same' | 'causal';
  if (b === 0 && a === 0) padding = 'valid';
  else if (b === same.before && a === same.after) padding = 'same';
  else if (causal && stride === 1 && b === (k - 1) * dilation && a === 0) padding = 'causal';
  else
    return p.err(
      `pads [${b}, ${a}] are not supported on a 1-D window of ${k}: simdnet's 1-D layers pad 'valid', 'same' ([${same.before}, ${same.after}])${causal ? " or 'causal'" : ''}`,
    );
  const out = windowAxis(size, k, stride, dilation, [b, a]).out;
  if (out < 1) p.err(`the window of ${k} does not fit ${size} steps`);
  return { padding, out };
}

export function conv1d(p: Planner, node: NodeProto, at: Attributes, x: Named): void {
  const v = p.spatial(x);
  const w = p.constant(node.inputs[1], 'W');
  const b = p.optionalConstant(node.inputs[2], 'B');
  const [, cin, size] = v.shape as number[];
  if (w.dims.length !== 3) p.err(`W must be 3-D [M, C, k] for a 3-D input; got [${w.dims.join(', ')}]`);
  const [cout, cinW, k] = w.dims;
  if (at.int('group', 1) !== 1) p.err('grouped 1-D convolution is not supported');
  if (cinW !== cin) p.err(`W has ${cinW} input channels; the input has ${cin}`);
  if (b && b.values.length !== cout) p.err(`B has ${b.values.length} values; W has ${cout} output channels`);
  const stride = single(p, at, 'strides');
  const dilation = single(p, at, 'dilations');
  const { padding, out } = window1d(p, at, size, k, stride, dilation, true);
  // ONNX's [cout, cin, k] as simdnet's [k, cin, cout].
  const kernel = new Float32Array(k * cin * cout);
  for (let o = 0; o < cout; o++)
    for (let c = 0; c < cin; c++)
      for (let t = 0; t < k; t++) kernel[(t * cin + c) * cout + o] = w.values[(o * cin + c) * k + t];
  const spec = {
    kind: 'conv1d' as const,
    filters: cout,
    kernelSize: k,
    strides: stride,
    dilationRate: dilation,
    padding,
    activation: 'linear' as const,
    kernel,
    bias: b ? Float32Array.from(b.values) : null,
  };
  p.emit(node, spec, [v.tensor], [null, cout, out], 'nchw', true);
}

export function pool1d(p: Planner, node: NodeProto, at: Attributes, x: Named): void {
  const v = p.spatial(x);
  const [, c, size] = v.shape as number[];
  const k = single(p, at, 'kernel_shape');
  const stride = single(p, at, 'strides');
  if (at.int('ceil_mode', 0) !== 0) p.err('ceil_mode is not supported on 1-D pooling');
  const max = node.opType === 'MaxPool';
  const { padding, out } = window1d(p, at, size, k, stride, 1, false);
  // simdnet's 'same' average leaves the padding out, as count_include_pad 0 does.
  if (!max && padding === 'same' && at.int('count_include_pad', 0) === 1)
    p.err('count_include_pad 1 is not supported on 1-D pooling with padding');
  const spec = {
    kind: max ? ('maxPooling1d' as const) : ('averagePooling1d' as const),
    poolSize: k,
    strides: stride,
    padding: padding as 'valid' | 'same',
  };
  p.emit(node, spec, [v.tensor], [null, c, out], 'nchw');
}
