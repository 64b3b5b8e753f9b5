// The two models of the training-step tables, described once as data so that simdnet and TF.js build the
// same network from the same initial weights and the same batch.
import { randomArray, uniformArray, mulberry32 } from './random.mjs';

export const BATCH = 32;

export const MODELS = [
  {
    id: 'keras',
    label: 'seed Keras CNN 28x28x1 (Adam)',
    input: [28, 28, 1],
    classes: 10,
    layers: [
      { type: 'conv', filters: 32, kernel: 3, activation: 'relu' },
      { type: 'pool', size: 2 },
      { type: 'conv', filters: 64, kernel: 3, activation: 'relu' },
      { type: 'pool', size: 2 },
      { type: 'conv', filters: 64, kernel: 3, activation: 'relu' },
      { type: 'flatten' },
      { type: 'dense', units: 64, activation: 'relu' },
      { type: 'dense', units: 10, activation: 'linear' },
    ],
    optimizer: { type: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    quick: true,
  },
  {
    id: 'lenet',
    label: 'LeNet-5 28x28x1 (SGD momentum)',
    input: [28, 28, 1],
    classes: 10,
    layers: [
      { type: 'conv', filters: 6, kernel: 5, activation: 'relu' },
      { type: 'pool', size: 2 },
      { type: 'conv', filters: 16, kernel: 5, activation: 'relu' },
      { type: 'pool', size: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 120, activation: 'relu' },
      { type: 'dense', units: 84, activation: 'relu' },
      { type: 'dense', units: 10, activation: 'linear' },
    ],
    optimizer: { type: 'sgd', learningRate: 0.01, momentum: 0.9 },
  },
];

/**
 * Walks the layers, returning each one with its parameter shapes filled in, and the flat list of
 * parameters ({ name, shape, data }) initialised Glorot-uniform (biases zero), seeded.
 */
export function instantiate(model, seed = 1234) {
  const rng = mulberry32(seed);
  let [h, w, c] = model.input;
  let flat = 0;
  const layers = [];
  const params = [];
  model.layers.forEach((layer, i) => {
    if (layer.type === 'conv') {
      const wShape = [layer.kernel, layer.kernel, c, layer.filters];
      const fanIn = layer.kernel * layer.kernel * c;
      const fanOut = layer.kernel * layer.kernel * layer.filters;
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      const wp = { name: `l${i}_conv_w`, shape: wShape, data: uniformArray(rng, wShape, -limit, limit) };
      const bp = { name: `l${i}_conv_b`, shape: [layer.filters], data: new Float32Array(layer.filters) };
      params.push(wp, bp);
      layers.push({ ...layer, w: wp, b: bp });
      h = h - layer.kernel + 1;
      w = w - layer.kernel + 1;
      c = layer.filters;
    } else if (layer.type === 'pool') {
      layers.push(layer);
      h = Math.floor(h / layer.size);
      w = Math.floor(w / layer.size);
    } else if (layer.type === 'flatten') {
      layers.push(layer);
      flat = h * w * c;
    } else if (layer.type === 'dense') {
      const limit = Math.sqrt(6 / (flat + layer.units));
      const wp = {
        name: `l${i}_dense_w`,
        shape: [flat, layer.units],
        data: uniformArray(rng, [flat, layer.units], -limit, limit),
      };
      const bp = { name: `l${i}_dense_b`, shape: [layer.units], data: new Float32Array(layer.units) };
      params.push(wp, bp);
      layers.push({ ...layer, w: wp, b: bp });
      flat = layer.units;
    } else {
      throw new Error(`models: unknown layer type ${layer.type}`);
    }
  });
  return { layers, params };
}

/** One batch: images in [0,1) and int labels. */
export function makeBatch(model, seed = 99) {
  const rng = mulberry32(seed);
  const shape = [BATCH, ...model.input];
  const x = uniformArray(rng, shape, 0, 1);
  const y = new Int32Array(BATCH);
  for (let i = 0; i < BATCH; i++) y[i] = Math.floor(rng() * model.classes);
  const oneHot = new Float32Array(BATCH * model.classes);
  for (let i = 0; i < BATCH; i++) oneHot[i * model.classes + y[i]] = 1;
  return { x, xShape: shape, y, oneHot };
}

/**
 * What the correctness check of a training step compares: the gradient of the loss with respect to every
 * parameter at the initial weights (all concatenated, in `params` order), and the losses of three steps.
 * Gradients rather than parameter updates: TF.js's Adam adds epsilon after the bias correction and Keras's
 * (which simdnet follows) before it, so updates of parameters with tiny gradients differ by design, while
 * gradients have one right answer.
 */
export function concatGradients(params, grads) {
  const out = new Float32Array(params.reduce((a, p) => a + p.data.length, 0));
  let at = 0;
  params.forEach((p, i) => {
    out.set(grads[i], at);
    at += p.data.length;
  });
  return out;
}

export { randomArray };
