// A first-fit allocator over the one WebAssembly.Memory. Blocks are 64-byte aligned (a cache line, and
// more than the 16 bytes v128 loads like). Freed blocks go back to a free list kept sorted by address and
// merged with their neighbours, so a training loop that frees and re-allocates the same sizes every step
// reuses the same memory and the WASM memory stops growing after the first step.
//
// Every function here either completes or throws before changing anything: a failed allocation (the memory
// cannot grow) leaves the free list, the live blocks and the memory as they were.
import { heapBase, wasmMemory, WASM_PAGE } from './wasm.js';
import { OutOfMemoryError } from '../util/errors.js';

const ALIGN = 64;

interface Block {
  offset: number;
  size: number;
}

let initialised = false;
let top = 0; // first byte never handed out
const free: Block[] = []; // sorted by offset, never adjacent (merged)
const live = new Map<number, number>(); // offset -> size

function init(): void {
  if (initialised) return;
  initialised = true;
  top = heapBase();
}

function roundUp(n: number): number {
  return Math.ceil(Math.max(n, 1) / ALIGN) * ALIGN;
}

/** The most a 32-bit WASM memory can hold: 65536 pages of 64 KiB. */
const MAX_BYTES = 65536 * WASM_PAGE;

/** Grows the memory to at least `end` bytes, or throws OutOfMemoryError (for a block of `bytes`) unchanged. */
function ensureCapacity(end: number, bytes: number): void {
  const memory = wasmMemory();
  const have = memory.buffer.byteLength;
  if (end <= have) return;
  if (end > MAX_BYTES) throw new OutOfMemoryError(undefined, bytes, have);
  // Grow by at least a quarter of the current size to keep growth (which copies) rare.
  const needPages = Math.ceil((end - have) / WASM_PAGE);
  const pages = Math.min(
    Math.max(needPages, Math.ceil(have / WASM_PAGE / 4)),
    MAX_BYTES / WASM_PAGE - have / WASM_PAGE,
  );
  try {
    memory.grow(pages);
  } catch {
    try {
      memory.grow(needPages);
    } catch {
      throw new OutOfMemoryError(undefined, bytes, have);
    }
  }
}

/**
 * Returns the byte offset of a fresh block of at least `bytes` bytes. Contents are unspecified. Throws
 * OutOfMemoryError, with nothing changed, when the memory cannot grow to hold it.
 */
export function allocate(bytes: number): number {
  init();
  const size = roundUp(bytes);
  for (let i = 0; i < free.length; i++) {
    const b = free[i];
    if (b.size >= size) {
      const offset = b.offset;
      if (b.size === size) free.splice(i, 1);
      else {
        b.offset += size;
        b.size -= size;
      }
      live.set(offset, size);
      return offset;
    }
  }
  // Nothing fits: if the last free block touches the top, extend it instead of leaving it stranded. The
  // memory grows first, so that a failure leaves that block on the free list.
  const last = free[free.length - 1];
  const extendsLast = last !== undefined && last.offset + last.size === top;
  const offset = extendsLast ? last.offset : top;
  ensureCapacity(offset + size, size);
  if (extendsLast) free.pop();
  top = offset + size;
  live.set(offset, size);
  return offset;
}

/** Returns a block to the free list, merging it with free neighbours. */
export function release(offset: number): void {
  const size = live.get(offset);
  if (size === undefined) throw new Error(`internal: release of unknown block at ${offset}`);
  live.delete(offset);
  // Binary search for the insertion point.
  let lo = 0;
  let hi = free.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (free[mid].offset < offset) lo = mid + 1;
    else hi = mid;
  }
  const block: Block = { offset, size };
  const prev = free[lo - 1];
  const next = free[lo];
  if (prev && prev.offset + prev.size === offset) {
    prev.size += size;
    if (next && prev.offset + prev.size === next.offset) {
      prev.size += next.size;
      free.splice(lo, 1);
    }
  } else if (next && offset + size === next.offset) {
    next.offset = offset;
    next.size += size;
  } else {
    free.splice(lo, 0, block);
  }
  // Give the memory above the highest live block back to the bump pointer.
  const last = free[free.length - 1];
  if (last && last.offset + last.size === top) {
    top = last.offset;
    free.pop();
  }
}
