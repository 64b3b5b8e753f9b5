// Threads: results are bit-identical for 1, 2, 3 and 4 threads (forward, backward and training steps on
// shapes big enough to be split), ready({ threads }) and backendInfo() report the threads in use, and a
// kernel that fails in a worker surfaces as an Error in the caller.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertSameBits, bitsOf } from '../helpers/compare.mjs';
import { rng, sizeOf } from '../helpers/random.mjs';
import { fitBits } from '../helpers/fit-bits.mjs';

const oneThreadSuite = process.env.SIMDNET_THREADS === '1';

function randomTensor(r, shape) {
  return sn.tensor(Float32Array.from(r.array(sizeOf(shape))), shape);
}

/** conv2d (and dense) cases: each splits its forward, dx and dw/db between threads. */
const CONV_CASES = [
  // dw and db summed over groups of output rows, dx by images, fused bias + ReLU
  { x: [6, 14, 14, 8], w: [3, 3, 8, 20], options: { padding: 'same', activation: 'relu', bias: true } },
  // few input channels (row taps, padded copy), grouped dw with cout <= 8
  { x: [5, 20, 20, 3], w: [5, 5, 3, 6], options: { padding: 'same', bias: true } },
  // too few rows for groups: dw split by 8-column panels
  { x: [1, 23, 19, 16], w: [3, 3, 16, 24], options: { padding: 'same', bias: true } },
  // too few rows for groups and cout <= 8: dw split by taps
  { x: [5, 14, 14, 16], w: [5, 5, 16, 6], options: { bias: true } },
  // fewer images than threads: dx by bands of rows (above: one image; here row taps on a padded copy)
  { x: [2, 40, 36, 3], w: [5, 5, 3, 8], options: { padding: 'same', activation: 'relu', bias: true } },
  // strided, dilated, explicit padding
  {
    x: [4, 17, 17, 16],
    w: [3, 3, 16, 12],
    options: {
      strides: 2,
      dilation: [1, 2],
      padding: [
        [1, 0],
        [2, 1],
      ],
    },
  },
  // 1x1 over every pixel (plain GEMMs)
  { x: [4, 16, 16, 32], w: [1, 1, 32, 40], options: { bias: true } },
];

/** Every output and gradient of the cases, as bit lists, computed with the threads now in use. */
function computeAll() {
  const r = rng(11);
  const out = {};
  CONV_CASES.forEach((c, i) => {
    sn.tidy(() => {
      const x = randomTensor(r, c.x);
      const w = randomTensor(r, c.w);
      const b = c.options.bias ? randomTensor(r, [c.w[3]]) : null;
      const options = { ...c.options, bias: undefined };
      const f = (x, w, b) => sn.conv2d(x, w, { ...options, ...(b ? { bias: b } : {}) });
      const y = f(x, w, b);
      const dy = randomTensor(r, y.shape);
      const grads = sn.grads(f)(b ? [x, w, b] : [x, w], dy);
      out[`conv${i} y`] = bitsOf(y);
      grads.forEach((g, j) => (out[`conv${i} d${['x', 'w', 'b'][j]}`] = bitsOf(g)));
    });
  });
  // dense + ReLU forward and gradients on [m, 300] x [300, n]: many rows split by row tiles; few rows and
  // many columns (with a partial last panel) split by column panels.
  const dense = (name, m, n) =>
    sn.tidy(() => {
      const x = randomTensor(r, [m, 300]);
      const w = randomTensor(r, [300, n]);
      const b = randomTensor(r, [n]);
      const f = (x, w, b) => sn.dense(x, w, b, 'relu');
      const dy = randomTensor(r, [m, n]);
      out[`${name} y`] = bitsOf(f(x, w, b));
      sn.grads(f)([x, w, b], dy).forEach((g, j) => (out[`${name} d${j}`] = bitsOf(g)));
    });
  dense('dense', 64, 50);
  dense('wide dense', 20, 203);
  // Pooling (split by images), elementwise ops and optimizer updates (split by 16-float blocks): big
  // enough for 4 threads, with an odd size so the last range has a scalar tail.
  sn.tidy(() => {
    const x = randomTensor(r, [8, 40, 40, 49]);
    const pools = {
      max: (x) => sn.maxPool2d(x, { poolSize: 3, strides: 1, padding: 'same' }),
      avg: (x) => sn.avgPool2d(x, { poolSize: 3, strides: 2, padding: 'same' }),
    };
    for (const [name, f] of Object.entries(pools)) {
      const y = f(x);
      out[`${name}Pool y`] = bitsOf(y);
      out[`${name}Pool dx`] = bitsOf(sn.grads(f)([x], randomTensor(r, y.shape))[0]);
    }
    const big = randomTensor(r, [700_001]);
    const other = randomTensor(r, [700_001]);
    out['add'] = bitsOf(sn.add(big, other));
    const f = (a) => sn.sigmoid(sn.mul(a, other));
    out['sigmoid(a*b)'] = bitsOf(f(big));
    out['d sigmoid(a*b)'] = bitsOf(sn.grads(f)([big])[0]);
    for (const [name, opt] of [
      ['adam', sn.train.adam({ learningRate: 0.01 })],
      ['sgd', sn.train.sgd({ learningRate: 0.01, momentum: 0.9, nesterov: true })],
    ]) {
      const v = sn.variable(big, { name: `threads_test_${name}_${++variables}` });
      for (let step = 0; step < 2; step++) opt.applyGradients({ [v.name]: other });
      out[`${name} update`] = bitsOf(v);
      v.dispose();
    }
  });
  return out;
}
let variables = 0;

/** Trained weights after a few Adam steps of a small CNN. */
async function trainAll() {
  const model = sn.sequential({
    seed: 3,
    layers: [
      sn.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [16, 16, 3] }),
      sn.layers.maxPooling2d({ poolSize: 2 }),
      sn.layers.conv2d({ filters: 24, kernelSize: 3, activation: 'relu', padding: 'same' }),
      sn.layers.flatten(),
      sn.layers.dense({ units: 10 }),
    ],
  });
  return fitBits(model, { shape: [16, 16, 3], n: 32, batchSize: 16, seed: 4, step: 7 });
}

test('ready({ threads }) sets the threads in use; results are bit-identical for 1, 2, 3 and 4 threads', async () => {
  if (oneThreadSuite) return; // this suite loaded the kernels without shared memory: no workers to compare
  const reference = {};
  for (const threads of [1, 2, 3, 4]) {
    await sn.ready({ threads });
    const info = sn.backendInfo();
    assert.is(info.threads, threads, 'backendInfo().threads');
    assert.is(info.threadsUnavailable, undefined);
    const results = { ...computeAll(), ...(await trainAll()) };
    for (const [name, bits] of Object.entries(results)) {
      if (threads === 1) reference[name] = bits;
      else assertSameBits(bits, reference[name], `${threads} threads, ${name}`);
    }
  }
  await sn.ready({ threads: 'auto' });
});

test('ready: a bad threads option names the option', () => {
  for (const bad of [0, -1, 1.5, 'all', null]) {
    assert.throws(() => sn.ready({ threads: bad }), /ready: option 'threads' must be 'auto' or an integer >= 1; got/);
  }
});

test('backendInfo reports threads; a suite started on one thread says why it cannot add more', async () => {
  const info = sn.backendInfo();
  assert.ok(Number.isInteger(info.threads) && info.threads >= 1);
  if (!oneThreadSuite) return;
  await sn.ready({ threads: 2 });
  assert.is(sn.backendInfo().threads, 1);
  assert.match(sn.backendInfo().threadsUnavailable, /loaded for one thread/);
  await sn.ready({ threads: 1 });
});

test('a kernel failing in a worker throws an Error in the caller, and the pool keeps working', async () => {
  const { bundleSimdnet } = await import('../../bench/simdnet-bundle.mjs');
  const internals = await import(await bundleSimdnet());
  await internals.ready({ threads: 2 });
  if (internals.backendInfo().threads < 2) return; // no shared memory here (reported by the test above)
  const t = internals.zeros([64]);
  const ok = ['gemmReluMask', t.offset, t.offset, t.offset, 16];
  // A pointer far beyond the memory's end: the kernel traps. Tasks go to whichever thread claims them
  // first, so the bad one runs on a worker most of the time, on the caller sometimes: both must throw.
  const bad = ['gemmReluMask', 0xfff00000, 0xfff00000, 0xfff00000, 64];
  // The caller's own task takes milliseconds, time for a sleeping worker to wake and claim the other.
  const big = internals.zeros([1 << 20]);
  const slow = Array.from({ length: 20 }, () => ['gemmReluMask', big.offset, big.offset, big.offset, big.size]);
  let inWorker = 0;
  for (let i = 0; i < 30 && inWorker < 3; i++) {
    try {
      internals.runParallel([slow, [bad]]);
      assert.unreachable('runParallel did not throw');
    } catch (e) {
      assert.instance(e, Error);
      assert.match(e.message, /memory access out of bounds/);
      if (/worker thread 1: RuntimeError/.test(e.message)) inWorker++;
    }
  }
  assert.ok(inWorker > 0, 'the failing task never ran on a worker');
  internals.runParallel([[ok], [ok]]);
  const y = internals.conv2d(internals.ones([2, 9, 9, 4]), internals.ones([3, 3, 4, 8]));
  assert.is(y.dataSync()[0], 36);
  internals.dispose();
  assert.is(internals.backendInfo().threads, 1);
});

test('a worker that stops between ops: the pool goes back to one thread and says why; ready() restarts it', async () => {
  const { bundleSimdnet } = await import('../../bench/simdnet-bundle.mjs');
  const internals = await import(await bundleSimdnet());
  await internals.ready({ threads: 3 });
  if (internals.backendInfo().threads < 3) return; // no shared memory here (reported by the test above)
  const x = internals.randomNormal([8, 20, 20, 16], { seed: 1 });
  const w = internals.randomNormal([3, 3, 16, 32], { seed: 2 });
  const before = internals.conv2d(x, w);
  const expected = before.dataSync().slice();
  before.dispose();
  internals.workerHandles()[1].terminate();
  // The exit arrives as an event, between ops.
  for (let i = 0; i < 200 && internals.backendInfo().threads > 1; i++) await new Promise((r) => setTimeout(r, 10));
  assert.is(internals.backendInfo().threads, 1);
  assert.match(internals.backendInfo().threadsUnavailable, /worker thread 2 stopped \(it exited with code \d+\)/);
  const y = internals.conv2d(x, w);
  assert.equal(y.dataSync(), expected);
  y.dispose();
  await internals.ready({ threads: 3 });
  assert.is(internals.backendInfo().threads, 3);
  assert.is(internals.backendInfo().threadsUnavailable, undefined);
  const z = internals.conv2d(x, w);
  assert.equal(z.dataSync(), expected);
  internals.dispose([x, w, z]);
  internals.dispose();
});

test.run();
