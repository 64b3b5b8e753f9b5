// Bench rows for the layers issue's ops: training-mode batch norm, depthwise conv and conv1d, forward and
// backward, for each implementation (naive JS, simdnet, TF.js). bench/cases.mjs adds layerOpCases() to
// its list and each bench/impl/*.mjs spreads in its methods from here.
//
// Backward rows: simdnet times the recorded backward alone (as its conv rows do); TF.js times the
// backward kernels where it has them (DepthwiseConv2dNativeBackprop* on cpu; Conv2DBackprop* for conv1d)
// and tf.grads otherwise (batch norm has no fused gradient kernel in TF.js: forward + backward ops, noted).
import { convGeometry, conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './naive.mjs';
import { randomArray } from './random.mjs';

const EPS = 1e-3;

const BN_SHAPES = [
  { id: 'bn1', n: 32, h: 13, w: 13, c: 64, quick: true },
  { id: 'bn2', n: 32, h: 28, w: 28, c: 32 },
];
const DW_SHAPES = [
  { id: 'dw1', n: 32, h: 28, w: 28, c: 32, k: 3, quick: true },
  { id: 'dw2', n: 1, h: 56, w: 56, c: 128, k: 3 },
];
const C1_SHAPES = [
  { id: 'cv1', n: 32, w: 128, cin: 16, cout: 32, k: 5, quick: true },
  { id: 'cv2', n: 32, w: 512, cin: 1, cout: 16, k: 9 },
];

function lazy(make) {
  let value = null;
  return () => (value ??= make());
}

const bnLabel = (s) => `batchNorm (training) n${s.n} ${s.h}x${s.w}x${s.c}`;
const dwLabel = (s) => `depthwiseConv2d n${s.n} ${s.h}x${s.w}x${s.c} ${s.k}x${s.k} same`;
const c1Label = (s) => `conv1d n${s.n} ${s.w}x${s.cin}→${s.cout} k${s.k} same`;

function bnData(s) {
  return lazy(() => ({
    shape: [s.n, s.h, s.w, s.c],
    x: randomArray([s.n, s.h, s.w, s.c], 41),
    gamma: randomArray([s.c], 42).map((v) => 1 + 0.5 * v),
    beta: randomArray([s.c], 43),
    dy: randomArray([s.n, s.h, s.w, s.c], 44),
  }));
}

function dwGeom(s) {
  return convGeometry({ n: s.n, h: s.h, w: s.w, cin: s.c, cout: s.c, kh: s.k, kw: s.k, padding: 'same' });
}
function dwData(s) {
  const g = dwGeom(s);
  return lazy(() => ({
    geom: g,
    xShape: [s.n, s.h, s.w, s.c],
    wShape: [s.k, s.k, s.c, 1],
    dyShape: [s.n, g.oh, g.ow, s.c],
    x: randomArray([s.n, s.h, s.w, s.c], 45),
    w: randomArray([s.k, s.k, s.c, 1], 46),
    dy: randomArray([s.n, g.oh, g.ow, s.c], 47),
  }));
}

function c1Geom(s) {
  return convGeometry({ n: s.n, h: 1, w: s.w, cin: s.cin, cout: s.cout, kh: 1, kw: s.k, padding: 'same' });
}
function c1Data(s) {
  const g = c1Geom(s);
  return lazy(() => ({
    geom: g,
    xShape: [s.n, s.w, s.cin],
    wShape: [s.k, s.cin, s.cout],
    dyShape: [s.n, g.ow, s.cout],
    x: randomArray([s.n, s.w, s.cin], 48),
    w: randomArray([s.k, s.cin, s.cout], 49),
    dy: randomArray([s.n, g.ow, s.cout], 50),
  }));
}

export function layerOpCases() {
  const cases = [];
  const add = (section, id, label, tags, quick, method, shape, data, work, unit) =>
    cases.push({ section, id, label, tags, quick, method, shape, data, work, unit, reference: 'naive' });
  for (const s of BN_SHAPES) {
    const data = bnData(s);
    const elems = s.n * s.h * s.w * s.c;
    add('forward', s.id, bnLabel(s), ['batchnorm', 'forward'], s.quick, 'bnForward', s, data, elems, 'element');
    add(
      'backward',
      `${s.id}-back`,
      `${bnLabel(s)} backward`,
      ['batchnorm', 'backward'],
      s.quick,
      'bnBackward',
      s,
      data,
      elems,
      'element',
    );
  }
  for (const s of DW_SHAPES) {
    const data = dwData(s);
    const g = dwGeom(s);
    const flops = 2 * s.n * g.oh * g.ow * s.k * s.k * s.c;
    add('forward', s.id, dwLabel(s), ['depthwise', 'forward'], s.quick, 'dwForward', s, data, flops, 'FLOP');
    add(
      'backward',
      `${s.id}-back`,
      `${dwLabel(s)} dx+dW`,
      ['depthwise', 'backward'],
      s.quick,
      'dwBackward',
      s,
      data,
      2 * flops,
      'FLOP',
    );
  }
  for (const s of C1_SHAPES) {
    const data = c1Data(s);
    const g = c1Geom(s);
    const flops = 2 * s.n * g.ow * s.k * s.cin * s.cout;
    add('forward', s.id, c1Label(s), ['conv1d', 'forward'], s.quick, 'conv1dForward', s, data, flops, 'FLOP');
    add(
      'backward',
      `${s.id}-back`,
      `${c1Label(s)} dx+dW`,
      ['conv1d', 'backward'],
      s.quick,
      'conv1dBackward',
      s,
      data,
      2 * flops,
      'FLOP',
    );
  }
  return cases;
}

// ---- naive JS ----

/** Two-pass batch statistics over [rows, c], then the normalised output. */
function bnForwardNaive(x, gamma, beta, c) {
  const rows = x.length / c;
  const mean = new Float32Array(c);
  const variance = new Float32Array(c);
  for (let r = 0; r < rows; r++) for (let i = 0; i < c; i++) mean[i] += x[r * c + i];
  for (let i = 0; i < c; i++) mean[i] /= rows;
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < c; i++) {
      const d = x[r * c + i] - mean[i];
      variance[i] += d * d;
    }
  for (let i = 0; i < c; i++) variance[i] /= rows;
  const y = new Float32Array(x.length);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < c; i++)
      y[r * c + i] = ((x[r * c + i] - mean[i]) / Math.sqrt(variance[i] + EPS)) * gamma[i] + beta[i];
  return { y, mean, variance };
}

function bnBackwardNaive(x, dy, gamma, c) {
  const rows = x.length / c;
  const { mean, variance } = bnForwardNaive(x, gamma, new Float32Array(c), c);
  const dgamma = new Float32Array(c);
  const dbeta = new Float32Array(c);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < c; i++) {
      const xhat = (x[r * c + i] - mean[i]) / Math.sqrt(variance[i] + EPS);
      dbeta[i] += dy[r * c + i];
      dgamma[i] += dy[r * c + i] * xhat;
    }
  const dx = new Float32Array(x.length);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < c; i++) {
      const inv = 1 / Math.sqrt(variance[i] + EPS);
      const xhat = (x[r * c + i] - mean[i]) * inv;
      dx[r * c + i] = ((gamma[i] * inv) / rows) * (rows * dy[r * c + i] - dbeta[i] - xhat * dgamma[i]);
    }
  return [dx, dgamma, dbeta];
}

function dwForwardNaive(x, wt, g) {
  const { n, h, w, cin: c, kh, kw, oh, ow, padTop, padLeft } = g;
  const y = new Float32Array(n * oh * ow * c);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        const yb = ((b * oh + oy) * ow + ox) * c;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy + ky - padTop;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox + kx - padLeft;
            if (ix < 0 || ix >= w) continue;
            const xb = ((b * h + iy) * w + ix) * c;
            const wb = (ky * kw + kx) * c;
            for (let ch = 0; ch < c; ch++) y[yb + ch] += x[xb + ch] * wt[wb + ch];
          }
        }
      }
  return y;
}

function dwBackwardNaive(x, wt, dy, g) {
  const { n, h, w, cin: c, kh, kw, oh, ow, padTop, padLeft } = g;
  const dx = new Float32Array(x.length);
  const dw = new Float32Array(wt.length);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        const yb = ((b * oh + oy) * ow + ox) * c;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy + ky - padTop;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox + kx - padLeft;
            if (ix < 0 || ix >= w) continue;
            const xb = ((b * h + iy) * w + ix) * c;
            const wb = (ky * kw + kx) * c;
            for (let ch = 0; ch < c; ch++) {
              dx[xb + ch] += dy[yb + ch] * wt[wb + ch];
              dw[wb + ch] += dy[yb + ch] * x[xb + ch];
            }
          }
        }
      }
  return [dx, dw];
}

export function naiveLayerOps() {
  const keep = (fn) => ({ run: fn, output: () => [fn()].flat(), dispose() {} });
  return {
    bnForward: (s, d) => keep(() => bnForwardNaive(d.x, d.gamma, d.beta, s.c).y),
    bnBackward: (s, d) => keep(() => bnBackwardNaive(d.x, d.dy, d.gamma, s.c)),
    dwForward: (s, d) => keep(() => dwForwardNaive(d.x, d.w, d.geom)),
    dwBackward: (s, d) => keep(() => dwBackwardNaive(d.x, d.w, d.dy, d.geom)),
    // conv1d is conv2d on one-pixel-high images; [k, cin, cout] is [1, k, cin, cout] in memory.
    conv1dForward: (s, d) => keep(() => conv2d(d.x, d.w, d.geom)),
    conv1dBackward: (s, d) =>
      keep(() => [conv2dBackpropInput(d.dy, d.w, d.geom), conv2dBackpropFilter(d.x, d.dy, d.geom)]),
  };
}

// ---- simdnet ----

/** `h` has simdnet impl's helpers: t (tensor), single, backward (times a recorded backward). */
export function simdnetLayerOps(sn, h) {
  return {
    bnForward(s, d) {
      const x = h.t(d.x, d.shape);
      const gamma = h.t(d.gamma, [s.c]);
      const beta = h.t(d.beta, [s.c]);
      return h.single([x, gamma, beta], () => {
        const r = sn.batchNormTraining(x, { scale: gamma, offset: beta, epsilon: EPS });
        r.mean.dispose();
        r.variance.dispose();
        return r.y;
      });
    },
    bnBackward(s, d) {
      const x = h.t(d.x, d.shape);
      const gamma = h.t(d.gamma, [s.c]);
      const beta = h.t(d.beta, [s.c]);
      return h.backward(
        [x, gamma, beta],
        () => sn.batchNormTraining(x, { scale: gamma, offset: beta, epsilon: EPS }).y,
        { data: d.dy, shape: d.shape },
        [true, true, true],
        [0, 1, 2],
        // Its tape entry has three outputs (y, mean, variance): zero gradients for the statistics.
        [
          { data: new Float32Array(s.c), shape: [s.c] },
          { data: new Float32Array(s.c), shape: [s.c] },
        ],
      );
    },
    dwForward(s, d) {
      const x = h.t(d.x, d.xShape);
      const w = h.t(d.w, d.wShape);
      return h.single([x, w], () => sn.depthwiseConv2d(x, w, { padding: 'same' }));
    },
    dwBackward(s, d) {
      const x = h.t(d.x, d.xShape);
      const w = h.t(d.w, d.wShape);
      return h.backward(
        [x, w],
        () => sn.depthwiseConv2d(x, w, { padding: 'same' }),
        { data: d.dy, shape: d.dyShape },
        [true, true],
        [0, 1],
      );
    },
    conv1dForward(s, d) {
      const x = h.t(d.x, d.xShape);
      const w = h.t(d.w, d.wShape);
      return h.single([x, w], () => sn.conv1d(x, w, { padding: 'same' }));
    },
    conv1dBackward(s, d) {
      // conv1d records reshapes around a conv2d: time the conv2d's own backward on the 1-pixel-high views.
      const x = h.t(d.x, [s.n, 1, s.w, s.cin]);
      const w = h.t(d.w, [1, s.k, s.cin, s.cout]);
      return h.backward(
        [x, w],
        () => sn.conv2d(x, w, { padding: 'same' }),
        { data: d.dy, shape: [s.n, 1, d.dyShape[1], s.cout] },
        [true, true],
        [0, 1],
      );
    },
  };
}

// ---- TF.js ----

export function tfLayerOps(tf, h) {
  return {
    bnForward(s, d) {
      const x = tf.tensor(d.x, d.shape);
      const gamma = tf.tensor(d.gamma, [s.c]);
      const beta = tf.tensor(d.beta, [s.c]);
      return h.single([x, gamma, beta], () =>
        tf.tidy(() => {
          const { mean, variance } = tf.moments(x, [0, 1, 2]);
          return tf.batchNorm(x, mean, variance, beta, gamma, EPS);
        }),
      );
    },
    bnBackward(s, d) {
      const x = tf.tensor(d.x, d.shape);
      const gamma = tf.tensor(d.gamma, [s.c]);
      const beta = tf.tensor(d.beta, [s.c]);
      const dy = tf.tensor(d.dy, d.shape);
      const f = (xx, g, b) => {
        const { mean, variance } = tf.moments(xx, [0, 1, 2]);
        return tf.batchNorm(xx, mean, variance, b, g, EPS);
      };
      const grads = tf.grads(f);
      return {
        ...h.multi([x, gamma, beta, dy], () => grads([x, gamma, beta], dy)),
        note: 'tf.grads: forward + backward ops',
      };
    },
    dwForward(s, d) {
      const x = tf.tensor(d.x, d.xShape);
      const w = tf.tensor(d.w, d.wShape);
      return h.single([x, w], () => tf.depthwiseConv2d(x, w, 1, 'same'));
    },
    dwBackward(s, d) {
      if (tf.getBackend() === 'wasm') return { na: 'TF.js wasm has no DepthwiseConv2dNativeBackprop kernels' };
      const x = tf.tensor(d.x, d.xShape);
      const w = tf.tensor(d.w, d.wShape);
      const dy = tf.tensor(d.dy, d.dyShape);
      const attrs = { strides: [1, 1], pad: 'same', dilations: [1, 1], dimRoundingMode: undefined };
      return h.multi([x, w, dy], () => [
        tf
          .engine()
          .runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, { ...attrs, inputShape: d.xShape }),
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: d.wShape }),
      ]);
    },
    conv1dForward(s, d) {
      const x = tf.tensor(d.x, d.xShape);
      const w = tf.tensor(d.w, d.wShape);
      return h.single([x, w], () => tf.conv1d(x, w, 1, 'same'));
    },
    conv1dBackward(s, d) {
      const x = tf.tensor(d.x, [s.n, 1, s.w, s.cin]);
      const w = tf.tensor(d.w, [1, s.k, s.cin, s.cout]);
      const dy = tf.tensor(d.dy, [s.n, 1, d.dyShape[1], s.cout]);
      const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined };
      return h.multi([x, w, dy], () => [
        tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape }),
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape }),
      ]);
    },
  };
}
