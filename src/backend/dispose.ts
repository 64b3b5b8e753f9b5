// sn.dispose(): with no argument, stops the worker threads (kernels then run on the calling thread until a
// later ready({ threads }) starts them again); with tensors (a tensor, or arrays/objects of them), disposes
// those, as TF.js's dispose does.
import { collectTensors, type Tracked } from '../core/engine.js';
import { disposePool } from './threads/pool.js';

export function dispose(tensors?: unknown): void {
  if (tensors === undefined) {
    disposePool();
    return;
  }
  const found = new Set<Tracked>();
  collectTensors(tensors, found);
  for (const t of found) (t as unknown as { dispose(): void }).dispose();
}
