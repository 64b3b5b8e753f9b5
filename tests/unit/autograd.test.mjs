import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertClose, assertThrowsMessage } from '../helpers/compare.mjs';

test('grads of x*x + x accumulate both uses of x: 2x + 1', () => {
  const x = sn.tensor([-2, -0.5, 0, 1, 3]);
  const [dx] = sn.grads((a) => sn.add(sn.mul(a, a), a))([x]);
  assertClose(dx.dataSync(), [-3, 0, 1, 3, 7], 1e-6);
  x.dispose();
  dx.dispose();
});

test('valueAndGrads returns the value and honours an upstream dy', () => {
  const a = sn.tensor([1, 2, 3]);
  const b = sn.tensor([4, 5, 6]);
  const dy = sn.tensor([1, 10, 100]);
  const { value, grads } = sn.valueAndGrads((p, q) => sn.mul(p, q))([a, b], dy);
  assert.equal(Array.from(value.dataSync()), [4, 10, 18]);
  assert.equal(Array.from(grads[0].dataSync()), [4, 50, 600]);
  assert.equal(Array.from(grads[1].dataSync()), [1, 20, 300]);
  for (const t of [a, b, dy, value, ...grads]) t.dispose();
});

test('an input that f does not use gets a zero gradient', () => {
  const a = sn.tensor([1, 2]);
  const b = sn.tensor([3, 4]);
  const [ga, gb] = sn.grads((p) => sn.mul(p, p))([a, b]);
  assert.equal(Array.from(ga.dataSync()), [2, 4]);
  assert.equal(Array.from(gb.dataSync()), [0, 0]);
  for (const t of [a, b, ga, gb]) t.dispose();
});

test('grads frees the tape and every intermediate: only the gradients remain', () => {
  const x = sn.tensor([1, 2, 3, 4]);
  const start = sn.memory().numTensors;
  const [g] = sn.grads((v) => sn.sum(sn.mul(sn.reshape(v, [2, 2]), sn.reshape(v, [2, 2]))))([x]);
  assert.is(sn.memory().numTensors, start + 1);
  assertClose(g.dataSync(), [2, 4, 6, 8], 1e-6);
  g.dispose();
  x.dispose();
});

test('tensors disposed inside f are still usable by backward', () => {
  const x = sn.tensor([1, 2, 3]);
  const [g] = sn.grads((v) => {
    const sq = sn.mul(v, v);
    const out = sn.sum(sq);
    sq.dispose();
    return out;
  })([x]);
  assertClose(g.dataSync(), [2, 4, 6], 1e-6);
  g.dispose();
  x.dispose();
});

test('variableGrads covers the trainable variables f touched, keyed by name', () => {
  const w = sn.tidy(() => sn.variable(sn.tensor([1, 2, 3]), { name: 'ag_w' }));
  const frozen = sn.tidy(() => sn.variable(sn.tensor([1, 1, 1]), { name: 'ag_frozen', trainable: false }));
  const unused = sn.tidy(() => sn.variable(sn.tensor([5]), { name: 'ag_unused' }));
  const start = sn.memory().numTensors;
  const { value, grads } = sn.variableGrads(() => sn.sum(sn.mul(sn.mul(w, w), frozen)));
  assert.equal(Object.keys(grads), ['ag_w']);
  assertClose(grads.ag_w.dataSync(), [2, 4, 6], 1e-6);
  assertClose([value.dataSync()[0]], [14], 1e-6);
  assert.is(sn.memory().numTensors, start + 2);
  value.dispose();
  grads.ag_w.dispose();
  // an explicit varList restricts the result
  const r = sn.variableGrads(() => sn.sum(sn.mul(w, unused)), [unused]);
  assert.equal(Object.keys(r.grads), ['ag_unused']);
  assertClose(r.grads.ag_unused.dataSync(), [6], 1e-6);
  r.value.dispose();
  r.grads.ag_unused.dispose();
  w.dispose();
  frozen.dispose();
  unused.dispose();
});

test('variables survive tidy and can be assigned in place', () => {
  const v = sn.tidy(() => sn.variable(sn.zeros([2]), { name: 'ag_assign' }));
  sn.tidy(() => sn.ones([3]));
  assert.not.ok(v.isDisposed);
  sn.tidy(() => v.assign(sn.tensor([7, 8])));
  assert.equal(Array.from(v.dataSync()), [7, 8]);
  assertThrowsMessage(
    () => v.assign(sn.tensor([1, 2, 3])),
    /Variable.assign: variable 'ag_assign' has shape \[2\]; argument 'value' has shape \[3\]/,
  );
  assertThrowsMessage(() => sn.variable(sn.zeros([1]), { name: 'ag_assign' }), /already exists/);
  v.dispose();
});

test('1,000 variableGrads calls leave numTensors and wasmBytes flat', () => {
  const w = sn.tidy(() => sn.variable(sn.randomNormal([64], { seed: 3 }), { name: 'ag_leak' }));
  const x = sn.randomNormal([64], { seed: 4 });
  const step = () =>
    sn.tidy(() => {
      const { value, grads } = sn.variableGrads(() => sn.mean(sn.mul(sn.sub(sn.mul(w, x), x), w)));
      return value.dataSync()[0] + grads.ag_leak.dataSync()[0];
    });
  for (let i = 0; i < 20; i++) step();
  const before = sn.memory();
  for (let i = 0; i < 1000; i++) step();
  const after = sn.memory();
  assert.is(after.numTensors, before.numTensors);
  assert.is(after.wasmBytes, before.wasmBytes);
  w.dispose();
  x.dispose();
});

test('misuse gives clear errors', () => {
  const x = sn.tensor([1]);
  assertThrowsMessage(() => sn.grads((v) => v.dataSync())([x]), /must return a Tensor/);
  assertThrowsMessage(() => sn.grads((v) => v)(x), /argument 'xs' must be an array of tensors/);
  assertThrowsMessage(() => sn.variableGrads(() => sn.mul(x, sn.tensor([1, 2]))), /./);
  assertThrowsMessage(
    () =>
      sn.grads((v) => {
        sn.grads((u) => u)([v]);
        return v;
      })([x]),
    /cannot be nested/,
  );
  assertThrowsMessage(
    () => sn.valueAndGrads((v) => sn.mul(v, v))([x], sn.tensor([1, 2])),
    /'dy' and 'f\(\.\.\.xs\)' must have the same shape/,
  );
  x.dispose();
});

test.run();
