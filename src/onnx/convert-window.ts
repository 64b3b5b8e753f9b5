// Sliding-window and spatial operators: Conv (group 1, grouped, depthwise), MaxPool, AveragePool, the global
// pools (also as ReduceMean/ReduceMax over H and W) and Pad. Output sizes and TensorFlow's 'same' padding
// come from simdnet's one geometry module, so that what loadOnnx plans is what the layers compute.
import type { NodeProto } from './proto.js';
import type { Attributes } from './attributes.js';
import type { Named, Planner } from './plan.js';
import type { Padding } from './specs.js';
// geometry.ts's arithmetic core: importing geometry.ts itself would bundle the whole core into simdnet/onnx.
import { windowAxis } from '../ops/window-axis.js';
import { conv1d, pool1d } from './convert-window1d.js';

interface Window {
  h: number;
  w: number;
  strides: [number, number];
  dilations: [number, number];
  /** [top, left, bottom, right], ONNX's order. */
  pads: number[];
}

function pair(p: Planner, at: Attributes, name: string, fallback: number): [number, number] {
  const v = at.ints(name, [fallback, fallback]);
  if (v.length !== 2 || v.some((x) => !Number.isInteger(x) || x < 1))
    p.err(`${name} must be 2 positive integers (2-D only); got [${v.join(', ')}]`);
  return [v[0], v[1]];
}

/** Strides, dilations and the pads that ONNX's auto_pad/pads stand for on a [N, C, h, w] input. */
function windowOf(p: Planner, at: Attributes, v: Named, k: [number, number], dilated: boolean): Window {
  const [, , h, w] = v.shape as number[];
  const strides = pair(p, at, 'strides', 1);
  const dilations = dilated ? pair(p, at, 'dilations', 1) : ([1, 1] as [number, number]);
  if (!dilated && at.ints('dilations', [1]).some((d) => d !== 1)) p.err('dilated pooling is not supported');
  const autoPad = at.string('auto_pad', 'NOTSET');
  if (autoPad === 'VALID') return { h, w, strides, dilations, pads: [0, 0, 0, 0] };
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const [y, x] = [
      windowAxis(h, k[0], strides[0], dilations[0], 'same'),
      windowAxis(w, k[1], strides[1], dilations[1], 'same'),
    ];
    // SAME_LOWER puts the odd cell before instead of after.
    const pads =
      autoPad === 'SAME_UPPER' ? [y.before, x.before, y.after, x.after] : [y.after, x.after, y.before, x.before];
    return { h, w, strides, dilations, pads };
  }
  if (autoPad !== 'NOTSET') p.err(`auto_pad '${autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  const pads = at.ints('pads', [0, 0, 0, 0]);
  if (pads.length !== 4 || pads.some((x) => !Number.isInteger(x) || x < 0 || x > 1 << 16))
    p.err(`pads must be 4 non-negative integers (2-D); got [${pads.join(', ')}]`);
  return { h, w, strides, dilations, pads };
}

/** simdnet's padding option for the window's pads: 'valid', TensorFlow's 'same' when they are that, else explicit. */
function paddingOf(win: Window, k: [number, number]): Padding {
  const [t, l, b, r] = win.pads;
  if (win.pads.every((x) => x === 0)) return 'valid';
  const y = windowAxis(win.h, k[0], win.strides[0], win.dilations[0], 'same');
  const x = windowAxis(win.w, k[1], win.strides[1], win.dilations[1], 'same');
  if (t === y.before && b === y.after && l === x.before && r === x.after) return 'same';
  return [
    [t, b],
    [l, r],
  ];
}

/** Output height and width; fails when the window does not fit. */
function outputOf(p: Planner, win: Window, k: [number, number], ceil: boolean, noun: string): [number, number] {
  const [t, l, b, r] = win.pads;
  const oh = windowAxis(win.h, k[0], win.strides[0], win.dilations[0], [t, b], ceil).out;
  const ow = windowAxis(win.w, k[1], win.strides[1], win.dilations[1], [l, r], ceil).out;
  if (oh < 1 || ow < 1)
    p.err(`the ${k[0]}x${k[1]} ${noun} does not fit the ${win.h}x${win.w} input with pads [${win.pads.join(', ')}]`);
  return [oh, ow];
}

export function conv(p: Planner, node: NodeProto, at: Attributes): void {
  const x = p.flowing(node);
  if (x.shape.length === 3) return conv1d(p, node, at, x);
  const v = p.spatial(x);
  const w = p.constant(node.inputs[1], 'W');
  const b = p.optionalConstant(node.inputs[2], 'B');
  if (w.dims.length !== 4) p.err(`W must be 4-D [M, C, kh, kw] (2-D convolution); got [${w.dims.join(', ')}]`);
  const [cout, cinG, kh, kw] = w.dims;
  const cin = v.shape[1] as number;
  const group = at.int('group', 1);
  if (!Number.isInteger(group) || group < 1 || cin % group !== 0 || cout % group !== 0)
    p.err(`group ${group} must divide the ${cin} input channels and the ${cout} output channels`);
  if (cinG * group !== cin) p.err(`W has ${cinG} input channels per group; the input has ${cin} in ${group} group(s)`);
  const ks = at.ints('kernel_shape', [kh, kw]);
  if (ks[0] !== kh || ks[1] !== kw) p.err(`kernel_shape [${ks.join(', ')}] does not match W [${w.dims.join(', ')}]`);
  if (b && b.values.length !== cout) p.err(`B has ${b.values.length} values; W has ${cout} output channels`);
  const k: [number, number] = [kh, kw];
  const win = windowOf(p, at, v, k, true);
  if (win.strides.some((s) => s > 1) && win.dilations.some((d) => d > 1))
    p.err('strides and dilations both above 1 are not supported');
  const [oh, ow] = outputOf(p, win, k, false, 'kernel');
  const common = {
    kernelSize: k,
    strides: win.strides,
    dilationRate: win.dilations,
    padding: paddingOf(win, k),
    activation: 'linear' as const,
    bias: b ? Float32Array.from(b.values) : null,
  };
  const src = w.values;
  const shape = [null, cout, oh, ow];
  if (group > 1 && group === cin) {
    // Depthwise. ONNX output channel c * mult + m reads input channel c: simdnet's [kh, kw, cin, mult] in the same order.
    const kernel = new Float32Array(kh * kw * cout);
    for (let o = 0; o < cout; o++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) kernel[(y * kw + x) * cout + o] = src[(o * kh + y) * kw + x];
    return p.emit(
      node,
      { kind: 'depthwiseConv2d', depthMultiplier: cout / cin, kernel, ...common },
      [v.tensor],
      shape,
      'nchw',
      true,
    );
  }
  // Group 1, or grouped (1 < group < channels): one Conv2D whose kernel is block-diagonal, zero where an output
  // channel's group does not read an input channel. Exact, at `group` times the arithmetic of a grouped kernel.
  const coutG = cout / group;
  const kernel = new Float32Array(kh * kw * cin * cout);
  for (let o = 0; o < cout; o++) {
    const first = Math.floor(o / coutG) * cinG;
    for (let c = 0; c < cinG; c++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++)
          kernel[((y * kw + x) * cin + first + c) * cout + o] = src[((o * cinG + c) * kh + y) * kw + x];
  }
  p.emit(node, { kind: 'conv2d', filters: cout, kernel, ...common }, [v.tensor], shape, 'nchw', true);
}

export function pool(p: Planner, node: NodeProto, at: Attributes): void {
  const x = p.flowing(node);
  if (x.shape.length === 3) return pool1d(p, node, at, x);
  const v = p.spatial(x);
  const k = pair(p, at, 'kernel_shape', 0);
  if (at.int('storage_order', 0) !== 0) p.err('storage_order 1 is not supported');
  const win = windowOf(p, at, v, k, false);
  const ceilMode = at.int('ceil_mode', 0) === 1;
  const max = node.opType === 'MaxPool';
  // simdnet's 'same' average leaves the padding out, as count_include_pad 0 does; ceil mode needs explicit pads.
  const countIncludePad = !max && at.int('count_include_pad', 0) === 1;
  let padding = paddingOf(win, k);
  const [t, l, b, r] = win.pads;
  if (padding === 'same' && (ceilMode || countIncludePad))
    padding = [
      [t, b],
      [l, r],
    ];
  if (t + b >= k[0] || l + r >= k[1])
    p.err(`pads [${win.pads.join(', ')}] leave whole windows of padding for a ${k[0]}x${k[1]} window`);
  const [oh, ow] = outputOf(p, win, k, ceilMode, 'window');
  const spec = { poolSize: k, strides: win.strides, padding, ceilMode };
  p.emit(
    node,
    max ? { kind: 'maxPooling2d', ...spec } : { kind: 'averagePooling2d', ...spec, countIncludePad },
    [v.tensor],
    [null, v.shape[1], oh, ow],
    'nchw',
  );
}

/** GlobalAveragePool and GlobalMaxPool: [N, C, 1, 1], held as [N, C]. */
export function globalPool(p: Planner, node: NodeProto): void {
  const v = p.spatial(p.flowing(node));
  const max = node.opType === 'GlobalMaxPool';
  if (v.shape.length === 3) {
    if (max) p.err('GlobalMaxPool on 3-D tensors is not supported (simdnet has no GlobalMaxPooling1D layer)');
    return p.emit(node, { kind: 'globalAveragePooling1d' }, [v.tensor], [null, v.shape[1], 1], 'pooled');
  }
  p.emit(
    node,
    { kind: max ? 'globalMaxPooling2d' : 'globalAveragePooling2d' },
    [v.tensor],
    [null, v.shape[1], 1, 1],
    'pooled',
  );
}

/** ReduceMean/ReduceMax over the two spatial axes of a 4-D tensor: a global pool (axes are an input from opset 18). */
export function reduce(p: Planner, node: NodeProto, at: Attributes): void {
  let v = p.flowing(node);
  const axesName = node.inputs[1];
  const axes = p.opset >= 18 ? (axesName ? Array.from(p.constant(axesName, 'axes').values) : []) : at.ints('axes', []);
  const keep = at.int('keepdims', 1) === 1;
  if (axes.length === 0 && at.int('noop_with_empty_axes', 0) === 1) return p.setOutput(node, v);
  const rank = v.shape.length;
  const set = axes
    .map((a) => (a < 0 ? a + rank : a))
    .sort()
    .join();
  const kind = node.opType === 'ReduceMax' ? 'globalMaxPooling2d' : 'globalAveragePooling2d';
  if (rank === 4 && set === '2,3') {
    v = p.spatial(v);
    const c = v.shape[1];
    if (keep) return p.emit(node, { kind }, [v.tensor], [null, c, 1, 1], 'pooled');
    return p.emit(node, { kind }, [v.tensor], [null, c], 'plain');
  }
  if (rank === 4 && set === '1,2' && v.layout === 'plain') {
    // NHWC data (TensorFlow exports): simdnet's own spatial axes.
    const c = v.shape[3] as number;
    const i = p.push({ kind }, [v.tensor]);
    if (!keep) return p.setOutput(node, { tensor: p.specs[i].output, shape: [null, c], layout: 'plain' });
    return p.emit(node, { kind: 'reshape', targetShape: [1, 1, c] }, [p.specs[i].output], [null, 1, 1, c], 'plain');
  }
  p.err(
    `only a reduction over the spatial axes of a 4-D tensor (a global pool) is supported; got axes [${axes.join(', ')}] on rank ${rank}`,
  );
}

/** Pad with zeros around the spatial axes: ZeroPadding2D (pads are an input from opset 11, axes from 18). */
export function padOp(p: Planner, node: NodeProto, at: Attributes): void {
  let v = p.flowing(node);
  const mode = at.string('mode', 'constant');
  if (mode !== 'constant') p.err(`mode '${mode}' is not supported; only 'constant' (zeros)`);
  const rank = v.shape.length;
  const pads = Array.from(p.constant(node.inputs[1], 'pads').values);
  const value = p.optionalConstant(node.inputs[2], 'constant_value');
  if (value && value.values.some((x) => x !== 0))
    p.err(`only zero padding is supported; got constant_value ${value.values[0]}`);
  const axesIn = p.optionalConstant(node.inputs[3], 'axes');
  const axes = axesIn
    ? Array.from(axesIn.values, (a) => (a < 0 ? a + rank : a))
    : Array.from({ length: rank }, (_, i) => i);
  if (pads.length !== 2 * axes.length) p.err(`pads has ${pads.length} values; expected ${2 * axes.length}`);
  if (pads.some((x) => !Number.isInteger(x) || x < 0 || x > 1 << 16))
    p.err(`pads must be non-negative integers of at most 65536; got [${pads.join(', ')}]`);
  const before = new Array<number>(rank).fill(0);
  const after = new Array<number>(rank).fill(0);
  axes.forEach((a, i) => {
    before[a] = pads[i];
    after[a] = pads[i + axes.length];
  });
  const padded = before.map((x, i) => x + after[i] > 0);
  const shape = v.shape.map((d, i) => (d === null ? null : d + before[i] + after[i]));
  if (rank !== 4) p.err(`only padding of 4-D tensors is supported; got rank ${rank}`);
  // The two spatial axes of simdnet's tensor are 1 and 2: ONNX's 2 and 3 (NCHW), or 1 and 2 of NHWC data.
  let sp: [number, number];
  if (v.layout === 'plain' && !padded[3] && !padded[0]) sp = [1, 2];
  else if (!padded[0] && !padded[1]) {
    v = p.spatial(v);
    sp = [2, 3];
  } else return p.err(`only padding of the spatial axes is supported; got pads [${pads.join(', ')}]`);
  const padding: [[number, number], [number, number]] = [
    [before[sp[0]], after[sp[0]]],
    [before[sp[1]], after[sp[1]]],
  ];
  p.emit(node, { kind: 'zeroPadding2d', padding }, [v.tensor], shape, v.layout);
}
