// Correctness checks the bench makes while it runs: an implementation that is fast and wrong is not fast.

/**
 * Norm-wise relative error ||a - b|| / ||b|| of each output of a case (a list of arrays: dx and dW, or
 * losses and parameter updates), the worst of them.
 */
export function relativeError(outs, refs) {
  if (outs.length !== refs.length) return Infinity;
  let worst = 0;
  for (let k = 0; k < refs.length; k++) {
    const a = outs[k];
    const b = refs[k];
    if (a.length !== b.length) return Infinity;
    let num = 0;
    let den = 0;
    for (let i = 0; i < b.length; i++) {
      const d = a[i] - b[i];
      num += d * d;
      den += b[i] * b[i];
    }
    const err = den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    worst = Math.max(worst, Number.isNaN(err) ? Infinity : err);
  }
  return worst;
}

/** Error above which a row is flagged: float32 with different summation orders stays far below it. */
export const TOLERANCE = { op: 1e-4, train: 1e-3 };

/**
 * simdnet and TF.js's wasm backend each own a WebAssembly.Memory. Checks that they really are distinct
 * and that neither writes into the other: data placed in each survives a burst of allocations and kernel
 * calls in the other (including growing simdnet's memory, which detaches old views of its buffer).
 * Returns a one-line summary; throws if something is wrong.
 */
export async function checkIsolation(sn, tfctx) {
  const { tf } = tfctx;
  const snMem = sn.wasmMemory().buffer;
  const tfMem = tfctx.wasmMemoryBuffer();
  if (snMem === tfMem) throw new Error('isolation: simdnet and TF.js wasm share one memory buffer');
  await tf.setBackend('wasm');
  const pattern = Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i) * 1000);
  const a = sn.tensor(pattern, [4096]);
  const b = tf.tensor(pattern, [4096]);
  // Work in TF.js's memory.
  tf.tidy(() => {
    let x = tf.randomNormal([64, 64]);
    for (let i = 0; i < 20; i++) x = tf.div(tf.matMul(x, tf.randomNormal([64, 64])), 8);
    tf.add(tf.zeros([1 << 22]), 1).dataSync(); // 16 MiB: makes the wasm heap grow
  });
  // Work in simdnet's memory (tensor creation only: it does not need any op to be implemented).
  const big = sn.zeros([1 << 23]); // 32 MiB: makes simdnet's memory grow
  const filled = sn.randomNormal([1 << 16], { seed: 3 });
  const same = (x) => x.length === pattern.length && x.every((v, i) => v === pattern[i]);
  const okSn = same(a.dataSync());
  const okTf = same(b.dataSync());
  big.dispose();
  filled.dispose();
  a.dispose();
  b.dispose();
  await tf.setBackend('cpu');
  if (!okSn) throw new Error('isolation: TF.js work changed data in simdnet memory');
  if (!okTf) throw new Error('isolation: simdnet work changed data in TF.js wasm memory');
  return `separate memories (simdnet ${(sn.wasmMemory().buffer.byteLength / 2 ** 20).toFixed(0)} MiB, TF.js wasm ${(tfctx.wasmMemoryBuffer().byteLength / 2 ** 20).toFixed(0)} MiB); data in each intact after work in the other`;
}
