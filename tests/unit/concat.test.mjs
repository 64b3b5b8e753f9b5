import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertClose, assertThrowsMessage } from '../helpers/compare.mjs';
import { rng, sizeOf } from '../helpers/random.mjs';
import { concatRef } from '../helpers/reference-seq.mjs';

test('concat: 150 random cases along every axis, forward and the gradient of each input', () => {
  const r = rng(801);
  for (let i = 0; i < 150; i++) {
    const rank = r.int(1, 4);
    const base = Array.from({ length: rank }, () => r.int(1, 5));
    const axis = r.int(0, rank - 1);
    const count = r.int(1, 4);
    const shapes = Array.from({ length: count }, () => base.map((d, k) => (k === axis ? r.int(0, 4) : d)));
    const arrays = shapes.map((s) => Float64Array.from(Float32Array.from(r.array(sizeOf(s)))));
    const ref = concatRef(arrays, shapes, axis);
    const dy = Float32Array.from(r.array(ref.y.length));
    const what = `case ${i} ${JSON.stringify(shapes)} axis ${axis}`;
    sn.tidy(() => {
      const ts = arrays.map((a, k) => sn.tensor(Float32Array.from(a), shapes[k]));
      const y = sn.concat(ts, r.next() < 0.3 ? axis - rank : axis);
      assert.equal(y.shape, ref.shape, what);
      assertClose(y.dataSync(), ref.y, 0, what);
      const grads = sn.grads((...xs) => sn.concat(xs, axis))(ts, sn.tensor(dy, ref.shape));
      // The gradient of each input is its slice of dy: concat of the gradients gives dy back.
      grads.forEach((g, k) => {
        assert.equal(g.shape, shapes[k], `${what} grad ${k} shape`);
        const expected = concatRef(
          grads.map((gg, j) =>
            j === k ? new Float64Array(sizeOf(shapes[j])).fill(1) : new Float64Array(sizeOf(shapes[j])),
          ),
          shapes,
          axis,
        ).y;
        const mine = [];
        expected.forEach((m, idx) => m && mine.push(dy[idx]));
        assertClose(g.dataSync(), mine, 0, `${what} grad ${k}`);
      });
    });
  }
});

test('concat: int32 tensors concatenate too; bad arguments throw', () => {
  sn.tidy(() => {
    const a = sn.tensor([1, 2], [2], 'int32');
    const b = sn.tensor([3], [1], 'int32');
    assert.equal(Array.from(sn.concat([a, b]).dataSync()), [1, 2, 3]);
    assertThrowsMessage(() => sn.concat([]), /concat: argument 'tensors' must be a non-empty array/);
    assertThrowsMessage(
      () => sn.concat([sn.zeros([2, 3]), sn.zeros([2, 4])], 0),
      /tensors\[1\] has shape \[2,4\]; every tensor must match tensors\[0\] \[2,3\] on all axes but axis 0/,
    );
    assertThrowsMessage(() => sn.concat([sn.zeros([2, 3])], 2), /argument 'axis' must be an integer in \[-2, 1\]/);
    assertThrowsMessage(() => sn.concat([sn.zeros([2]), a]), /must have dtype float32/);
  });
});

test.run();
