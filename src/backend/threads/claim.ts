// Which task a thread takes next. Each thread has a home run of the round's tasks (the id-th of THREADS
// equal runs, in order), and an op's split puts neighbouring rows in neighbouring tasks, so a thread keeps
// working on the same part of the data from op to op: the rows it wrote stay in its own cache for the next
// op to read. A thread that finishes its run takes others' tasks from the far end of the list, leaving
// each owner the front of its run.
//
// Workers run this function's source text (see ./pool.ts), so it must be self-contained: no imports and no
// references to anything outside it.

/**
 * Claims a task of `round` for thread `id` and returns its index, or -1 when none is left. `avail` is the
 * index of the first AVAIL word in `ctl`.
 */
export function claimTask(
  ctl: Int32Array,
  avail: number,
  round: number,
  total: number,
  threads: number,
  id: number,
): number {
  const home = id < threads;
  const from = home ? Math.floor((id * total) / threads) : total;
  const to = home ? Math.floor(((id + 1) * total) / threads) : total;
  for (let i = from; i < to; i++) {
    if (Atomics.load(ctl, avail + i) === round && Atomics.compareExchange(ctl, avail + i, round, ~round) === round)
      return i;
  }
  for (let i = total - 1; i >= 0; i--) {
    if (i >= from && i < to) continue;
    if (Atomics.load(ctl, avail + i) === round && Atomics.compareExchange(ctl, avail + i, round, ~round) === round)
      return i;
  }
  return -1;
}
