// Packed weight panels, cached per (weights, bias) pair. Tensors are immutable except Variables, whose
// `version` goes up whenever an optimizer or assign() changes them; so a pack is reused while both ids and
// versions match, repacked in place when a version moved (every training step), and freed when either
// tensor is disposed (the GEMM driver, src/ops/gemm.ts, forwards disposals here). Inference (predict, small
// batches) then packs each layer's weights once; training repacks into the same block and allocates nothing.
import { allocate, release } from './allocator.js';

/** What the cache needs of a tensor: its id, and its version if it is a Variable. */
interface Source {
  readonly id: number;
  readonly version?: number;
}

interface Entry {
  key: string;
  versions: string;
  offset: number;
  bytes: number;
  ids: number[];
}

const entries = new Map<string, Entry>();
const byTensor = new Map<number, Set<string>>();

function versionOf(t: Source): number {
  return t.version ?? 0;
}

/** Frees every pack made from tensor `id` (called when that tensor is disposed). */
export function forgetPacksOf(id: number): void {
  const keys = byTensor.get(id);
  if (!keys) return;
  byTensor.delete(id);
  for (const key of keys) {
    const e = entries.get(key);
    if (!e) continue;
    entries.delete(key);
    release(e.offset);
    for (const other of e.ids) if (other !== id) byTensor.get(other)?.delete(key);
  }
}

/** Drops an entry and frees its block. */
function forget(e: Entry): void {
  entries.delete(e.key);
  release(e.offset);
  for (const id of e.ids) byTensor.get(id)?.delete(e.key);
}

/**
 * The offset of `kind`'s packing of `tensors` (bytes long), calling `pack(offset)` only when there is no
 * up-to-date one.
 */
export function cachedPack(kind: string, tensors: Source[], bytes: number, pack: (offset: number) => void): number {
  const key = `${kind}:${tensors.map((t) => t.id).join(',')}`;
  const versions = tensors.map(versionOf).join(',');
  let e = entries.get(key);
  if (e && e.versions === versions && e.bytes === bytes) return e.offset;
  if (!e || e.bytes !== bytes) {
    // A new or resized pack. The old block and its entry go first; if allocating fails, the cache simply
    // has no entry for these tensors (nothing points at freed memory) and the next call tries again.
    if (e) forget(e);
    e = { key, versions, offset: allocate(bytes), bytes, ids: tensors.map((t) => t.id) };
    entries.set(key, e);
    for (const t of tensors) {
      let set = byTensor.get(t.id);
      if (!set) byTensor.set(t.id, (set = new Set()));
      set.add(key);
    }
  }
  e.versions = versions;
  pack(e.offset);
  return e.offset;
}
