// conv2d: NHWC cross-correlation with padding, stride and dilation. Kernels: assembly/conv2d.ts (indirection,
// horizontal padding, col2im) and the GEMM micro-kernels of assembly/gemm.ts.
//
// Forward is an indirect GEMM: M = n*oh*ow output pixels, K = kh*kw*cin, N = cout; the A operand is read
// through one pointer per (output pixel, tap) to the input pixel's cin floats (or to a zero row for
// padding), so no im2col copy is made. With few input channels a one-pixel tap is too short to pay for its
// pointer loads, so a tap becomes a whole kernel row (kw*cin contiguous floats; see Plan).
// Backward: dw per tap is (x at the indirection)ᵀ · dy on the weight-gradient kernel; dx is dy · Wᵀ per
// block of output pixels followed by a scatter-add of each tap back into dx; db sums dy over pixels.
import { Tensor, empty } from '../core/tensor.js';
import { isRecording, record } from '../core/engine.js';
import { zeros } from '../core/creation.js';
import { kernels, type KernelArgs } from '../backend/wasm.js';
import { scratch } from '../backend/scratch.js';
import { f32 } from '../backend/views.js';
import { within } from '../util/errors.js';
import {
  checkFloat,
  checkFusedRelu,
  checkKnownKeys,
  checkOptionsObject,
  checkPair,
  checkTensor,
  fmtShape,
} from '../util/validate.js';
import { computeConv2dInfo, type Padding2d } from './geometry.js';
import {
  fromRow,
  gemm,
  gemmRows,
  packBT,
  packWeights,
  gradients,
  paddedRows,
  rowPointers,
  tileRows,
  type Indirection,
} from './gemm.js';
import { runParallel, type Call } from '../backend/threads/pool.js';
import { splitRange, tasksOf, threadsFor, threadsForElements } from '../backend/threads/split.js';

export type Padding = Padding2d;

export interface Conv2dOptions {
  /** A number or [sh, sw]; default 1. */
  strides?: number | [number, number];
  /**
   * 'valid' (default), 'same' (TensorFlow's rule), or explicit: p on every side, [ph, pw] (PyTorch's
   * symmetric form) or [[top, bottom], [left, right]].
   */
  padding?: Padding;
  /** A number or [dh, dw]; default 1. */
  dilation?: number | [number, number];
  /** [cout], added to every output pixel. */
  bias?: Tensor;
  /** Fused activation applied in the output store (default 'linear'). */
  activation?: 'linear' | 'relu';
}

/**
 * Below this many input channels, a tap of one pixel is too short to pay for its pointer loads, so (with
 * horizontal dilation 1) the taps become whole kernel rows of kw*cin floats. Above it row taps gain
 * nothing. Measurements: bench/NOTES.md#conv-row-taps.
 */
const ROW_TAPS_BELOW_CIN = 8;
/** Target size of a dCol block: small enough to stay in L2 between its GEMM and its scatter. */
const BLOCK_BYTES = 256 * 1024;
/** The same when the threads share each block (dxByBands): bigger, as each block costs two rounds. */
const BAND_BLOCK_BYTES = 1024 * 1024;

/** Everything about a convolution's shape, resolved once from the arguments. */
interface Geometry {
  n: number;
  h: number;
  w: number;
  cin: number;
  kh: number;
  kw: number;
  cout: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  padTop: number;
  padLeft: number;
  oh: number;
  ow: number;
  /** Output pixels, taps per pixel, and the GEMM depth taps * cin. */
  M: number;
  taps: number;
  K: number;
}

const OPTION_KEYS = ['strides', 'padding', 'dilation', 'bias', 'activation'];

function geometry(x: Tensor, w: Tensor, options: Conv2dOptions, fn: string): Geometry {
  checkTensor(x, 'x', fn, 4, '[n,h,w,cin]');
  checkTensor(w, 'w', fn, 4, '[kh,kw,cin,cout]');
  checkFloat(x, 'x', fn);
  checkFloat(w, 'w', fn);
  checkOptionsObject(options, fn, 'options');
  checkKnownKeys(options, OPTION_KEYS, fn);
  const [n, h, wd, cin] = x.shape;
  const [kh, kw, wcin, cout] = w.shape;
  if (wcin !== cin) {
    throw new Error(
      `${fn}: argument 'w' must have cin = ${cin} (x's last axis) in its shape [kh,kw,cin,cout]; got shape ${fmtShape(w.shape)} (cin = ${wcin})`,
    );
  }
  if (h === 0 || wd === 0 || cin === 0)
    throw new Error(
      `${fn}: argument 'x' must have non-zero height, width and channels; got shape ${fmtShape(x.shape)}`,
    );
  if (kh === 0 || kw === 0)
    throw new Error(`${fn}: argument 'w' must have a non-empty kernel window; got shape ${fmtShape(w.shape)}`);
  const [sh, sw] = checkPair(options.strides, 'strides', fn, [1, 1]);
  const [dh, dw] = checkPair(options.dilation, 'dilation', fn, [1, 1]);
  const info = computeConv2dInfo(
    x.shape,
    [kh, kw],
    { strides: [sh, sw], dilations: [dh, dw], padding: options.padding },
    fn,
  );
  if (options.bias !== undefined && options.bias !== null) {
    const b = checkTensor(options.bias, 'bias', fn, 1, '[cout]');
    checkFloat(b, 'bias', fn);
    if (b.shape[0] !== cout)
      throw new Error(
        `${fn}: argument 'bias' must have shape [${cout}] (cout = w's last axis); got shape ${fmtShape(b.shape)}`,
      );
  }
  const { padTop, padLeft, outHeight: oh, outWidth: ow } = info;
  return {
    n,
    h,
    w: wd,
    cin,
    kh,
    kw,
    cout,
    sh,
    sw,
    dh,
    dw,
    padTop,
    padLeft,
    oh,
    ow,
    M: n * oh * ow,
    taps: kh * kw,
    K: kh * kw * cin,
  };
}

/** A row of at least `floats` zeros, the target of padding taps. */
function zeroRow(floats: number): number {
  const zero = scratch('conv.zero', Math.max(floats, 8) * 4);
  f32().fill(0, zero >>> 2, (zero >>> 2) + floats);
  return zero;
}

/**
 * How the GEMM reads x: one tap per kernel pixel (cin floats) straight from x, or, for few channels, one
 * tap per kernel row (kw*cin contiguous floats) from x or from a copy padded horizontally so that no row
 * run crosses an image edge (vertical padding still goes through the zero row).
 */
interface Plan {
  taps: number;
  tapLen: number;
  rowTaps: boolean;
  /** Pixels per row of the image the pointers index: w, or w + padLeft + padRight for the padded copy. */
  width: number;
  padded: boolean;
  padRight: number;
}

function plan(g: Geometry): Plan {
  const rowTaps = g.cin < ROW_TAPS_BELOW_CIN && g.dw === 1 && g.kw > 1;
  if (!rowTaps) return { taps: g.taps, tapLen: g.cin, rowTaps, width: g.w, padded: false, padRight: 0 };
  // Right padding actually reached by the last output column's window.
  const padRight = Math.max(0, (g.ow - 1) * g.sw + g.kw - g.padLeft - g.w);
  const padded = g.padLeft > 0 || padRight > 0;
  return {
    taps: g.kh,
    tapLen: g.kw * g.cin,
    rowTaps,
    width: padded ? g.padLeft + g.w + padRight : g.w,
    padded,
    padRight,
  };
}

/** Where the indirection points: the image (x or its padded copy) and the zero row; and the indirection. */
interface Addressing {
  image: number;
  zero: number;
  a: Indirection;
}

/**
 * convIndirection's geometry after its pointers, for output rows [m0, m1): one tap per kernel pixel, or
 * with row taps one tap per kernel row (kw = dw = 1 over `p.width`-pixel rows, horizontal padding already
 * in the padded copy).
 */
function indirectionArgs(g: Geometry, p: Plan, mPad: number, m0: number, m1: number): KernelArgs<'convIndirection', 3> {
  const kw = p.rowTaps ? 1 : g.kw;
  const dw = p.rowTaps ? 1 : g.dw;
  const padLeft = p.padded ? 0 : g.padLeft;
  return [g.n, g.h, p.width, g.cin, g.oh, g.ow, g.kh, kw, g.sh, g.sw, g.dh, dw, g.padTop, padLeft, mPad, m0, m1];
}

/**
 * Where the pointers will point and where they go; `fill(m0, m1)` is the call that writes rows [m0, m1)
 * of every tap (the forward pass has each thread fill the rows it computes).
 */
function addressing(g: Geometry, p: Plan, x: number): Addressing & { fill: (m0: number, m1: number) => Call } {
  const mPad = paddedRows(g.M);
  let image = x;
  if (p.padded) {
    image = scratch('conv.xPadded', g.n * g.h * p.width * g.cin * 4);
    kernels().convPadWidth(image, x, g.n * g.h, g.w, g.cin, g.padLeft, p.padRight);
  }
  const zero = zeroRow(p.tapLen);
  const ind = scratch('conv.ind', p.taps * mPad * 4);
  const fill = (m0: number, m1: number): Call => [
    'convIndirection',
    ind,
    image,
    zero,
    ...indirectionArgs(g, p, mPad, m0, m1),
  ];
  return { image, zero, a: { ind, mPad, taps: p.taps, tapLen: p.tapLen }, fill };
}

/** The whole indirection, its rows split between threads when there are enough pointers to write. */
function address(g: Geometry, p: Plan, x: number): Addressing {
  const addr = addressing(g, p, x);
  const { mPad, taps } = addr.a;
  const threads = threadsForElements(mPad * taps, mPad / tileRows());
  runParallel(splitRange(mPad, threads, tileRows()).map(([m0, m1]) => [addr.fill(m0, m1)]));
  return addr;
}

/** A 1x1 window over every pixel in order: the input is already the A matrix. */
function isPointwise(g: Geometry): boolean {
  return g.taps === 1 && g.sh === 1 && g.sw === 1 && g.padTop === 0 && g.padLeft === 0 && g.oh === g.h && g.ow === g.w;
}

function forward(g: Geometry, x: Tensor, w: Tensor, bias: Tensor | undefined, relu: boolean, y: Tensor): void {
  const packed = packWeights(w, bias, g.K, g.cout);
  if (isPointwise(g)) {
    gemmRows(y.offset, x.offset, g.cin, g.M, g.cin, packed, g.cout, relu);
    return;
  }
  const addr = addressing(g, plan(g), x.offset);
  gemm(y.offset, g.cout, addr.a, g.M, packed, g.cout, relu, addr.fill);
}

function backward(
  g: Geometry,
  x: Tensor,
  w: Tensor,
  hasBias: boolean,
  relu: boolean,
  y: Tensor,
  dy: Tensor,
  needsDx: boolean,
  needsDw: boolean,
): (Tensor | null)[] {
  const k = kernels();
  const N = g.cout;
  if (g.M === 0 || N === 0)
    return [zeros([...x.shape]), zeros([...w.shape]), hasBias ? zeros([N]) : null].slice(0, hasBias ? 3 : 2);
  // dw and db are overwritten whole; dx is accumulated into (each task zeroes its own images first, see
  // below), unless it is one GEMM (pointwise) or is cropped from a padded scratch image.
  const pointwise = isPointwise(g);
  const p = plan(g);
  // The input's gradient is skipped when nothing differentiated depends on it (a first layer's input).
  const dx = !needsDx ? null : empty(x.shape);
  const dw = needsDw ? empty(w.shape) : null;
  const db = hasBias ? empty([N]) : null;
  const result = hasBias ? [dx, dw, db] : [dx, dw];
  const packedWT = dx ? packBT('gemm.packBT', w.offset, N, g.K, N) : 0;
  // The masked dy, row-major, for dx (dy itself without a fused ReLU).
  const grad = !dx ? 0 : relu ? scratch('conv.dyMasked', dy.bytes) : dy.offset;

  // dw: per tap, (x at the indirection)ᵀ · dy, and db = Σ dy (see gradients in gemm.ts), summed over groups
  // of whole output rows (whole images when there are enough of them).
  const addr = pointwise ? null : address(g, p, x.offset);
  const a = addr ? addr.a : rowPointers('conv.ind', x.offset, g.cin, g.M, g.cin);
  gradients(
    a,
    g.M,
    N,
    dy.offset,
    { y: relu ? y.offset : 0, rows: dx && relu ? grad : 0, dbias: db ? db.offset : 0, dw: dw ? dw.offset : 0 },
    g.ow,
  );
  if (!dx) return result;
  if (!addr) {
    gemmRows(dx.offset, grad, N, g.M, N, packedWT, g.K, false);
    return result;
  }

  // dx: dCol = dy · Wᵀ per block of pixels, then each tap's floats are added back where they were read
  // (into a padded scratch image first when x was read from its padded copy). Fusing that scatter into the
  // GEMM's store was slower on every bench shape (bench/NOTES.md#conv-dx-scatter).
  const target: DxTarget = {
    image: p.padded ? scratch('conv.dxPadded', g.n * g.h * p.width * g.cin * 4) : dx.offset,
    rowFloats: p.width * g.cin,
    addr,
    dyRows: rowPointers('conv.dyRows', grad, N, g.M, N),
    packedWT,
  };
  const threads = threadsFor(g.M * g.K * N, g.M / tileRows());
  if (g.n >= threads) dxByImages(g, target);
  else dxByBands(g, target, threads);
  if (p.padded) k.convCropWidth(dx.offset, target.image, g.n * g.h, g.w, g.cin, g.padLeft, p.padRight);
  return result;
}

/** Where the input gradient goes and what makes it. */
interface DxTarget {
  /** dx, or its padded scratch image: n * h rows of rowFloats floats, at the same places as x's. */
  image: number;
  rowFloats: number;
  addr: Addressing;
  /** Row pointers to the (masked) dy, the A operand of dy · Wᵀ; and Wᵀ packed, its B operand. */
  dyRows: Indirection;
  packedWT: number;
}

/** Rows of a dCol block for `bytes` of it: whole tiles. */
function blockRows(g: Geometry, a: Indirection, bytes: number): number {
  const MR = tileRows();
  return Math.min(a.mPad, Math.max(MR, Math.floor(bytes / (g.K * 4) / MR) * MR));
}

/**
 * dx over whole images: each task takes a run of images (whose pixels no other image's taps reach) with
 * its own dCol block, so every element of dx receives its sums in the same order as on one thread. A task
 * zeroes its images' part of dx itself: in parallel, and in the cache of the thread that then adds into it.
 */
function dxByImages(g: Geometry, t: DxTarget): void {
  const a = t.addr.a;
  const rows = blockRows(g, a, BLOCK_BYTES);
  const pixels = g.oh * g.ow;
  const imageFloats = g.h * t.rowFloats;
  const ranges = splitRange(g.n, tasksOf({ macs: g.M * g.K * g.cout }, g.n));
  const dcols = ranges.map((_, i) => scratch(i ? `conv.dcol${i}` : 'conv.dcol', rows * g.K * 4));
  const tasks = ranges.map(([b0, b1], i): Call[] => {
    const calls: Call[] = [['fillFloats', t.image + b0 * imageFloats * 4, (b1 - b0) * imageFloats, 0]];
    const end = b1 * pixels;
    for (let m0 = b0 * pixels; m0 < end; m0 += rows) {
      const r = Math.min(rows, end - m0);
      const d = fromRow(t.dyRows, m0);
      calls.push(['gemmIndirect', d.ind, d.mPad, d.taps, d.tapLen, t.packedWT, dcols[i], g.K, r, g.K, 0]);
      calls.push(scatter(g, t, dcols[i], m0, r, 0, 0xffffffff));
    }
    return calls;
  });
  runParallel(tasks);
}

/**
 * dx when there are fewer images than threads: per block of pixels, the threads first compute dCol's rows
 * together, then each adds the whole block into its own band of dx's rows (taps never cross a row), so that
 * every element of dx still receives its sums in pixel order, as on one thread. Two rounds per block, so
 * the blocks are bigger than by images.
 */
function dxByBands(g: Geometry, t: DxTarget, threads: number): void {
  const a = t.addr.a;
  const rows = blockRows(g, a, BAND_BLOCK_BYTES);
  const dcol = scratch('conv.dcol', rows * g.K * 4);
  const rowBytes = t.rowFloats * 4;
  const bands = splitRange(g.n * g.h, threads).map(([r0, r1]) => [r0 * rowBytes, r1 * rowBytes]);
  runParallel(bands.map(([lo, hi]) => [['fillFloats', t.image + lo, (hi - lo) / 4, 0]]));
  for (let m0 = 0; m0 < g.M; m0 += rows) {
    const r = Math.min(rows, g.M - m0);
    runParallel(
      splitRange(r, threads, tileRows()).map(([r0, r1]): Call[] => {
        const d = fromRow(t.dyRows, m0 + r0);
        return [
          ['gemmIndirect', d.ind, d.mPad, d.taps, d.tapLen, t.packedWT, dcol + r0 * g.K * 4, g.K, r1 - r0, g.K, 0],
        ];
      }),
    );
    runParallel(bands.map(([lo, hi]) => [scatter(g, t, dcol, m0, r, lo, hi)]));
  }
}

/** The convCol2im call adding dCol's rows [m0, m0 + rows) into dx where x's bytes [lo, hi) were read. */
function scatter(g: Geometry, t: DxTarget, dcol: number, m0: number, rows: number, lo: number, hi: number): Call {
  const { image, zero, a } = t.addr;
  return ['convCol2im', t.image, image, zero, a.ind, a.mPad, a.taps, a.tapLen, dcol, g.K, m0, rows, lo, hi];
}
/** x [n,h,w,cin], w [kh,kw,cin,cout] → y [n,oh,ow,cout]. */
export function conv2d(x: Tensor, w: Tensor, options: Conv2dOptions = {}): Tensor {
  const fn = 'conv2d';
  const g = geometry(x, w, options, fn);
  const relu = checkFusedRelu(options.activation, 'activation', fn);
  const bias = options.bias ?? undefined;
  let y: Tensor;
  try {
    y = empty([g.n, g.oh, g.ow, g.cout]);
  } catch (e) {
    throw within(e, fn);
  }
  try {
    if (g.M > 0 && g.cout > 0) forward(g, x, w, bias, relu, y);
  } catch (e) {
    // Out of memory for the packed weights or the indirection: the output must not be left behind.
    y.dispose();
    throw within(e, fn);
  }
  if (isRecording()) {
    record({
      name: fn,
      inputs: bias ? [x, w, bias] : [x, w],
      outputs: [y],
      backward: ([dy]: Tensor[], needs: boolean[]) =>
        backward(g, x, w, bias !== undefined, relu, y, dy, needs[0], needs[1]),
    });
  }
  return y;
}
