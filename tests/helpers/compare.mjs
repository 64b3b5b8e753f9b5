// Numeric comparison for tests. The error is norm-wise relative: max|a-e| / max|e| (with a floor so that
// all-zero expectations compare absolutely), which is what "relative error <= 1e-4" means here.
import * as assert from 'uvu/assert';

export function maxRelError(actual, expected) {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!Number.isFinite(a) && a !== e) return Infinity;
    diff = Math.max(diff, Math.abs(a - e));
    scale = Math.max(scale, Math.abs(e));
  }
  return diff / Math.max(scale, 1e-6);
}

export function assertClose(actual, expected, tol = 1e-4, what = 'values') {
  assert.is(actual.length, expected.length, `${what}: length ${actual.length} vs expected ${expected.length}`);
  const err = maxRelError(actual, expected);
  if (!(err <= tol)) {
    let worst = 0;
    for (let i = 0; i < expected.length; i++)
      if (Math.abs(actual[i] - expected[i]) > Math.abs(actual[worst] - expected[worst])) worst = i;
    assert.unreachable(
      `${what}: relative error ${err.toExponential(3)} > ${tol} (worst at ${worst}: got ${actual[worst]}, expected ${expected[worst]})`,
    );
  }
}

export function assertThrowsMessage(fn, pattern, what = '') {
  try {
    fn();
  } catch (e) {
    assert.match(e.message, pattern, `${what} message: ${e.message}`);
    return e;
  }
  assert.unreachable(`${what}: expected an error matching ${pattern}`);
}

/** A float32 tensor's data as its raw 32-bit words (for bit-exact comparisons, NaN payloads and -0 included). */
export function bitsOf(t) {
  const d = t.dataSync();
  return Array.from(new Uint32Array(d.buffer, d.byteOffset, d.length));
}

/** Bit-for-bit equality of two word lists, reporting the first difference (uvu's diff of long arrays is slow). */
export function assertSameBits(actual, expected, what) {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i])
      assert.unreachable(
        `${what}: word ${i} is 0x${(actual[i] >>> 0).toString(16)}; expected 0x${(expected[i] >>> 0).toString(16)}`,
      );
  }
}
