// Joining tensors along one axis, for the concatenate layer until the sn.concat op (engineer layerops)
// lands; then concatenate calls that and this file goes. Block copies in JS: along `axis` each input
// contributes a contiguous run of shape[axis]·(size of the later axes) floats per leading index.
import { Tensor, empty } from '../core/tensor.js';
import { isRecording, record } from '../core/engine.js';
import { f32 } from '../backend/views.js';

function runs(t: Tensor, axis: number): { outer: number; run: number } {
  const run = t.shape.slice(axis).reduce((a, b) => a * b, 1);
  return { outer: run === 0 ? 0 : t.size / run, run };
}

export function concatAlong(xs: Tensor[], axis: number): Tensor {
  const shape = xs[0].shape.slice();
  shape[axis] = xs.reduce((n, x) => n + x.shape[axis], 0);
  const y = empty(shape);
  const { outer, run: total } = runs(y, axis);
  const view = f32();
  let offset = 0;
  for (const x of xs) {
    const { run } = runs(x, axis);
    for (let o = 0; o < outer; o++)
      view.copyWithin(y.index + o * total + offset, x.index + o * run, x.index + (o + 1) * run);
    offset += run;
  }
  if (isRecording()) {
    record({
      name: 'concat',
      inputs: xs,
      outputs: [y],
      backward: ([dy]: Tensor[]) => {
        let at = 0;
        return xs.map((x) => {
          const { run } = runs(x, axis);
          const dx = empty(x.shape);
          const v = f32(); // after the allocation, which may have grown the memory
          for (let o = 0; o < outer; o++)
            v.copyWithin(dx.index + o * run, dy.index + o * total + at, dy.index + o * total + at + run);
          at += run;
          return dx;
        });
      },
    });
  }
  return y;
}
