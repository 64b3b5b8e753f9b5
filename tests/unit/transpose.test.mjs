// transpose and the Permute layer: every permutation of ranks 1-4 on odd shapes against a JS reference,
// the gradient (the inverse permutation), argument checks, and Permute's shapes and config.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertThrowsMessage } from '../helpers/compare.mjs';
import { rng, sizeOf } from '../helpers/random.mjs';

function permutations(n) {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
  );
}

function referenceTranspose(data, shape, perm) {
  const outShape = perm.map((p) => shape[p]);
  const strides = shape.map((_, i) => sizeOf(shape.slice(i + 1)));
  const out = new Float32Array(data.length);
  const idx = new Array(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let rem = o;
    for (let i = outShape.length - 1; i >= 0; i--) {
      idx[i] = rem % outShape[i];
      rem = Math.floor(rem / outShape[i]);
    }
    let src = 0;
    perm.forEach((p, i) => (src += idx[i] * strides[p]));
    out[o] = data[src];
  }
  return out;
}

test('transpose: every permutation of ranks 1-4 on odd shapes (with size-1 axes) matches the reference', () => {
  const r = rng(7);
  for (const shape of [[5], [3, 7], [1, 5, 3], [2, 3, 5, 7], [3, 1, 4, 5], [2, 9, 9, 1], [1, 1, 6, 5]]) {
    for (const perm of permutations(shape.length)) {
      const data = Float32Array.from(r.array(sizeOf(shape)));
      sn.tidy(() => {
        const y = sn.transpose(sn.tensor(data, shape), perm);
        assert.equal(
          y.shape,
          perm.map((p) => shape[p]),
        );
        assert.equal(Array.from(y.dataSync()), Array.from(referenceTranspose(data, shape, perm)), `${shape} ${perm}`);
      });
    }
  }
});

test('transpose: the gradient is dy transposed back', () => {
  const shape = [2, 3, 4, 5];
  const perm = [0, 2, 3, 1];
  const r = rng(3);
  const x = sn.tensor(Float32Array.from(r.array(sizeOf(shape))), shape);
  const dyData = Float32Array.from(r.array(sizeOf(shape)));
  const dy = sn.tensor(
    dyData,
    perm.map((p) => shape[p]),
  );
  const [dx] = sn.grads((a) => sn.transpose(a, perm))([x], dy);
  const inverse = [];
  perm.forEach((p, i) => (inverse[p] = i));
  assert.equal(Array.from(dx.dataSync()), Array.from(referenceTranspose(dyData, dy.shape, inverse)));
  for (const t of [x, dy, dx]) t.dispose();
});

test('transpose: bad arguments are named', () => {
  const x = sn.zeros([2, 3]);
  assertThrowsMessage(() => sn.transpose(x, [0, 0]), /transpose: argument 'perm' must be a permutation of 0..1/);
  assertThrowsMessage(() => sn.transpose(x, [1]), /argument 'perm'/);
  assertThrowsMessage(() => sn.transpose(sn.zeros([1, 1, 1, 1, 1]), [0, 1, 2, 3, 4]), /rank <= 4/);
  x.dispose();
});

test('layers.permute: NCHW to NHWC and back, shapes, config, serialisation', () => {
  const m = sn.sequential({
    layers: [sn.layers.permute({ dims: [2, 3, 1], inputShape: [3, 4, 5] }), sn.layers.permute({ dims: [3, 1, 2] })],
  });
  assert.equal(m.layers[0].outputShape, [null, 4, 5, 3]);
  assert.equal(m.outputShape, [null, 3, 4, 5]);
  const data = Float32Array.from({ length: 60 }, (_, i) => i);
  const x = sn.tensor(data, [1, 3, 4, 5]);
  const mid = m.layers[0].apply(x);
  assert.equal(Array.from(mid.dataSync()), Array.from(referenceTranspose(data, [1, 3, 4, 5], [0, 2, 3, 1])));
  const y = m.predict(x);
  assert.equal(Array.from(y.dataSync()), Array.from(data));
  const again = sn.layers.deserialize(sn.layers.serialize(m.layers[0]));
  assert.equal(again.dims, [2, 3, 1]);
  assertThrowsMessage(() => sn.layers.permute({ dims: [1, 1] }), /layers.permute: option 'dims' must be a permutation/);
  assertThrowsMessage(() => sn.layers.permute({ dims: [0, 1] }), /option 'dims'/);
  for (const t of [x, mid, y]) t.dispose();
});

test.run();
