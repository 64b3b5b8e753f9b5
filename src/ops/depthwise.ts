// depthwiseConv2d: every input channel convolved with its own filters, NHWC. Kernels: assembly/depthwise.ts.
// Weights are [kh, kw, cin, multiplier]; output channel c·multiplier + j is input channel c's filter j
// (TensorFlow's layout, and PyTorch's groups = cin weight [cin·mult, 1, kh, kw] reordered). With a
// multiplier above 1 each input channel is first repeated `multiplier` times, after which weights per tap
// are a plain vector over output channels and one kernel serves every case.
import { empty, type Tensor } from '../core/tensor.js';
import { isRecording, record } from '../core/engine.js';
import { kernels } from '../backend/wasm.js';
import { scratch } from '../backend/scratch.js';
import { checkFloat, checkPair, checkTensor, describe, fmtShape } from '../util/validate.js';
import { computeConv2dInfo, type Padding2d } from './geometry.js';

export interface DepthwiseConv2dOptions {
  /** A number or [sh, sw]; default 1. */
  strides?: number | [number, number];
  /** 'valid' (default), 'same' (TensorFlow's rule), p, [ph, pw] or [[top, bottom], [left, right]]. */
  padding?: Padding2d;
  /** A number or [dh, dw]; default 1. */
  dilation?: number | [number, number];
  /** [cin·multiplier], added to every output pixel. */
  bias?: Tensor | null;
}

const OPTION_KEYS = ['strides', 'padding', 'dilation', 'bias'];

/** The kernels' geometry arguments after the pointers, in their order. */
type KernelGeometry = [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];

export function depthwiseConv2d(x: Tensor, w: Tensor, options: DepthwiseConv2dOptions = {}): Tensor {
  const fn = 'depthwiseConv2d';
  checkTensor(x, 'x', fn, 4, '[n,h,w,cin]');
  checkTensor(w, 'w', fn, 4, '[kh,kw,cin,multiplier]');
  checkFloat(x, 'x', fn);
  checkFloat(w, 'w', fn);
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new Error(`${fn}: argument 'options' must be an object; got ${describe(options)}`);
  for (const key of Object.keys(options))
    if (!OPTION_KEYS.includes(key) && (options as Record<string, unknown>)[key] !== undefined)
      throw new Error(`${fn}: unknown option '${key}'; expected one of ${OPTION_KEYS.join(', ')}`);
  const [n, h, wd, cin] = x.shape;
  const [kh, kw, wcin, mult] = w.shape;
  if (wcin !== cin)
    throw new Error(
      `${fn}: argument 'w' must have cin = ${cin} (x's last axis) in its shape [kh,kw,cin,multiplier]; got shape ${fmtShape(w.shape)} (cin = ${wcin})`,
    );
  if (h === 0 || wd === 0 || cin === 0)
    throw new Error(
      `${fn}: argument 'x' must have non-zero height, width and channels; got shape ${fmtShape(x.shape)}`,
    );
  if (kh === 0 || kw === 0 || mult === 0)
    throw new Error(
      `${fn}: argument 'w' must have a non-empty kernel window and multiplier; got shape ${fmtShape(w.shape)}`,
    );
  const [sh, sw] = checkPair(options.strides, 'strides', fn, [1, 1]);
  const [dh, dw] = checkPair(options.dilation, 'dilation', fn, [1, 1]);
  const info = computeConv2dInfo(
    x.shape,
    [kh, kw],
    { strides: [sh, sw], dilations: [dh, dw], padding: options.padding ?? 'valid' },
    fn,
  );
  const { padTop, padLeft, outHeight: oh, outWidth: ow } = info;
  const C = cin * mult;
  const bias = options.bias ?? undefined;
  if (bias) {
    checkTensor(bias, 'bias', fn, 1, '[cin*multiplier]');
    checkFloat(bias, 'bias', fn);
    if (bias.shape[0] !== C)
      throw new Error(
        `${fn}: argument 'bias' must have shape [${C}] (cin·multiplier); got shape ${fmtShape(bias.shape)}`,
      );
  }
  const geometry: KernelGeometry = [n, h, wd, C, oh, ow, kh, kw, sh, sw, dh, dw, padTop, padLeft];
  const pixels = n * h * wd;
  const expanded = (): number => {
    if (mult === 1) return x.offset;
    const at = scratch('depthwise.x', pixels * C * 4);
    kernels().depthwiseExpand(x.offset, at, pixels, cin, mult);
    return at;
  };
  const y = empty([n, oh, ow, C]);
  if (n > 0) kernels().depthwiseForward(expanded(), w.offset, bias ? bias.offset : 0, y.offset, ...geometry);
  if (isRecording()) {
    record({
      name: fn,
      inputs: bias ? [x, w, bias] : [x, w],
      outputs: [y],
      backward: ([dy]: Tensor[], needs: boolean[]) => {
        const k = kernels();
        let dx: Tensor | null = null;
        if (needs[0]) {
          dx = empty(x.shape);
          const target = mult === 1 ? dx.offset : scratch('depthwise.dx', pixels * C * 4);
          k.depthwiseBackwardInput(dy.offset, w.offset, target, ...geometry);
          if (mult > 1) k.depthwiseReduce(target, dx.offset, pixels, cin, mult);
        }
        let dwt: Tensor | null = null;
        if (needs[1]) {
          dwt = empty(w.shape);
          k.depthwiseBackwardFilter(expanded(), dy.offset, dwt.offset, ...geometry);
        }
        if (!bias) return [dx, dwt];
        const db = empty([C]);
        k.reduceSumAxis(dy.offset, db.offset, 1, n * oh * ow, C, 1);
        return [dx, dwt, db];
      },
    });
  }
  return y;
}
