// The arithmetic core of src/ops/geometry.ts (which re-exports it): one axis's output size and padding.
// A leaf module that imports nothing, so that simdnet/onnx can bundle it without the core (see geometry.ts
// for the conventions).

/** One spatial axis of a window op, fully resolved. */
export interface WindowAxis {
  /** Input size. */
  in: number;
  kernel: number;
  stride: number;
  dilation: number;
  /** (kernel - 1) * dilation + 1: the extent of one window. */
  effective: number;
  /** Padding cells before the first input cell (top or left). */
  before: number;
  /**
   * Padding cells after the last input cell (bottom or right) as requested; with ceilMode the last
   * window may reach past it (those cells count as padding that is never counted in an average).
   */
  after: number;
  out: number;
}

/** One axis's output size and padding. Pure arithmetic; the output may be < 1 (see checkWindowFits). */
export function windowAxis(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  padding: 'valid' | 'same' | [number, number],
  ceilMode = false,
): WindowAxis {
  const effective = (kernel - 1) * dilation + 1;
  if (padding === 'same') {
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + effective - size, 0);
    const before = Math.floor(total / 2);
    return { in: size, kernel, stride, dilation, effective, before, after: total - before, out };
  }
  const [before, after] = padding === 'valid' ? [0, 0] : padding;
  // As PyTorch, ceil mode admits a last window that reaches past the padding (it is clipped), even when the
  // window is larger than the padded input, as long as it starts inside the input or the padding before it.
  const span = size + before + after - effective;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceilMode && (out - 1) * stride >= size + before) out--;
  return { in: size, kernel, stride, dilation, effective, before, after, out: Math.max(out, 0) };
}
