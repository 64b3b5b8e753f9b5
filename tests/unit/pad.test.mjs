import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertClose, assertThrowsMessage } from '../helpers/compare.mjs';
import { rng, sizeOf } from '../helpers/random.mjs';
import { padRef } from '../helpers/reference-seq.mjs';

test('pad: 200 random paddings of rank 1-5, forward and gradient (the cropped dy)', () => {
  const r = rng(901);
  for (let i = 0; i < 200; i++) {
    const rank = r.int(1, 5);
    const shape = Array.from({ length: rank }, () => r.int(i % 10 === 0 ? 0 : 1, 5));
    let padded = 0;
    const paddings = shape.map((_, k) => {
      // At most 3 padded axes besides the first (the documented limit).
      if (k > 0 && padded >= 3) return [0, 0];
      const p = r.next() < 0.5 ? [r.int(0, 3), r.int(0, 3)] : [0, 0];
      if (k > 0 && (p[0] || p[1])) padded++;
      return p;
    });
    const value = r.pick([0, 0, -1.5]);
    const x = Float64Array.from(Float32Array.from(r.array(sizeOf(shape))));
    const ref = padRef(x, shape, paddings, value);
    const dy = Float32Array.from(r.array(ref.y.length));
    const what = `case ${i} ${JSON.stringify(shape)} ${JSON.stringify(paddings)}`;
    sn.tidy(() => {
      const xt = sn.tensor(Float32Array.from(x), shape);
      const y = sn.pad(xt, paddings, value);
      assert.equal(y.shape, ref.shape, what);
      assertClose(y.dataSync(), ref.y, 0, what);
      const [dx] = sn.grads((a) => sn.pad(a, paddings, value))([xt], sn.tensor(dy, ref.shape));
      // d/dx of sum(pad(x)·dy) is dy at x's positions: padRef of an index map finds them.
      const where = padRef(
        Float64Array.from(x, (_, j) => j + 1),
        shape,
        paddings,
        0,
      ).y;
      const expected = new Float64Array(x.length);
      where.forEach((j, idx) => j && (expected[j - 1] = dy[idx]));
      assertClose(dx.dataSync(), expected, 0, `dx ${what}`);
    });
  }
});

test('pad: bad arguments throw naming pad and the argument', () => {
  sn.tidy(() => {
    const x = sn.zeros([2, 3]);
    assertThrowsMessage(() => sn.pad(x, [[1, 1]]), /pad: argument 'paddings' must be 2 pairs \[before, after\]/);
    assertThrowsMessage(
      () =>
        sn.pad(x, [
          [0, 0],
          [-1, 0],
        ]),
      /non-negative integers/,
    );
    assertThrowsMessage(
      () =>
        sn.pad(sn.zeros([1, 1, 1, 1, 1]), [
          [0, 0],
          [1, 1],
          [1, 1],
          [1, 1],
          [1, 1],
        ]),
      /at most 3 padded axes besides the first/,
    );
  });
});

test.run();
