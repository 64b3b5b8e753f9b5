// depthwiseConv2d: every input channel convolved with its own filters, NHWC. Kernels: assembly/depthwise.ts.
// Weights are [kh, kw, cin, multiplier]; output channel c·multiplier + j is input channel c's filter j
// (TensorFlow's layout, and PyTorch's groups = cin weight [cin·mult, 1, kh, kw] reordered). With a
// multiplier above 1 each input channel is first repeated `multiplier` times, after which weights per tap
// are a plain vector over output channels and one kernel serves every case.
//
// Threads: the forward splits over output rows (across images), the input gradient over whole images or
// channel ranges (its scatter-add reaches neighbouring rows), the filter gradient over channel ranges of
// whole f32x4 lanes (a sum over every pixel, never split along the pixels), the bias gradient through
// sumAxisInto (reduce.ts).
import { empty, type Tensor } from '../core/tensor.js';
import { isRecording, record } from '../core/engine.js';
import { scratch } from '../backend/scratch.js';
import { checkFloat, checkPair, checkTensor, describe, fmtShape } from '../util/validate.js';
import { computeConv2dInfo, type Padding2d } from './geometry.js';
import { sumAxisInto } from './reduce.js';
import { runParallel } from '../backend/threads/pool.js';
import { forElements, splitRange, tasksOf } from '../backend/threads/split.js';
import { channelRanges, forGrid, forRows } from '../backend/threads/grid.js';

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
  const withImages = (count: number): KernelGeometry => [count, ...geometry.slice(1)] as KernelGeometry;
  const pixels = n * h * wd;
  const macs = n * oh * ow * C * kh * kw;
  const imageBytes = h * wd * C * 4;
  const outImageBytes = oh * ow * C * 4;
  const expanded = (): number => {
    if (mult === 1) return x.offset;
    const at = scratch('depthwise.x', pixels * C * 4);
    forRows({ elements: pixels * C }, pixels, (p0, p1) => [
      'depthwiseExpand',
      x.offset + p0 * cin * 4,
      at + p0 * C * 4,
      p1 - p0,
      cin,
      mult,
    ]);
    return at;
  };
  const y = empty([n, oh, ow, C]);
  if (n > 0) {
    const xAt = expanded();
    const b = bias ? bias.offset : 0;
    // Whole images, or output rows [i0, i1) of one: the window's rows then start i0·sh further down.
    forGrid({ macs }, n, oh, 1, ({ o0, o1, i0, i1 }) => [
      'depthwiseForward',
      xAt + o0 * imageBytes,
      w.offset,
      b,
      y.offset + o0 * outImageBytes + i0 * ow * C * 4,
      o1 - o0,
      h,
      wd,
      C,
      i1 - i0,
      ow,
      kh,
      kw,
      sh,
      sw,
      dh,
      dw,
      padTop - i0 * sh,
      padLeft,
    ]);
  }
  if (isRecording()) {
    record({
      name: fn,
      inputs: bias ? [x, w, bias] : [x, w],
      outputs: [y],
      backward: ([dy]: Tensor[], needs: boolean[]) => {
        let dx: Tensor | null = null;
        if (needs[0]) {
          dx = empty(x.shape);
          const target = mult === 1 ? dx.offset : scratch('depthwise.dx', pixels * C * 4);
          // The kernel adds into dx: zeros first. Then whole images per task, or, with fewer images than
          // tasks, channel ranges (a scatter reaches neighbouring rows, so rows cannot be shared out).
          forElements(pixels * C, (i, count) => ['fillFloats', target + i * 4, count, 0]);
          const [byImages, byChannels] = [tasksOf({ macs }, n), tasksOf({ macs }, Math.ceil(C / 4))];
          runParallel(
            byImages >= byChannels
              ? splitRange(n, byImages).map(([b0, b1]) => [
                  [
                    'depthwiseBackwardInput',
                    dy.offset + b0 * outImageBytes,
                    w.offset,
                    target + b0 * imageBytes,
                    ...withImages(b1 - b0),
                    0,
                    C,
                  ],
                ])
              : channelRanges({ macs }, C).map(([c0, c1]) => [
                  ['depthwiseBackwardInput', dy.offset, w.offset, target, ...geometry, c0, c1],
                ]),
          );
          if (mult > 1) {
            const into = dx.offset;
            forRows({ elements: pixels * C }, pixels, (p0, p1) => [
              'depthwiseReduce',
              target + p0 * C * 4,
              into + p0 * cin * 4,
              p1 - p0,
              cin,
              mult,
            ]);
          }
        }
        let dwt: Tensor | null = null;
        if (needs[1]) {
          const into = (dwt = empty(w.shape)).offset;
          const xAt = expanded();
          runParallel(
            channelRanges({ macs }, C).map(([c0, c1]) => [
              ['depthwiseBackwardFilter', xAt, dy.offset, into, ...geometry, c0, c1],
            ]),
          );
        }
        if (!bias) return [dx, dwt];
        const db = empty([C]);
        sumAxisInto(dy.offset, db.offset, 1, n * oh * ow, C, 1);
        return [dx, dwt, db];
      },
    });
  }
  return y;
}
