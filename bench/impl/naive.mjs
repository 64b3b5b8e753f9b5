// The naive JavaScript rows: bench/naive.mjs's kernels behind the interface every implementation offers
// (see bench/cases.mjs). Its outputs are also the reference the other implementations are checked against.
import * as naive from '../naive.mjs';
import { naiveLayerOps } from '../layer-ops.mjs';

export function naiveImpl() {
  const keep = (fn) => ({ run: fn, output: () => [fn()].flat(), dispose() {} });
  return {
    name: 'naive',
    label: 'naive JS',
    separateBackwardKernels: true,
    convForward: (s, d) => keep(() => naive.conv2d(d.x, d.w, s.geom)),
    convBackward(s, d, which) {
      const dx = () => naive.conv2dBackpropInput(d.dy, d.w, s.geom);
      const dw = () => naive.conv2dBackpropFilter(d.x, d.dy, s.geom);
      if (which === 'dx') return keep(dx);
      if (which === 'dw') return keep(dw);
      return keep(() => [dx(), dw()]);
    },
    poolForward: (s, d) => keep(() => naive.maxPool(d.x, s.geom)),
    poolBackward: (s, d) => keep(() => naive.maxPoolBackward(d.x, d.dy, s.geom)),
    matMul: (s, d) => keep(() => naive.matMul(d.a, d.b, s.m, s.k, s.n)),
    ...naiveLayerOps(),
  };
}
