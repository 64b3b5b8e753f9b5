// Plain float64 JavaScript references for pooling, softmax, softmax cross-entropy and sum/mean, written
// straight from the definitions (no tricks shared with the kernels), plus central finite differences.
// Arrays are flat and row-major; images NHWC.

/** A padding option as [[top, bottom], [left, right]], or the string 'valid' / 'same'. */
function explicitSides(padding) {
  if (padding === undefined || padding === 'valid' || padding === 'same') return padding ?? 'valid';
  if (typeof padding === 'number')
    return [
      [padding, padding],
      [padding, padding],
    ];
  if (typeof padding[0] === 'number')
    return [
      [padding[0], padding[0]],
      [padding[1], padding[1]],
    ];
  return padding;
}

/**
 * Output size and padding before/after along one axis. 'same' is TensorFlow's rule; explicit padding
 * [before, after] follows PyTorch, with ceilMode rounding up as long as the last window starts inside the
 * input or the padding before it.
 */
export function poolAxis(size, pool, stride, padding, ceilMode = false) {
  if (padding === 'valid') padding = [0, 0];
  if (padding === 'same') {
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + pool - size, 0);
    return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
  }
  const [before, after] = padding;
  const span = size + before + after - pool;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceilMode && (out - 1) * stride >= size + before) out -= 1;
  return { out, before, after };
}

/**
 * Visits every window: fn(outIndex, channel, cells, padded) with the flat x indices of the cells inside the
 * input (row-major) and the number of window cells inside the input or its padding.
 */
function forEachWindow(shape, { poolSize, strides, padding, ceilMode }, fn) {
  const [n, h, w, c] = shape;
  const [ph, pw] = typeof poolSize === 'number' ? [poolSize, poolSize] : poolSize;
  const [sh, sw] = strides === undefined ? [ph, pw] : typeof strides === 'number' ? [strides, strides] : strides;
  const sides = explicitSides(padding);
  const ay = poolAxis(h, ph, sh, typeof sides === 'string' ? sides : sides[0], ceilMode);
  const ax = poolAxis(w, pw, sw, typeof sides === 'string' ? sides : sides[1], ceilMode);
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < ay.out; oy++) {
      for (let ox = 0; ox < ax.out; ox++) {
        for (let ch = 0; ch < c; ch++) {
          const cells = [];
          let padded = 0;
          for (let ky = 0; ky < ph; ky++) {
            const iy = oy * sh - ay.before + ky;
            if (iy >= h + ay.after) continue;
            for (let kx = 0; kx < pw; kx++) {
              const ix = ox * sw - ax.before + kx;
              if (ix >= w + ax.after) continue;
              padded++;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              cells.push(((b * h + iy) * w + ix) * c + ch);
            }
          }
          fn(o++, ch, cells, padded);
        }
      }
    }
  }
  return [n, ay.out, ax.out, c];
}

/** { y, shape, argmax } where argmax is the flat x index of each window's first maximum (padding is -Infinity). */
export function maxPoolRef(x, shape, params) {
  const out = [];
  const argmax = [];
  const outShape = forEachWindow(shape, params, (o, _ch, cells) => {
    let best = cells[0];
    for (const i of cells) if (x[i] > x[best]) best = i;
    out[o] = x[best];
    argmax[o] = best;
  });
  return { y: Float64Array.from(out), shape: outShape, argmax };
}

/**
 * Average over each window: padded cells count (as zeros) with explicit padding unless countIncludePad is
 * false; with 'same' they count only when countIncludePad is true.
 */
export function avgPoolRef(x, shape, params) {
  const out = [];
  const explicit = typeof explicitSides(params.padding) !== 'string';
  const countPad = params.countIncludePad ?? explicit;
  const outShape = forEachWindow(shape, params, (o, _ch, cells, padded) => {
    let s = 0;
    for (const i of cells) s += x[i];
    out[o] = s / (countPad ? padded : cells.length);
  });
  return { y: Float64Array.from(out), shape: outShape };
}

/** Gradient of sum(maxPool(x) * dy): each dy goes to its window's first maximum. */
export function maxPoolGradRef(x, shape, params, dy) {
  const dx = new Float64Array(x.length);
  const { argmax } = maxPoolRef(x, shape, params);
  argmax.forEach((i, o) => (dx[i] += dy[o]));
  return dx;
}

export function globalAvgPoolRef(x, [n, h, w, c]) {
  const y = new Float64Array(n * c);
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) y[b * c + ch] += x[(b * h * w + p) * c + ch];
  }
  return { y: y.map((v) => v / (h * w)), shape: [n, c] };
}

/** Softmax over the last axis of length k. */
export function softmaxRef(x, k) {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / k; r++) {
    let m = -Infinity;
    for (let j = 0; j < k; j++) m = Math.max(m, x[r * k + j]);
    let s = 0;
    for (let j = 0; j < k; j++) s += Math.exp(x[r * k + j] - m);
    for (let j = 0; j < k; j++) y[r * k + j] = Math.exp(x[r * k + j] - m) / s;
  }
  return y;
}

/** Mean over rows of -sum_j t_j log softmax(z)_j; `labels` are class indices (sparse) or a flat [n,k] array. */
export function crossEntropyRef(z, n, k, labels, sparse) {
  let total = 0;
  for (let r = 0; r < n; r++) {
    let m = -Infinity;
    for (let j = 0; j < k; j++) m = Math.max(m, z[r * k + j]);
    let s = 0;
    for (let j = 0; j < k; j++) s += Math.exp(z[r * k + j] - m);
    const lse = m + Math.log(s);
    if (sparse) total += lse - z[r * k + labels[r]];
    else for (let j = 0; j < k; j++) total += labels[r * k + j] * (lse - z[r * k + j]);
  }
  return total / n;
}

/** Sum (or mean) over all elements (axis undefined) or one axis; returns { y, shape }. */
export function sumRef(x, shape, axis, mean = false) {
  if (axis === undefined) {
    let s = 0;
    for (const v of x) s += v;
    return { y: Float64Array.of(mean ? s / x.length : s), shape: [] };
  }
  const a = axis < 0 ? axis + shape.length : axis;
  const outer = shape.slice(0, a).reduce((p, d) => p * d, 1);
  const len = shape[a];
  const inner = shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const y = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let l = 0; l < len; l++) for (let i = 0; i < inner; i++) y[o * inner + i] += x[(o * len + l) * inner + i];
  }
  if (mean) for (let i = 0; i < y.length; i++) y[i] /= len;
  return { y, shape: shape.filter((_, i) => i !== a) };
}

/**
 * Central finite differences of the scalar L(x) = sum(f(x) * dy) (or f(x) itself when dy is omitted and
 * f returns a number), in float64: dL/dx_i ~ (L(x + h e_i) - L(x - h e_i)) / 2h.
 */
export function numericGrad(f, x, dy, h = 1e-5) {
  const L = (v) => {
    const y = f(v);
    if (typeof y === 'number') return dy === undefined ? y : y * dy[0];
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * dy[i];
    return s;
  };
  const v = Float64Array.from(x);
  const g = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const keep = v[i];
    v[i] = keep + h;
    const up = L(v);
    v[i] = keep - h;
    const down = L(v);
    v[i] = keep;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}
