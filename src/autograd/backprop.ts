// Reverse-mode differentiation over a recorded tape (micrograd's algorithm on tensors): walk the entries
// backwards, hand each op the gradients of its outputs, and add up the gradients of its inputs.
import type { TapeEntry, Tracked } from '../core/engine.js';
import { Tensor, copyOf } from '../core/tensor.js';
import { kernels } from '../backend/wasm.js';
import { zeros } from '../core/creation.js';

/** Returns the gradient of `y` (seeded with `dy`) for every tensor in `wanted` that the tape reaches. */
export function backprop(entries: TapeEntry[], y: Tensor, dy: Tensor, wanted: Set<number>): Map<number, Tensor> {
  // A tensor needs a gradient if it is wanted or was computed from one that needs it.
  const needed = new Set<number>(wanted);
  for (const entry of entries) {
    if (entry.inputs.some((t) => needed.has(t.id))) for (const o of entry.outputs) needed.add(o.id);
  }
  const grads = new Map<number, Tensor>();
  grads.set(y.id, copyOf(dy));
  for (let e = entries.length - 1; e >= 0; e--) {
    const entry = entries[e];
    const dys = entry.outputs.map((o) => grads.get(o.id) ?? null);
    const needs = entry.inputs.map((t) => needed.has(t.id));
    if (dys.every((g) => g === null) || !needs.some(Boolean)) continue;
    const filled = dys.map((g, i) => g ?? zeros((entry.outputs[i] as unknown as Tensor).shape as number[]));
    const inputGrads = entry.backward(filled, needs);
    entry.inputs.forEach((input: Tracked, i: number) => {
      let g = inputGrads[i] as Tensor | null;
      if (!g) return;
      if (!needs[i]) {
        g.dispose();
        return;
      }
      // A backward that hands back an upstream gradient itself must not let two entries share a
      // tensor: accumulation below writes in place.
      if (filled.includes(g)) g = copyOf(g);
      const prev = grads.get(input.id);
      if (prev) {
        kernels().accumulate(prev.offset, g.offset, prev.size);
        g.dispose();
      } else {
        grads.set(input.id, g);
      }
    });
    // Each tensor is the output of one entry only, so its gradient is finished with now.
    for (const o of entry.outputs) {
      const g = grads.get(o.id);
      if (g && !wanted.has(o.id)) {
        g.dispose();
        grads.delete(o.id);
      }
    }
  }
  return grads;
}
