// The progress display of fit (pure renderers, and when/where EpochProgress draws) and the training-curve
// SVG.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertThrowsMessage } from '../helpers/compare.mjs';

const P = sn.progress;
const ESC = '\x1b';

test('the bar: "=" for done steps, ">" at the head, "." for the rest, 30 wide', () => {
  assert.is(P.renderBar(0, 10), '[' + '.'.repeat(30) + ']');
  assert.is(P.renderBar(5, 10), '[' + '='.repeat(14) + '>' + '.'.repeat(15) + ']');
  assert.is(P.renderBar(10, 10), '[' + '='.repeat(30) + ']');
  assert.is(P.renderBar(1, 100), '[' + '.'.repeat(30) + ']');
  assert.is(P.renderBar(3, 4, 8), '[=====>..]');
});

test('ETA, time per step and logs are formatted as Keras does', () => {
  assert.is(P.formatEta(12.4), '12s');
  assert.is(P.formatEta(187), '3:07');
  assert.is(P.formatEta(3723), '1:02:03');
  assert.is(P.formatTimePerStep(0.004), '4ms/step');
  assert.is(P.formatTimePerStep(2.2), '2s/step');
  assert.is(P.formatTimePerStep(0.00035), '350us/step');
  assert.is(P.formatLogs({ loss: 0.51234, acc: 0.8 }), ' - loss: 0.5123 - acc: 0.8000');
  assert.is(P.formatLogs({ loss: 0.00012345 }), ' - loss: 1.2345e-4');
});

test('a running line and the final line of an epoch', () => {
  const running = P.renderProgressLine({
    current: 312,
    total: 1875,
    elapsed: 1.248,
    logs: { loss: 0.5123, acc: 0.8121 },
  });
  assert.is(running, ' 312/1875 [===>' + '.'.repeat(26) + '] - ETA: 6s - 4ms/step - loss: 0.5123 - acc: 0.8121');
  const final = P.renderFinalLine({
    current: 1875,
    total: 1875,
    elapsed: 9.4,
    logs: { loss: 0.4, acc: 0.85, val_loss: 0.45, val_acc: 0.83 },
  });
  assert.is(
    final,
    '1875/1875 [' +
      '='.repeat(30) +
      '] - 9s 5ms/step - loss: 0.4000 - acc: 0.8500 - val_loss: 0.4500 - val_acc: 0.8300',
  );
  assert.is(
    P.renderEpochSummary({ current: 10, total: 10, elapsed: 61, logs: { loss: 1 } }),
    '10/10 - 1:01 - 6s/step - loss: 1.0000',
  );
  // Validation time counts in the epoch's time but not in the time per training step.
  assert.match(
    P.renderFinalLine({ current: 10, total: 10, elapsed: 3, trainElapsed: 1, logs: {} }),
    / - 3s 100ms\/step$/,
  );
});

/** A fake output and clock: records writes; time moves only when the test says. */
function fakeOutput(isTTY) {
  const writes = [];
  let t = 0;
  return { output: { isTTY, write: (s) => writes.push(s) }, writes, clock: () => t, advance: (ms) => (t += ms) };
}

test('on a terminal: redrawn in place with \\r at most every 50 ms, then a newline; no escape codes', () => {
  const { output, writes, clock, advance } = fakeOutput(true);
  const p = new P.EpochProgress(output, 1, 100, clock);
  p.begin(0, 5);
  for (let step = 1; step <= 100; step++) {
    advance(10);
    p.update(step, step * 0.01, { loss: 1 / step });
  }
  p.end(1, { loss: 0.01, val_loss: 0.02 });
  assert.is(writes[0], 'Epoch 1/5\n');
  const draws = writes.slice(1, -1);
  assert.ok(draws.length >= 19 && draws.length <= 22, `${draws.length} redraws for 100 steps at 10 ms each`);
  assert.ok(
    draws.every((d) => d.startsWith('\r')),
    'each redraw returns to the line start',
  );
  assert.match(draws[0], /^\r  1\/100 \[\.{30}\] - ETA: 1s - 10ms\/step - loss: 1\.0000/);
  assert.is(writes[writes.length - 1], '\n');
  assert.match(writes[writes.length - 2], /^\r100\/100 \[={30}\] - 1s 10ms\/step - loss: 0\.0100 - val_loss: 0\.0200/);
  assert.not.ok(writes.join('').includes(ESC));
});

test('a shorter redraw is padded with spaces to wipe the longer line before it', () => {
  const { output, writes, clock, advance } = fakeOutput(true);
  const p = new P.EpochProgress(output, 1, 3, clock);
  p.begin(0, 1);
  p.update(1, 0.1, { loss: 1, acc: 0.5, extra: 0.25 });
  advance(100);
  p.update(2, 0.2, { loss: 1 });
  const [first, second] = writes.slice(1);
  assert.is(second.length, first.length, 'padded to the previous width');
  assert.ok(second.endsWith(' '));
});

test('on a narrow terminal a redrawn line is cut to the width, so that it never wraps', () => {
  const { output, writes, clock } = fakeOutput(true);
  output.columns = 40;
  const p = new P.EpochProgress(output, 1, 10, clock);
  p.begin(0, 1);
  p.update(1, 0.1, { loss: 1, acc: 0.5 });
  p.end(1, { loss: 1, acc: 0.5 });
  assert.is(
    writes[1],
    '\r' + P.renderProgressLine({ current: 1, total: 10, elapsed: 0.1, logs: { loss: 1, acc: 0.5 } }).slice(0, 39),
  );
  assert.is(writes[2].length, 40, 'the final line too (\r + 39 characters)');
});

test('elsewhere (a log file, CI): plain lines at every 10% and a final line, no \\r', () => {
  const { output, writes, clock } = fakeOutput(false);
  const p = new P.EpochProgress(output, 1, 100, clock);
  p.begin(1, 3);
  for (let step = 1; step <= 100; step++) p.update(step, step * 0.02, { loss: 0.5 });
  p.end(2, { loss: 0.5 });
  assert.is(writes[0], 'Epoch 2/3\n');
  const lines = writes.slice(1);
  assert.is(lines.length, 10, lines.join(''));
  assert.match(lines[0], /^ 10\/100 \[==>\.+\] - ETA: 2s - 20ms\/step - loss: 0\.5000\n$/);
  assert.match(lines[8], /^ 90\/100 /);
  assert.match(lines[9], /^100\/100 \[={30}\] - 2s 20ms\/step - loss: 0\.5000\n$/);
  assert.not.ok(writes.join('').includes('\r') || writes.join('').includes(ESC));
});

test('verbose 2: one line per epoch', () => {
  const { output, writes, clock } = fakeOutput(true);
  const p = new P.EpochProgress(output, 2, 50, clock);
  p.begin(0, 2);
  for (let step = 1; step <= 50; step++) p.update(step, step * 0.1, { loss: 0.5 });
  p.end(5, { loss: 0.5, acc: 0.9 });
  assert.equal(writes, ['Epoch 1/2\n', '50/50 - 5s - 100ms/step - loss: 0.5000 - acc: 0.9000\n']);
});

// ---- fit's output ----

function opsReady() {
  try {
    sn.tidy(() => {
      sn.dense(sn.zeros([1, 1]), sn.zeros([1, 1]));
      sn.softmaxCrossEntropy(sn.zeros([1, 2]), sn.tensor([0], [1], 'int32'));
      sn.train.sgd().dispose();
    });
    return true;
  } catch (e) {
    if (/not implemented/.test(e.message)) return false;
    throw e;
  }
}
const withOps = opsReady() ? test : test.skip;

withOps('fit writes Keras-style progress to its output; verbose 0 writes nothing', async () => {
  const x = sn.tensor(
    Float32Array.from({ length: 200 }, (_, i) => (i % 2 ? 1 : -1) * (1 + (i % 7) / 7)),
    [100, 2],
  );
  const y = sn.tensor(
    Int32Array.from({ length: 100 }, (_, i) => (i % 2 ? 1 : 0)),
    [100],
    'int32',
  );
  const m = sn.sequential({ seed: 1, layers: [sn.layers.dense({ units: 2, inputShape: [2] })] });
  m.compile({
    optimizer: 'sgd',
    loss: sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    metrics: ['accuracy'],
  });
  const writes = [];
  await m.fit(x, y, {
    epochs: 2,
    batchSize: 10,
    validationSplit: 0.2,
    output: { isTTY: false, write: (s) => writes.push(s) },
  });
  const text = writes.join('');
  assert.match(text, /^Epoch 1\/2\n/);
  assert.match(text, /\nEpoch 2\/2\n/);
  assert.match(
    text,
    /\n8\/8 \[={30}\] - \d+s \d+(us|ms)\/step - loss: \d\.\d{4} - acc: \d\.\d{4} - val_loss: \d\.\d{4} - val_acc: \d\.\d{4}\n$/,
  );
  assert.not.ok(text.includes('\r') || text.includes(ESC));
  const quiet = [];
  await m.fit(x, y, { epochs: 1, verbose: 0, output: { isTTY: false, write: (s) => quiet.push(s) } });
  assert.is(quiet.length, 0);
  const two = [];
  await m.fit(x, y, { epochs: 2, batchSize: 10, verbose: 2, output: { isTTY: true, write: (s) => two.push(s) } });
  assert.is(two.length, 4);
  assert.match(two[1], /^10\/10 - \d+s - \d+(us|ms)\/step - loss: /);
  m.dispose();
  x.dispose();
  y.dispose();
});

// ---- training curves ----

/** Checks that every element opened is closed in order (enough to catch a broken SVG string). */
function assertBalanced(svg) {
  const stack = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (closing) assert.is(stack.pop(), name, `closing </${name}>`);
    else stack.push(name);
  }
  assert.equal(stack, []);
}

const sample = {
  epoch: [0, 1, 2, 3, 4],
  history: {
    loss: [0.52, 0.34, 0.29, 0.26, 0.24],
    acc: [0.81, 0.876, 0.893, 0.903, 0.911],
    val_loss: [0.38, 0.32, 0.3, 0.28, 0.27],
    val_acc: [0.862, 0.883, 0.891, 0.9, 0.904],
  },
};

test('training curves: an SVG with a loss and an accuracy panel, train and validation, ticks and legend', () => {
  const svg = sn.plot.trainingCurvesSvg(sample, { title: 'Fashion-MNIST <CNN>' });
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="920" height="386"/);
  assertBalanced(svg);
  assert.ok(svg.includes('>Loss</text>') && svg.includes('>Accuracy</text>'));
  assert.ok(svg.includes('Fashion-MNIST &lt;CNN&gt;'), 'text is escaped');
  assert.is((svg.match(/<path d="M[^"]*L/g) || []).length, 4, 'four polylines: loss, val_loss, acc, val_acc');
  assert.is((svg.match(/stroke-dasharray/g) || []).length, 3, 'validation curves (and their legend line) are dashed');
  assert.is((svg.match(/>training<\/text>/g) || []).length, 1, 'one legend for both panels');
  assert.is((svg.match(/>validation<\/text>/g) || []).length, 1);
  for (const e of [1, 2, 3, 4, 5]) assert.ok(svg.includes(`>${e}</text>`), `epoch tick ${e}`);
  assert.ok(svg.includes('>Epoch</text>'));
  for (const tick of ['0.800', '0.825', '0.900', '0.925'])
    assert.ok(svg.includes(`>${tick}</text>`), `accuracy tick ${tick}`);
  for (const tick of ['0.2', '0.6']) assert.ok(svg.includes(`>${tick}</text>`), `loss tick ${tick}`);
  assert.not.ok(/NaN|Infinity|undefined/.test(svg));
  assert.ok(svg.includes('training accuracy, epoch 5: 0.9110'), 'points carry their values as tooltips');
  const renamed = sn.plot.trainingCurvesSvg(sample, { validationLabel: 'test' });
  assert.ok(renamed.includes('>test</text>') && !renamed.includes('>validation</text>'));
});

test('training curves: one epoch, no validation, missing values and bad input', () => {
  const one = sn.plot.trainingCurvesSvg({ history: { loss: [0.7] } });
  assertBalanced(one);
  assert.not.ok(/NaN|Infinity/.test(one));
  assert.ok(one.includes('>Loss</text>') && !one.includes('>Accuracy</text>'));
  assert.not.ok(one.includes('>validation</text>'));
  const gap = sn.plot.trainingCurvesSvg({ history: { loss: [1, NaN, 0.5, 0.4] } });
  assert.not.ok(/NaN/.test(gap));
  assert.is((gap.match(/<path d="M[^"]*"/g) || []).length - 1, 1, 'a broken line (the axis path is the other)');
  assert.match(gap, /<path d="M[\d.]+,[\d.]+M[\d.]+,[\d.]+L/, 'the line restarts after the missing value');
  assertThrowsMessage(() => sn.plot.trainingCurvesSvg({ history: {} }), /the history has no epochs to plot/);
  assertThrowsMessage(() => sn.plot.trainingCurvesSvg([1, 2]), /argument 'history' must be the History from model.fit/);
});

test.run();
