// loadOnnx, operator by operator beyond the seed models: Concat, LeakyRelu, Clip/Relu6, GlobalMaxPool,
// grouped Conv, BatchNormalization and constant arithmetic where nothing can absorb them, Reshape,
// Transpose, Softmax on 4-D tensors, ReduceMean/ReduceMax as global pools and Pad. Each hand-made graph
// runs in ONNX Runtime (in this process) and through loadOnnx on the same random input, within 1e-4.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rng } from '../helpers/random.mjs';
import { sn } from '../helpers/setup.mjs';
import { loadOnnx } from '../../dist/onnx.js';
import { craftModel, ortRun } from '../helpers/onnx.mjs';
import { checkAgainstOrt, checkRejected, floats, int64s, maxAbsDiff, node, scalar } from '../helpers/onnx-check.mjs';

const pads1 = { pads: [1, 1, 1, 1] };

test('loadOnnx: Concat of two conv branches along the channels, and along H', async () => {
  const r = rng(1);
  for (const [axis, expect] of [
    [1, 'channels'],
    [2, 'H'],
    [-1, 'W'],
  ]) {
    const { classes } = await checkAgainstOrt({
      dims: [2, 3, 7, 6],
      nodes: [
        node('Conv', ['input', 'W1', 'B1'], 'a', pads1),
        node('Relu', ['a'], 'ra'),
        node('Conv', ['input', 'W2'], 'b', pads1),
        node('Concat', ['ra', 'b'], 'cat', { axis }),
        node('Conv', ['cat', 'W3'], 'output'),
      ],
      initializers: [
        floats(r, 'W1', [4, 3, 3, 3]),
        floats(r, 'B1', [4]),
        floats(r, 'W2', [axis === 1 ? 2 : 4, 3, 3, 3]),
        floats(r, 'W3', [5, axis === 1 ? 6 : 4, 1, 1]),
      ],
    });
    assert.ok(classes.includes('Concatenate'), expect);
  }
  // 2-D features: two Gemms concatenated, then a Gemm.
  await checkAgainstOrt({
    dims: [3, 6],
    nodes: [
      node('Gemm', ['input', 'K1'], 'a'),
      node('Gemm', ['input', 'K2'], 'b'),
      node('Concat', ['a', 'b'], 'cat', { axis: 1 }),
      node('Gemm', ['cat', 'K3'], 'output'),
    ],
    initializers: [floats(r, 'K1', [6, 4]), floats(r, 'K2', [6, 3]), floats(r, 'K3', [7, 2])],
  });
  await checkRejected(
    {
      dims: [2, 3, 4, 4],
      nodes: [node('Concat', ['input', 'input'], 'output', { axis: 0 })],
    },
    /Concat node .*axis 0 is not supported on rank 4 \(the batch axis/,
  );
});

test('loadOnnx: LeakyRelu, Clip as Relu6 and Relu (bounds as inputs, also from Constant nodes), Relu6 folds into the conv', async () => {
  const r = rng(2);
  for (const opset of [11, 13, 17]) {
    const { classes } = await checkAgainstOrt({
      opset,
      dims: [2, 2, 6, 5],
      nodes: [
        node('Conv', ['input', 'W1', 'B1'], 'a', pads1),
        node('Clip', ['a', 'zero', 'six'], 'c6'),
        node('Conv', ['c6', 'W2'], 'b'),
        node('LeakyRelu', ['b'], 'l', { alpha: 0.1 }),
        { op: 'Constant', name: 'k0', inputs: [], outputs: ['z'], attrs: [{ name: 'value_float', f: 0 }] },
        node('Clip', ['l', 'z'], 'relu'),
        node('LeakyRelu', ['relu'], 'output'),
      ],
      initializers: [
        floats(r, 'W1', [3, 2, 3, 3], -3, 3),
        floats(r, 'B1', [3], 2, 4),
        scalar('zero', 0),
        scalar('six', 6),
        floats(r, 'W2', [4, 3, 3, 3]),
      ],
    });
    assert.equal(classes, ['Permute', 'Conv2D', 'Conv2D', 'LeakyReLU', 'Activation', 'LeakyReLU', 'Permute']);
  }
  await checkRejected(
    {
      dims: [2, 2, 4, 4],
      nodes: [node('Clip', ['input', 'lo', 'hi'], 'output')],
      initializers: [scalar('lo', 1), scalar('hi', -1)],
    },
    /Clip node 'clip_output' \(opset 13\): Clip's bounds must satisfy min <= max; got \[1, -1\]/,
  );
});

test('loadOnnx: Clip to other bounds (both, min only, max only) is a Clip layer', async () => {
  const r = rng(12);
  for (const opset of [11, 13, 21]) {
    const { classes } = await checkAgainstOrt({
      opset,
      dims: [2, 3, 5, 4],
      nodes: [
        node('Conv', ['input', 'W1', 'B1'], 'a', pads1),
        node('Clip', ['a', 'lo', 'hi'], 'c1'),
        node('Clip', ['c1', 'lo2'], 'c2'),
        node('Clip', ['c2', '', 'hi2'], 'output'),
      ],
      initializers: [
        floats(r, 'W1', [4, 3, 3, 3], -2, 2),
        floats(r, 'B1', [4], -1, 1),
        scalar('lo', -1.5),
        scalar('hi', 2),
        scalar('lo2', -0.75),
        scalar('hi2', 1.25),
      ],
    });
    assert.equal(classes, ['Permute', 'Conv2D', 'Clip', 'Clip', 'Clip', 'Permute']);
  }
});

test('loadOnnx: GlobalMaxPool, and ReduceMean/ReduceMax over H and W (axes an attribute before opset 18, an input from 18)', async () => {
  const r = rng(3);
  for (const opset of [13, 18]) {
    const axes = (name) =>
      opset >= 18 ? { inputs: [int64s(name, [2, 3])], attrs: {} } : { inputs: [], attrs: { axes: [2, 3] } };
    const mean = axes('ax1');
    const max = axes('ax2');
    const { classes } = await checkAgainstOrt({
      opset,
      dims: [2, 3, 5, 6],
      nodes: [
        node('Conv', ['input', 'W'], 'c', pads1),
        node('GlobalMaxPool', ['c'], 'g'),
        node('ReduceMean', opset >= 18 ? ['c', 'ax1'] : ['c'], 'm', { ...mean.attrs, keepdims: 1 }),
        node('ReduceMax', opset >= 18 ? ['c', 'ax2'] : ['c'], 'x', { ...max.attrs, keepdims: 0 }),
        node('Add', ['g', 'm'], 'gm'),
        node('Flatten', ['gm'], 'f'),
        node('Add', ['f', 'x'], 'output'),
      ],
      initializers: [floats(r, 'W', [4, 3, 3, 3]), ...mean.inputs, ...max.inputs],
    });
    assert.ok(classes.includes('GlobalMaxPooling2D') && classes.includes('GlobalAveragePooling2D'), classes.join());
  }
  await checkRejected(
    { dims: [2, 3, 4, 4], nodes: [node('ReduceMean', ['input'], 'output', { axes: [1] })] },
    /ReduceMean node .*only a reduction over the spatial axes of a 4-D tensor \(a global pool\) is supported; got axes \[1\]/,
  );
});

test('loadOnnx: grouped Conv (1 < group < channels) with stride, pads and dilation', async () => {
  const r = rng(4);
  for (const [group, cin, cout, attrs] of [
    [2, 4, 6, { pads: [1, 0, 1, 2], strides: [2, 1] }],
    [3, 6, 3, { dilations: [2, 2] }],
    [2, 4, 4, { auto_pad: 'SAME_UPPER', strides: [2, 2] }],
  ]) {
    const { classes } = await checkAgainstOrt({
      dims: [2, cin, 9, 8],
      nodes: [node('Conv', ['input', 'W', 'B'], 'c', { group, ...attrs }), node('Relu', ['c'], 'output')],
      initializers: [floats(r, 'W', [cout, cin / group, 3, 3]), floats(r, 'B', [cout])],
    });
    assert.equal(classes, ['Permute', 'Conv2D', 'Permute']);
  }
  await checkRejected(
    {
      dims: [2, 6, 4, 4],
      nodes: [node('Conv', ['input', 'W'], 'output', { group: 4 })],
      initializers: [floats(r, 'W', [4, 1, 1, 1])],
    },
    /Conv node 'conv_output' \(opset 13\): group 4 must divide the 6 input channels and the 4 output channels/,
  );
});

test('loadOnnx: BatchNormalization after Add, Concat, a pool, a Flatten and as the first op becomes a BatchNormalization layer', async () => {
  const r = rng(5);
  const bn = (p, c) => [
    floats(r, `${p}s`, [c], 0.5, 1.5),
    floats(r, `${p}b`, [c]),
    floats(r, `${p}m`, [c]),
    floats(r, `${p}v`, [c], 0.5, 2),
  ];
  const bnNode = (x, p, y) => node('BatchNormalization', [x, `${p}s`, `${p}b`, `${p}m`, `${p}v`], y, { epsilon: 1e-3 });
  const { classes } = await checkAgainstOrt({
    dims: [2, 3, 8, 7],
    nodes: [
      bnNode('input', 'n0', 'x0'),
      node('Conv', ['x0', 'W1'], 'a', pads1),
      node('Conv', ['x0', 'W2'], 'b', pads1),
      node('Add', ['a', 'b'], 'sum'),
      bnNode('sum', 'n1', 'x1'),
      node('Concat', ['x1', 'a'], 'cat', { axis: 1 }),
      bnNode('cat', 'n2', 'x2'),
      node('MaxPool', ['x2'], 'p', { kernel_shape: [2, 2], strides: [2, 2] }),
      bnNode('p', 'n3', 'x3'),
      node('Flatten', ['x3'], 'f'),
      bnNode('f', 'n4', 'x4'),
      node('Gemm', ['x4', 'K'], 'output'),
    ],
    initializers: [
      ...bn('n0', 3),
      floats(r, 'W1', [4, 3, 3, 3]),
      floats(r, 'W2', [4, 3, 3, 3]),
      ...bn('n1', 4),
      ...bn('n2', 8),
      ...bn('n3', 8),
      ...bn('n4', 8 * 4 * 3),
      floats(r, 'K', [96, 5]),
    ],
  });
  assert.is(classes.filter((c) => c === 'BatchNormalization').length, 5, classes.join());
  // After a Conv it still folds into the conv.
  const folded = await checkAgainstOrt({
    dims: [2, 3, 5, 5],
    nodes: [node('Conv', ['input', 'W1'], 'a'), bnNode('a', 'n1', 'output')],
    initializers: [floats(r, 'W1', [4, 3, 3, 3]), ...bn('n1', 4)],
  });
  assert.equal(folded.classes, ['Permute', 'Conv2D', 'Permute']);
});

test('loadOnnx: Add/Sub/Mul/Div by constants anywhere: input normalisation is one Rescaling layer', async () => {
  const r = rng(6);
  const { classes } = await checkAgainstOrt({
    dims: [2, 3, 6, 6],
    nodes: [
      node('Sub', ['input', 'mean'], 'centered'),
      node('Div', ['centered', 'std'], 'x'),
      node('Conv', ['x', 'W'], 'c'),
      node('Relu', ['c'], 'rc'),
      node('Mul', ['rc', 'half'], 'h'),
      node('Sub', ['one', 'h'], 'inv'),
      node('MaxPool', ['inv'], 'p', { kernel_shape: [2, 2] }),
      node('Add', ['p', 'shift'], 'output'),
    ],
    initializers: [
      floats(r, 'mean', [1, 3, 1, 1]),
      floats(r, 'std', [1, 3, 1, 1], 0.5, 2),
      floats(r, 'W', [4, 3, 3, 3]),
      scalar('half', 0.5),
      scalar('one', 1),
      floats(r, 'shift', [4, 1, 1]),
    ],
  });
  assert.equal(classes, ['Permute', 'Rescaling', 'Conv2D', 'Rescaling', 'MaxPooling2D', 'Rescaling', 'Permute']);
  // 2-D features after a Flatten in C,H,W order: per-feature constants follow simdnet's H,W,C order.
  await checkAgainstOrt({
    dims: [2, 3, 2, 2],
    nodes: [
      node('Conv', ['input', 'Wf'], 'c', pads1),
      node('Flatten', ['c'], 'f'),
      node('Mul', ['f', 'scale'], 'm'),
      node('Add', ['m', 'shift'], 'a'),
      node('Gemm', ['a', 'K'], 'output'),
    ],
    initializers: [
      floats(r, 'Wf', [3, 3, 3, 3]),
      floats(r, 'scale', [12]),
      floats(r, 'shift', [1, 12]),
      floats(r, 'K', [12, 4]),
    ],
  });
  await checkRejected(
    {
      dims: [2, 3, 4, 4],
      nodes: [node('Add', ['input', 'pos'], 'output')],
      initializers: [floats(r, 'pos', [1, 3, 4, 4])],
    },
    /Add node 'add_output' \(opset 13\): Add by a constant of dims \[1, 3, 4, 4\] on 4-D \[N, 3, 4, 4\]: only a scalar or one value per channel/,
  );
  await checkRejected(
    { dims: [2, 3], nodes: [node('Div', ['one', 'input'], 'output')], initializers: [scalar('one', 1)] },
    /constant \/ x is not supported/,
  );
});

test('loadOnnx: Reshape that flattens in every spelling, to [N, C, 1, 1], and between 4-D shapes', async () => {
  const r = rng(7);
  for (const shape of [
    [0, -1],
    [2, -1],
    [-1, 48],
    [0, 48],
  ]) {
    await checkAgainstOrt({
      dims: [2, 3, 4, 4],
      nodes: [
        node('Conv', ['input', 'W'], 'c', pads1),
        node('Reshape', ['c', 'shape'], 'f'),
        node('Gemm', ['f', 'K'], 'output'),
      ],
      initializers: [floats(r, 'W', [3, 3, 3, 3]), int64s('shape', shape), floats(r, 'K', [48, 5])],
    });
  }
  // [N, C] -> [N, C, 1, 1] -> 1x1 Conv; and 4-D -> 4-D [N, 3, 4, 4] -> [N, 6, 2, 4] -> Conv.
  const { classes } = await checkAgainstOrt({
    dims: [2, 3, 4, 4],
    nodes: [
      node('Conv', ['input', 'W'], 'c', pads1),
      node('Reshape', ['c', 's4'], 'c4'),
      node('Conv', ['c4', 'W2'], 'd'),
      node('GlobalAveragePool', ['d'], 'g'),
      node('Flatten', ['g'], 'f'),
      node('Reshape', ['f', 's2'], 'u'),
      node('Conv', ['u', 'W3'], 'v'),
      node('Flatten', ['v'], 'output'),
    ],
    initializers: [
      floats(r, 'W', [3, 3, 3, 3]),
      int64s('s4', [0, 6, 2, 4]),
      floats(r, 'W2', [5, 6, 1, 3]),
      int64s('s2', [-1, 5, 1, 1]),
      floats(r, 'W3', [2, 5, 1, 1]),
    ],
  });
  assert.ok(classes.includes('Reshape'), classes.join());
  await checkRejected(
    {
      dims: [2, 3, 4, 4],
      nodes: [node('Reshape', ['input', 's'], 'output')],
      initializers: [int64s('s', [0, 5, -1])],
    },
    /Reshape node .*cannot reshape \[N, 3, 4, 4\] to \[0, 5, -1\] keeping the batch first \(48 values per example\)/,
  );
});

test('loadOnnx: Transpose other than NCHW/NHWC is a Permute; Identity and Dropout vanish', async () => {
  const r = rng(8);
  const { classes } = await checkAgainstOrt({
    dims: [2, 3, 5, 4],
    nodes: [
      node('Conv', ['input', 'W'], 'c'),
      node('Transpose', ['c'], 't', { perm: [0, 2, 1, 3] }),
      node('Identity', ['t'], 'i'),
      node('Dropout', ['i'], 'd'),
      node('Flatten', ['d'], 'f'),
      node('Gemm', ['f', 'K'], 'output'),
    ],
    initializers: [floats(r, 'W', [4, 3, 2, 2]), floats(r, 'K', [48, 3])],
  });
  // The layout change back to NCHW's order and the Transpose merge into one Permute.
  assert.equal(classes, ['Permute', 'Conv2D', 'Permute', 'Flatten', 'Dense']);
  await checkRejected(
    { dims: [2, 3, 5, 4], nodes: [node('Transpose', ['input'], 'output', { perm: [1, 0, 2, 3] })] },
    /moves the batch axis/,
  );
});

test('loadOnnx: Softmax over the channels of a 4-D tensor, with opset 11 and opset 13 axis semantics', async () => {
  const r = rng(9);
  // Opset 13: axis 1 is the channels alone.
  await checkAgainstOrt({
    opset: 13,
    dims: [2, 3, 4, 5],
    nodes: [node('Conv', ['input', 'W'], 'c'), node('Softmax', ['c'], 'output', { axis: 1 })],
    initializers: [floats(r, 'W', [6, 3, 1, 1])],
  });
  // Opset 11 as PyTorch exports softmax(dim=1): channels moved last, softmax over the last axis, moved back.
  const { classes } = await checkAgainstOrt({
    opset: 11,
    dims: [2, 3, 4, 5],
    nodes: [
      node('Conv', ['input', 'W'], 'c'),
      node('Transpose', ['c'], 't', { perm: [0, 3, 2, 1] }),
      node('Softmax', ['t'], 's', { axis: 3 }),
      node('Transpose', ['s'], 'output', { perm: [0, 3, 2, 1] }),
    ],
    initializers: [floats(r, 'W', [6, 3, 1, 1])],
  });
  assert.ok(classes.includes('Activation'), classes.join());
  // Opset 11 axis 1 on [N, C, 1, 1] (after global pooling) is over C.
  await checkAgainstOrt({
    opset: 11,
    dims: [2, 3, 4, 5],
    nodes: [
      node('Conv', ['input', 'W'], 'c'),
      node('GlobalAveragePool', ['c'], 'g'),
      node('Softmax', ['g'], 's', { axis: 1 }),
      node('Flatten', ['s'], 'output'),
    ],
    initializers: [floats(r, 'W', [6, 3, 1, 1])],
  });
  // Opset 11 axis 1 on [N, C, H, W] normalises over C*H*W together: not a softmax simdnet has.
  await checkRejected(
    { opset: 11, dims: [2, 3, 4, 5], nodes: [node('Softmax', ['input'], 'output', { axis: 1 })] },
    /Softmax node 'softmax_output' \(opset 11\): softmax over axis 1 of \[N, 3, 4, 5\] is not supported \(opset 11: that axis and all after it\)/,
  );
  await checkRejected(
    { opset: 13, dims: [2, 3, 4, 5], nodes: [node('Softmax', ['input'], 'output', { axis: 2 })] },
    /softmax over axis 2 of \[N, 3, 4, 5\] is not supported \(opset 13: that one axis\)/,
  );
});

test('loadOnnx: Pad with zeros before a conv (pads an input from opset 11, axes an input from 18)', async () => {
  const r = rng(10);
  for (const opset of [11, 13, 18]) {
    const withAxes = opset >= 18;
    const { classes } = await checkAgainstOrt({
      opset,
      dims: [2, 3, 5, 6],
      nodes: [
        node('Pad', withAxes ? ['input', 'pads', '', 'axes'] : ['input', 'pads'], 'p', { mode: 'constant' }),
        node('Conv', ['p', 'W'], 'output', { strides: [2, 2] }),
      ],
      initializers: [
        int64s('pads', withAxes ? [1, 0, 2, 3] : [0, 0, 1, 0, 0, 0, 2, 3]),
        ...(withAxes ? [int64s('axes', [2, 3])] : []),
        floats(r, 'W', [4, 3, 3, 3]),
      ],
    });
    assert.ok(classes.includes('ZeroPadding2D'), classes.join());
  }
  await checkRejected(
    {
      opset: 13,
      dims: [2, 3, 5, 6],
      nodes: [node('Pad', ['input', 'pads'], 'output', { mode: 'reflect' })],
      initializers: [int64s('pads', [0, 0, 1, 1, 0, 0, 1, 1])],
    },
    /Pad node .*mode 'reflect' is not supported/,
  );
});

test('loadOnnx: 1-D (NCW) graphs: Conv, BatchNormalization, MaxPool, AveragePool, a C,W flatten and GlobalAveragePool', async () => {
  const r = rng(11);
  const { classes } = await checkAgainstOrt({
    dims: [3, 4, 15],
    nodes: [
      node('Conv', ['input', 'W1', 'B1'], 'c1', { pads: [1, 1] }),
      node('BatchNormalization', ['c1', 's', 'b', 'm', 'v'], 'bn'),
      node('Relu', ['bn'], 'r'),
      node('Conv', ['r', 'W2'], 'c2', { pads: [4, 0], dilations: [2] }),
      node('LeakyRelu', ['c2'], 'l', { alpha: 0.2 }),
      node('MaxPool', ['l'], 'mp', { kernel_shape: [2], strides: [2] }),
      node('AveragePool', ['mp'], 'ap', { kernel_shape: [3], strides: [1], pads: [1, 1] }),
      node('Flatten', ['ap'], 'f'),
      node('Gemm', ['f', 'K'], 'output'),
    ],
    initializers: [
      floats(r, 'W1', [6, 4, 3]),
      floats(r, 'B1', [6]),
      floats(r, 's', [6], 0.5, 2),
      floats(r, 'b', [6]),
      floats(r, 'm', [6]),
      floats(r, 'v', [6], 0.5, 2),
      floats(r, 'W2', [5, 6, 3]),
      floats(r, 'K', [35, 3]),
    ],
  });
  assert.equal(classes, [
    'Permute',
    'Conv1D',
    'Conv1D',
    'LeakyReLU',
    'MaxPooling1D',
    'AveragePooling1D',
    'Flatten',
    'Dense',
  ]);
  await checkAgainstOrt({
    dims: [2, 3, 9],
    nodes: [
      node('Conv', ['input', 'W'], 'c', { auto_pad: 'SAME_UPPER', strides: [2] }),
      node('GlobalAveragePool', ['c'], 'g'),
      node('Flatten', ['g'], 'output'),
    ],
    initializers: [floats(r, 'W', [4, 3, 4])],
  });
  await checkRejected(
    {
      dims: [2, 3, 9],
      nodes: [node('Conv', ['input', 'W'], 'output', { pads: [2, 1] })],
      initializers: [floats(r, 'W', [4, 3, 3])],
    },
    /Conv node 'conv_output' \(opset 13\): pads \[2, 1\] are not supported on a 1-D window of 3: simdnet's 1-D layers pad 'valid', 'same' \(\[1, 1\]\) or 'causal'/,
  );
});

test('loadOnnx: BatchNormalization, per-channel constants and Softmax on [N, C, 1, 1] after global pooling need no relayout', async () => {
  const r = rng(12);
  const { classes } = await checkAgainstOrt({
    dims: [2, 3, 5, 5],
    nodes: [
      node('Conv', ['input', 'W'], 'c'),
      node('GlobalAveragePool', ['c'], 'g'),
      node('BatchNormalization', ['g', 's', 'b', 'm', 'v'], 'bn'),
      node('Mul', ['bn', 'k'], 'scaled'),
      node('Softmax', ['scaled'], 'sm', { axis: 1 }),
      node('Flatten', ['sm'], 'output'),
    ],
    initializers: [
      floats(r, 'W', [4, 3, 3, 3]),
      floats(r, 's', [4], 0.5, 2),
      floats(r, 'b', [4]),
      floats(r, 'm', [4]),
      floats(r, 'v', [4], 0.5, 2),
      floats(r, 'k', [1, 4, 1, 1], 1, 3),
    ],
  });
  assert.equal(classes, [
    'Permute',
    'Conv2D',
    'GlobalAveragePooling2D',
    'BatchNormalization',
    'Rescaling',
    'Activation',
  ]);
});

test("loadOnnx: inputLayout 'nhwc' on a 1-D graph takes NWC data and leaves out the edge Permute", async () => {
  const r = rng(13);
  const bytes = craftModel({
    nodes: [node('Conv', ['input', 'W', 'B'], 'c', { pads: [1, 1] }), node('Relu', ['c'], 'output')],
    initializers: [floats(r, 'W', [4, 3, 3]), floats(r, 'B', [4])],
    inputs: [{ name: 'input', dims: ['N', 3, 10] }],
    outputs: [{ name: 'output' }],
  });
  const dims = [2, 3, 10];
  const x = Float32Array.from(r.array(60));
  const ref = await ortRun(bytes, x, dims);
  const model = await loadOnnx(bytes, { inputLayout: 'nhwc' });
  assert.equal(model.inputShape, [null, 10, 3]);
  assert.is(model.layers[0].className, 'Conv1D');
  const nwc = new Float32Array(60);
  for (let b = 0; b < 2; b++)
    for (let c = 0; c < 3; c++) for (let t = 0; t < 10; t++) nwc[(b * 10 + t) * 3 + c] = x[(b * 3 + c) * 10 + t];
  const y = sn.tidy(() => model.predict(sn.tensor(nwc, [2, 10, 3])).dataSync());
  for (const l of model.layers) l.dispose();
  // The output is the graph's: NCW.
  assert.ok(maxAbsDiff(y, ref.data) <= 1e-5);
});

test('loadOnnx: absurd parameters of the new operators are refused before anything is created', async () => {
  const r = rng(14);
  const dims = [2, 3, 4, 4];
  await checkRejected(
    {
      dims,
      nodes: [node('Pad', ['input', 'pads'], 'output')],
      initializers: [int64s('pads', [0, 0, 1e9, 0, 0, 0, 0, 0])],
    },
    /Pad node 'pad_output' \(opset 13\): pads must be non-negative integers of at most 65536; got \[0, 0, 1000000000/,
  );
  await checkRejected(
    { dims, nodes: [node('Div', ['input', 'zero'], 'output')], initializers: [scalar('zero', 0)] },
    /Div node 'div_output' \(opset 13\): its constant makes a scale or offset that is not finite/,
  );
  await checkRejected(
    { dims, nodes: [node('LeakyRelu', ['input'], 'output', { alpha: NaN })] },
    /LeakyRelu node 'leakyrelu_output' \(opset 13\): alpha must be a finite number; got NaN/,
  );
  const stats = ['s', 'b', 'm', 'v'].map((n) => floats(r, n, [3]));
  stats[3] = { name: 'v', dims: [3], data: Float32Array.of(1, -1, 1) };
  await checkRejected(
    { dims, nodes: [node('BatchNormalization', ['input', 's', 'b', 'm', 'v'], 'output')], initializers: stats },
    /BatchNormalization node 'batchnormalization_output' \(opset 13\): input_var has a negative or NaN value/,
  );
});

test.run();
