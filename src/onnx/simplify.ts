// A last pass over the planned steps: Permutes that follow each other (layout changes around a Transpose,
// e.g. PyTorch's channel softmax before opset 13) merge into one, and one that comes out as the identity
// disappears, so the model transposes no more than it must.
import type { Step } from './specs.js';

export function mergePermutes(steps: Step[], output: number): { steps: Step[]; output: number } {
  let out = output;
  const result = steps.slice();
  for (let changed = true; changed;) {
    changed = false;
    for (let j = 0; j < result.length; j++) {
      const b = result[j];
      if (b.kind !== 'permute') continue;
      const i = result.findIndex((s) => s.output === b.inputs[0]);
      const a = i >= 0 ? result[i] : null;
      if (!a || a.kind !== 'permute' || out === a.output) continue;
      const readers = result.filter((s) => s.inputs.includes(a.output));
      if (readers.length !== 1) continue;
      // z = transpose(transpose(x, pa), pb): z's axis k is x's axis pa[pb[k]].
      const pa = [0, ...a.dims];
      const dims = b.dims.map((d) => pa[d]);
      result.splice(i, 1);
      if (dims.every((d, k) => d === k + 1)) {
        // The identity: whatever read b reads a's input instead.
        result.splice(result.indexOf(b), 1);
        for (const s of result) s.inputs = s.inputs.map((t) => (t === b.output ? a.inputs[0] : t));
        if (out === b.output) out = a.inputs[0];
      } else {
        b.dims = dims;
        b.inputs = a.inputs.slice();
      }
      changed = true;
      break;
    }
  }
  return { steps: result, output: out };
}
