// predict for a model with several inputs or outputs: slices every input batch by batch, runs the
// graph, and copies each output batch into its place in one tensor per output.
import { Tensor } from '../core/tensor.js';
import { tidy } from '../core/engine.js';
import { f32 } from '../backend/views.js';
import { checkKnownKeys, checkOptionsObject, checkPositiveInt, type Shape } from '../layers/options.js';
import { gatherRows, range } from '../training/batches.js';

export function predictMany(
  run: (batch: Tensor[]) => Tensor[],
  xs: Tensor[],
  outputShapes: Shape[],
  args: unknown,
  fn: string,
): Tensor[] {
  const a = checkOptionsObject(args, fn);
  checkKnownKeys(a, ['batchSize', 'verbose'], fn);
  const batchSize = a.batchSize === undefined ? 32 : checkPositiveInt(a.batchSize, 'batchSize', fn);
  const n = xs[0].shape[0];
  const rows = range(0, n);
  const outs: Tensor[] = [];
  try {
    for (const s of outputShapes) outs.push(new Tensor([n, ...(s.slice(1) as number[])]));
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      tidy(() => {
        const ys = run(xs.map((x) => gatherRows(x, rows, start, end, x.shape.slice(1))));
        ys.forEach((y, k) => {
          const rowSize = outs[k].size / Math.max(1, n);
          f32().copyWithin(outs[k].index + start * rowSize, y.index, y.index + y.size);
        });
      });
    }
  } catch (e) {
    for (const t of outs) t.dispose();
    throw e;
  }
  return outs;
}
