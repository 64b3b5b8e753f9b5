// Typed-array views over the shared WebAssembly.Memory. Growing the memory detaches every view of the
// old buffer, so views are re-derived whenever the buffer object changes; never keep one across an
// allocation.
import { wasmMemory } from './wasm.js';

let buffer: ArrayBuffer | null = null;
let f32View = new Float32Array(0);
let i32View = new Int32Array(0);
let u8View = new Uint8Array(0);

function refresh(): void {
  const current = wasmMemory().buffer as ArrayBuffer;
  if (current !== buffer) {
    buffer = current;
    f32View = new Float32Array(current);
    i32View = new Int32Array(current);
    u8View = new Uint8Array(current);
  }
}

export function f32(): Float32Array {
  refresh();
  return f32View;
}

export function i32(): Int32Array {
  refresh();
  return i32View;
}

export function u8(): Uint8Array {
  refresh();
  return u8View;
}
