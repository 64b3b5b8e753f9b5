// The tutorial's examples, one file per section (examples/tutorial/), run as a reader runs them
// (`node examples/tutorial/<file>`): every printed value is checked against the textbook's. Then the seed's
// PyTorch training loop (examples/lenet/loop.mjs), briefly: it trains, reports, and saves a state_dict that
// the Keras-style LeNet loads with PyTorch's names and layouts and that predicts as the loop's network does.
// And the ONNX example's classifier.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sn } from '../helpers/setup.mjs';
import { assertClose } from '../helpers/compare.mjs';
import { repoRoot } from '../helpers/fixtures.mjs';

/** Runs an example file with node and returns its standard output. */
function run(file, args = [], env = {}) {
  return execFileSync(process.execPath, [path.join(repoRoot, file), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
  });
}

const lines = (text) => text.trimEnd().split('\n');

test('01 cross-correlation: X ⋆ K = [[19,25],[37,43]], as the op and as a layer', () => {
  assert.equal(lines(run('examples/tutorial/01-cross-correlation.mjs')), [
    'X ⋆ K = [[19,25],[37,43]]',
    'conv2d layer: [[19,25],[37,43]]',
  ]);
});

test('02 edge detection: 1 and -1 at the edges of the black band, all zeros on the transposed image', () => {
  const out = lines(run('examples/tutorial/02-edge-detection.mjs'));
  const row = (values) => '  ' + values.map((v) => String(v).padStart(2)).join(' ');
  assert.equal(out, [
    'X:',
    ...Array(6).fill(row([1, 1, 0, 0, 0, 0, 1, 1])),
    'Y = X ⋆ [[1, -1]]:',
    ...Array(6).fill(row([0, 1, 0, 0, 0, -1, 0])),
    'Xᵀ ⋆ [[1, -1]]:',
    ...Array(8).fill(row([0, 0, 0, 0, 0])),
  ]);
});

test('03 learning a kernel: the loss every 2 epochs falls, and the kernel comes back within 0.05 of [1, -1]', () => {
  const out = lines(run('examples/tutorial/03-learning-a-kernel.mjs'));
  assert.is(out.length, 6);
  const losses = out.slice(0, 5).map((l, i) => {
    const m = l.match(/^epoch (\d+), loss (\d+\.\d{3})$/);
    assert.ok(m, `line ${i}: ${l}`);
    assert.is(Number(m[1]), 2 * (i + 1));
    return Number(m[2]);
  });
  assert.ok(
    losses.every((v, i) => i === 0 || v < losses[i - 1]),
    `losses ${losses}`,
  );
  const m = out[5].match(/^learned kernel: \[(-?\d\.\d{4}), (-?\d\.\d{4})\] \(target \[1, -1\]\)$/);
  assert.ok(m, out[5]);
  assert.ok(Math.abs(Number(m[1]) - 1) < 0.05 && Math.abs(Number(m[2]) + 1) < 0.05, out[5]);
});

test('03 learning a kernel, in process: five log lines, no tensor left behind', async () => {
  const { learnKernel } = await import('../../examples/tutorial/03-learning-a-kernel.mjs');
  const start = sn.memory().numTensors;
  const logged = [];
  const { losses } = await learnKernel({ log: (l) => logged.push(l) });
  assert.is(logged.length, 5);
  assert.ok(losses[losses.length - 1] < losses[0]);
  assert.is(sn.memory().numTensors, start);
});

test("04 padding and stride: the textbook's four output shapes 8x8, 8x8, 4x4, 2x2", () => {
  assert.equal(lines(run('examples/tutorial/04-padding-and-stride.mjs')), [
    '3x3 kernel, padding 1: 8x8',
    '5x3 kernel, padding [2, 1]: 8x8',
    '3x3 kernel, padding 1, stride 2: 4x4',
    '3x5 kernel, padding [0, 1], strides [3, 4]: 2x2',
  ]);
});

test('05 multiple input channels: [[56,72],[104,120]]', () => {
  assert.equal(lines(run('examples/tutorial/05-multiple-input-channels.mjs')), [
    'corr2d_multi_in(X, K) = [[56,72],[104,120]]',
  ]);
});

test('06 multiple output channels: K, K + 1, K + 2 give three channels, the first as before', () => {
  assert.equal(lines(run('examples/tutorial/06-multiple-output-channels.mjs')), [
    'kernel shape [kh, kw, cin, cout]: [2,2,2,3]',
    'output channel 0: [[56,72],[104,120]]',
    'output channel 1: [[76,100],[148,172]]',
    'output channel 2: [[96,128],[192,224]]',
  ]);
});

test('07 1x1 convolution: equal to a matMul over the channels', () => {
  assert.equal(lines(run('examples/tutorial/07-1x1-convolution.mjs')), [
    'output shape: [1,3,3,2]',
    'max |conv2d 1x1 - matMul| < 1e-6: true',
  ]);
});

test('08 pooling: max and average, padding and stride ([[5,7],[13,15]]), two channels', () => {
  assert.equal(lines(run('examples/tutorial/08-pooling.mjs')), [
    'max 2x2: [[4,5],[7,8]]',
    'avg 2x2: [[2,3],[5,6]]',
    'max 3x3 (stride 3): [[10]]',
    'max 3x3, padding 1, stride 2: [[5,7],[13,15]]',
    'max 2x3, padding [0, 1], strides [2, 3]: [[5,7],[13,15]]',
    'avg 3x3, padding 1, stride 2: [[1.1111,2.6667],[5.6667,10]]',
    'two channels, max 3x3, padding 1, stride 2: [[5,7],[13,15]] [[6,8],[14,16]]',
  ]);
});

test("lenet/loop.mjs, a short run: the tutorial's printout, and a state_dict the Keras LeNet loads", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'simdnet-loop-'));
  try {
    // From the command line, as a reader would, stopped early through the environment variable.
    const file = path.join(dir, 'net.safetensors');
    const out = lines(
      run(
        'examples/lenet/loop.mjs',
        ['--epochs', '2', '--print-every', '10', '--train-limit', '400', '--test-limit', '300', '--out', file],
        { SIMDNET_LOOP_BATCHES: '20', SIMDNET_DATA: '' },
      ),
    );
    assert.match(out[0], /^Fashion-MNIST from /);
    assert.match(out[1], /^\[1, {4}10\] loss: \d\.\d{3}$/);
    assert.match(out[2], /^\[1, {4}20\] loss: \d\.\d{3}$/);
    assert.match(out[3], /^\[2, {4}10\] loss: \d\.\d{3}$/);
    assert.match(out[4], /^\[2, {4}20\] loss: \d\.\d{3}$/);
    assert.is(out[5], 'Finished Training');
    assert.match(out[6], /^Accuracy of the network on the 300 test images: \d+ %$/);
    for (let k = 0; k < 10; k++) assert.match(out[7 + k], /^Accuracy for class: .{5,} is \d+\.\d %$/);
    assert.is(out[17], `Saved the parameters (PyTorch names and layouts) to ${file}`);

    // In process: the saved file, loaded into the Keras-style LeNet as a PyTorch checkpoint, predicts what
    // the loop's own network predicts.
    const { runLoop, forward } = await import('../../examples/lenet/loop.mjs');
    const { lenet } = await import('../../examples/lenet/model.mjs');
    const start = sn.memory().numTensors;
    const logged = [];
    const r = await runLoop({
      epochs: 1,
      batches: 5,
      printEvery: 5,
      trainLimit: 100,
      testLimit: 50,
      out: path.join(dir, 'in-process.safetensors'),
      log: (l) => logged.push(l),
    });
    assert.is(logged.filter((l) => l.startsWith('[1, ')).length, 1);
    const model = lenet({ inputShape: [28, 28, 1], seed: 3 });
    model.loadWeights(new Uint8Array(readFileSync(r.file)), { from: 'pytorch' });
    sn.tidy(() => {
      const x = sn.randomNormal([3, 28, 28, 1], { seed: 9 });
      assertClose(model.predict(x).dataSync(), forward(r.net.params, x).dataSync(), 1e-6, 'logits');
    });
    model.dispose();
    r.dispose();
    assert.is(sn.memory().numTensors, start, 'the loop leaves no tensors behind');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
