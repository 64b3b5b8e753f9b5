// The page's side of the training worker: requests as promises, events to listeners.
import type { FromWorker, Request, WorkerEvent } from './protocol.js';

export class Trainer {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private readonly listeners: ((e: WorkerEvent) => void)[] = [];

  constructor(url: URL) {
    this.worker = new Worker(url, { type: 'module', name: 'simdnet-trainer' });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => {
      const msg = e.data;
      if ('event' in msg) {
        for (const l of this.listeners) l(msg);
        return;
      }
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.ok) p?.resolve(msg.result);
      else p?.reject(new Error(msg.error));
    };
    this.worker.onerror = (e) => {
      const err = new Error(`the training worker failed: ${e.message || 'unknown error'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  request<T>(req: Request, transfer: Transferable[] = []): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, req }, transfer);
    });
  }

  on(listener: (e: WorkerEvent) => void): void {
    this.listeners.push(listener);
  }
}

/** Whether the worker holds a model, for the sections that need one. */
export const modelState = {
  ready: false,
  listeners: [] as ((ready: boolean, note: string) => void)[],
  set(ready: boolean, note: string): void {
    this.ready = ready;
    for (const l of this.listeners) l(ready, note);
  },
};
