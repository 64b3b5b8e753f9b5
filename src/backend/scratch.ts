// Persistent scratch blocks for kernels (indirection buffers, packed weights, column buffers). Each named
// slot keeps its block and grows it when a bigger one is asked for, so steady-state training allocates
// nothing. Scratch counts in wasmBytes but not in numTensors.
import { allocate, release } from './allocator.js';

const slots = new Map<string, { offset: number; bytes: number }>();

/** Byte offset of a block of at least `bytes` bytes reserved for `slot`. Contents are unspecified. */
export function scratch(slot: string, bytes: number): number {
  const s = slots.get(slot);
  if (s && s.bytes >= bytes) return s.offset;
  // The old block goes first, so the new one may reuse its memory; if allocating fails, the slot is dropped
  // (its contents were scratch anyway) rather than left pointing at memory it no longer owns.
  if (s) {
    slots.delete(slot);
    release(s.offset);
  }
  const size = Math.max(bytes, s ? s.bytes * 2 : 0, 64);
  const offset = allocate(size);
  slots.set(slot, { offset, bytes: size });
  return offset;
}
