// Augmentation layers: identity at inference; in training every sample is a flip / whole-pixel shift of
// its input (found by trying every allowed transform against a plain-JS reference), the fill modes follow
// Keras, the draws are seeded, and gradients flow back through the gather.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertClose, assertThrowsMessage } from '../helpers/compare.mjs';

const L = sn.layers;
const [N, H, W, C] = [24, 5, 7, 2];

function images(seed = 1) {
  return sn.randomNormal([N, H, W, C], { seed });
}

/** Sample s of x, transformed by pixel map f(i, j) → [si, sj] or null (fill). */
function transformed(x, s, f, fill = 0) {
  const out = [];
  for (let i = 0; i < H; i++)
    for (let j = 0; j < W; j++) {
      const src = f(i, j);
      for (let k = 0; k < C; k++) out.push(src ? x[((s * H + src[0]) * W + src[1]) * C + k] : fill);
    }
  return out;
}

function sample(y, s) {
  return Array.from(y.slice(s * H * W * C, (s + 1) * H * W * C));
}

const same = (a, b) => a.length === b.length && a.every((v, i) => Math.fround(v) === Math.fround(b[i]));

test('inference passes images through unchanged', () => {
  const x = images();
  for (const layer of [L.randomFlip(), L.randomTranslation({ heightFactor: 0.2, widthFactor: 0.2 })]) {
    const y = layer.apply(x);
    assertClose(y.dataSync(), x.dataSync(), 0, `${layer.className} at inference`);
    if (y !== x) y.dispose();
  }
  x.dispose();
});

test('randomFlip flips each sample or not, per axis, with a repeatable seed', () => {
  const x = images();
  const xd = x.dataSync();
  for (const mode of ['horizontal', 'vertical', 'horizontal_and_vertical']) {
    const y = L.randomFlip({ mode, seed: 3 }).apply(x, { training: true });
    const yd = y.dataSync();
    const seen = new Set();
    for (let s = 0; s < N; s++) {
      const options = [];
      for (const fy of mode === 'horizontal' ? [false] : [false, true])
        for (const fx of mode === 'vertical' ? [false] : [false, true]) options.push([fy, fx]);
      const hit = options.find(([fy, fx]) =>
        same(
          sample(yd, s),
          transformed(xd, s, (i, j) => [fy ? H - 1 - i : i, fx ? W - 1 - j : j]),
        ),
      );
      assert.ok(hit, `${mode}: sample ${s} is not a flip of its input`);
      seen.add(hit.join());
    }
    assert.is(seen.size, mode === 'horizontal_and_vertical' ? 4 : 2, `${mode}: every flip occurs in ${N} samples`);
    const again = L.randomFlip({ mode, seed: 3 }).apply(x, { training: true });
    assertClose(again.dataSync(), yd, 0, `${mode}: same seed, same flips`);
    y.dispose();
    again.dispose();
  }
  assertThrowsMessage(() => L.randomFlip({ mode: 'diagonal' }), /option 'mode' must be/);
  x.dispose();
});

/** Keras's fill modes for an index outside [0, n). */
function fillRef(i, n, mode) {
  if (i >= 0 && i < n) return i;
  if (mode === 'constant') return null;
  if (mode === 'nearest') return Math.min(Math.max(i, 0), n - 1);
  if (mode === 'wrap') return ((i % n) + n) % n;
  // reflect: d c b a | a b c d | d c b a
  let m = ((i % (2 * n)) + 2 * n) % (2 * n);
  return m < n ? m : 2 * n - 1 - m;
}

test('randomTranslation shifts by whole pixels within the factors, filling as Keras does', () => {
  const x = images(2);
  const xd = x.dataSync();
  for (const fillMode of ['reflect', 'constant', 'nearest', 'wrap']) {
    const layer = L.randomTranslation({
      heightFactor: 0.4,
      widthFactor: [-0.3, 0.1],
      fillMode,
      fillValue: 0.5,
      seed: 7,
    });
    const y = layer.apply(x, { training: true });
    const yd = y.dataSync();
    const shifts = new Set();
    for (let s = 0; s < N; s++) {
      let found = null;
      for (let dy = -2; dy <= 2 && !found; dy++)
        for (let dx = -2; dx <= 1 && !found; dx++) {
          const ref = transformed(
            xd,
            s,
            (i, j) => {
              const si = fillRef(i - dy, H, fillMode);
              const sj = fillRef(j - dx, W, fillMode);
              return si === null || sj === null ? null : [si, sj];
            },
            0.5,
          );
          if (same(sample(yd, s), ref)) found = [dy, dx];
        }
      assert.ok(found, `${fillMode}: sample ${s} is no allowed shift of its input`);
      shifts.add(found.join());
    }
    assert.ok(shifts.size >= 6, `${fillMode}: only ${shifts.size} different shifts in ${N} samples`);
    y.dispose();
  }
  assertThrowsMessage(() => L.randomTranslation({ heightFactor: 0.1 }), /option 'widthFactor' is required/);
  assertThrowsMessage(
    () => L.randomTranslation({ heightFactor: 2, widthFactor: 0 }),
    /option 'heightFactor' must be a fraction in \[-1, 1\]/,
  );
  x.dispose();
});

test('gradients flow back through augmentation (the scatter of the upstream gradient)', () => {
  const x = images(4);
  const w = sn.randomNormal([N, H, W, C], { seed: 5 });
  const make = () => L.randomTranslation({ heightFactor: 0.4, widthFactor: 0.4, fillMode: 'reflect', seed: 1 });
  // The same seed draws the same shifts: read them off index-coded images, then differentiate.
  const codes = sn.tensor(
    Float32Array.from({ length: N * H * W * C }, (_, i) => i),
    [N, H, W, C],
  );
  const map = make().apply(codes, { training: true }).dataSync();
  const layer = make();
  const [dx] = sn.grads((t) => sn.sum(sn.mul(layer.apply(t, { training: true }), w)))([x]);
  const expected = new Float64Array(N * H * W * C);
  const wd = w.dataSync();
  for (let i = 0; i < map.length; i++) expected[map[i]] += wd[i];
  assertClose(dx.dataSync(), expected, 1e-6, 'dx');
  for (const t of [x, w, codes, dx]) t.dispose();
});

test('in a model: fit augments, predict does not', async () => {
  const input = sn.input({ shape: [H, W, C] });
  const aug = L.randomFlip({ mode: 'horizontal' });
  const out = L.dense({ units: 2 }).apply(L.flatten().apply(aug.apply(input)));
  const model = sn.model({ inputs: input, outputs: out, seed: 1 });
  const x = images(6);
  const p1 = model.predict(x);
  const p2 = model.predict(x);
  assertClose(p1.dataSync(), p2.dataSync(), 0, 'predict is deterministic');
  const trainOut = model.apply(x, { training: true });
  assert.ok(!same(Array.from(trainOut.dataSync()), Array.from(p1.dataSync())), 'training mode flips some samples');
  const config = model.getConfig();
  assert.equal(config.layers[1].config.mode, 'horizontal');
  for (const t of [x, p1, p2, trainOut]) t.dispose();
  model.dispose();
});

test.run();
