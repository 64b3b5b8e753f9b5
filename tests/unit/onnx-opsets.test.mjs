// loadOnnx across opsets: what moved between versions (Clip's bounds become inputs in 11, Softmax's axis
// means one axis from 13, BatchNormalization gains training_mode in 14, Dropout's ratio is an input from 12,
// Pad's pads an input from 11 and its axes from 18, ReduceMean's axes an input from 18) in one hand-made
// graph written at opsets 11, 13, 14, 17, 18 and 21; and a MobileNet-style CNN exported by PyTorch 1.13 at
// opsets 11, 13 and 17 (tests/fixtures/onnx/make_opset_fixtures.py). All against ONNX Runtime within 1e-4.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { loadOnnx } from '../../dist/onnx.js';
import { rng } from '../helpers/random.mjs';
import { ortRun } from '../helpers/onnx.mjs';
import { checkAgainstOrt, floats, int64s, maxAbsDiff, node, scalar } from '../helpers/onnx-check.mjs';

/** The same network in each opset's spelling. */
function versionedGraph(opset) {
  const r = rng(100); // the same weights at every opset
  const axesInput = opset >= 18;
  const nodes = [
    node('Pad', axesInput ? ['input', 'pads', '', 'padAxes'] : ['input', 'pads'], 'p'),
    node('Conv', ['p', 'W1', 'B1'], 'c1'),
    node(
      'BatchNormalization',
      ['c1', 's', 'b', 'm', 'v'],
      'bn',
      opset >= 14 ? { epsilon: 1e-4, training_mode: 0 } : { epsilon: 1e-4 },
    ),
    node('Clip', ['bn', 'zero', 'six'], 'r6'),
    node('Dropout', opset >= 12 ? ['r6', 'ratio'] : ['r6'], 'd'),
    node('Conv', ['d', 'W2'], 'c2', { pads: [1, 1, 1, 1] }),
    // From opset 13 Softmax(axis 1) is over the channels alone; before, over C*H*W, so it runs after pooling there.
    ...(opset >= 13
      ? [
          node('Softmax', ['c2'], 'sm', { axis: 1 }),
          node(
            'ReduceMean',
            axesInput ? ['sm', 'rAxes'] : ['sm'],
            'g',
            axesInput ? { keepdims: 0 } : { axes: [2, 3], keepdims: 0 },
          ),
        ]
      : [
          node('ReduceMean', ['c2'], 'g0', { axes: [-1, -2], keepdims: 1 }),
          node('Softmax', ['g0'], 'sm', { axis: 1 }),
          node('Flatten', ['sm'], 'g'),
        ]),
    node('Gemm', ['g', 'K', 'C'], 'logits', { transB: 1 }),
    node('Softmax', ['logits'], 'output', opset >= 13 ? {} : { axis: 1 }),
  ];
  const initializers = [
    int64s('pads', axesInput ? [1, 2, 0, 1] : [0, 0, 1, 2, 0, 0, 0, 1]),
    ...(axesInput ? [int64s('padAxes', [2, 3]), int64s('rAxes', [2, 3])] : []),
    floats(r, 'W1', [6, 3, 3, 3]),
    floats(r, 'B1', [6]),
    floats(r, 's', [6], 0.5, 2),
    floats(r, 'b', [6], 0, 3),
    floats(r, 'm', [6]),
    floats(r, 'v', [6], 0.5, 2),
    scalar('zero', 0),
    scalar('six', 6),
    ...(opset >= 12 ? [scalar('ratio', 0.5)] : []),
    floats(r, 'W2', [5, 6, 3, 3]),
    floats(r, 'K', [4, 5]),
    floats(r, 'C', [4]),
  ];
  return { opset, nodes, initializers, dims: [3, 3, 9, 8] };
}

test('loadOnnx: one network in the spelling of opsets 11, 13, 14, 17, 18 and 21 matches ONNX Runtime', async () => {
  for (const opset of [11, 13, 14, 17, 18, 21]) {
    const { classes } = await checkAgainstOrt(versionedGraph(opset));
    // Pad, the conv with batch norm and Clip(0, 6) folded in, the second conv, softmax, pooling, dense.
    assert.ok(
      classes.includes('ZeroPadding2D') && classes.includes('GlobalAveragePooling2D'),
      `opset ${opset}: ${classes}`,
    );
  }
});

test('loadOnnx: training_mode 1 in BatchNormalization (opset 14+) is refused, naming the node and opset', async () => {
  const g = versionedGraph(17);
  g.nodes[2] = node('BatchNormalization', ['c1', 's', 'b', 'm', 'v'], 'bn', { training_mode: 1 });
  const bytes = (await import('../helpers/onnx.mjs')).craftModel({
    opset: 17,
    irVersion: 8,
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: [{ name: 'input', dims: ['N', 3, 9, 8] }],
    outputs: [{ name: 'output' }],
  });
  try {
    await loadOnnx(bytes);
    assert.unreachable('training_mode');
  } catch (e) {
    assert.match(
      e.message,
      /loadOnnx: BatchNormalization node 'batchnormalization_bn' \(opset 17\): training_mode 1; export the model in eval mode/,
    );
  }
});

test('loadOnnx: a MobileNet-style CNN exported by PyTorch at opsets 11, 13 and 17 matches ONNX Runtime', async () => {
  const raw = readFileSync(new URL('../fixtures/onnx/mobile.in.bin', import.meta.url));
  const x = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const dims = [8, 3, 20, 18];
  for (const opset of [11, 13, 17]) {
    const bytes = new Uint8Array(readFileSync(new URL(`../fixtures/onnx/mobile_opset${opset}.onnx`, import.meta.url)));
    const ref = await ortRun(bytes, x, dims);
    const before = sn.memory().numTensors;
    const model = await loadOnnx(bytes);
    const y = sn.tidy(() => model.predict(sn.tensor(x, dims)).dataSync());
    const classes = model.layers.map((l) => l.className);
    for (const l of model.layers) l.dispose();
    assert.ok(maxAbsDiff(y, ref.data) <= 1e-4, `opset ${opset}: ${maxAbsDiff(y, ref.data)}`);
    assert.is(sn.memory().numTensors, before);
    for (const c of [
      'Rescaling',
      'LeakyReLU',
      'Concatenate',
      'BatchNormalization',
      'DepthwiseConv2D',
      'GlobalMaxPooling2D',
    ])
      assert.ok(classes.includes(c), `opset ${opset}: ${c} in ${classes}`);
    // Opset 11's channel softmax is Transpose, Softmax(last axis), Transpose: one Permute each side.
    assert.is(classes.filter((c) => c === 'Permute').length, opset === 11 ? 3 : 1, classes.join());
  }
});

test.run();
