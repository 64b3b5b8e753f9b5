// Update kernels of the optimizers (facade: src/optimizers/). Each one changes the parameters p (and the
// optimizer's slots) in place, in one pass over memory, from the gradient g.
//
// Update rules are Keras 3's. Weight decay is Keras 3's decoupled form, applied to p before the
// gradient step of the same iteration: p <- p - lr * wd * p (`decay` below is lr * wd; 0 turns it off).
import { madd } from './simd';

/** Plain SGD: p <- p - decay * p - lr * g. */
export function sgdUpdate(p: usize, g: usize, n: i32, lr: f32, decay: f32): void {
  const nlr = f32x4.splat(-lr);
  const nd = f32x4.splat(-decay);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    let pv = v128.load(p + o);
    pv = madd(nd, pv, pv);
    v128.store(p + o, madd(nlr, v128.load(g + o), pv));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    let pv = load<f32>(p + o);
    pv = pv - decay * pv;
    store<f32>(p + o, pv - lr * load<f32>(g + o));
  }
}

/**
 * SGD with momentum (velocity slot v):
 *   v <- momentum * v - lr * g
 *   p <- p - decay * p + v                         (nesterov = 0)
 *   p <- p - decay * p + momentum * v - lr * g     (nesterov = 1)
 */
export function sgdMomentumUpdate(p: usize, g: usize, v: usize, n: i32, lr: f32, momentum: f32, decay: f32, nesterov: i32): void {
  const nlr = f32x4.splat(-lr);
  const mom = f32x4.splat(momentum);
  const nd = f32x4.splat(-decay);
  let i = 0;
  if (nesterov) {
    for (; i + 4 <= n; i += 4) {
      const o = (<usize>i) << 2;
      const step = f32x4.mul(nlr, v128.load(g + o));
      const vv = madd(mom, v128.load(v + o), step);
      v128.store(v + o, vv);
      let pv = v128.load(p + o);
      pv = madd(nd, pv, pv);
      v128.store(p + o, f32x4.add(pv, madd(mom, vv, step)));
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      const o = (<usize>i) << 2;
      const vv = madd(mom, v128.load(v + o), f32x4.mul(nlr, v128.load(g + o)));
      v128.store(v + o, vv);
      let pv = v128.load(p + o);
      pv = madd(nd, pv, pv);
      v128.store(p + o, f32x4.add(pv, vv));
    }
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const step = -lr * load<f32>(g + o);
    const vv = momentum * load<f32>(v + o) + step;
    store<f32>(v + o, vv);
    let pv = load<f32>(p + o);
    pv = pv - decay * pv;
    store<f32>(p + o, pv + (nesterov ? momentum * vv + step : vv));
  }
}

/**
 * Adam (slots m and v), Keras's form:
 *   m <- m + (g - m) * (1 - beta1)
 *   v <- v + (g^2 - v) * (1 - beta2)
 *   p <- p - decay * p - alpha * m / (sqrt(v) + epsilon)
 * where the facade passes alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t) for step t (bias correction).
 */
export function adamUpdate(
  p: usize, g: usize, m: usize, v: usize, n: i32,
  alpha: f32, oneMinusBeta1: f32, oneMinusBeta2: f32, epsilon: f32, decay: f32,
): void {
  const a1 = f32x4.splat(oneMinusBeta1);
  const a2 = f32x4.splat(oneMinusBeta2);
  const eps = f32x4.splat(epsilon);
  const nalpha = f32x4.splat(-alpha);
  const nd = f32x4.splat(-decay);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    const gv = v128.load(g + o);
    let mv = v128.load(m + o);
    let vv = v128.load(v + o);
    mv = madd(f32x4.sub(gv, mv), a1, mv);
    vv = madd(f32x4.sub(f32x4.mul(gv, gv), vv), a2, vv);
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    let pv = v128.load(p + o);
    pv = madd(nd, pv, pv);
    const step = f32x4.div(mv, f32x4.add(f32x4.sqrt(vv), eps));
    v128.store(p + o, madd(nalpha, step, pv));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const gv = load<f32>(g + o);
    let mv = load<f32>(m + o);
    let vv = load<f32>(v + o);
    mv = mv + (gv - mv) * oneMinusBeta1;
    vv = vv + (gv * gv - vv) * oneMinusBeta2;
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    let pv = load<f32>(p + o);
    pv = pv - decay * pv;
    store<f32>(p + o, pv - alpha * (mv / (Mathf.sqrt(vv) + epsilon)));
  }
}
