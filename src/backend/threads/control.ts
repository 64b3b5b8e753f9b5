// Layout of the control block: a fixed region at the bottom of the shared WebAssembly.Memory (below the
// allocator's heap) through which the calling thread hands kernel calls to the workers. It lives in the
// memory itself, so every thread sees it without messages, and views of it never go stale: a shared
// buffer is never detached by growth, and this region is below the first growth.
//
// Int32 words of the header:
//   DONE            workers that finished the current round (the caller waits for it to reach its count)
//   ERROR           0, or 1 + the id of the first worker whose calls threw (its message follows)
//   STOP            1 once the pool is being disposed: a woken worker leaves its loop
//   WAKE + w        worker w's round counter: the caller bumps it and notifies that word to start worker w
// Then MESSAGE_CHARS UTF-16 code units of the failing worker's error message, then one slot per worker of
// SLOT_F64 float64s: [number of calls, then per call: kernel id, argument count, arguments...]. Every kernel
// argument is an i32 pointer or size or an f32 scalar, so a float64 carries each one exactly.

/** Most threads a pool may run, counting the calling thread. */
export const MAX_THREADS = 16;

export const DONE = 0;
export const ERROR = 1;
export const STOP = 2;
export const WAKE = 16;
export const HEADER_INTS = WAKE + MAX_THREADS;

export const MESSAGE_BYTES_AT = HEADER_INTS * 4;
export const MESSAGE_CHARS = 512;
export const SLOTS_AT = MESSAGE_BYTES_AT + MESSAGE_CHARS * 2;
export const SLOT_F64 = 1024;
export const SLOT_BYTES = SLOT_F64 * 8;

/** Bytes the control block takes; the allocator starts above it (rounded up to 64). */
export const CONTROL_BYTES = SLOTS_AT + (MAX_THREADS - 1) * SLOT_BYTES;
