// Window geometry for every sliding-window op: output sizes and padding of convolutions (2-D, depthwise,
// 1-D) and pooling (2-D, 1-D), as ops and layers need them. One place resolves the padding forms, the
// TensorFlow 'same' rule, dilation and PyTorch's ceil mode, and says clearly when a window does not fit.
//
// Conventions along one spatial axis of size `in`, for a window of `kernel` taps `dilation` apart
// (effective size e = (kernel - 1) * dilation + 1), stride s, padding `before` and `after`:
//   out = floor((in + before + after - e) / s) + 1                       ('valid' and explicit padding)
//   out = ceil((in + before + after - e) / s) + 1, minus one if the last window would start at or past
//         in + before (PyTorch's ceil_mode: a window must start inside the input or its left padding)
//   out = ceil(in / s), total padding max((out - 1) * s + e - in, 0), the odd cell after ('same', TensorFlow)
// Callers check the window sizes, strides and dilations (positive integers) before; this module checks the
// padding and ceilMode options and that the window fits.
import { MAX_GEOMETRY_INT, SimdnetError, describe } from '../util/validate.js';
import { windowAxis, type WindowAxis } from './window-axis.js';

export { windowAxis, type WindowAxis };

/** Padding of a 2-D op: 'valid', 'same', p (all sides), [ph, pw] (top = bottom, left = right) or [[top, bottom], [left, right]]. */
export type Padding2d = 'valid' | 'same' | number | [number, number] | [[number, number], [number, number]];
/** Padding of a 1-D op: 'valid', 'same', p (both sides) or [left, right]. */
export type Padding1d = 'valid' | 'same' | number | [number, number];

/** A padding resolved to its kind and, for 'explicit', the cells before and after along each spatial axis. */
export type ResolvedPadding = { kind: 'valid' } | { kind: 'same' } | { kind: 'explicit'; sides: [number, number][] };

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

function shown(value: unknown): string {
  if (Array.isArray(value)) {
    try {
      return JSON.stringify(value);
    } catch {
      return describe(value);
    }
  }
  return describe(value);
}

/**
 * Reads a padding option of an op with `rank` spatial axes (1 or 2). The short forms are PyTorch's:
 * a number pads every side by it; for 2-D, [ph, pw] pads top and bottom by ph, left and right by pw.
 * For 1-D a pair is [left, right]. Throws `fn: option 'padding' must be …; got …`.
 */
export function resolvePadding(value: unknown, rank: 1 | 2, fn: string, option = 'padding'): ResolvedPadding {
  const p = resolvePaddingForm(value, rank, fn, option);
  // Amounts the kernels' int32 position arithmetic (oy * stride - padTop + ky * dilation) holds exactly.
  if (p.kind === 'explicit' && p.sides.some((s) => s[0] > MAX_GEOMETRY_INT || s[1] > MAX_GEOMETRY_INT))
    throw new SimdnetError(fn, `option '${option}' must hold amounts of at most 2^24; got ${shown(value)}`, option);
  return p;
}

function resolvePaddingForm(value: unknown, rank: 1 | 2, fn: string, option: string): ResolvedPadding {
  if (value === undefined || value === 'valid') return { kind: 'valid' };
  if (value === 'same') return { kind: 'same' };
  const forms =
    rank === 2
      ? "'valid', 'same', p, [ph, pw] or [[top, bottom], [left, right]] (non-negative integers)"
      : "'valid', 'same', p or [left, right] (non-negative integers)";
  const fail = (): never => {
    throw new Error(`${fn}: option '${option}' must be ${forms}; got ${shown(value)}`);
  };
  if (typeof value === 'number') {
    if (!isNonNegativeInt(value)) fail();
    return { kind: 'explicit', sides: Array.from({ length: rank }, () => [value, value] as [number, number]) };
  }
  if (!Array.isArray(value)) return fail();
  if (rank === 1) {
    if (value.length !== 2 || !value.every(isNonNegativeInt)) fail();
    return { kind: 'explicit', sides: [[value[0], value[1]]] };
  }
  if (value.length !== 2) return fail();
  if (value.every(isNonNegativeInt)) {
    return {
      kind: 'explicit',
      sides: [
        [value[0], value[0]],
        [value[1], value[1]],
      ],
    };
  }
  if (!value.every((p) => Array.isArray(p) && p.length === 2 && p.every(isNonNegativeInt))) fail();
  return {
    kind: 'explicit',
    sides: [
      [value[0][0], value[0][1]],
      [value[1][0], value[1][1]],
    ],
  };
}

/** The canonical, JSON-friendly form of a resolved padding: 'valid', 'same' or per-axis [before, after] pairs. */
export function paddingConfig(p: ResolvedPadding): 'valid' | 'same' | [number, number][] {
  return p.kind === 'explicit' ? p.sides.map((s) => [s[0], s[1]] as [number, number]) : p.kind;
}

export interface WindowOptions {
  /** Per spatial axis. */
  strides: readonly number[];
  /** Per spatial axis; default 1. */
  dilations?: readonly number[];
  /** The raw option as the user gave it (checked here). */
  padding: unknown;
  /** The raw option (checked here); default false. */
  ceilMode?: unknown;
}

export interface WindowCheck {
  /** What the window is called in errors: 'kernel' or 'pool window'. */
  noun: 'kernel' | 'pool window';
  /**
   * Pooling: explicit padding may be at most half the window on each side (PyTorch's rule), so every
   * window holds at least one input cell.
   */
  halfWindowPadding?: boolean;
}

/**
 * Resolves every spatial axis of a window op: `sizes` and `kernel` per axis (1 or 2 axes). Throws on a bad
 * padding or ceilMode option, and when a window does not fit the padded input.
 */
export function computeWindowAxes(
  sizes: readonly number[],
  kernel: readonly number[],
  options: WindowOptions,
  check: WindowCheck,
  fn: string,
): WindowAxis[] {
  const rank = sizes.length as 1 | 2;
  const padding = resolvePadding(options.padding, rank, fn);
  const ceilMode = options.ceilMode ?? false;
  if (typeof ceilMode !== 'boolean') {
    throw new Error(`${fn}: option 'ceilMode' must be true or false; got ${describe(ceilMode)}`);
  }
  if (ceilMode && padding.kind === 'same') {
    throw new Error(
      `${fn}: option 'ceilMode' cannot be combined with padding 'same' (its output size is already ceil(in / stride)); got ceilMode true`,
    );
  }
  const dilations = options.dilations ?? sizes.map(() => 1);
  const axes = sizes.map((size, i) =>
    windowAxis(
      size,
      kernel[i],
      options.strides[i],
      dilations[i],
      padding.kind === 'explicit' ? padding.sides[i] : padding.kind,
      ceilMode,
    ),
  );
  if (check.halfWindowPadding && padding.kind === 'explicit') {
    const tooWide = axes.some((a) => a.before > Math.floor(a.kernel / 2) || a.after > Math.floor(a.kernel / 2));
    if (tooWide) {
      throw new Error(
        `${fn}: option 'padding' must be at most half the pool window on each side (${axes
          .map((a) => Math.floor(a.kernel / 2))
          .join(
            'x',
          )} for a ${kernel.join('x')} window, as in PyTorch), so that every window holds an input cell; got ${shown(options.padding)}`,
      );
    }
  }
  checkWindowFits(axes, padding, check.noun, fn);
  return axes;
}

/** Throws when some axis has no complete window: `fn: the 5x5 kernel does not fit the 4x6 input with padding 'valid'; …`. */
export function checkWindowFits(axes: readonly WindowAxis[], padding: ResolvedPadding, noun: string, fn: string): void {
  if (axes.every((a) => a.out >= 1)) return;
  const dims = (f: (a: WindowAxis) => number) => axes.map(f).join('x');
  const dilated = axes.some((a) => a.dilation > 1) ? ` (${dims((a) => a.effective)} dilated)` : '';
  const pad =
    padding.kind === 'explicit'
      ? `padding ${JSON.stringify(paddingConfig(padding))} (padded input ${dims((a) => a.in + a.before + a.after)})`
      : `padding '${padding.kind}'`;
  throw new SimdnetError(
    fn,
    `the ${dims((a) => a.kernel)} ${noun}${dilated} does not fit the ${dims((a) => a.in)} input with ${pad}; ` +
      `use a smaller ${noun}, more padding, or padding 'same'`,
  );
}

/** Everything a 2-D convolution needs about its shape (NHWC input, [kh, kw, cin, cout] weights). */
export interface Conv2dInfo {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  kernelHeight: number;
  kernelWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  outHeight: number;
  outWidth: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  /** The padding as given, resolved: 'valid', 'same' or explicit [[top, bottom], [left, right]]. */
  padding: ResolvedPadding;
}

/** Builds the flat 2-D info from two resolved axes. */
function info2d(batch: number, channels: number, [ay, ax]: WindowAxis[], padding: ResolvedPadding): Conv2dInfo {
  return {
    batch,
    inHeight: ay.in,
    inWidth: ax.in,
    inChannels: channels,
    kernelHeight: ay.kernel,
    kernelWidth: ax.kernel,
    strideHeight: ay.stride,
    strideWidth: ax.stride,
    dilationHeight: ay.dilation,
    dilationWidth: ax.dilation,
    outHeight: ay.out,
    outWidth: ax.out,
    padTop: ay.before,
    padBottom: ay.after,
    padLeft: ax.before,
    padRight: ax.after,
    padding,
  };
}

/**
 * Geometry of a 2-D convolution (also depthwise: only kh, kw matter here). `inShape` is [n, h, w, c]
 * (n may be null for a layer's symbolic batch; it is then 0 in the result).
 */
export function computeConv2dInfo(
  inShape: readonly (number | null)[],
  kernelSize: readonly [number, number],
  options: { strides: readonly [number, number]; dilations?: readonly [number, number]; padding: unknown },
  fn: string,
): Conv2dInfo {
  const [n, h, w, c] = inShape;
  const axes = computeWindowAxes([h!, w!], kernelSize, options, { noun: 'kernel' }, fn);
  return info2d(n ?? 0, c!, axes, resolvePadding(options.padding, 2, fn));
}

/** Geometry of a 2-D pooling op; adds ceilMode, and PyTorch's limit of half a window of explicit padding. */
export function computePool2dInfo(
  inShape: readonly (number | null)[],
  poolSize: readonly [number, number],
  options: { strides: readonly [number, number]; padding: unknown; ceilMode?: unknown },
  fn: string,
): Conv2dInfo & { ceilMode: boolean } {
  const [n, h, w, c] = inShape;
  const axes = computeWindowAxes([h!, w!], poolSize, options, { noun: 'pool window', halfWindowPadding: true }, fn);
  return { ...info2d(n ?? 0, c!, axes, resolvePadding(options.padding, 2, fn)), ceilMode: options.ceilMode === true };
}

/** Geometry of a 1-D window op over NWC input [n, w, c]: the single axis, resolved. */
export interface Window1dInfo {
  batch: number;
  inChannels: number;
  axis: WindowAxis;
  padding: ResolvedPadding;
}

/** Geometry of a 1-D convolution (NWC input, [k, cin, cout] weights). */
export function computeConv1dInfo(
  inShape: readonly (number | null)[],
  kernelSize: number,
  options: { stride: number; dilation?: number; padding: unknown },
  fn: string,
): Window1dInfo {
  const [n, w, c] = inShape;
  const [axis] = computeWindowAxes(
    [w!],
    [kernelSize],
    { strides: [options.stride], dilations: [options.dilation ?? 1], padding: options.padding },
    { noun: 'kernel' },
    fn,
  );
  return { batch: n ?? 0, inChannels: c!, axis, padding: resolvePadding(options.padding, 1, fn) };
}

/** Geometry of a 1-D pooling op (NWC input). */
export function computePool1dInfo(
  inShape: readonly (number | null)[],
  poolSize: number,
  options: { stride: number; padding: unknown; ceilMode?: unknown },
  fn: string,
): Window1dInfo & { ceilMode: boolean } {
  const [n, w, c] = inShape;
  const [axis] = computeWindowAxes(
    [w!],
    [poolSize],
    { strides: [options.stride], padding: options.padding, ceilMode: options.ceilMode },
    { noun: 'pool window', halfWindowPadding: true },
    fn,
  );
  return {
    batch: n ?? 0,
    inChannels: c!,
    axis,
    padding: resolvePadding(options.padding, 1, fn),
    ceilMode: options.ceilMode === true,
  };
}
