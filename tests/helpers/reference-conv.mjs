// Plain float64 JavaScript references for conv2d and matMul/dense: direct nested loops written from the
// definitions, independent of the library's code, plus central finite differences of sum(y * dy).

/** Explicit padding [top, bottom, left, right] for 'valid', 'same' (TensorFlow's rule) or [[t,b],[l,r]]. */
export function resolvePaddingRef(padding, h, w, kh, kw, [sh, sw], [dh, dw]) {
  if (padding === undefined || padding === 'valid') return [0, 0, 0, 0];
  if (padding === 'same') {
    const one = (size, k, s, d) => {
      const out = Math.ceil(size / s);
      const total = Math.max((out - 1) * s + (k - 1) * d + 1 - size, 0);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    };
    return [...one(h, kh, sh, dh), ...one(w, kw, sw, dw)];
  }
  return [padding[0][0], padding[0][1], padding[1][0], padding[1][1]];
}

/**
 * y = act(conv(x, w) + bias): x NHWC [n,h,w,cin], w [kh,kw,cin,cout]. Options: strides, dilation (pairs),
 * padding (as conv2d takes it), bias (array or null), relu (boolean). Returns { y, shape }.
 */
export function conv2dRef(
  x,
  xShape,
  w,
  wShape,
  { strides = [1, 1], dilation = [1, 1], padding = 'valid', bias = null, relu = false } = {},
) {
  const [n, h, wd, cin] = xShape;
  const [kh, kw, , cout] = wShape;
  const [sh, sw] = strides;
  const [dh, dw] = dilation;
  const [pt, pb, pl, pr] = resolvePaddingRef(padding, h, wd, kh, kw, strides, dilation);
  const oh = Math.floor((h + pt + pb - (kh - 1) * dh - 1) / sh) + 1;
  const ow = Math.floor((wd + pl + pr - (kw - 1) * dw - 1) / sw) + 1;
  const y = new Float64Array(n * oh * ow * cout);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let co = 0; co < cout; co++) {
          let s = bias ? bias[co] : 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh + ky * dh - pt;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw + kx * dw - pl;
              if (ix < 0 || ix >= wd) continue;
              for (let ci = 0; ci < cin; ci++) {
                s += x[((b * h + iy) * wd + ix) * cin + ci] * w[((ky * kw + kx) * cin + ci) * cout + co];
              }
            }
          }
          y[((b * oh + oy) * ow + ox) * cout + co] = relu ? Math.max(s, 0) : s;
        }
      }
    }
  }
  return { y, shape: [n, oh, ow, cout] };
}

/**
 * Exact gradients of sum(y * dy) for conv2dRef with the same options, by the chain rule written out as
 * loops (used where finite differences would be too slow; checked against them in the tests).
 * Returns { dx, dw, db }.
 */
export function conv2dBackwardRef(x, xShape, w, wShape, dy, options = {}) {
  const { strides = [1, 1], dilation = [1, 1], padding = 'valid', relu = false } = options;
  const [n, h, wd, cin] = xShape;
  const [kh, kw, , cout] = wShape;
  const [sh, sw] = strides;
  const [dh, dw] = dilation;
  const [pt, , pl] = resolvePaddingRef(padding, h, wd, kh, kw, strides, dilation);
  const { y, shape } = conv2dRef(x, xShape, w, wShape, options);
  const [, oh, ow] = shape;
  const g = Float64Array.from(dy, (v, i) => (relu && !(y[i] > 0) ? 0 : v));
  const dx = new Float64Array(x.length);
  const dwt = new Float64Array(w.length);
  const db = new Float64Array(cout);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const gi = ((b * oh + oy) * ow + ox) * cout;
        for (let co = 0; co < cout; co++) db[co] += g[gi + co];
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh + ky * dh - pt;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw + kx * dw - pl;
            if (ix < 0 || ix >= wd) continue;
            for (let ci = 0; ci < cin; ci++) {
              const xi = ((b * h + iy) * wd + ix) * cin + ci;
              const wi = ((ky * kw + kx) * cin + ci) * cout;
              for (let co = 0; co < cout; co++) {
                dx[xi] += w[wi + co] * g[gi + co];
                dwt[wi + co] += x[xi] * g[gi + co];
              }
            }
          }
        }
      }
    }
  }
  return { dx, dw: dwt, db };
}

/** c = act(a [m,k] · b [k,n] + bias). */
export function matMulRef(a, m, k, b, n, bias = null, relu = false) {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = bias ? bias[j] : 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      c[i * n + j] = relu ? Math.max(s, 0) : s;
    }
  }
  return c;
}

/**
 * Central differences of loss(inputs) = sum(f(inputs) * dy) with respect to each input array (float64,
 * modified in place and restored). f maps the array of inputs to the output array.
 */
export function finiteDifferenceGrads(f, inputs, dy, eps = 1e-5) {
  const loss = () => {
    const y = f(inputs);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * dy[i];
    return s;
  };
  return inputs.map((arr) => {
    if (!arr) return null;
    const g = new Float64Array(arr.length);
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i];
      arr[i] = v + eps;
      const up = loss();
      arr[i] = v - eps;
      const down = loss();
      arr[i] = v;
      g[i] = (up - down) / (2 * eps);
    }
    return g;
  });
}

/** Naive float32 nested-loop conv ('valid', stride 1), the speed yardstick in bench/quick-kernels.mjs. */
export function naiveConvF32(x, xShape, w, wShape, y) {
  const [n, h, wd, cin] = xShape;
  const [kh, kw, , cout] = wShape;
  const oh = h - kh + 1;
  const ow = wd - kw + 1;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let co = 0; co < cout; co++) {
          let s = 0;
          for (let ky = 0; ky < kh; ky++) {
            for (let kx = 0; kx < kw; kx++) {
              const xi = ((b * h + oy + ky) * wd + ox + kx) * cin;
              const wi = (ky * kw + kx) * cin * cout + co;
              for (let ci = 0; ci < cin; ci++) s += x[xi + ci] * w[wi + ci * cout];
            }
          }
          y[((b * oh + oy) * ow + ox) * cout + co] = s;
        }
      }
    }
  }
}
