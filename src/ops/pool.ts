// Pooling over NHWC images. Kernels: assembly/pool.ts.
import { empty, type Tensor } from '../core/tensor.js';
import { isRecording, record } from '../core/engine.js';
import { kernels, type KernelArgs } from '../backend/wasm.js';
import { checkFloat, checkPair, checkTensor, describe, fmtShape } from '../util/validate.js';

export interface Pool2dOptions {
  /** A number or [ph, pw]; default 2. */
  poolSize?: number | [number, number];
  /** A number or [sh, sw]; default poolSize. */
  strides?: number | [number, number];
  /** 'valid' (default) or 'same' (TensorFlow's rule). */
  padding?: 'valid' | 'same';
}

const OPTION_NAMES = ['poolSize', 'strides', 'padding'];

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
}

/** The geometry arguments every windowed pooling kernel takes after its pointers (the compiler checks each call). */
function kernelArgs(g: PoolGeometry): KernelArgs<'maxPool2dForward', 2> {
  return [g.n, g.h, g.w, g.c, g.oh, g.ow, g.ph, g.pw, g.sh, g.sw, g.padTop, g.padLeft];
}

/**
 * Output size and padding before the first cell along one axis. 'same' follows TensorFlow: the output
 * is ceil(in / stride) and the odd cell of padding goes after (bottom/right).
 */
function axisGeometry(size: number, pool: number, stride: number, padding: 'valid' | 'same'): [number, number] {
  if (padding === 'valid') return [Math.floor((size - pool) / stride) + 1, 0];
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + pool - size, 0);
  return [out, Math.floor(total / 2)];
}

function poolGeometry(x: unknown, options: unknown, fn: string): PoolGeometry {
  const t = checkTensor(x, 'x', fn, 4, '[n,h,w,c]');
  checkFloat(t, 'x', fn);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(
      `${fn}: argument 'options' must be an object { poolSize, strides, padding }; got ${describe(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) {
      throw new Error(`${fn}: unknown option '${key}'; expected one of ${OPTION_NAMES.join(', ')}`);
    }
  }
  const o = options as Pool2dOptions;
  const [ph, pw] = checkPair(o.poolSize, 'poolSize', fn, [2, 2]);
  const [sh, sw] = checkPair(o.strides, 'strides', fn, [ph, pw]);
  const padding = o.padding ?? 'valid';
  if (padding !== 'valid' && padding !== 'same') {
    throw new Error(`${fn}: argument 'padding' must be 'valid' or 'same'; got ${describe(padding)}`);
  }
  const [n, h, w, c] = t.shape;
  if (padding === 'valid' && (ph > h || pw > w)) {
    throw new Error(
      `${fn}: argument 'poolSize' [${ph},${pw}] is larger than the input's height and width [${h},${w}] ` +
        `(x has shape ${fmtShape(t.shape)}); with padding 'valid' it must be at most [${h},${w}] (or use padding 'same')`,
    );
  }
  const [oh, padTop] = axisGeometry(h, ph, sh, padding);
  const [ow, padLeft] = axisGeometry(w, pw, sw, padding);
  return { n, h, w, c, oh, ow, ph, pw, sh, sw, padTop, padLeft };
}

export function maxPool2d(x: Tensor, options: Pool2dOptions = {}): Tensor {
  const g = poolGeometry(x, options, 'maxPool2d');
  const y = empty([g.n, g.oh, g.ow, g.c]);
  if (!isRecording()) {
    kernels().maxPool2dForward(x.offset, y.offset, ...kernelArgs(g));
    return y;
  }
  // Training: keep the index of each window's first maximum (see assembly/pool.ts for why indices are
  // saved rather than recomputed). The tensor lives in the enclosing tidy like any other intermediate.
  const argmax = empty(y.shape, 'int32');
  kernels().maxPool2dForwardArgmax(x.offset, y.offset, argmax.offset, ...kernelArgs(g));
  record({
    name: 'maxPool2d',
    inputs: [x],
    outputs: [y],
    backward: ([dy]) => {
      const dx = empty(x.shape);
      kernels().maxPool2dBackward(dy.offset, argmax.offset, dx.offset, y.size, x.size);
      return [dx];
    },
  });
  return y;
}

/** With 'same', the average is over the cells inside the input. */
export function avgPool2d(x: Tensor, options: Pool2dOptions = {}): Tensor {
  const g = poolGeometry(x, options, 'avgPool2d');
  const y = empty([g.n, g.oh, g.ow, g.c]);
  kernels().avgPool2dForward(x.offset, y.offset, ...kernelArgs(g));
  if (isRecording()) {
    record({
      name: 'avgPool2d',
      inputs: [x],
      outputs: [y],
      backward: ([dy]) => {
        const dx = empty(x.shape);
        kernels().avgPool2dBackward(dy.offset, dx.offset, ...kernelArgs(g));
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
  const y = empty([n, c]);
  kernels().globalAvgPool2dForward(x.offset, y.offset, n, h * w, c);
  if (isRecording()) {
    record({
      name: 'globalAvgPool2d',
      inputs: [x],
      outputs: [y],
      backward: ([dy]) => {
        const dx = empty(x.shape);
        kernels().globalAvgPool2dBackward(dy.offset, dx.offset, n, h * w, c);
        return [dx];
      },
    });
  }
  return y;
}
