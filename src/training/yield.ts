// Giving the event loop a turn during fit, so that a browser page keeps painting and handling input and
// a server keeps answering. A macrotask is needed (a resolved promise would run before any event).
// setImmediate and a MessageChannel message take microseconds a turn, setTimeout(0) a millisecond or more
// (browsers clamp nested timeouts to 4 ms; bench/NOTES.md#fit-yield). So setImmediate where it exists
// (Node, Bun, Deno), a MessageChannel in browsers, and setTimeout only as a last resort; and at most one
// turn per 16 ms of training, which costs well under 1% even with setTimeout.
const g = globalThis as any;

let channel: MessageChannel | null = null;
const waiting: (() => void)[] = [];

function viaMessageChannel(resolve: () => void): void {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => waiting.shift()?.();
  }
  waiting.push(resolve);
  channel.port2.postMessage(0);
}

/** Resolves on a later macrotask. */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof g.setImmediate === 'function') g.setImmediate(resolve);
    else if (typeof g.MessageChannel === 'function') viaMessageChannel(resolve);
    else setTimeout(resolve, 0);
  });
}

export function now(): number {
  return typeof g.performance?.now === 'function' ? g.performance.now() : Date.now();
}

/** Yields at most once per `intervalMs` of work: often enough for a 60 Hz page, rarely enough to be free. */
export class Yielder {
  private last = now();
  constructor(private readonly intervalMs = 16) {}

  async maybeYield(): Promise<void> {
    if (now() - this.last < this.intervalMs) return;
    await nextMacrotask();
    this.last = now();
  }
}
