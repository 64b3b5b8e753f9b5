// Book-keeping shared by every tensor: live counts for memory(), the tidy scopes, and the tape that
// records ops while gradients are being computed. It knows tensors only through this small interface so
// that tensor.ts can depend on it without a cycle.
import { release } from '../backend/allocator.js';

export interface Tracked {
  readonly id: number;
  readonly bytes: number;
  readonly offset: number;
  isDisposed: boolean;
  kept: boolean;
  /** Variables live outside tidy scopes until disposed explicitly. */
  readonly isVariable: boolean;
}

/**
 * One recorded op: given the gradients of its outputs, returns the gradients of its inputs. `needs[i]`
 * says whether input i's gradient can reach a tensor being differentiated; an op may skip the work
 * for inputs that cannot (a first conv layer's input gradient, say) and return null there.
 */
export interface TapeEntry {
  name: string;
  inputs: Tracked[];
  outputs: Tracked[];
  backward: (dys: any[], needs: boolean[]) => (any | null)[];
}

let nextId = 1;
let numTensors = 0;
let numBytes = 0;
const scopes: Set<Tracked>[] = [];
let recording: TapeEntry[] | null = null;
// While a tape is alive, freed storage is parked here: backward may still read a tensor the user disposed.
let deferred: number[] | null = null;

export function newId(): number {
  return nextId++;
}

/** The id the next tensor will get: tensors with an id at least this were made after the call. */
export function peekNextId(): number {
  return nextId;
}

export function track(t: Tracked): void {
  numTensors++;
  numBytes += t.bytes;
  if (!t.isVariable && scopes.length > 0) scopes[scopes.length - 1].add(t);
}

const disposeListeners: ((t: Tracked) => void)[] = [];

/** Calls `fn` with every tensor that gets disposed (caches derived from a tensor's data use this). */
export function onDispose(fn: (t: Tracked) => void): void {
  disposeListeners.push(fn);
}

export function disposeTracked(t: Tracked): void {
  if (t.isDisposed) return;
  t.isDisposed = true;
  for (const fn of disposeListeners) fn(t);
  numTensors--;
  numBytes -= t.bytes;
  for (let i = scopes.length - 1; i >= 0; i--) if (scopes[i].delete(t)) break;
  if (deferred) deferred.push(t.offset);
  else release(t.offset);
}

export function counts(): { numTensors: number; numBytes: number } {
  return { numTensors, numBytes };
}

/**
 * The tensors of `scope` reachable from a tidy result: through arrays, Maps (keys and values), Sets,
 * plain objects and class instances (own enumerable properties), at any depth, each object visited once.
 * Tensors are recognised by identity (membership of the scope), so nothing that merely looks like one
 * counts, and a returned tensor is never disposed however deep it sits.
 */
function reachableFrom(value: unknown, scope: Set<Tracked>): Set<Tracked> {
  const found = new Set<Tracked>();
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (scope.has(v as Tracked)) {
      found.add(v as Tracked);
      continue;
    }
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof Promise) continue;
    if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (v instanceof Map) for (const [k, x] of v) stack.push(k, x);
    else if (v instanceof Set) for (const x of v) stack.push(x);
    else for (const x of Object.values(v)) stack.push(x);
  }
  return found;
}

/**
 * Runs `fn` and disposes every tensor it created except those it returns (or that were `keep`-ed).
 * Returned tensors move to the enclosing scope, if any.
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new Error(`tidy: argument 'fn' must be a function; got ${typeof fn}`);
  const scope = new Set<Tracked>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) if (!t.kept) disposeTracked(t);
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    // What fn made before its first await is freed here; its rest, if it touches those tensors, rejects,
    // and that rejection is caught so that it cannot end a Node process as an unhandled one.
    result.catch(() => {});
    for (const t of scope) if (!t.kept) disposeTracked(t);
    throw new Error(
      'tidy: fn must be synchronous; it returned a Promise (tensors would be disposed before it settles)',
    );
  }
  const keepSet = scope.size === 0 ? scope : reachableFrom(result, scope);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (keepSet.has(t) || t.kept) {
      if (parent && !t.kept) parent.add(t);
    } else {
      disposeTracked(t);
    }
  }
  return result;
}

/** Exempts a tensor from disposal by the enclosing tidy scopes. */
export function keep<T extends Tracked>(t: T): T {
  t.kept = true;
  for (const s of scopes) s.delete(t);
  return t;
}

// ---- tape ----

export function isRecording(): boolean {
  return recording !== null;
}

export function record(entry: TapeEntry): void {
  if (recording) recording.push(entry);
}

/**
 * Runs `fn` while recording ops, then `after(entries)` with recording off; storage freed during either is
 * released only at the end, so backward can read tensors that `fn` disposed.
 */
export function withTape<T, R>(fn: () => T, after: (result: T, entries: TapeEntry[]) => R): R {
  if (recording || deferred)
    throw new Error('gradients cannot be nested: a grads/variableGrads call is already running');
  const entries: TapeEntry[] = [];
  const parked: number[] = [];
  recording = entries;
  deferred = parked;
  try {
    const result = fn();
    recording = null;
    // Backward only disposes gradients it made itself, which nothing reads again: free those at once.
    deferred = null;
    return after(result, entries);
  } finally {
    recording = null;
    deferred = null;
    for (const off of parked) release(off);
    entries.length = 0;
  }
}
