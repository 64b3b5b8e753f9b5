import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertClose, assertThrowsMessage } from '../helpers/compare.mjs';
import { rng, sizeOf } from '../helpers/random.mjs';
import { layerCasesOf } from '../helpers/fixtures.mjs';
import { finiteDifferenceGrads } from '../helpers/reference-conv.mjs';
import { batchNormRef, batchNormTrainingRef, momentsRef } from '../helpers/reference-batchnorm.mjs';

/** Random values already rounded to float32, so the float64 reference sees what the op sees. */
const f32Array = (r, n, lo = -1, hi = 1) => Float64Array.from(Float32Array.from(r.array(n, lo, hi)));
const t = (data, shape) => sn.tensor(Float32Array.from(data), shape);

/** Odd shapes of rank 2-4 with channel counts around the 4- and 8-lane blocks. */
function randomShape(r, maxRows = 40) {
  const rank = r.int(2, 4);
  const c = r.pick([1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 33]);
  const lead = Array.from({ length: rank - 1 }, () => r.int(1, 5));
  while (sizeOf(lead) > maxRows) lead[lead.indexOf(Math.max(...lead))]--;
  return [...lead, c];
}

test('batchNormTraining: 150 random forward cases match the float64 reference (y, mean, variance)', () => {
  const r = rng(11);
  for (let i = 0; i < 150; i++) {
    const shape = randomShape(r, 200);
    const c = shape[shape.length - 1];
    // Channels with a mean far from 0 check the shifted sums.
    const shift = r.pick([0, 0, 5, -30]);
    const x = f32Array(r, sizeOf(shape), shift - 2, shift + 2);
    const scale = r.next() < 0.8 ? f32Array(r, c, 0.5, 2) : null;
    const offset = r.next() < 0.8 ? f32Array(r, c) : null;
    const eps = r.pick([1e-3, 1e-5]);
    const what = `case ${i} shape ${JSON.stringify(shape)}`;
    const ref = batchNormTrainingRef(x, shape, scale, offset, eps);
    sn.tidy(() => {
      const out = sn.batchNormTraining(t(x, shape), {
        scale: scale ? t(scale, [c]) : undefined,
        offset: offset ? t(offset, [c]) : undefined,
        epsilon: eps,
      });
      assert.equal(out.y.shape, shape, what);
      assertClose(out.y.dataSync(), ref.y, 1e-4, `y ${what}`);
      assertClose(out.mean.dataSync(), ref.mean, 1e-5, `mean ${what}`);
      assertClose(out.variance.dataSync(), ref.variance, 1e-4, `variance ${what}`);
    });
  }
});

test('batchNormTraining: gradients of y, mean and variance match finite differences on 60 random cases', () => {
  const r = rng(12);
  for (let i = 0; i < 60; i++) {
    const shape = randomShape(r, 24);
    const c = shape[shape.length - 1];
    const x = f32Array(r, sizeOf(shape), -2, 2);
    const scale = f32Array(r, c, 0.5, 2);
    const offset = f32Array(r, c);
    const dy = f32Array(r, x.length);
    // Half the cases also put the batch statistics into the loss.
    const useStats = i % 2 === 1;
    const dm = useStats ? f32Array(r, c) : new Float64Array(c);
    const dv = useStats ? f32Array(r, c) : new Float64Array(c);
    const f = ([xx, s, o]) => {
      const ref = batchNormTrainingRef(xx, shape, s, o, 1e-3);
      return Float64Array.from([...ref.y, ...ref.mean, ...ref.variance]);
    };
    const expected = finiteDifferenceGrads(f, [x, scale, offset], Float64Array.from([...dy, ...dm, ...dv]));
    const what = `case ${i} shape ${JSON.stringify(shape)}${useStats ? ' (statistics in the loss)' : ''}`;
    sn.tidy(() => {
      const g = sn.grads((xx, s, o) => {
        const out = sn.batchNormTraining(xx, { scale: s, offset: o });
        if (!useStats) return sn.sum(sn.mul(out.y, t(dy, shape)));
        return sn.add(
          sn.add(sn.sum(sn.mul(out.y, t(dy, shape))), sn.sum(sn.mul(out.mean, t(dm, [c])))),
          sn.sum(sn.mul(out.variance, t(dv, [c]))),
        );
      })([t(x, shape), t(scale, [c]), t(offset, [c])]);
      assertClose(g[0].dataSync(), expected[0], 2e-4, `dx ${what}`);
      assertClose(g[1].dataSync(), expected[1], 2e-4, `dscale ${what}`);
      assertClose(g[2].dataSync(), expected[2], 2e-4, `doffset ${what}`);
    });
  }
});

test('batchNormTraining: PyTorch fixtures (forward and every gradient)', () => {
  const cases = layerCasesOf('batchNormTraining');
  assert.ok(cases.length >= 4, 'fixture cases present');
  for (const [i, fx] of cases.entries()) {
    sn.tidy(() => {
      const c = fx.scale.shape[0];
      const [dx, dscale, doffset] = sn.grads((x, s, o) => {
        const out = sn.batchNormTraining(x, { scale: s, offset: o, epsilon: fx.params.epsilon });
        assertClose(out.y.dataSync(), fx.y.data, 1e-4, `y, fixture ${i}`);
        return out.y;
      })([t(fx.x.data, fx.x.shape), t(fx.scale.data, [c]), t(fx.offset.data, [c])], t(fx.dy.data, fx.dy.shape));
      assertClose(dx.dataSync(), fx.dx.data, 1e-4, `dx, fixture ${i}`);
      assertClose(dscale.dataSync(), fx.dscale.data, 1e-4, `dscale, fixture ${i}`);
      assertClose(doffset.dataSync(), fx.doffset.data, 1e-4, `doffset, fixture ${i}`);
    });
  }
});

test('batchNorm: 100 random cases, forward against float64 and all five gradients against finite differences', () => {
  const r = rng(13);
  for (let i = 0; i < 100; i++) {
    const shape = randomShape(r, 20);
    const c = shape[shape.length - 1];
    const x = f32Array(r, sizeOf(shape), -3, 3);
    const mean = f32Array(r, c);
    const variance = f32Array(r, c, 0.2, 2);
    const offset = i % 3 ? f32Array(r, c) : null;
    const scale = i % 4 ? f32Array(r, c, 0.5, 2) : null;
    const keep = i % 5 === 0; // statistics shaped [1,…,1,c], as moments(keepDims) gives them
    const vshape = keep ? [...shape.slice(0, -1).map(() => 1), c] : [c];
    const dy = f32Array(r, x.length);
    const what = `case ${i} shape ${JSON.stringify(shape)}`;
    const f = ([xx, m, v, o, s]) => batchNormRef(xx, c, m, v, o, s, 1e-3);
    const expected = finiteDifferenceGrads(f, [x, mean, variance, offset, scale], dy);
    sn.tidy(() => {
      const inputs = [t(x, shape), t(mean, vshape), t(variance, vshape)];
      if (offset) inputs.push(t(offset, vshape));
      if (scale) inputs.push(t(scale, vshape));
      const y = sn.batchNorm(inputs[0], inputs[1], inputs[2], offset ? inputs[3] : null, scale ? inputs.at(-1) : null);
      assertClose(y.dataSync(), f([x, mean, variance, offset, scale]), 1e-5, `y ${what}`);
      const g = sn.grads((...a) =>
        sn.batchNorm(a[0], a[1], a[2], offset ? a[3] : undefined, scale ? a.at(-1) : undefined, 1e-3),
      )(inputs, t(dy, shape));
      const names = ['dx', 'dmean', 'dvariance', ...(offset ? ['doffset'] : []), ...(scale ? ['dscale'] : [])];
      const refs = [
        expected[0],
        expected[1],
        expected[2],
        ...(offset ? [expected[3]] : []),
        ...(scale ? [expected[4]] : []),
      ];
      g.forEach((gi, k) => {
        assert.equal(gi.shape, inputs[k].shape, `${names[k]} shape ${what}`);
        assertClose(gi.dataSync(), refs[k], 2e-4, `${names[k]} ${what}`);
      });
    });
  }
});

test('moments: random contiguous axis runs, forward against float64 and gradients against finite differences', () => {
  const r = rng(14);
  for (let i = 0; i < 120; i++) {
    const rank = r.int(1, 4);
    const shape = Array.from({ length: rank }, () => r.int(1, 7));
    const first = r.int(0, rank - 1);
    const last = r.int(first, rank - 1);
    const axes = Array.from({ length: last - first + 1 }, (_, k) => first + k - (r.next() < 0.3 ? rank : 0));
    const keepDims = r.next() < 0.5;
    const x = f32Array(r, sizeOf(shape), -2, 4);
    const ref = momentsRef(x, shape, first, last);
    const what = `case ${i} shape ${JSON.stringify(shape)} axes ${JSON.stringify(axes)}`;
    const outShape = keepDims
      ? shape.map((d, k) => (k >= first && k <= last ? 1 : d))
      : shape.filter((_, k) => k < first || k > last);
    const dm = f32Array(r, ref.mean.length);
    const dv = f32Array(r, ref.mean.length);
    const f = ([xx]) => {
      const m = momentsRef(xx, shape, first, last);
      return Float64Array.from([...m.mean, ...m.variance]);
    };
    const [expected] = finiteDifferenceGrads(f, [x], Float64Array.from([...dm, ...dv]));
    sn.tidy(() => {
      const xt = t(x, shape);
      const out = sn.moments(xt, axes.length === 1 && r.next() < 0.5 ? axes[0] : axes, keepDims);
      assert.equal(out.mean.shape, outShape, what);
      assert.equal(out.variance.shape, outShape, what);
      assertClose(out.mean.dataSync(), ref.mean, 1e-5, `mean ${what}`);
      assertClose(out.variance.dataSync(), ref.variance, 1e-4, `variance ${what}`);
      const [dx] = sn.grads((a) => {
        const m = sn.moments(a, axes, keepDims);
        return sn.add(sn.sum(sn.mul(m.mean, t(dm, outShape))), sn.sum(sn.mul(m.variance, t(dv, outShape))));
      })([xt]);
      assertClose(dx.dataSync(), expected, 2e-4, `dx ${what}`);
    });
  }
});

test('moments and batchNorm compose into training-mode batch norm, matching batchNormTraining', () => {
  const r = rng(15);
  sn.tidy(() => {
    const x = sn.tensor(Float32Array.from(r.array(3 * 5 * 4 * 6)), [3, 5, 4, 6]);
    const { mean, variance } = sn.moments(x, [0, 1, 2]);
    const a = sn.batchNorm(x, mean, variance, null, null, 1e-3).dataSync();
    const b = sn.batchNormTraining(x).y.dataSync();
    assertClose(a, b, 1e-5, 'y');
  });
});

test('batchNorm, batchNormTraining, moments: bad arguments throw naming the argument', () => {
  sn.tidy(() => {
    const x = sn.zeros([2, 3, 4]);
    const v4 = sn.ones([4]);
    assertThrowsMessage(
      () => sn.batchNorm(x, sn.zeros([3]), v4),
      /batchNorm: argument 'mean' must have shape \[4\].*got shape \[3\]/,
    );
    assertThrowsMessage(() => sn.batchNorm(x, v4, v4, null, sn.ones([2, 2])), /argument 'scale' must have shape \[4\]/);
    assertThrowsMessage(
      () => sn.batchNorm(x, v4, v4, null, null, -1),
      /argument 'epsilon' must be a finite number >= 0; got -1/,
    );
    assertThrowsMessage(() => sn.batchNorm('x', v4, v4), /batchNorm: argument 'x' must be a Tensor/);
    assertThrowsMessage(() => sn.batchNormTraining(x, { gamma: v4 }), /batchNormTraining: unknown option 'gamma'/);
    assertThrowsMessage(
      () => sn.batchNormTraining(x, { offset: sn.ones([5]) }),
      /argument 'offset' must have shape \[4\]/,
    );
    assertThrowsMessage(() => sn.batchNormTraining(sn.zeros([0, 4])), /at least one value per channel/);
    assertThrowsMessage(() => sn.moments(x, [0, 2]), /moments: argument 'axes' must be a contiguous run/);
    assertThrowsMessage(() => sn.moments(x, [3]), /must hold integers in \[-3, 2\]/);
    assertThrowsMessage(() => sn.moments(x, [1, -2]), /names an axis twice/);
    assertThrowsMessage(() => sn.moments(x, []), /non-empty list/);
  });
});

test('batchNormTraining and moments leak no tensors, taped or not', () => {
  const before = sn.memory().numTensors;
  sn.tidy(() => {
    const x = sn.randomNormal([4, 3, 5], { seed: 1 });
    const s = sn.ones([5]);
    sn.batchNormTraining(x, { scale: s });
    sn.moments(x, [0, 1]);
    sn.grads((a, b) => sn.batchNormTraining(a, { scale: b }).y)([x, s]);
    sn.grads((a) => sn.moments(a, 2).variance)([x]);
  });
  assert.is(sn.memory().numTensors, before);
});

test.run();
