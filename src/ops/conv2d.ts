// conv2d: NHWC cross-correlation with padding, stride and dilation. Kernels: assembly/conv2d.ts (indirection,
// im2col, col2im) and the GEMM micro-kernel of assembly/gemm.ts.
//
// Forward is an indirect GEMM: M = n*oh*ow output pixels, K = kh*kw*cin, N = cout; the A operand is read
// through one pointer per (output pixel, tap) to the input pixel's cin floats (or to a zero row for
// padding). With few input channels a tap is too short to pay for its pointer loads, so the patches are
// copied into an im2col block instead and the same kernel runs with one tap of length K.
// Backward: dw per tap is (x at the indirection)ᵀ · dy on the weight-gradient kernel; dx is dy · Wᵀ per
// block of output pixels followed by a scatter-add of each tap back into dx; db sums dy over pixels.
import { Tensor, empty } from '../tensor.js';
import { isRecording, record } from '../engine.js';
import { kernels } from '../backend/wasm.js';
import { scratch } from '../backend/scratch.js';
import { f32 } from '../backend/views.js';
import { checkFloat, checkPair, checkTensor, describe, fmtShape } from '../util/validate.js';
import { MR, checkActivation, gemmRows, maskedGrad, packB, packBT, packD, rowPointers, roundUp, weightGrad, zeroTensor } from './matmul.js';

export type Padding = 'valid' | 'same' | [[number, number], [number, number]];

export interface Conv2dOptions {
  /** A number or [sh, sw]; default 1. */
  strides?: number | [number, number];
  /** 'valid' (default), 'same' (TensorFlow's rule) or explicit [[top, bottom], [left, right]]. */
  padding?: Padding;
  /** A number or [dh, dw]; default 1. */
  dilation?: number | [number, number];
  /** [cout], added to every output pixel. */
  bias?: Tensor;
  /** Fused activation applied in the output store (default 'linear'). */
  activation?: 'linear' | 'relu';
}

/** Below this many input channels, taps go through an im2col block rather than the indirection. */
const IM2COL_BELOW_CIN = 8;
/** Target size of an im2col or dCol block: small enough to stay in L2 between its GEMM and its use. */
const BLOCK_BYTES = 256 * 1024;

/** Everything about a convolution's shape, resolved once from the arguments. */
interface Geometry {
  n: number; h: number; w: number; cin: number;
  kh: number; kw: number; cout: number;
  sh: number; sw: number; dh: number; dw: number;
  padTop: number; padLeft: number;
  oh: number; ow: number;
  /** Output pixels, taps per pixel, and the GEMM depth taps * cin. */
  M: number; taps: number; K: number;
}

const OPTION_KEYS = new Set(['strides', 'padding', 'dilation', 'bias', 'activation']);

function resolvePadding(padding: unknown, g: { h: number; w: number; kh: number; kw: number; sh: number; sw: number; dh: number; dw: number }, fn: string): [number, number, number, number] {
  if (padding === undefined || padding === 'valid') return [0, 0, 0, 0];
  if (padding === 'same') {
    // TensorFlow: out = ceil(in / stride); the odd pixel of padding goes to the bottom/right.
    const total = (size: number, k: number, s: number, d: number) => Math.max((Math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0);
    const th = total(g.h, g.kh, g.sh, g.dh);
    const tw = total(g.w, g.kw, g.sw, g.dw);
    return [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
  }
  const ok = Array.isArray(padding) && padding.length === 2 &&
    padding.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number' && Number.isInteger(v)));
  if (!ok) {
    const got = typeof padding === 'string' ? JSON.stringify(padding) : Array.isArray(padding) ? JSON.stringify(padding) : describe(padding);
    throw new Error(`${fn}: argument 'padding' must be 'valid', 'same' or [[top, bottom], [left, right]] (integers); got ${got}`);
  }
  const [[top, bottom], [left, right]] = padding as [[number, number], [number, number]];
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    throw new Error(`${fn}: argument 'padding' must not be negative; got ${JSON.stringify(padding)}`);
  }
  return [top, bottom, left, right];
}

function geometry(x: Tensor, w: Tensor, options: Conv2dOptions, fn: string): Geometry {
  checkTensor(x, 'x', fn, 4, '[n,h,w,cin]');
  checkTensor(w, 'w', fn, 4, '[kh,kw,cin,cout]');
  checkFloat(x, 'x', fn);
  checkFloat(w, 'w', fn);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`${fn}: argument 'options' must be an object; got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key) && (options as Record<string, unknown>)[key] !== undefined) throw new Error(`${fn}: unknown option '${key}'; expected one of ${[...OPTION_KEYS].join(', ')}`);
  }
  const [n, h, wd, cin] = x.shape;
  const [kh, kw, wcin, cout] = w.shape;
  if (wcin !== cin) {
    throw new Error(`${fn}: argument 'w' must have cin = ${cin} (x's last axis) in its shape [kh,kw,cin,cout]; got shape ${fmtShape(w.shape)} (cin = ${wcin})`);
  }
  if (h === 0 || wd === 0 || cin === 0) throw new Error(`${fn}: argument 'x' must have non-zero height, width and channels; got shape ${fmtShape(x.shape)}`);
  if (kh === 0 || kw === 0) throw new Error(`${fn}: argument 'w' must have a non-empty kernel window; got shape ${fmtShape(w.shape)}`);
  const [sh, sw] = checkPair(options.strides, 'strides', fn, [1, 1]);
  const [dh, dw] = checkPair(options.dilation, 'dilation', fn, [1, 1]);
  const [padTop, padBottom, padLeft, padRight] = resolvePadding(options.padding, { h, w: wd, kh, kw, sh, sw, dh, dw }, fn);
  const winH = (kh - 1) * dh + 1;
  const winW = (kw - 1) * dw + 1;
  const inH = h + padTop + padBottom;
  const inW = wd + padLeft + padRight;
  if (winH > inH || winW > inW) {
    throw new Error(`${fn}: the window ${winH}x${winW} (kernel ${kh}x${kw}, dilation [${dh},${dw}]) is larger than the padded input ${inH}x${inW} (x ${h}x${wd} with padding ${JSON.stringify([[padTop, padBottom], [padLeft, padRight]])})`);
  }
  if (options.bias !== undefined && options.bias !== null) {
    const b = checkTensor(options.bias, 'bias', fn, 1, '[cout]');
    checkFloat(b, 'bias', fn);
    if (b.shape[0] !== cout) throw new Error(`${fn}: argument 'bias' must have shape [${cout}] (cout = w's last axis); got shape ${fmtShape(b.shape)}`);
  }
  const oh = Math.floor((inH - winH) / sh) + 1;
  const ow = Math.floor((inW - winW) / sw) + 1;
  return { n, h, w: wd, cin, kh, kw, cout, sh, sw, dh, dw, padTop, padLeft, oh, ow, M: n * oh * ow, taps: kh * kw, K: kh * kw * cin };
}

/** A row of at least `floats` zeros, the target of padding taps. */
function zeroRow(floats: number): number {
  const zero = scratch('conv.zero', Math.max(floats, 8) * 4);
  f32().fill(0, zero >>> 2, (zero >>> 2) + floats);
  return zero;
}

/** Builds the indirection buffer of x for g in scratch; returns [ind, zero row, mPad]. */
function indirection(g: Geometry, x: number): [number, number, number] {
  const mPad = roundUp(g.M, MR);
  const zero = zeroRow(g.cin);
  const ind = scratch('conv.ind', g.taps * mPad * 4);
  kernels().convIndirection(ind, x, zero, g.n, g.h, g.w, g.cin, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.padTop, g.padLeft, mPad);
  return [ind, zero, mPad];
}

/** Rows per block so that `rowBytes`-sized rows fill about BLOCK_BYTES (a multiple of MR). */
function blockRows(rowBytes: number, M: number): number {
  return Math.min(roundUp(M, MR), Math.max(MR, Math.floor(BLOCK_BYTES / rowBytes / MR) * MR));
}

/** A 1x1 window over every pixel in order: the input is already the A matrix. */
function isPointwise(g: Geometry): boolean {
  return g.taps === 1 && g.sh === 1 && g.sw === 1 && g.padTop === 0 && g.padLeft === 0 && g.oh === g.h && g.ow === g.w;
}

function forward(g: Geometry, x: Tensor, w: Tensor, bias: Tensor | undefined, relu: boolean, y: Tensor): void {
  const k = kernels();
  const packed = packB('gemm.packB', w.offset, g.K, g.cout, g.cout, bias ? bias.offset : 0);
  if (isPointwise(g)) {
    gemmRows(y.offset, x.offset, g.cin, g.M, g.cin, packed, g.cout, relu);
    return;
  }
  const [ind, , mPad] = indirection(g, x.offset);
  if (g.cin >= IM2COL_BELOW_CIN) {
    k.gemmIndirect(ind, mPad, g.taps, g.cin, packed, y.offset, g.cout, g.M, g.cout, relu ? 1 : 0);
    return;
  }
  // Few channels: copy the patches of a block of pixels into a contiguous im2col block, then one tap.
  const rows = blockRows(g.K * 4, g.M);
  const col = scratch('conv.col', rows * g.K * 4);
  const colRows = rowPointers('conv.colRows', col, g.K * 4, rows);
  for (let m0 = 0; m0 < g.M; m0 += rows) {
    const r = Math.min(rows, g.M - m0);
    k.convIm2col(col, g.K, ind + m0 * 4, mPad, g.taps, g.cin, r);
    k.gemmIndirect(colRows, rows, 1, g.K, packed, y.offset + m0 * g.cout * 4, g.cout, r, g.cout, relu ? 1 : 0);
  }
}

function backward(g: Geometry, x: Tensor, w: Tensor, hasBias: boolean, relu: boolean, y: Tensor, dy: Tensor): (Tensor | null)[] {
  const k = kernels();
  const N = g.cout;
  if (g.M === 0 || N === 0) return [zeroTensor(x.shape), zeroTensor(w.shape), hasBias ? zeroTensor([N]) : null].slice(0, hasBias ? 3 : 2);
  // dw and db are overwritten whole; dx is accumulated into, except in the pointwise case.
  const pointwise = isPointwise(g);
  const dx = pointwise ? empty(x.shape) : zeroTensor(x.shape);
  const dw = empty(w.shape);
  const db = hasBias ? empty([N]) : null;
  const result = hasBias ? [dx, dw, db] : [dx, dw];
  const grad = maskedGrad('conv.dyMasked', dy, y, relu);
  if (db) k.gemmColumnSums(db.offset, grad, g.M, N, N, 0, 0);

  // dw: per tap, (x at the indirection)ᵀ · dy.
  const packedDy = packD('gemm.packD', grad, g.M, N, 0);
  let ind = 0;
  let zero = 0;
  let mPad = roundUp(g.M, MR);
  if (pointwise) {
    const rows = rowPointers('conv.ind', x.offset, g.cin * 4, g.M);
    weightGrad(dw.offset, rows, mPad, 1, g.cin, g.M, packedDy, g.M * 32, N, false);
  } else {
    [ind, zero, mPad] = indirection(g, x.offset);
    if (g.cin >= IM2COL_BELOW_CIN) {
      weightGrad(dw.offset, ind, mPad, g.taps, g.cin, g.M, packedDy, g.M * 32, N, false);
    } else {
      // Few channels: six consecutive channels of one tap would leave most of the tile idle, so the
      // tile's rows run over im2col columns (taps and channels together) instead.
      const rows = blockRows(g.K * 4, g.M);
      const col = scratch('conv.col', rows * g.K * 4);
      const colRows = rowPointers('conv.colRows', col, g.K * 4, rows);
      for (let m0 = 0; m0 < g.M; m0 += rows) {
        const r = Math.min(rows, g.M - m0);
        k.convIm2col(col, g.K, ind + m0 * 4, mPad, g.taps, g.cin, r);
        weightGrad(dw.offset, colRows, rows, 1, g.K, r, packedDy + m0 * 32, g.M * 32, N, m0 > 0);
      }
    }
  }

  // dx: dCol = dy · Wᵀ per block of pixels, then each tap's cin values are added back into dx.
  const packedWT = packBT('gemm.packBT', w.offset, N, g.K, N);
  if (pointwise) {
    gemmRows(dx.offset, grad, N, g.M, N, packedWT, g.K, false);
    return result;
  }
  const rows = blockRows(g.K * 4, g.M);
  const dcol = scratch('conv.dcol', rows * g.K * 4);
  const dyRows = rowPointers('conv.dyRows', grad, N * 4, g.M);
  for (let m0 = 0; m0 < g.M; m0 += rows) {
    const r = Math.min(rows, g.M - m0);
    k.gemmIndirect(dyRows + m0 * 4, mPad, 1, N, packedWT, dcol, g.K, r, g.K, 0);
    k.convCol2im(dx.offset, x.offset, zero, ind, mPad, g.taps, g.cin, dcol, g.K, m0, r);
  }
  return result;
}

/** x [n,h,w,cin], w [kh,kw,cin,cout] → y [n,oh,ow,cout]. */
export function conv2d(x: Tensor, w: Tensor, options: Conv2dOptions = {}): Tensor {
  const fn = 'conv2d';
  const g = geometry(x, w, options, fn);
  const relu = checkActivation(options.activation, 'activation', fn);
  const bias = options.bias ?? undefined;
  const y = empty([g.n, g.oh, g.ow, g.cout]);
  if (g.M > 0 && g.cout > 0) forward(g, x, w, bias, relu, y);
  if (isRecording()) {
    record({
      name: fn,
      inputs: bias ? [x, w, bias] : [x, w],
      outputs: [y],
      backward: ([dy]: Tensor[]) => backward(g, x, w, bias !== undefined, relu, y, dy),
    });
  }
  return y;
}
