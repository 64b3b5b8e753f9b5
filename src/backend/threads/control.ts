// Layout of the control block: a fixed region at the bottom of the shared WebAssembly.Memory (below the
// allocator's heap) through which the calling thread hands kernel calls to the workers. It lives in the
// memory itself, so every thread sees it without messages, and views of it never go stale: a shared
// buffer is never detached by growth, and this region is below the first growth.
//
// Work goes in rounds of up to MAX_TASKS tasks, one per slot. The caller writes the slots, marks each
// task available (AVAIL + i = round), sets TOTAL, THREADS and ROUND, zeroes DONE, wakes workers and claims
// tasks itself. Any thread claims a task by a compare-and-swap of its AVAIL word from round to ~round (see
// ./claim.ts), so a worker the OS has not scheduled yet leaves its tasks to whoever comes first (the
// caller, in the worst case) instead of holding the round up; and since a claim names its round, a worker
// waking late can never take a task of a later round.
//
// Int32 words of the header:
//   ROUND           the current round (1 and up), written before the workers are woken
//   TOTAL           tasks in the current round
//   DONE            tasks of the current round finished by workers, each adding its count once it finds no
//                   task left (the caller waits for it to reach TOTAL less the tasks it ran itself)
//   ERROR           0, or 1 + the id of the first thread whose task threw (its message follows)
//   STOP            1 once the pool is being disposed: a woken worker leaves its loop
//   CALLER_SLEEPING 1 while the caller is (about to be) blocked in Atomics.wait on DONE: workers notify DONE
//                   only then
//   THREADS         threads the round's tasks are laid out for (each has a home run of them, ./claim.ts)
//   SPIN_US         microseconds an idle thread spins before it blocks: 0 when there are more threads than
//                   cores, where a spinning thread would hold the core that the thread it waits for needs
//   AVAIL + i       round while task i is available in that round, ~round once claimed
//   WAKE + w        worker w's wake counter: the caller bumps it, and notifies that word when worker w sleeps
//   SLEEPING + w    1 while worker w is (about to be) blocked in Atomics.wait on its WAKE word: a notify
//                   costs microseconds even with nobody waiting, and most rounds find the worker spinning
// Then MESSAGE_CHARS UTF-16 code units of the failing task's error message, then MAX_TASKS slots of SLOT_F64
// float64s: [number of calls, then per call: kernel id, argument count, arguments...]. Every kernel argument
// is an i32 pointer or size or an f32 scalar, so a float64 carries each one exactly.

/** Most threads a pool may run, counting the calling thread; also the most tasks in a round. */
export const MAX_THREADS = 16;
export const MAX_TASKS = MAX_THREADS;

export const ROUND = 0;
export const TOTAL = 1;
export const DONE = 2;
export const ERROR = 3;
export const STOP = 4;
export const CALLER_SLEEPING = 5;
export const THREADS = 6;
export const SPIN_US = 7;
export const AVAIL = 16;
export const WAKE = AVAIL + MAX_TASKS;
export const SLEEPING = WAKE + MAX_THREADS;
export const HEADER_INTS = SLEEPING + MAX_THREADS;

export const MESSAGE_BYTES_AT = HEADER_INTS * 4;
export const MESSAGE_CHARS = 512;
export const SLOTS_AT = MESSAGE_BYTES_AT + MESSAGE_CHARS * 2;
export const SLOT_F64 = 1024;
export const SLOT_BYTES = SLOT_F64 * 8;

/** Bytes the control block takes; the allocator starts above it (rounded up to 64). */
export const CONTROL_BYTES = SLOTS_AT + MAX_TASKS * SLOT_BYTES;
