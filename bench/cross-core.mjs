// A probe of what the machine does to data passed between cores: how long one thread takes to read 3 MB
// that another thread has just written, relative to reading 3 MB it wrote itself. On the 2-core cloud VM
// the benches ran on, this ratio is 1.0 for a while and then about 2.7 for a while, changing every few
// seconds to minutes whatever runs in the VM (presumably the host moving the VM's two virtual CPUs
// between cores that share a last-level cache and cores that do not). One thread does not notice; two
// threads that hand data to each other at every op (a training step) lose much of their gain, so
// bench/threads.mjs probes before and after each timed case and reports the two states apart.
//
// The reads run in WebAssembly (a SIMD sum), the only way to read fast enough from JavaScript for the
// transfer to show; the kernel is compiled here from its AssemblyScript source.
import { Worker } from 'node:worker_threads';
import { compileString } from 'assemblyscript/asc';

const SOURCE = `
export function fill(p: usize, n: i32, v: f32): void {
  const s = f32x4.splat(v);
  for (let i = 0; i < n; i += 4) v128.store(p + (<usize>i << 2), s);
}
export function sum(p: usize, n: i32): f32 {
  let a = f32x4.splat(0), b = f32x4.splat(0), c = f32x4.splat(0), d = f32x4.splat(0);
  for (let i = 0; i < n; i += 16) {
    const q = p + (<usize>i << 2);
    a = f32x4.add(a, v128.load(q));
    b = f32x4.add(b, v128.load(q, 16));
    c = f32x4.add(c, v128.load(q, 32));
    d = f32x4.add(d, v128.load(q, 48));
  }
  const s = f32x4.add(f32x4.add(a, b), f32x4.add(c, d));
  return f32x4.extract_lane(s, 0);
}`;

/** Floats read per probe: larger than one core's L2, so what the other core wrote is not all in ours. */
const FLOATS = 3 << 18;
const DATA_AT = 1 << 16;
const PAGES = Math.ceil((DATA_AT + FLOATS * 4) / 65536);
/** Pairs of reads per probe (one of own data, one of the other thread's): ~10 ms in all. */
const ROUNDS = 24;

// Command word: the worker waits on CMD, runs the command and stores IDLE. Both sides spin while a probe
// runs (MODE = SPIN): a thread that blocks is likely woken on the core of the thread that wakes it, and then both
// read from one cache. Between probes the worker blocks, leaving the cores to what is being timed.
const CMD = 0;
/** SPIN while a probe runs, IDLE otherwise. */
const MODE = 1;
const IDLE = 0;
const FILL = 1;
const QUIT = 2;
const SPIN = 3;
/** How long both threads spin before a probe's first read, for the OS to put them on cores of their own. */
const SETTLE_MS = 5;

const WORKER = `
const { workerData } = require('node:worker_threads');
const { module, memory, data, floats } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory, abort() {} } }).exports;
const ctl = new Int32Array(memory.buffer, 0, 4);
for (;;) {
  if (Atomics.load(ctl, ${MODE}) !== ${SPIN}) Atomics.wait(ctl, ${CMD}, ${IDLE});
  const cmd = Atomics.load(ctl, ${CMD});
  if (cmd === ${IDLE}) continue;
  if (cmd === ${FILL}) k.fill(data, floats, 1);
  Atomics.store(ctl, ${CMD}, ${IDLE});
  if (cmd === ${QUIT}) break;
}`;

/**
 * Starts the probe's worker; `ratio()` then measures (time to read the worker's data) / (time to read our
 * own), medians of a few reads each. `close()` stops the worker.
 */
export async function crossCoreProbe() {
  const { binary, stderr } = await compileString(SOURCE, {
    optimizeLevel: 3,
    runtime: 'stub',
    enable: ['simd', 'threads'],
    sharedMemory: true,
    importMemory: true,
    initialMemory: PAGES,
    maximumMemory: PAGES,
  });
  if (!binary) throw new Error(`bench/cross-core.mjs: the probe kernel did not compile: ${stderr}`);
  const module = new WebAssembly.Module(binary);
  const memory = new WebAssembly.Memory({ initial: PAGES, maximum: PAGES, shared: true });
  const k = new WebAssembly.Instance(module, { env: { memory, abort() {} } }).exports;
  const ctl = new Int32Array(memory.buffer, 0, 4);
  const worker = new Worker(WORKER, { eval: true, workerData: { module, memory, data: DATA_AT, floats: FLOATS } });
  worker.unref();
  const command = (cmd) => {
    Atomics.store(ctl, CMD, cmd);
    Atomics.notify(ctl, CMD);
    while (Atomics.load(ctl, CMD) !== IDLE);
  };
  const read = () => {
    const t0 = performance.now();
    k.sum(DATA_AT, FLOATS);
    return performance.now() - t0;
  };
  const mid = (a) => a.sort((x, y) => x - y)[a.length >> 1];
  const probe = {
    ratio() {
      const own = [];
      const theirs = [];
      Atomics.store(ctl, MODE, SPIN);
      Atomics.notify(ctl, CMD);
      const until = performance.now() + SETTLE_MS;
      while (performance.now() < until);
      for (let r = 0; r < ROUNDS; r++) {
        k.fill(DATA_AT, FLOATS, 2);
        const mine = read();
        command(FILL);
        const other = read();
        own.push(mine);
        theirs.push(other);
      }
      Atomics.store(ctl, MODE, IDLE);
      return mid(theirs) / mid(own);
    },
    close() {
      command(QUIT);
    },
  };
  // A new worker often starts on the calling thread's core and moves away only once both are busy.
  probe.ratio();
  return probe;
}
