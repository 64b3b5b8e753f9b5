// The bits of a model's weights and predictions after a short Adam fit on fixed data: the threads tests
// compare them between thread counts.
import { sn } from './setup.mjs';
import { bitsOf } from './compare.mjs';

/** Fits `model` (uncompiled) for 2 epochs on n random images of `shape`, labels i * step mod 10. */
export async function fitBits(model, { shape, n, batchSize, seed, step }) {
  model.compile({ optimizer: 'adam', loss: sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }) });
  const x = sn.randomUniform([n, ...shape], { seed });
  const y = sn.tensor(
    Array.from({ length: n }, (_, i) => (i * step) % 10),
    [n],
    'int32',
  );
  await model.fit(x, y, { epochs: 2, batchSize, shuffle: false, verbose: 0 });
  const out = {};
  model.getWeights().forEach((t, i) => (out[`weight ${i}`] = bitsOf(t)));
  out.predict = bitsOf(model.predict(x));
  model.dispose();
  x.dispose();
  y.dispose();
  return out;
}
