// The "straightforward JavaScript" baseline: each op written directly from its definition as nested loops
// over Float32Array, the way a competent developer would write it without thinking about SIMD or caches.
// One concession to common sense: loops are ordered so that the innermost one walks contiguous memory
// (the output channel, the last axis of NHWC and of [kh,kw,cin,cout] weights), and the bounds test for
// padding is hoisted out of it. No blocking, no packing, no unrolling.
//
// The bench also uses these as the reference every other implementation's output is checked against.
//
// Layout: images NHWC, conv weights [kh, kw, cin, cout]. `geom` (from convGeometry) carries the sizes.

/** Output size and padding of a 2-D window op, with TensorFlow's 'same'/'valid' rule. */
export function convGeometry({ n, h, w, cin, cout = cin, kh, kw, stride = 1, padding = 'valid' }) {
  let oh;
  let ow;
  let padTop = 0;
  let padLeft = 0;
  if (padding === 'same') {
    oh = Math.ceil(h / stride);
    ow = Math.ceil(w / stride);
    padTop = Math.floor(Math.max((oh - 1) * stride + kh - h, 0) / 2);
    padLeft = Math.floor(Math.max((ow - 1) * stride + kw - w, 0) / 2);
  } else {
    oh = Math.floor((h - kh) / stride) + 1;
    ow = Math.floor((w - kw) / stride) + 1;
  }
  return { n, h, w, cin, cout, kh, kw, stride, padding, oh, ow, padTop, padLeft };
}

/** y[n,oy,ox,co] = sum over ky,kx,ci of x[n, oy*s+ky-pt, ox*s+kx-pl, ci] * w[ky,kx,ci,co]. */
export function conv2d(x, wt, g) {
  const { n, h, w, cin, cout, kh, kw, stride, oh, ow, padTop, padLeft } = g;
  const y = new Float32Array(n * oh * ow * cout);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const yBase = ((b * oh + oy) * ow + ox) * cout;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * stride + ky - padTop;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * stride + kx - padLeft;
            if (ix < 0 || ix >= w) continue;
            const xBase = ((b * h + iy) * w + ix) * cin;
            const wBase = (ky * kw + kx) * cin * cout;
            for (let ci = 0; ci < cin; ci++) {
              const xv = x[xBase + ci];
              const wRow = wBase + ci * cout;
              for (let co = 0; co < cout; co++) y[yBase + co] += xv * wt[wRow + co];
            }
          }
        }
      }
    }
  }
  return y;
}

/** dx[n,iy,ix,ci] = sum of dy[n,oy,ox,co] * w[ky,kx,ci,co] over the outputs whose window covers (iy,ix). */
export function conv2dBackpropInput(dy, wt, g) {
  const { n, h, w, cin, cout, kh, kw, stride, oh, ow, padTop, padLeft } = g;
  const dx = new Float32Array(n * h * w * cin);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const dyBase = ((b * oh + oy) * ow + ox) * cout;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * stride + ky - padTop;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * stride + kx - padLeft;
            if (ix < 0 || ix >= w) continue;
            const dxBase = ((b * h + iy) * w + ix) * cin;
            const wBase = (ky * kw + kx) * cin * cout;
            for (let ci = 0; ci < cin; ci++) {
              const wRow = wBase + ci * cout;
              let s = 0;
              for (let co = 0; co < cout; co++) s += dy[dyBase + co] * wt[wRow + co];
              dx[dxBase + ci] += s;
            }
          }
        }
      }
    }
  }
  return dx;
}

/** dw[ky,kx,ci,co] = sum over n,oy,ox of x[n, oy*s+ky-pt, ox*s+kx-pl, ci] * dy[n,oy,ox,co]. */
export function conv2dBackpropFilter(x, dy, g) {
  const { n, h, w, cin, cout, kh, kw, stride, oh, ow, padTop, padLeft } = g;
  const dw = new Float32Array(kh * kw * cin * cout);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const dyBase = ((b * oh + oy) * ow + ox) * cout;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * stride + ky - padTop;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * stride + kx - padLeft;
            if (ix < 0 || ix >= w) continue;
            const xBase = ((b * h + iy) * w + ix) * cin;
            const wBase = (ky * kw + kx) * cin * cout;
            for (let ci = 0; ci < cin; ci++) {
              const xv = x[xBase + ci];
              const wRow = wBase + ci * cout;
              for (let co = 0; co < cout; co++) dw[wRow + co] += xv * dy[dyBase + co];
            }
          }
        }
      }
    }
  }
  return dw;
}

/** Max over each kh×kw window (padding 'valid' or 'same'; cells outside the image are skipped). */
export function maxPool(x, g) {
  const { n, h, w, cin: c, kh, kw, stride, oh, ow, padTop, padLeft } = g;
  const y = new Float32Array(n * oh * ow * c).fill(-Infinity);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const yBase = ((b * oh + oy) * ow + ox) * c;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * stride + ky - padTop;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * stride + kx - padLeft;
            if (ix < 0 || ix >= w) continue;
            const xBase = ((b * h + iy) * w + ix) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = x[xBase + ch];
              if (v > y[yBase + ch]) y[yBase + ch] = v;
            }
          }
        }
      }
    }
  }
  return y;
}

/**
 * Gradient of maxPool: each dy goes to the first (in scan order) cell holding its window's maximum,
 * found again from x (the usual tie rule; random inputs have no ties).
 */
export function maxPoolBackward(x, dy, g) {
  const { n, h, w, cin: c, kh, kw, stride, oh, ow, padTop, padLeft } = g;
  const dx = new Float32Array(n * h * w * c);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const yBase = ((b * oh + oy) * ow + ox) * c;
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let at = -1;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * stride + ky - padTop;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * stride + kx - padLeft;
              if (ix < 0 || ix >= w) continue;
              const i = ((b * h + iy) * w + ix) * c + ch;
              if (x[i] > best) {
                best = x[i];
                at = i;
              }
            }
          }
          if (at >= 0) dx[at] += dy[yBase + ch];
        }
      }
    }
  }
  return dx;
}

/** c[m,n] = a[m,k] · b[k,n], i-p-j order so the inner loop runs along rows of b and c. */
export function matMul(a, b, m, k, n) {
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    const cRow = i * n;
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p];
      const bRow = p * n;
      for (let j = 0; j < n; j++) c[cRow + j] += av * b[bRow + j];
    }
  }
  return c;
}
