// Property-based tests over the public API (issue 10): random valid and invalid arguments for every op,
// layer option, optimizer option and creation function. Each call must either return a correct result or
// throw an Error that names the function, and memory() must be the same afterwards (nothing leaked, no
// half-made tensor). Seeded, so a failure is reproducible from the seed fast-check prints.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { sn } from '../helpers/setup.mjs';

const SEED = 20261129;
const RUNS = 120;

// ---- arbitraries ----

/** Values a hostile or careless caller passes where a number, shape or option is expected. */
const oddValue = fc.oneof(
  fc.integer({ min: -3, max: 9 }),
  fc.constantFrom(0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 24 + 1, 2 ** 31, 2 ** 32, -(2 ** 31), Number.MAX_VALUE),
  fc.constantFrom('same', 'valid', 'relu', 'linear', 'float32', 'int32', '', 'constructor', 'toString', '__proto__'),
  fc.constantFrom(null, undefined, true, false, {}, [], () => 1, 5n),
  fc.array(fc.integer({ min: -2, max: 6 }), { maxLength: 4 }),
  fc.tuple(fc.tuple(fc.integer({ min: -1, max: 3 }), fc.integer({ min: 0, max: 3 })), fc.tuple(fc.nat(3), fc.nat(3))),
);

const dim = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 5 }) },
  { weight: 1, arbitrary: fc.constant(0) },
);
const shape = fc.array(dim, { minLength: 0, maxLength: 4 });

/**
 * A description of an argument that may be a tensor; `make` builds it inside the property (so that every
 * run starts from the same memory) and `cleanup` frees what it made.
 */
const tensorSpec = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('tensor'),
      shape,
      dtype: fc.constantFrom('float32', 'float32', 'int32'),
      seed: fc.nat(1000),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('disposed'), shape }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fake'), shape }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('odd'), value: oddValue }) },
);

function make(spec, made) {
  switch (spec.kind) {
    case 'tensor': {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: size }, (_, i) =>
        spec.dtype === 'int32' ? (i * 7 + spec.seed) % 5 : Math.sin(i + spec.seed),
      );
      const t = sn.tensor(values, spec.shape, spec.dtype);
      made.push(t);
      return t;
    }
    case 'disposed': {
      const t = sn.zeros(spec.shape);
      t.dispose();
      return t;
    }
    case 'fake':
      return {
        shape: spec.shape,
        dtype: 'float32',
        size: 1,
        rank: spec.shape.length,
        dataSync: () => new Float32Array(1),
      };
    default:
      return spec.value;
  }
}

/** An options object: known keys with odd or sensible values, sometimes an unknown key. */
function optionsOf(keys, sensible) {
  const value = fc.oneof({ weight: 3, arbitrary: sensible }, { weight: 2, arbitrary: oddValue });
  const entries = fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: keys.length });
  return fc.oneof(
    { weight: 6, arbitrary: entries },
    {
      weight: 1,
      arbitrary: fc
        .tuple(entries, fc.constantFrom('stride', 'pool_size', 'lr', 'constructor', 'bogus'))
        .map(([o, k]) => ({ ...o, [k]: 1 })),
    },
    { weight: 1, arbitrary: oddValue },
  );
}

const smallInt = fc.integer({ min: 1, max: 3 });
const pair = fc.oneof(smallInt, fc.tuple(smallInt, smallInt));

// ---- the check ----

function counts() {
  const m = sn.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes };
}

/** Runs `call` and checks the contract; `verify(result, inputs)` checks a result when there is one. */
function contract(name, call, verify) {
  const before = counts();
  const made = [];
  let result;
  let threw = null;
  try {
    result = call(made);
  } catch (e) {
    threw = e;
  }
  try {
    if (threw) {
      if (!(threw instanceof Error)) throw new Error(`${name} threw a non-Error: ${String(threw)}`);
      if (!threw.message.startsWith(`${name}:`) && !threw.message.startsWith(`${name}.`))
        throw new Error(`${name} threw an error that does not name it: ${threw.message}`);
    } else if (verify) {
      verify(result, made);
    }
  } finally {
    for (const t of [result].flat()) if (t instanceof sn.Tensor && !made.includes(t)) t.dispose();
    if (result && typeof result.dispose === 'function' && !(result instanceof sn.Tensor)) result.dispose();
    for (const t of made) t.dispose();
  }
  const after = counts();
  if (after.numTensors !== before.numTensors || after.numBytes !== before.numBytes)
    throw new Error(`${name}: memory() changed: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
}

function check(property) {
  fc.assert(property, { seed: SEED, numRuns: RUNS });
}

const closeTo = (a, b) =>
  a === b || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));
function assertData(result, expected, what) {
  const got = result.dataSync();
  assert.is(got.length, expected.length, `${what}: length`);
  for (let i = 0; i < got.length; i++)
    if (!closeTo(got[i], expected[i])) assert.unreachable(`${what}[${i}]: ${got[i]} vs ${expected[i]}`);
}

// ---- ops ----

const unary = {
  relu: (v) => Math.max(v, 0),
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  tanh: Math.tanh,
  log: Math.log,
};

test('unary ops: a correct result or a named error, memory unchanged', () => {
  check(
    fc.property(fc.constantFrom(...Object.keys(unary)), tensorSpec, (name, xs) =>
      contract(
        name,
        (made) => sn[name](make(xs, made)),
        (y, made) => assertData(y, Array.from(made[0].dataSync(), unary[name]), name),
      ),
    ),
  );
});

test('add, sub, mul, matMul, clipByValue, sum, mean: correct results or named errors', () => {
  const ref = { add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b };
  check(
    fc.property(fc.constantFrom('add', 'sub', 'mul'), tensorSpec, tensorSpec, (name, as, bs) =>
      contract(
        name,
        (made) => sn[name](make(as, made), make(bs, made)),
        (y, made) => {
          const [a, b] = made;
          const ad = a.dataSync();
          const bd = b.dataSync();
          const cols = bd.length;
          assertData(
            y,
            Array.from(ad, (v, i) => ref[name](v, bd.length === ad.length ? bd[i] : bd[i % cols])),
            name,
          );
        },
      ),
    ),
  );
  check(
    fc.property(tensorSpec, tensorSpec, (as, bs) =>
      contract(
        'matMul',
        (made) => sn.matMul(make(as, made), make(bs, made)),
        (y, made) => {
          const [a, b] = made;
          const [m, k] = a.shape;
          const n = b.shape[1];
          const ad = a.dataSync();
          const bd = b.dataSync();
          const out = [];
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) {
              let s = 0;
              for (let p = 0; p < k; p++) s += ad[i * k + p] * bd[p * n + j];
              out.push(s);
            }
          assertData(y, out, 'matMul');
        },
      ),
    ),
  );
  check(
    fc.property(tensorSpec, oddValue, oddValue, (xs, lo, hi) =>
      contract(
        'clipByValue',
        (made) => sn.clipByValue(make(xs, made), lo, hi),
        (y, made) =>
          assertData(
            y,
            Array.from(made[0].dataSync(), (v) => Math.min(Math.max(v, lo), hi)),
            'clipByValue',
          ),
      ),
    ),
  );
  check(
    fc.property(fc.constantFrom('sum', 'mean'), tensorSpec, fc.option(oddValue), (name, xs, axis) =>
      contract(
        name,
        (made) => sn[name](make(xs, made), axis ?? undefined),
        (y, made) => {
          if (axis !== null && axis !== undefined) return; // per-axis results: tests/unit/reduce.test.mjs
          const d = Array.from(made[0].dataSync());
          const s = d.reduce((a, b) => a + b, 0);
          assertData(y, [name === 'sum' ? s : s / d.length], name);
        },
      ),
    ),
  );
});

test('conv2d, pooling, dense, softmax, softmaxCrossEntropy, reshape, flatten, transpose: results or named errors', () => {
  const convOptions = optionsOf(
    ['strides', 'padding', 'dilation', 'activation'],
    fc.oneof(pair, fc.constantFrom('same', 'valid', 'relu')),
  );
  const poolOptions = optionsOf(['poolSize', 'strides', 'padding'], fc.oneof(pair, fc.constantFrom('same', 'valid')));
  const rank = (t, r) => assert.is(t.rank, r);
  check(
    fc.property(tensorSpec, tensorSpec, convOptions, (xs, ws, o) =>
      contract(
        'conv2d',
        (made) => sn.conv2d(make(xs, made), make(ws, made), o),
        (y) => rank(y, 4),
      ),
    ),
  );
  check(
    fc.property(fc.constantFrom('maxPool2d', 'avgPool2d'), tensorSpec, poolOptions, (name, xs, o) =>
      contract(
        name,
        (made) => sn[name](make(xs, made), o),
        (y) => rank(y, 4),
      ),
    ),
  );
  check(
    fc.property(tensorSpec, (xs) =>
      contract(
        'globalAvgPool2d',
        (made) => sn.globalAvgPool2d(make(xs, made)),
        (y) => rank(y, 2),
      ),
    ),
  );
  check(
    fc.property(tensorSpec, tensorSpec, fc.option(tensorSpec), fc.option(oddValue), (xs, ws, bs, act) =>
      contract(
        'dense',
        (made) => sn.dense(make(xs, made), make(ws, made), bs === null ? undefined : make(bs, made), act ?? undefined),
        (y) => rank(y, 2),
      ),
    ),
  );
  check(
    fc.property(tensorSpec, (xs) =>
      contract(
        'softmax',
        (made) => sn.softmax(make(xs, made)),
        (y, made) => assert.equal(y.shape, made[0].shape),
      ),
    ),
  );
  check(
    fc.property(tensorSpec, tensorSpec, optionsOf(['sparse'], fc.boolean()), (ls, ys, o) =>
      contract(
        'softmaxCrossEntropy',
        (made) => sn.softmaxCrossEntropy(make(ls, made), make(ys, made), o),
        (y) => rank(y, 0),
      ),
    ),
  );
  check(
    fc.property(tensorSpec, fc.oneof(shape, oddValue), (xs, target) =>
      contract(
        'reshape',
        (made) => sn.reshape(make(xs, made), target),
        (y, made) => assertData(y, Array.from(made[0].dataSync()), 'reshape'),
      ),
    ),
  );
  check(
    fc.property(tensorSpec, (xs) =>
      contract(
        'flatten',
        (made) => sn.flatten(make(xs, made)),
        (y, made) => {
          const x = made[0];
          assert.equal(y.shape, [x.shape[0], x.shape.slice(1).reduce((a, b) => a * b, 1)]);
          assertData(y, Array.from(x.dataSync()), 'flatten');
        },
      ),
    ),
  );
  check(
    fc.property(tensorSpec, fc.oneof(fc.shuffledSubarray([0, 1, 2, 3]), oddValue), (xs, perm) =>
      contract(
        'transpose',
        (made) => sn.transpose(make(xs, made), perm),
        (y, made) => assert.is(y.size, made[0].size),
      ),
    ),
  );
});

// ---- creation functions ----

test('creation functions: the values asked for, or a named error', () => {
  const dtype = fc.oneof(fc.constantFrom(undefined, 'float32', 'int32'), oddValue);
  check(
    fc.property(fc.constantFrom('zeros', 'ones'), fc.oneof(shape, oddValue), dtype, (name, s, dt) =>
      contract(
        name,
        () => sn[name](s, dt),
        (t) => assertData(t, new Array(s.reduce((a, b) => a * b, 1)).fill(name === 'zeros' ? 0 : 1), name),
      ),
    ),
  );
  check(
    fc.property(fc.oneof(shape, oddValue), fc.oneof(fc.double({ noNaN: true }), oddValue), dtype, (s, v, dt) =>
      contract(
        'fill',
        () => sn.fill(s, v, dt),
        (t) => {
          assert.is(t.dtype, dt ?? 'float32');
          const expected = dt === 'int32' ? v : Math.fround(v);
          for (const got of t.dataSync())
            assert.ok(Object.is(got, expected) || closeTo(got, expected), `fill: ${got} vs ${v}`);
        },
      ),
    ),
  );
  const values = fc.oneof(
    fc.array(fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.double(), oddValue), { maxLength: 6 }),
    fc.array(fc.array(fc.integer({ min: -9, max: 9 }), { minLength: 2, maxLength: 2 }), { maxLength: 3 }),
    oddValue,
  );
  check(
    fc.property(values, fc.option(fc.oneof(shape, oddValue)), dtype, (v, s, dt) =>
      contract(
        'tensor',
        () => sn.tensor(v, s ?? undefined, dt),
        (t) => {
          const flat = [v].flat(Infinity).map(Number);
          const got = Array.from(t.dataSync());
          assert.is(got.length, flat.length);
          got.forEach((g, i) =>
            assert.ok(
              g === (dt === 'int32' ? flat[i] : Math.fround(flat[i])) || Object.is(g, Math.fround(flat[i])),
              `tensor[${i}]: ${g} vs ${flat[i]}`,
            ),
          );
        },
      ),
    ),
  );
  for (const [name, keys] of [
    ['randomNormal', ['seed', 'mean', 'stddev']],
    ['randomUniform', ['seed', 'minval', 'maxval']],
  ]) {
    check(
      fc.property(fc.oneof(shape, oddValue), optionsOf(keys, fc.integer({ min: -3, max: 3 })), (s, o) =>
        contract(
          name,
          () => sn[name](s, o),
          (t) => {
            assert.equal(t.shape, s);
            // Options beyond float32's range overflow like any float32 arithmetic; within it, values are finite.
            if (Object.values(o).every((x) => Math.abs(x) < 1e30))
              for (const v of t.dataSync()) assert.ok(Number.isFinite(v), `${name}: finite values`);
          },
        ),
      ),
    );
  }
});

// ---- layer and optimizer options ----

test('layer options: a layer or an error naming it; nothing allocated either way', () => {
  const layers = {
    conv2d: [
      ['filters', 'kernelSize', 'strides', 'padding', 'dilation', 'activation', 'useBias', 'inputShape'],
      fc.oneof(pair, fc.constantFrom('same', 'relu')),
    ],
    dense: [
      ['units', 'activation', 'useBias', 'inputShape', 'kernelInitializer'],
      fc.oneof(smallInt, fc.constantFrom('relu', 'zeros', 'heNormal')),
    ],
    maxPooling2d: [['poolSize', 'strides', 'padding'], fc.oneof(pair, fc.constant('same'))],
    averagePooling2d: [['poolSize', 'strides', 'padding'], fc.oneof(pair, fc.constant('valid'))],
    dropout: [['rate', 'seed'], fc.double({ min: 0, max: 0.99, noNaN: true })],
    activation: [['activation'], fc.constantFrom('relu', 'softmax', 'sigmoid')],
    flatten: [['name', 'inputShape'], fc.constant('f')],
  };
  for (const [name, [keys, sensible]] of Object.entries(layers)) {
    check(fc.property(optionsOf(keys, sensible), (o) => contract(`layers.${name}`, () => sn.layers[name](o))));
  }
});

test('optimizer options: an optimizer that steps, or an error naming it', () => {
  const v = sn.variable(sn.ones([3]), { name: 'property_v' });
  const g = sn.fill([3], 0.5);
  const start = sn.ones([3]);
  for (const [name, keys] of [
    ['sgd', ['learningRate', 'momentum', 'nesterov', 'weightDecay']],
    ['adam', ['learningRate', 'beta1', 'beta2', 'epsilon']],
  ]) {
    check(
      fc.property(optionsOf(keys, fc.oneof(fc.double({ min: 0, max: 0.5, noNaN: true }), fc.boolean())), (o) =>
        contract(name, () => {
          const opt = sn.train[name](o);
          try {
            v.assign(start);
            const before = Array.from(v.dataSync());
            opt.applyGradients({ property_v: g });
            for (const [i, x] of v.dataSync().entries())
              assert.ok(Number.isFinite(x) && x <= before[i], `${name} stepped downhill`);
          } finally {
            opt.dispose();
          }
        }),
      ),
    );
  }
  v.dispose();
  g.dispose();
  start.dispose();
});

test.run();
