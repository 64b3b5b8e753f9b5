// The seed's worked examples, run as a user would import them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';

test('cross-correlation of 0..8 with 0..3 gives [[19,25],[37,43]]', async () => {
  const { result } = await import('../../examples/cross-correlation.mjs');
  assert.equal(result, [
    [19, 25],
    [37, 43],
  ]);
});

test('edge detection: 1 at the left edge, -1 at the right edge, 0 elsewhere; transposed: all zeros', async () => {
  const { edges, none } = await import('../../examples/edge-detection.mjs');
  const expectedRow = [0, 1, 0, 0, 0, -1, 0];
  assert.is(edges.length, 6);
  for (const row of edges) assert.equal(row, expectedRow);
  assert.is(none.length, 8);
  for (const row of none)
    assert.ok(
      row.every((v) => v === 0),
      `row ${row}`,
    );
});

test('learning a kernel: gradient descent recovers [1, -1] within 0.05', async () => {
  const { learnKernel } = await import('../../examples/learn-kernel/index.js');
  const start = sn.memory().numTensors;
  const lines = [];
  const { learned, losses } = await learnKernel({ log: (l) => lines.push(l) });
  assert.is(lines.length, 5, 'prints the loss every 2 epochs for 10 epochs');
  assert.ok(losses[losses.length - 1] < losses[0], 'loss decreases');
  assert.ok(Math.abs(learned[0] - 1) < 0.05 && Math.abs(learned[1] + 1) < 0.05, `learned ${learned}`);
  assert.is(sn.memory().numTensors, start);
});

test('ONNX example: the PyTorch-trained Fashion-MNIST CNN classifies the shipped test subset (> 85%)', async () => {
  const { classify } = await import('../../examples/onnx/classify.mjs');
  const start = sn.memory().numTensors;
  const lines = [];
  const accuracy = await classify({ log: (l) => lines.push(l) });
  assert.ok(accuracy > 0.85, `accuracy ${accuracy}`);
  assert.ok(lines.some((l) => /^accuracy on 2000 test images/.test(l)));
  assert.is(sn.memory().numTensors, start, 'no tensor left behind');
});

test.run();
