// The list of benchmark cases. Each case names the implementation method that prepares it
// (impl[case.method](shape, data, variant) → { run, output, dispose } or { na: reason }), its work count
// for the throughput column, its input data (made lazily, seeded) and the implementation whose output
// is the reference for the correctness check.
import {
  CONV_SHAPES,
  POOL_SHAPES,
  MATMUL_SHAPES,
  convLabel,
  poolLabel,
  matMulLabel,
  convFlops,
  poolOps,
  matMulFlops,
} from './shapes.mjs';
import { MODELS, BATCH } from './models.mjs';
import { randomArray } from './random.mjs';
import { layerOpCases } from './layer-ops.mjs';

function lazy(make) {
  let value = null;
  return () => (value ??= make());
}

function convData(s) {
  const g = s.geom;
  return lazy(() => ({
    xShape: [g.n, g.h, g.w, g.cin],
    wShape: [g.kh, g.kw, g.cin, g.cout],
    dyShape: [g.n, g.oh, g.ow, g.cout],
    x: randomArray([g.n, g.h, g.w, g.cin], 1),
    w: randomArray([g.kh, g.kw, g.cin, g.cout], 2),
    dy: randomArray([g.n, g.oh, g.ow, g.cout], 3),
  }));
}

function poolData(s) {
  const g = s.geom;
  return lazy(() => ({
    xShape: [g.n, g.h, g.w, g.cin],
    dyShape: [g.n, g.oh, g.ow, g.cin],
    x: randomArray([g.n, g.h, g.w, g.cin], 4),
    dy: randomArray([g.n, g.oh, g.ow, g.cin], 5),
  }));
}

function matMulData(s) {
  return lazy(() => ({ a: randomArray([s.m, s.k], 6), b: randomArray([s.k, s.n], 7) }));
}

// TF.js cpu's Conv2DBackpropFilter reads every element through TensorBuffer.get: seconds per call on
// these shapes (half a minute for a training step of the Keras model), too long for --quick.
const QUICK_SKIP = ['tfcpu'];

const BACKWARD_VARIANTS = [
  { which: 'dx', suffix: 'dx', factor: 1 },
  { which: 'dw', suffix: 'dW', factor: 1 },
  { which: 'both', suffix: 'dx+dW', factor: 2 },
];

export function allCases() {
  const cases = [];
  for (const s of CONV_SHAPES) {
    cases.push({
      section: 'forward',
      id: `${s.id}`,
      label: convLabel(s),
      tags: ['conv', 'forward'],
      quick: s.quick,
      method: 'convForward',
      shape: s,
      data: convData(s),
      work: convFlops(s.geom),
      unit: 'FLOP',
      reference: 'naive',
    });
  }
  for (const s of POOL_SHAPES) {
    cases.push({
      section: 'forward',
      id: `${s.id}`,
      label: poolLabel(s),
      tags: ['pool', 'maxpool', 'forward'],
      quick: s.quick,
      method: 'poolForward',
      shape: s,
      data: poolData(s),
      work: poolOps(s.geom),
      unit: 'op',
      reference: 'naive',
    });
  }
  for (const s of MATMUL_SHAPES) {
    cases.push({
      section: 'forward',
      id: `${s.id}`,
      label: matMulLabel(s),
      tags: ['matmul', 'forward'],
      quick: s.quick,
      method: 'matMul',
      shape: s,
      data: matMulData(s),
      work: matMulFlops(s),
      unit: 'FLOP',
      reference: 'naive',
    });
  }
  for (const s of CONV_SHAPES) {
    const data = convData(s);
    for (const v of BACKWARD_VARIANTS) {
      cases.push({
        section: 'backward',
        id: `${s.id}-${v.which}`,
        label: `${convLabel(s)} ${v.suffix}`,
        tags: ['conv', 'backward', v.which],
        quick: s.id === 'c2',
        method: 'convBackward',
        variant: v.which,
        shape: s,
        data,
        work: v.factor * convFlops(s.geom),
        unit: 'FLOP',
        reference: 'naive',
        // Implementations with separate dx and dW kernels get the sum of those two rows, not a third timing.
        sumOf: v.which === 'both' ? [`${s.id}-dx`, `${s.id}-dw`] : undefined,
        quickSkip: QUICK_SKIP,
      });
    }
  }
  for (const s of POOL_SHAPES) {
    cases.push({
      section: 'backward',
      id: `${s.id}-back`,
      label: `${poolLabel(s)} backward`,
      tags: ['pool', 'maxpool', 'backward'],
      quick: s.quick,
      method: 'poolBackward',
      shape: s,
      data: poolData(s),
      work: poolOps(s.geom),
      unit: 'op',
      reference: 'naive',
    });
  }
  cases.push(...layerOpCases());
  for (const m of MODELS) {
    cases.push({
      section: 'train',
      id: m.id,
      label: m.label,
      tags: ['train', 'training'],
      quick: m.quick,
      method: 'train',
      shape: m,
      data: () => null,
      work: BATCH,
      unit: 'image',
      reference: ['tfcpu', 'tfwasm'],
      quickSkip: QUICK_SKIP,
    });
  }
  return cases;
}

/**
 * `only`: comma-separated filters; a case runs if any filter matches. A filter matches a tag, the
 * section, or the id; `a+b` needs both (e.g. `conv+backward`).
 */
export function selectCases({ quick, only }) {
  let cases = allCases();
  if (quick) cases = cases.filter((c) => c.quick);
  if (only && only.length) {
    const names = (c) => new Set([...c.tags, c.section, c.id, c.method.toLowerCase()]);
    cases = cases.filter((c) => only.some((f) => f.split('+').every((part) => names(c).has(part.toLowerCase()))));
  }
  return cases;
}
