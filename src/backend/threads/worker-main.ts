// The body of every worker, turned into source text with Function.prototype.toString and started from a
// Blob URL (browsers, Deno, Bun) or worker_threads' eval (Node): the bundle stays one file with nothing
// else to serve. It must therefore be self-contained: no imports, no references to anything outside it;
// the control block's layout arrives in the init message.
//
// A worker instantiates the kernel module over the shared memory, says it is ready, then loops for ever:
// wait on its WAKE word (spinning first, for about as long as the gaps between the rounds of a training
// step: a wake-up through Atomics.wait costs tens of microseconds, and meanwhile the caller has taken
// the worker's tasks itself), then claim and run tasks of the current round until none is
// left (see ./control.ts and ./claim.ts), counting each in DONE.

import type { claimTask } from './claim.js';

export interface WorkerInit {
  module?: WebAssembly.Module;
  bytes?: Uint8Array<ArrayBuffer>;
  memory: WebAssembly.Memory;
  /** Byte offset of the control block in the memory. */
  control: number;
  id: number;
  names: string[];
  layout: {
    round: number;
    total: number;
    threads: number;
    avail: number;
    done: number;
    error: number;
    stop: number;
    callerSleeping: number;
    wake: number;
    sleeping: number;
    headerInts: number;
    messageAt: number;
    messageChars: number;
    slotsAt: number;
    slotF64: number;
    /** Index of the word holding the microseconds to spin on the WAKE word before blocking. */
    spinUs: number;
  };
}

/**
 * `port` is worker_threads' parentPort in Node, null in web-style workers (browsers, Deno, Bun); `claim` is
 * ./claim.ts's claimTask, handed in as source text beside this function's.
 */
export function workerMain(port: any, claim: typeof claimTask): void {
  const g = globalThis as any;
  const post = (m: unknown) => (port ? port.postMessage(m) : g.postMessage(m));

  const run = (init: WorkerInit) => {
    let exports: any;
    try {
      const module = init.module instanceof WebAssembly.Module ? init.module : new WebAssembly.Module(init.bytes!);
      exports = new WebAssembly.Instance(module, { env: { memory: init.memory } }).exports;
    } catch (e) {
      post({ error: String((e as Error)?.message ?? e) });
      return;
    }
    const L = init.layout;
    const buffer = init.memory.buffer;
    const ctl = new Int32Array(buffer, init.control, L.headerInts);
    const message = new Uint16Array(buffer, init.control + L.messageAt, L.messageChars);
    const slotsAt = (init.control + L.slotsAt) / 8;
    const all = new Float64Array(buffer);
    const fns = init.names.map((n) => exports[n]);
    const wake = L.wake + init.id;
    const sleeping = L.sleeping + init.id;
    const args: number[] = [];
    // Read before saying ready: the caller may bump the word as soon as it hears.
    let round = Atomics.load(ctl, wake);
    post({ ready: true });
    for (;;) {
      let spins = 0;
      let spinUntil = 0;
      while (Atomics.load(ctl, wake) === round) {
        // Reading the clock costs more than a load: look at it every 1024 spins.
        if ((++spins & 1023) !== 0) continue;
        const now = performance.now();
        if (spinUntil === 0) spinUntil = now + Atomics.load(ctl, L.spinUs) / 1000;
        else if (now > spinUntil) {
          // Say so before blocking: a caller that bumps WAKE after this store sees it and notifies; one
          // that bumped it before makes the wait return at once (the word no longer holds `round`).
          Atomics.store(ctl, sleeping, 1);
          Atomics.wait(ctl, wake, round);
          Atomics.store(ctl, sleeping, 0);
        }
      }
      round = Atomics.load(ctl, wake);
      if (Atomics.load(ctl, L.stop) !== 0) break;
      const current = Atomics.load(ctl, L.round);
      const total = Atomics.load(ctl, L.total);
      const threads = Atomics.load(ctl, L.threads);
      let finished = 0;
      for (;;) {
        const task = claim(ctl, L.avail, current, total, threads, init.id);
        if (task < 0) break;
        try {
          const base = slotsAt + task * L.slotF64;
          const calls = all[base];
          let at = base + 1;
          for (let c = 0; c < calls; c++) {
            const fn = fns[all[at]];
            const n = all[at + 1];
            args.length = n;
            for (let i = 0; i < n; i++) args[i] = all[at + 2 + i];
            at += 2 + n;
            fn(...args);
          }
        } catch (e) {
          if (Atomics.compareExchange(ctl, L.error, 0, 1 + init.id) === 0) {
            const text = `${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? e}`;
            const n = Math.min(text.length, L.messageChars - 1);
            for (let i = 0; i < n; i++) message[i] = text.charCodeAt(i);
            message[n] = 0;
          }
        }
        finished++;
      }
      // Counted once per round rather than per task: the counter's cache line is shared by every thread.
      if (finished > 0) {
        Atomics.add(ctl, L.done, finished);
        if (Atomics.load(ctl, L.callerSleeping) !== 0) Atomics.notify(ctl, L.done);
      }
    }
    if (port) port.close();
    else g.close?.();
  };

  if (port) port.once('message', run);
  else g.onmessage = (e: MessageEvent) => run(e.data);
}
