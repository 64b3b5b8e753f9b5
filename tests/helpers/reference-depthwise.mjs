// Float64 references for depthwise convolution, built on conv2dRef: a depthwise conv with weights
// [kh, kw, cin, m] is the full conv whose weights [kh, kw, cin, cin·m] are zero except W[.., c, c·m + j]
// = w[.., c, j]. An independent route to the same numbers, gradients included.
import { conv2dBackwardRef, conv2dRef } from './reference-conv.mjs';

export function fullWeightsOf(w, [kh, kw, cin, m]) {
  const cout = cin * m;
  const full = new Float64Array(kh * kw * cin * cout);
  for (let t = 0; t < kh * kw; t++)
    for (let c = 0; c < cin; c++)
      for (let j = 0; j < m; j++) full[(t * cin + c) * cout + c * m + j] = w[(t * cin + c) * m + j];
  return full;
}

/** { y, shape } of the depthwise conv; options as conv2dRef takes them. */
export function depthwiseRef(x, xShape, w, wShape, options = {}) {
  const [kh, kw, cin, m] = wShape;
  return conv2dRef(x, xShape, fullWeightsOf(w, wShape), [kh, kw, cin, cin * m], options);
}

/** { dx, dw, db } of sum(y * dy). */
export function depthwiseBackwardRef(x, xShape, w, wShape, dy, options = {}) {
  const [kh, kw, cin, m] = wShape;
  const cout = cin * m;
  const g = conv2dBackwardRef(x, xShape, fullWeightsOf(w, wShape), [kh, kw, cin, cout], dy, options);
  const dw = new Float64Array(w.length);
  for (let t = 0; t < kh * kw; t++)
    for (let c = 0; c < cin; c++)
      for (let j = 0; j < m; j++) dw[(t * cin + c) * m + j] = g.dw[(t * cin + c) * cout + c * m + j];
  return { dx: g.dx, dw, db: g.db };
}
