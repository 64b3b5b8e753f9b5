// Pooling over NHWC images. Kernels: assembly/pool.ts.
import { empty, type Tensor } from '../core/tensor.js';
import { isRecording, record } from '../core/engine.js';
import { type KernelArgs } from '../backend/wasm.js';
import {
  checkFloat,
  checkKnownKeys,
  checkOptionsObject,
  checkPair,
  checkTensor,
  fmtShape,
  optionError,
} from '../util/validate.js';
import { computePool2dInfo, type Padding2d } from './geometry.js';
import { runParallel, type Call } from '../backend/threads/pool.js';
import { splitRange, tasksOf } from '../backend/threads/split.js';
import { forGrid } from '../backend/threads/grid.js';

export interface Pool2dOptions {
  /** A number or [ph, pw]; default 2. */
  poolSize?: number | [number, number];
  /** A number or [sh, sw]; default poolSize. */
  strides?: number | [number, number];
  /**
   * 'valid' (default), 'same' (TensorFlow's rule), or explicit as in PyTorch: p on every side, [ph, pw], or
   * [[top, bottom], [left, right]], each at most half the window. Max pooling pads with -Infinity.
   */
  padding?: Padding2d;
  /** PyTorch's ceil_mode: round the output size up (a window must still start inside the input or left padding). */
  ceilMode?: boolean;
}

export interface AvgPool2dOptions extends Pool2dOptions {
  /**
   * Whether padded cells count in the divisor. Default: true for explicit padding (PyTorch's
   * count_include_pad), false for 'same' (TensorFlow). Cells a ceilMode window reaches beyond the padding
   * never count.
   */
  countIncludePad?: boolean;
}

const MAX_OPTIONS = ['poolSize', 'strides', 'padding', 'ceilMode'];
const AVG_OPTIONS = [...MAX_OPTIONS, 'countIncludePad'];

/** Everything a windowed pooling kernel needs, in the order the kernels take it after the pointers. */
interface PoolGeometry {
  n: number;
  h: number;
  w: number;
  c: number;
  oh: number;
  ow: number;
  ph: number;
  pw: number;
  sh: number;
  sw: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
  countIncludePad: boolean;
}

/** Max pooling reads only cells inside the input, which is padding with -Infinity (the compiler checks each call). */
function maxKernelArgs(g: PoolGeometry): KernelArgs<'maxPool2dForward', 2> {
  return [g.n, g.h, g.w, g.c, g.oh, g.ow, g.ph, g.pw, g.sh, g.sw, g.padTop, g.padLeft];
}

/**
 * With threads, pooling is split by whole images: windows never cross images, so each output and each
 * gradient element is made by one thread in the order one thread would. Pooling reads each input about
 * once, so its work is counted in input elements.
 */
function imageRanges(n: number, elements: number): [number, number][] {
  return splitRange(n, tasksOf({ elements }, n));
}

/** Runs one kernel call per image range, the ranges on their own threads. */
function perImages(ranges: [number, number][], call: (b0: number, b1: number) => Call): void {
  runParallel(ranges.map(([b0, b1]) => [call(b0, b1)]));
}

/** Average pooling also needs where the padding ends, for the divisor when padded cells count. */
function avgKernelArgs(g: PoolGeometry): KernelArgs<'avgPool2dForward', 2> {
  return [...maxKernelArgs(g), g.padBottom, g.padRight, g.countIncludePad ? 1 : 0];
}

function poolGeometry(x: unknown, options: unknown, fn: string, known: string[]): PoolGeometry {
  const t = checkTensor(x, 'x', fn, 4, '[n,h,w,c]');
  checkFloat(t, 'x', fn);
  checkOptionsObject(options, fn, 'options');
  checkKnownKeys(options as object, known, fn);
  const o = options as AvgPool2dOptions;
  const [ph, pw] = checkPair(o.poolSize, 'poolSize', fn, [2, 2]);
  const [sh, sw] = checkPair(o.strides, 'strides', fn, [ph, pw]);
  const info = computePool2dInfo(
    t.shape,
    [ph, pw],
    { strides: [sh, sw], padding: o.padding, ceilMode: o.ceilMode },
    fn,
  );
  const countIncludePad = o.countIncludePad ?? info.padding.kind === 'explicit';
  if (typeof countIncludePad !== 'boolean') {
    throw optionError(fn, 'countIncludePad', 'true or false', countIncludePad);
  }
  return {
    n: info.batch,
    h: info.inHeight,
    w: info.inWidth,
    c: info.inChannels,
    oh: info.outHeight,
    ow: info.outWidth,
    ph,
    pw,
    sh,
    sw,
    padTop: info.padTop,
    padLeft: info.padLeft,
    padBottom: info.padBottom,
    padRight: info.padRight,
    countIncludePad,
  };
}

export function maxPool2d(x: Tensor, options: Pool2dOptions = {}): Tensor {
  const g = poolGeometry(x, options, 'maxPool2d', MAX_OPTIONS);
  const y = empty([g.n, g.oh, g.ow, g.c], 'float32', 'maxPool2d');
  const xImage = g.h * g.w * g.c;
  const yImage = g.oh * g.ow * g.c;
  const ranges = imageRanges(g.n, x.size);
  const sub = (b0: number, b1: number): KernelArgs<'maxPool2dForward', 2> => {
    const args = maxKernelArgs(g);
    args[0] = b1 - b0;
    return args;
  };
  if (!isRecording()) {
    perImages(ranges, (b0, b1) => [
      'maxPool2dForward',
      x.offset + b0 * xImage * 4,
      y.offset + b0 * yImage * 4,
      ...sub(b0, b1),
    ]);
    return y;
  }
  // Training: keep the index of each window's first maximum (see assembly/pool.ts for why indices are
  // saved rather than recomputed). The tensor lives in the enclosing tidy like any other intermediate.
  // Indices count from the first image of their range, so backward takes the same ranges.
  let argmax: Tensor;
  try {
    argmax = empty(y.shape, 'int32', 'maxPool2d');
  } catch (e) {
    y.dispose();
    throw e;
  }
  perImages(ranges, (b0, b1) => [
    'maxPool2dForwardArgmax',
    x.offset + b0 * xImage * 4,
    y.offset + b0 * yImage * 4,
    argmax.offset + b0 * yImage * 4,
    ...sub(b0, b1),
  ]);
  record({
    name: 'maxPool2d',
    inputs: [x],
    outputs: [y],
    backward: ([dy]) => {
      const dx = empty(x.shape);
      perImages(ranges, (b0, b1) => [
        'maxPool2dBackward',
        dy.offset + b0 * yImage * 4,
        argmax.offset + b0 * yImage * 4,
        dx.offset + b0 * xImage * 4,
        (b1 - b0) * yImage,
        (b1 - b0) * xImage,
      ]);
      return [dx];
    },
  });
  return y;
}

/** Padded cells count in the average with explicit padding unless countIncludePad is false; with 'same' they do not. */
export function avgPool2d(x: Tensor, options: AvgPool2dOptions = {}): Tensor {
  const g = poolGeometry(x, options, 'avgPool2d', AVG_OPTIONS);
  const y = empty([g.n, g.oh, g.ow, g.c], 'float32', 'avgPool2d');
  const xImage = g.h * g.w * g.c;
  const yImage = g.oh * g.ow * g.c;
  const sub = (b0: number, b1: number): KernelArgs<'avgPool2dForward', 2> => {
    const args = avgKernelArgs(g);
    args[0] = b1 - b0;
    return args;
  };
  const ranges = imageRanges(g.n, x.size);
  perImages(ranges, (b0, b1) => [
    'avgPool2dForward',
    x.offset + b0 * xImage * 4,
    y.offset + b0 * yImage * 4,
    ...sub(b0, b1),
  ]);
  if (isRecording()) {
    record({
      name: 'avgPool2d',
      inputs: [x],
      outputs: [y],
      backward: ([dy]) => {
        const dx = empty(x.shape);
        perImages(imageRanges(g.n, x.size), (b0, b1) => [
          'avgPool2dBackward',
          dy.offset + b0 * yImage * 4,
          dx.offset + b0 * xImage * 4,
          ...sub(b0, b1),
        ]);
        return [dx];
      },
    });
  }
  return y;
}

/** [n,h,w,c] → [n,c]. */
export function globalAvgPool2d(x: Tensor): Tensor {
  const fn = 'globalAvgPool2d';
  checkTensor(x, 'x', fn, 4, '[n,h,w,c]');
  checkFloat(x, 'x', fn);
  const [n, h, w, c] = x.shape;
  if (h * w === 0 && n * c > 0) {
    throw new Error(
      `${fn}: argument 'x' must have a non-empty height and width to average over; got shape ${fmtShape(x.shape)}`,
    );
  }
  const y = empty([n, c], 'float32', fn);
  const hw = h * w;
  // Threads: the forward over images and channel ranges (each channel's mean summed by one thread), the
  // backward over pixel rows of the images.
  forGrid({ elements: x.size }, n, c, 4, ({ o0, o1, i0, i1 }) => [
    'globalAvgPool2dForward',
    x.offset + o0 * hw * c * 4,
    y.offset + o0 * c * 4,
    o1 - o0,
    hw,
    c,
    i0,
    i1,
  ]);
  if (isRecording()) {
    record({
      name: 'globalAvgPool2d',
      inputs: [x],
      outputs: [y],
      backward: ([dy]) => {
        const dx = empty(x.shape);
        forGrid({ elements: x.size }, n, hw, 1, ({ o0, o1, i0, i1 }) => [
          'globalAvgPool2dBackward',
          dy.offset + o0 * c * 4,
          dx.offset + (o0 * hw + i0) * c * 4,
          o1 - o0,
          hw,
          c,
          i0,
          i1,
        ]);
        return [dx];
      },
    });
  }
  return y;
}
