// The TF.js peers: tfjs-core 4.22 with the wasm backend (XNNPACK, SIMD, one thread) and the cpu backend
// (plain JavaScript kernels). Loaded only when the bench compares against peers, so a child process that
// times simdnet alone never has TF.js in it.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { instantiate, makeBatch, concatGradients, BATCH } from '../models.mjs';
import { tfLayerOps } from '../layer-ops.mjs';

const require = createRequire(import.meta.url);
const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TF_BUNDLE = path.join(benchDir, 'out', 'tfjs.cjs');

/** Bundles bench/tfjs-entry.mjs (see there why) as CommonJS: Emscripten's Node loader calls require('fs'). */
async function bundleTf() {
  await esbuild.build({
    entryPoints: [path.join(benchDir, 'tfjs-entry.mjs')],
    outfile: TF_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    external: ['node-fetch'], // tfjs-core's fetch fallback for old Node versions; never loaded on Node 20
    logLevel: 'warning',
  });
}

/** Imports TF.js, points the wasm backend at its binaries, and initialises both backends. */
export async function loadTf() {
  // tfjs-core prints an advert for tfjs-node the first time the cpu backend runs a kernel in Node; it is
  // noise in a bench log. This filter stays for the process's life (only that message is dropped).
  const warn = console.warn;
  console.warn = (...args) => {
    if (!String(args[0]).includes('tfjs-node')) warn(...args);
  };
  await bundleTf();
  const tf = require(TF_BUNDLE);
  const tfwasm = tf.wasmBackend;
  // In Node, Emscripten's loader reads the .wasm with fs (no fetch): give it the package's dist directory
  // as a path prefix, with its trailing separator since the loader appends the file name to it (a
  // file:// URL of the directory works too). With one thread and SIMD it picks tfjs-backend-wasm-simd.wasm.
  const dist =
    path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
  tfwasm.setWasmPaths(dist);
  tfwasm.setThreadsCount(1); // before setBackend: XNNPACK's thread pool is made at init
  registerWasmConv2dBackpropFilter(tf);
  if (!(await tf.setBackend('wasm'))) throw new Error('TF.js wasm backend failed to initialise');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = tfwasm.getThreadsCount();
  if (!(await tf.setBackend('cpu'))) throw new Error('TF.js cpu backend failed to initialise');
  return {
    tf,
    wasmMemoryBuffer: () => tf.findBackend('wasm').wasm.HEAPU8.buffer,
    info: { version: tf.version_core, wasmSimd: simd, wasmThreads: threads, wasmDir: dist },
  };
}

/**
 * TF.js's wasm backend has no Conv2DBackpropFilter kernel, so neither tf.grad of a conv nor a training
 * step runs on it. This one is built only from the backend's own PadV2, Transpose and Conv2D kernels:
 *
 *   dW[ky,kx,ci,co] = Σ_{b,oy,ox} xpad[b, oy*s+ky, ox*s+kx, ci] · dy[b,oy,ox,co]
 *
 * is a valid convolution whose "batch" is ci, whose "channels" are the images b, and whose "filter" is
 * dy dilated by the stride: conv2d(transpose(xpad, [3,1,2,0]) [ci,H,W,b],
 * transpose(dy, [1,2,0,3]) [oh,ow,b,co], dilation s) → [ci,kh,kw,co], transposed to [kh,kw,ci,co].
 */
function registerWasmConv2dBackpropFilter(tf) {
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs;
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
      if (dataFormat !== undefined && dataFormat !== 'NHWC')
        throw new Error('bench Conv2DBackpropFilter (wasm): NHWC only');
      const info = tf.backend_util.computeConv2DInfo(
        x.shape,
        filterShape,
        strides,
        1,
        pad,
        dimRoundingMode,
        false,
        'channelsLast',
      );
      const k = (name) => tf.getKernel(name, 'wasm').kernelFunc;
      const temps = [];
      const { top, bottom, left, right } = info.padInfo;
      let xp = x;
      if (top || bottom || left || right) {
        xp = k('PadV2')({
          inputs: { x },
          backend,
          attrs: {
            paddings: [
              [0, 0],
              [top, bottom],
              [left, right],
              [0, 0],
            ],
            constantValue: 0,
          },
        });
        temps.push(xp);
      }
      // Rows and columns past the last window the forward read (stride > 1) would widen the result.
      const needH = (info.outHeight - 1) * info.strideHeight + info.filterHeight;
      const needW = (info.outWidth - 1) * info.strideWidth + info.filterWidth;
      if (xp.shape[1] > needH || xp.shape[2] > needW) {
        xp = k('PadV2')({
          inputs: { x: xp },
          backend,
          attrs: {
            paddings: [
              [0, 0],
              [0, needH - xp.shape[1]],
              [0, needW - xp.shape[2]],
              [0, 0],
            ],
            constantValue: 0,
          },
        });
        temps.push(xp);
      }
      const xt = k('Transpose')({ inputs: { x: xp }, backend, attrs: { perm: [3, 1, 2, 0] } });
      const dyt = k('Transpose')({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } });
      temps.push(xt, dyt);
      const c = k('Conv2D')({
        inputs: { x: xt, filter: dyt },
        backend,
        attrs: {
          strides: [1, 1],
          pad: 'valid',
          dataFormat: 'NHWC',
          dilations: [info.strideHeight, info.strideWidth],
          dimRoundingMode: undefined,
        },
      });
      temps.push(c);
      const dw = k('Transpose')({ inputs: { x: c }, backend, attrs: { perm: [1, 2, 0, 3] } });
      for (const tmp of temps) backend.disposeData(tmp.dataId);
      return dw;
    },
  });
}

export function tfImpl(tfctx, backendName) {
  const { tf } = tfctx;
  const label = backendName === 'wasm' ? 'TF.js wasm' : 'TF.js cpu';
  const convAttrs = (s) => ({ strides: [1, 1], pad: s.padding, dataFormat: 'NHWC', dimRoundingMode: undefined });

  function single(inputs, make) {
    return {
      run: () => make().dispose(),
      output: () => {
        const y = make();
        const outs = (Array.isArray(y) ? y : [y]).map((t) => t.dataSync());
        tf.dispose(y);
        return outs;
      },
      dispose: () => tf.dispose(inputs),
    };
  }
  /** For cases that return several tensors per call. */
  function multi(inputs, make) {
    return {
      run: () => tf.dispose(make()),
      output: () => {
        const ys = make();
        const outs = ys.map((t) => t.dataSync());
        tf.dispose(ys);
        return outs;
      },
      dispose: () => tf.dispose(inputs),
    };
  }

  return {
    name: backendName === 'wasm' ? 'tfwasm' : 'tfcpu',
    label,
    separateBackwardKernels: true,
    activate: async () => {
      if (!(await tf.setBackend(backendName))) throw new Error(`TF.js backend ${backendName} is not available`);
    },
    convForward(s, d) {
      const x = tf.tensor(d.x, d.xShape);
      const w = tf.tensor(d.w, d.wShape);
      return single([x, w], () => tf.conv2d(x, w, 1, s.padding));
    },
    convBackward(s, d, which) {
      const x = tf.tensor(d.x, d.xShape);
      const w = tf.tensor(d.w, d.wShape);
      const dy = tf.tensor(d.dy, d.dyShape);
      const dx = () =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...convAttrs(s), inputShape: d.xShape });
      const dw = () =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...convAttrs(s), filterShape: d.wShape });
      if (which === 'dx') return single([x, w, dy], dx);
      if (which === 'dw') return single([x, w, dy], dw);
      return multi([x, w, dy], () => [dx(), dw()]);
    },
    poolForward(s, d) {
      const x = tf.tensor(d.x, d.xShape);
      return single([x], () => tf.maxPool(x, s.size, s.stride, 'valid'));
    },
    poolBackward(s, d) {
      const x = tf.tensor(d.x, d.xShape);
      const y = tf.maxPool(x, s.size, s.stride, 'valid');
      const dy = tf.tensor(d.dy, d.dyShape);
      const attrs = {
        filterSize: [s.size, s.size],
        strides: [s.stride, s.stride],
        pad: 'valid',
        dimRoundingMode: undefined,
      };
      return single([x, y, dy], () => tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, attrs));
    },
    matMul(s, d) {
      const a = tf.tensor(d.a, [s.m, s.k]);
      const b = tf.tensor(d.b, [s.k, s.n]);
      return single([a, b], () => tf.matMul(a, b));
    },
    train: (model) => tfTrainStep(tf, backendName, model),
    ...tfLayerOps(tf, { single, multi }),
  };
}

let uid = 0;

/**
 * tfjs-core has no layers, so the step is written as tfjs-layers would run it: fused conv2d/matMul with
 * bias and activation, maxPool, softmax cross-entropy on one-hot labels, tf.variableGrads, and the
 * optimizer's applyGradients.
 */
function tfTrainStep(tf, backendName, model) {
  const { layers, params } = instantiate(model);
  const batch = makeBatch(model);
  const tag = `bench${++uid}_${backendName}_${model.id}`;
  const vars = new Map();
  for (const p of params) {
    const init = tf.tensor(p.data, p.shape);
    vars.set(p.name, tf.variable(init, true, `${tag}_${p.name}`));
    init.dispose();
  }
  const x = tf.tensor(batch.x, batch.xShape);
  const labels = tf.tensor(batch.oneHot, [BATCH, model.classes]);
  const v = (p) => vars.get(p.name);
  const logits = () => {
    let h = x;
    for (const l of layers) {
      if (l.type === 'conv')
        h = tf.fused.conv2d({ x: h, filter: v(l.w), strides: 1, pad: 'valid', bias: v(l.b), activation: l.activation });
      else if (l.type === 'pool') h = tf.maxPool(h, l.size, l.size, 'valid');
      else if (l.type === 'flatten') h = tf.reshape(h, [h.shape[0], -1]);
      else h = tf.fused.matMul({ a: h, b: v(l.w), bias: v(l.b), activation: l.activation });
    }
    return h;
  };
  const loss = () => tf.losses.softmaxCrossEntropy(labels, logits());
  const o = model.optimizer;
  const optimizer =
    o.type === 'adam'
      ? tf.train.adam(o.learningRate, o.beta1, o.beta2, o.epsilon)
      : tf.train.momentum(o.learningRate, o.momentum);
  const varList = [...vars.values()];
  const step = (read) => {
    const { value, grads } = tf.variableGrads(loss, varList);
    optimizer.applyGradients(grads);
    const l = read ? value.dataSync()[0] : 0;
    tf.dispose([value, grads]);
    return l;
  };
  return {
    run: () => step(false),
    output: () => {
      const { value, grads } = tf.variableGrads(loss, varList);
      const g = concatGradients(
        params,
        varList.map((w) => grads[w.name].dataSync()),
      );
      tf.dispose([value, grads]);
      return [g, Float32Array.from([step(true), step(true), step(true)])];
    },
    dispose: () => {
      optimizer.dispose();
      tf.dispose([x, labels, ...varList]);
    },
    note: 'ops + tf.variableGrads',
  };
}
