// Plain float64 JavaScript references for the pointwise ops (add/sub/mul with broadcasting, activations)
// and the optimizers' update rules, plus central finite differences. Written from the definitions, not
// from the kernels, so the tests compare two independent computations.

/** How b lines up with a (same rules as the op): { rows, cols } with b[j] repeated over rows, or null. */
export function broadcastOf(aShape, bShape) {
  const same = aShape.length === bShape.length && aShape.every((d, i) => d === bShape[i]);
  if (same) return { rows: 1, cols: aShape.reduce((p, d) => p * d, 1) };
  const bSize = bShape.reduce((p, d) => p * d, 1);
  const aSize = aShape.reduce((p, d) => p * d, 1);
  if (bSize === 1) return { rows: aSize, cols: 1 };
  const last = aShape[aShape.length - 1];
  if (
    bShape.length >= 1 &&
    bShape.length <= aShape.length &&
    bShape[bShape.length - 1] === last &&
    bShape.slice(0, -1).every((d) => d === 1)
  ) {
    return { rows: last === 0 ? 0 : aSize / last, cols: last };
  }
  return null;
}

const BINARY = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
};

/** a ∘ b in float64, b broadcast as the op does; returns a Float64Array of a's size. */
export function binaryRef(op, a, aShape, b, bShape) {
  const f = BINARY[op];
  const { cols } = broadcastOf(aShape, bShape);
  const out = new Float64Array(a.length);
  // Same shape: cols = size and a single row, so b[i % cols] is b[i] either way.
  for (let i = 0; i < a.length; i++) out[i] = f(a[i], b[i % cols]);
  return out;
}

export function sigmoidRef(x) {
  // Written in the stable form so that the reference itself is exact for large |x|.
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export const UNARY = {
  relu: (x) => (x > 0 ? x : 0),
  sigmoid: sigmoidRef,
  tanh: Math.tanh,
  log: Math.log,
};

export function clipRef(x, lo, hi) {
  return Math.min(Math.max(x, lo), hi);
}

export function mapRef(f, xs) {
  return Float64Array.from(xs, f);
}

/**
 * Central finite differences of L(inputs) = Σ dy · f(inputs) with respect to every element of every
 * input, in float64. `f(inputs)` returns a flat array; `inputs` is an array of Float64Arrays.
 */
export function finiteDiffGrads(f, inputs, dy, h = 1e-6) {
  const loss = (xs) => {
    const y = f(xs);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += dy[i] * y[i];
    return s;
  };
  return inputs.map((input, which) => {
    const grad = new Float64Array(input.length);
    for (let i = 0; i < input.length; i++) {
      const plus = inputs.map((x) => Float64Array.from(x));
      const minus = inputs.map((x) => Float64Array.from(x));
      plus[which][i] += h;
      minus[which][i] -= h;
      grad[i] = (loss(plus) - loss(minus)) / (2 * h);
    }
    return grad;
  });
}

// ---- optimizers: one step of each update rule, in place on float64 arrays ----

/** Keras 3 SGD; weight decay decoupled and applied first. `state.velocity` is created on first use. */
export function sgdStepRef(
  p,
  g,
  state,
  { learningRate: lr = 0.01, momentum = 0, nesterov = false, weightDecay = 0 } = {},
) {
  for (let i = 0; i < p.length; i++) p[i] -= lr * weightDecay * p[i];
  if (momentum === 0) {
    for (let i = 0; i < p.length; i++) p[i] -= lr * g[i];
    return;
  }
  state.velocity ??= new Float64Array(p.length);
  const v = state.velocity;
  for (let i = 0; i < p.length; i++) {
    v[i] = momentum * v[i] - lr * g[i];
    p[i] += nesterov ? momentum * v[i] - lr * g[i] : v[i];
  }
}

/** Keras 3 Adam at 1-based step t (bias-corrected step size, epsilon outside the square root). */
export function adamStepRef(
  p,
  g,
  state,
  t,
  { learningRate: lr = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7, weightDecay = 0 } = {},
) {
  state.m ??= new Float64Array(p.length);
  state.v ??= new Float64Array(p.length);
  const alpha = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
  for (let i = 0; i < p.length; i++) {
    p[i] -= lr * weightDecay * p[i];
    state.m[i] = beta1 * state.m[i] + (1 - beta1) * g[i];
    state.v[i] = beta2 * state.v[i] + (1 - beta2) * g[i] * g[i];
    p[i] -= (alpha * state.m[i]) / (Math.sqrt(state.v[i]) + epsilon);
  }
}
