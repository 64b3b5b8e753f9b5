// Hand-made ONNX graphs, loaded by loadOnnx and run by ONNX Runtime on the same random input: the
// building blocks (random initializers, int64 constants, nodes) and the comparison.
import * as assert from 'uvu/assert';
import { sn } from './setup.mjs';
import { loadOnnx } from '../../dist/onnx.js';
import { craftModel, ortRun } from './onnx.mjs';
import { rng, sizeOf } from './random.mjs';

/** A float initializer of random values in [lo, hi), seeded by its name's position in `r`. */
export const floats = (r, name, dims, lo = -1, hi = 1) => ({
  name,
  dims,
  data: Float32Array.from(r.array(sizeOf(dims), lo, hi)),
});
export const scalar = (name, v) => ({ name, dims: [], data: Float32Array.of(v) });
export const int64s = (name, values) => ({
  name,
  dims: [values.length],
  dataType: 7,
  rawBytes: new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer),
});
/** A node: op, inputs, outputs, attributes as { name: value } (ints arrays, floats, strings, ints). */
export function node(op, inputs, outputs, attrs = {}, name) {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const list = Object.entries(attrs).map(([k, v]) => {
    if (Array.isArray(v)) return { name: k, ints: v };
    if (typeof v === 'string') return { name: k, s: v };
    const float = !Number.isInteger(v) || /alpha|beta|epsilon|momentum/.test(k);
    return float ? { name: k, f: v } : { name: k, i: v };
  });
  return { op, name: name ?? `${op.toLowerCase()}_${outs[0]}`, inputs, outputs: outs, attrs: list };
}

export function maxAbsDiff(a, b) {
  assert.is(a.length, b.length, 'output sizes');
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/**
 * Builds the graph (input 'input' of `dims`, output 'output'), runs it in ONNX Runtime and through loadOnnx
 * on random data, asserts equal shapes and max |diff| <= tol, that disposing the model frees every tensor,
 * and returns the layer classes (for checks of what the graph became).
 */
export async function checkAgainstOrt({
  opset = 13,
  nodes,
  initializers = [],
  dims,
  seed = 1,
  tol = 1e-4,
  options,
  irVersion,
}) {
  const bytes = craftModel({
    opset,
    irVersion: irVersion ?? (opset <= 11 ? 6 : opset <= 14 ? 7 : opset <= 18 ? 8 : opset <= 20 ? 9 : 10),
    nodes,
    initializers,
    inputs: [{ name: 'input', dims: ['N', ...dims.slice(1)] }],
    outputs: [{ name: 'output' }],
  });
  const x = Float32Array.from(rng(seed).array(sizeOf(dims)));
  const ref = await ortRun(bytes, x, dims);
  const before = sn.memory().numTensors;
  const model = await loadOnnx(bytes, options);
  const got = sn.tidy(() => {
    const y = model.predict(sn.tensor(x, dims));
    return { shape: y.shape, data: y.dataSync() };
  });
  const classes = model.layers.map((l) => l.className);
  for (const l of model.layers) l.dispose();
  assert.equal(got.shape, ref.dims, `output shape (layers ${classes.join(', ')})`);
  const diff = maxAbsDiff(got.data, ref.data);
  assert.ok(diff <= tol, `opset ${opset}: max |diff| ${diff} > ${tol} (layers ${classes.join(', ')})`);
  assert.is(sn.memory().numTensors, before, 'disposing the layers frees every tensor');
  return { classes, diff, bytes };
}

/** Asserts that loadOnnx rejects the graph with an error matching `pattern`, and creates no tensor. */
export async function checkRejected({ opset = 13, nodes, initializers = [], dims }, pattern) {
  const bytes = craftModel({
    opset,
    nodes,
    initializers,
    inputs: [{ name: 'input', dims: ['N', ...dims.slice(1)] }],
    outputs: [{ name: 'output' }],
  });
  const before = sn.memory().numTensors;
  try {
    await loadOnnx(bytes);
  } catch (e) {
    assert.match(e.message, pattern);
    assert.is(sn.memory().numTensors, before, 'a failure leaves no tensor behind');
    return e;
  }
  assert.unreachable(`expected an error matching ${pattern}`);
}
