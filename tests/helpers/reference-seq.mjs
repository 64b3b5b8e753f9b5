// Float64 references for 1-D convolution and pooling over [n, w, c] sequences, concat and pad, written
// from the definitions with plain loops.

/** [left, right] padding of a 1-D window op for 'valid', 'same' (TensorFlow's rule), 'causal', p, [l, r]. */
export function padding1dRef(padding, w, k, s, d) {
  if (padding === undefined || padding === 'valid') return [0, 0];
  if (padding === 'causal') return [(k - 1) * d, 0];
  if (padding === 'same') {
    const total = Math.max((Math.ceil(w / s) - 1) * s + (k - 1) * d + 1 - w, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  }
  return typeof padding === 'number' ? [padding, padding] : padding;
}

/** y [n, ow, cout] of x [n, w, cin] with weights [k, cin, cout]. */
export function conv1dRef(
  x,
  [n, w, cin],
  wt,
  [k, , cout],
  { strides = 1, dilation = 1, padding = 'valid', bias = null } = {},
) {
  const [pl, pr] = padding1dRef(padding, w, k, strides, dilation);
  const ow = Math.floor((w + pl + pr - (k - 1) * dilation - 1) / strides) + 1;
  const y = new Float64Array(n * ow * cout);
  for (let b = 0; b < n; b++)
    for (let o = 0; o < ow; o++)
      for (let co = 0; co < cout; co++) {
        let s = bias ? bias[co] : 0;
        for (let t = 0; t < k; t++) {
          const i = o * strides + t * dilation - pl;
          if (i < 0 || i >= w) continue;
          for (let ci = 0; ci < cin; ci++) s += x[(b * w + i) * cin + ci] * wt[(t * cin + ci) * cout + co];
        }
        y[(b * ow + o) * cout + co] = s;
      }
  return { y, shape: [n, ow, cout] };
}

/** Max or average pooling along w of [n, w, c]; windows clipped to the input ('same' averages inside cells). */
export function pool1dRef(x, [n, w, c], { poolSize = 2, strides = poolSize, padding = 'valid' }, kind) {
  const [pl] = padding1dRef(padding, w, poolSize, strides, 1);
  const ow = padding === 'same' ? Math.ceil(w / strides) : Math.floor((w - poolSize) / strides) + 1;
  const y = new Float64Array(n * ow * c);
  for (let b = 0; b < n; b++)
    for (let o = 0; o < ow; o++)
      for (let ch = 0; ch < c; ch++) {
        let m = -Infinity;
        let s = 0;
        let cnt = 0;
        for (let t = 0; t < poolSize; t++) {
          const i = o * strides + t - pl;
          if (i < 0 || i >= w) continue;
          const v = x[(b * w + i) * c + ch];
          m = Math.max(m, v);
          s += v;
          cnt++;
        }
        y[(b * ow + o) * c + ch] = kind === 'max' ? m : s / cnt;
      }
  return { y, shape: [n, ow, c] };
}

/** Row-major index helpers for concat and pad. */
const stridesOf = (shape) => {
  const s = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
};
const unravel = (i, shape) => {
  const st = stridesOf(shape);
  return shape.map((_, k) => Math.floor(i / st[k]) % shape[k]);
};
const ravel = (idx, shape) => idx.reduce((a, v, k) => a * shape[k] + v, 0);

export function concatRef(arrays, shapes, axis) {
  const out = shapes[0].slice();
  out[axis] = shapes.reduce((s, sh) => s + sh[axis], 0);
  const y = new Float64Array(out.reduce((a, b) => a * b, 1));
  let offset = 0;
  arrays.forEach((arr, t) => {
    for (let i = 0; i < arr.length; i++) {
      const idx = unravel(i, shapes[t]);
      idx[axis] += offset;
      y[ravel(idx, out)] = arr[i];
    }
    offset += shapes[t][axis];
  });
  return { y, shape: out };
}

export function padRef(x, shape, paddings, value = 0) {
  const out = shape.map((d, k) => d + paddings[k][0] + paddings[k][1]);
  const y = new Float64Array(out.reduce((a, b) => a * b, 1)).fill(value);
  for (let i = 0; i < x.length; i++) {
    const idx = unravel(i, shape).map((v, k) => v + paddings[k][0]);
    y[ravel(idx, out)] = x[i];
  }
  return { y, shape: out };
}
