// Leaky ReLU, y = x for x > 0 and alpha * x otherwise (PyTorch's LeakyReLU, Keras's LeakyReLU, ONNX's
// LeakyRelu). A file of its own: ONNX import needs it, and activations.ts holds the parameterless family.

/** y = x > 0 ? x : alpha * x. */
export function leakyReluForward(x: usize, y: usize, n: i32, alpha: f32): void {
  const zero = f32x4.splat(0);
  const a = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    const xv = v128.load(x + o);
    v128.store(y + o, v128.bitselect(xv, f32x4.mul(xv, a), f32x4.gt(xv, zero)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const xv = load<f32>(x + o);
    store<f32>(y + o, xv > 0 ? xv : xv * alpha);
  }
}

/** dx = dy where x > 0, else alpha * dy (the subgradient at 0 is alpha, as PyTorch's). */
export function leakyReluBackward(x: usize, dy: usize, dx: usize, n: i32, alpha: f32): void {
  const zero = f32x4.splat(0);
  const a = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    const g = v128.load(dy + o);
    v128.store(dx + o, v128.bitselect(g, f32x4.mul(g, a), f32x4.gt(v128.load(x + o), zero)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const g = load<f32>(dy + o);
    store<f32>(dx + o, load<f32>(x + o) > 0 ? g : g * alpha);
  }
}
