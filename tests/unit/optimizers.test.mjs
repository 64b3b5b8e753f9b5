import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertClose, assertThrowsMessage } from '../helpers/compare.mjs';
import { rng, sizeOf } from '../helpers/random.mjs';
import { adamStepRef, sgdStepRef } from '../helpers/reference-pointwise.mjs';

let counter = 0;
/** Fresh variables with unique names (the registry is global to the process). */
function makeVariables(r, shapes) {
  return shapes.map((shape) => {
    const init = sn.tensor(r.array(sizeOf(shape), -1, 1), shape);
    const v = sn.variable(init, { name: `opt_test_${++counter}` });
    init.dispose();
    return v;
  });
}

function disposeAll(vars) {
  for (const v of vars) v.dispose();
}

/**
 * Runs `steps` updates with random gradients through the optimizer and through the float64 reference
 * step, and compares parameters (and slots) after every step.
 */
function compareWithReference({
  makeOptimizer,
  refStep,
  slotsOf,
  seed,
  steps = 10,
  shapes = [[3, 5], [7], [2, 2, 3], [1]],
}) {
  const r = rng(seed);
  const vars = makeVariables(r, shapes);
  const opt = makeOptimizer();
  const ref = vars.map((v) => ({ p: Float64Array.from(v.dataSync()), state: {} }));
  for (let step = 1; step <= steps; step++) {
    sn.tidy(() => {
      const grads = {};
      vars.forEach((v, i) => {
        const g = sn.tensor(r.array(v.size, -2, 2), v.shape.slice());
        grads[v.name] = g;
        // The reference sees the float32 gradient the kernel sees.
        refStep(ref[i].p, Float64Array.from(g.dataSync()), ref[i].state, step);
      });
      opt.applyGradients(grads);
    });
    assert.is(opt.iterations, step);
    vars.forEach((v, i) =>
      assertClose(v.dataSync(), ref[i].p, 1e-5, `step ${step}, variable ${v.name} ${JSON.stringify(v.shape)}`),
    );
  }
  const state = opt.getState();
  vars.forEach((v, i) => {
    for (const [slot, expected] of Object.entries(slotsOf(ref[i].state))) {
      assertClose(state.slots[v.name][slot].data, expected, 1e-5, `slot ${slot} of ${v.name}`);
    }
  });
  opt.dispose();
  disposeAll(vars);
}

const SGD_CASES = [
  ['plain', {}],
  ['plain, lr 0.1', { learningRate: 0.1 }],
  ['momentum 0.9', { learningRate: 0.05, momentum: 0.9 }],
  ['nesterov', { learningRate: 0.05, momentum: 0.8, nesterov: true }],
  ['weight decay', { learningRate: 0.1, weightDecay: 0.05 }],
  ['momentum, nesterov and weight decay', { learningRate: 0.03, momentum: 0.7, nesterov: true, weightDecay: 0.2 }],
];

SGD_CASES.forEach(([label, options], k) => {
  test(`sgd (${label}): 10 steps match a float64 reference of Keras's rule`, () => {
    compareWithReference({
      makeOptimizer: () => sn.train.sgd(options),
      refStep: (p, g, state) => sgdStepRef(p, g, state, options),
      slotsOf: (state) => (state.velocity ? { momentum: state.velocity } : {}),
      seed: 700 + k,
    });
  });
});

const ADAM_CASES = [
  ['defaults', {}],
  ['lr 0.01, beta1 0.8, beta2 0.99, epsilon 1e-3', { learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-3 }],
  ['weight decay', { learningRate: 0.02, weightDecay: 0.1 }],
];

ADAM_CASES.forEach(([label, options], k) => {
  test(`adam (${label}): 10 steps match a float64 reference with bias correction`, () => {
    compareWithReference({
      makeOptimizer: () => sn.train.adam(options),
      refStep: (p, g, state, t) => adamStepRef(p, g, state, t, options),
      slotsOf: (state) => ({ momentum: state.m, velocity: state.v }),
      seed: 800 + k,
    });
  });
});

test('the first Adam step moves every parameter by about learningRate (the bias correction at work)', () => {
  const r = rng(1);
  const [v] = makeVariables(r, [[9]]);
  const before = v.dataSync();
  const opt = sn.train.adam({ learningRate: 0.01 });
  opt.applyGradients({ [v.name]: sn.tensor(r.array(9, 0.5, 2)) });
  const after = v.dataSync();
  for (let i = 0; i < 9; i++)
    assert.ok(Math.abs(before[i] - after[i] - 0.01) < 1e-6, `moved by ${before[i] - after[i]}`);
  opt.dispose();
  v.dispose();
});

test("defaults are Keras's", () => {
  const s = sn.train.sgd();
  assert.equal(s.getConfig(), { className: 'SGD', learningRate: 0.01, momentum: 0, nesterov: false, weightDecay: 0 });
  const a = sn.train.adam();
  assert.equal(a.getConfig(), {
    className: 'Adam',
    learningRate: 0.001,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-7,
    weightDecay: 0,
  });
  assert.equal(s.slotNames, []);
  assert.equal(sn.train.sgd({ momentum: 0.5 }).slotNames, ['momentum']);
  assert.equal(a.slotNames, ['momentum', 'velocity']);
});

test('applyGradients takes variableGrads output, and the array form gives the same update', () => {
  const [w1, w2, s] = sn.tidy(() => [
    sn.variable(sn.tensor([1.5, -2, 0.5]), { name: `opt_test_${++counter}` }),
    sn.variable(sn.tensor([1.5, -2, 0.5]), { name: `opt_test_${++counter}` }),
    sn.variable(sn.scalar(3), { name: `opt_test_${++counter}` }),
  ]);
  const opt = sn.train.sgd({ learningRate: 0.1, momentum: 0.5 });
  const start = sn.memory().numTensors;
  sn.tidy(() => {
    // loss = 2 * s * s: dloss/ds = 4 s = 12.
    const { grads } = sn.variableGrads(() => sn.mul(sn.mul(s, s), sn.scalar(2)), [s]);
    assert.equal(Object.keys(grads), [s.name]);
    opt.applyGradients(grads);
  });
  assertClose([s.dataSync()[0]], [3 - 0.1 * 12], 1e-7, 'scalar variable after one step');
  const g = sn.tensor([1, 2, 3]);
  opt.applyGradients({ [w1.name]: g });
  opt.applyGradients([{ name: w2.name, tensor: g }]);
  assert.equal(Array.from(w1.dataSync()), Array.from(w2.dataSync()));
  assert.ok(w1.version > 0, 'markChanged bumps the version');
  g.dispose();
  opt.dispose();
  assert.is(sn.memory().numTensors, start, 'the momentum slots are freed by dispose');
  disposeAll([w1, w2, s]);
});

test('numTensors stays flat over 100 applyGradients calls inside tidy, and dispose frees the slots', () => {
  const r = rng(9);
  const start = sn.memory().numTensors;
  const vars = makeVariables(r, [[4, 3], [5]]);
  for (const make of [() => sn.train.sgd({ momentum: 0.9 }), () => sn.train.adam()]) {
    const opt = make();
    let afterFirst = -1;
    for (let i = 0; i < 100; i++) {
      sn.tidy(() => {
        const grads = Object.fromEntries(vars.map((v) => [v.name, sn.randomNormal(v.shape.slice(), { seed: i })]));
        opt.applyGradients(grads);
      });
      if (i === 0) afterFirst = sn.memory().numTensors;
      else assert.is(sn.memory().numTensors, afterFirst, `after call ${i + 1}`);
    }
    assert.is(afterFirst, start + vars.length + vars.length * opt.slotNames.length, 'one tensor per slot per variable');
    opt.dispose();
    assert.is(sn.memory().numTensors, start + vars.length);
    assertThrowsMessage(() => opt.applyGradients({}), /has been disposed/);
  }
  disposeAll(vars);
  assert.is(sn.memory().numTensors, start);
});

test('a bad name, shape or dtype is an error before any variable changes', () => {
  const r = rng(10);
  const [a, b, frozen] = makeVariables(r, [[3], [2, 2], [2]]);
  frozen.trainable = false;
  const snapshot = () => [a, b, frozen].map((v) => Array.from(v.dataSync()));
  for (const make of [() => sn.train.sgd({ momentum: 0.9 }), () => sn.train.adam()]) {
    const opt = make();
    const before = snapshot();
    const ga = sn.ones([3]);
    const gb = sn.ones([2, 2]);
    const bad = [
      [{ [a.name]: ga, nope: gb }, /applyGradients: there is no live variable named 'nope'/],
      [
        { [a.name]: ga, [b.name]: sn.ones([4]) },
        new RegExp(`the gradient for variable '${b.name}' has shape \\[4\\]; the variable has shape \\[2,2\\]`),
      ],
      [{ [a.name]: ga, [b.name]: sn.tensor([1, 2, 3, 4], [2, 2], 'int32') }, /must have dtype float32; got int32/],
      [
        { [a.name]: ga, [b.name]: [1, 2, 3, 4] },
        /argument 'grads\['opt_test_\d+'\]' must be a Tensor; got array of length 4/,
      ],
      [
        [
          { name: a.name, tensor: ga },
          { name: a.name, tensor: ga },
        ],
        /variable 'opt_test_\d+' has more than one gradient/,
      ],
      [
        [{ name: a.name, tensor: ga }, { tensor: gb }],
        /argument 'grads\[1\]' must be an object \{ name: string, tensor: Tensor \}/,
      ],
      [{ [a.name]: ga, [frozen.name]: sn.ones([2]) }, /is not trainable/],
      [ga, /argument 'grads' must be an object/],
      [null, /argument 'grads' must be an object/],
    ];
    for (const [grads, pattern] of bad) {
      assertThrowsMessage(() => opt.applyGradients(grads), pattern);
      assert.equal(snapshot(), before, `nothing changed after ${pattern}`);
      assert.is(opt.iterations, 0);
    }
    // A disposed variable's name is unknown.
    const [gone] = makeVariables(r, [[1]]);
    const goneName = gone.name;
    gone.dispose();
    assertThrowsMessage(() => opt.applyGradients({ [goneName]: sn.ones([1]) }), /no live variable named/);
    // Null gradients are skipped.
    opt.applyGradients({ [a.name]: ga, [b.name]: null });
    assert.equal(snapshot()[1], before[1]);
    assert.not.equal(snapshot()[0], before[0]);
    opt.dispose();
  }
  disposeAll([a, b, frozen]);
});

test('options are checked: unknown keys, types and ranges', () => {
  assertThrowsMessage(
    () => sn.train.sgd({ lr: 0.1 }),
    /sgd: unknown option 'lr'; the options are 'learningRate', 'momentum', 'nesterov', 'weightDecay'/,
  );
  assertThrowsMessage(
    () => sn.train.sgd({ momentum: -0.1 }),
    /sgd: option 'momentum' must be a finite number >= 0 and <= 1; got -0.1/,
  );
  assertThrowsMessage(() => sn.train.sgd({ nesterov: 1 }), /sgd: option 'nesterov' must be true or false; got 1/);
  assertThrowsMessage(
    () => sn.train.sgd({ learningRate: NaN }),
    /option 'learningRate' must be a finite number >= 0; got NaN/,
  );
  assertThrowsMessage(
    () => sn.train.adam({ beta1: 1 }),
    /adam: option 'beta1' must be a finite number >= 0 and < 1; got 1/,
  );
  assertThrowsMessage(
    () => sn.train.adam({ epsilon: '1e-7' }),
    /adam: option 'epsilon' must be a finite number >= 0; got "1e-7"/,
  );
  assertThrowsMessage(() => sn.train.adam(5), /adam: argument 'options' must be an object; got 5/);
  const opt = sn.train.sgd();
  opt.learningRate = 0.5;
  assert.is(opt.learningRate, 0.5);
  assertThrowsMessage(() => (opt.learningRate = -1), /learningRate' must be a finite number >= 0; got -1/);
});

test('the learning rate can change between steps (a schedule)', () => {
  const v = sn.tidy(() => sn.variable(sn.tensor([1, 1]), { name: `opt_test_${++counter}` }));
  const opt = sn.train.sgd({ learningRate: 0.1 });
  const g = sn.tensor([1, -1]);
  opt.applyGradients({ [v.name]: g });
  opt.learningRate = 0.01;
  opt.applyGradients({ [v.name]: g });
  assertClose(v.dataSync(), [1 - 0.11, 1 + 0.11], 1e-6, 'after two steps');
  g.dispose();
  v.dispose();
});

test('getState/setState: a restored optimizer continues exactly like the original', () => {
  const r = rng(11);
  for (const make of [
    () => sn.train.adam({ learningRate: 0.05 }),
    () => sn.train.sgd({ momentum: 0.9, nesterov: true }),
  ]) {
    const [a, b] = makeVariables(r, [[3, 3], [5]]);
    const grads = Array.from({ length: 5 }, () => ({
      [a.name]: sn.tensor(r.array(9), [3, 3]),
      [b.name]: sn.tensor(r.array(5)),
    }));
    const first = make();
    for (let i = 0; i < 3; i++) first.applyGradients(grads[i]);
    const state = first.getState();
    assert.is(state.iterations, 3);
    assert.equal(Object.keys(state.slots).sort(), [a.name, b.name].sort());
    const saved = [a, b].map((v) => v.dataSync());
    for (let i = 3; i < 5; i++) first.applyGradients(grads[i]);
    const expected = [a, b].map((v) => Array.from(v.dataSync()));
    // Rewind the variables, restore the optimizer from the saved state, replay the last two steps.
    a.assign(sn.tensor(saved[0], [3, 3]));
    b.assign(sn.tensor(saved[1]));
    const second = make();
    second.setState(state);
    assert.is(second.iterations, 3);
    for (let i = 3; i < 5; i++) second.applyGradients(grads[i]);
    assert.equal(
      [a, b].map((v) => Array.from(v.dataSync())),
      expected,
    );
    // getState returns copies: changing them changes nothing.
    state.slots[a.name][first.slotNames[0]].data.fill(123);
    assert.not.ok(second.getState().slots[a.name][first.slotNames[0]].data.includes(123));
    first.dispose();
    second.dispose();
    for (const g of grads) for (const t of Object.values(g)) t.dispose();
    disposeAll([a, b]);
  }
});

test('setState checks names, shapes and sizes before changing anything', () => {
  const r = rng(12);
  const [a] = makeVariables(r, [[2, 3]]);
  const opt = sn.train.adam();
  opt.applyGradients({ [a.name]: sn.ones([2, 3]) });
  const before = opt.getState();
  const slot = (shape, n) => ({ shape, data: new Float32Array(n) });
  assertThrowsMessage(
    () => opt.setState({ slots: { [a.name]: { momentum: slot([2, 3], 6), speed: slot([2, 3], 6) } } }),
    /unknown slot 'speed'; this optimizer's slots are 'momentum', 'velocity'/,
  );
  assertThrowsMessage(
    () => opt.setState({ slots: { [a.name]: { momentum: slot([2, 3], 6) } } }),
    /slots\['opt_test_\d+'\]\['velocity'\] must be a Tensor or \{ shape, data \}; got undefined/,
  );
  assertThrowsMessage(
    () => opt.setState({ slots: { [a.name]: { momentum: slot([3, 2], 6), velocity: slot([3, 2], 6) } } }),
    /has shape \[3,2\]; variable 'opt_test_\d+' has shape \[2,3\]/,
  );
  assertThrowsMessage(
    () => opt.setState({ slots: { [a.name]: { momentum: slot([2, 3], 5), velocity: slot([2, 3], 6) } } }),
    /has shape \[2,3\] \(size 6\) but 5 values/,
  );
  assertThrowsMessage(() => opt.setState({ iterations: -1 }), /'iterations' must be a non-negative integer; got -1/);
  assert.equal(opt.getState(), before);
  opt.dispose();
  a.dispose();
});

test.run();
