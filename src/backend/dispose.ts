// sn.dispose(): with no argument, stops the worker threads (kernels then run on the calling thread until a
// later ready({ threads }) starts them again); with tensors (a tensor, or arrays/objects of them), disposes
// those, as TF.js's dispose does.
import { disposePool } from './threads/pool.js';

function disposeAll(value: unknown, depth: number): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  const v = value as { dispose?: unknown; isDisposed?: unknown };
  if (typeof v.dispose === 'function' && typeof v.isDisposed === 'boolean') {
    (v.dispose as () => void).call(value);
  } else if (Array.isArray(value)) {
    for (const item of value) disposeAll(item, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const item of Object.values(value)) disposeAll(item, depth + 1);
  }
}

export function dispose(tensors?: unknown): void {
  if (tensors === undefined) disposePool();
  else disposeAll(tensors, 0);
}
