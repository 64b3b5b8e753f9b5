// The one home of argument and option checks. Every error has the same shape:
//   fn: argument 'x' must be …; got …        (positional arguments)
//   fn: option 'padding' must be …; got …    (fields of an options object)
// and is a SimdnetError carrying { fn, arg }, thrown before any kernel runs or anything changes.
// Tensors are recognised by identity (instanceof), never by their shape; names are looked up among own
// properties only, so 'constructor' or 'toString' are unknown names, not inherited functions.
import { Tensor } from '../core/tensor.js';
import { SimdnetError } from './errors.js';
import { fmtShape, sizeOf } from './format.js';

export { fmtShape, sizeOf, SimdnetError };

/**
 * The largest integer accepted for a window size, stride, dilation or padding: the kernels compute
 * positions such as oy * stride - padTop + ky * dilation in int32, which stays exact below this.
 */
export const MAX_GEOMETRY_INT = 2 ** 24;
/** The largest count (units, filters, epochs, batch size…): the kernels take int32 sizes. */
export const MAX_INT32 = 2 ** 31 - 1;

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n (a bigint)`;
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (value instanceof Tensor) return `a tensor of shape ${fmtShape(value.shape)}`;
  if (typeof value === 'object') {
    const ctor = Object.getPrototypeOf(value)?.constructor;
    return typeof ctor === 'function' && ctor.name ? `an instance of ${ctor.name}` : 'an object';
  }
  return typeof value;
}

/** "fn: argument 'arg' must be …; got …" */
export function argumentError(fn: string, arg: string, expected: string, value: unknown): SimdnetError {
  return new SimdnetError(fn, `argument '${arg}' must be ${expected}; got ${describe(value)}`, arg);
}

/** "fn: option 'key' must be …; got …" */
export function optionError(fn: string, key: string, expected: string, value: unknown): SimdnetError {
  return new SimdnetError(fn, `option '${key}' must be ${expected}; got ${describe(value)}`, key);
}

/** Own-property test: inherited names ('constructor', 'toString', '__proto__') are not keys of `obj`. */
export function hasOwn(obj: object, key: PropertyKey): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** `table[name]` if it is an own property of `table`, else undefined (for name lookups). */
export function lookupOwn<T>(table: Readonly<Record<string, T>>, name: unknown): T | undefined {
  return typeof name === 'string' && hasOwn(table, name) ? table[name] : undefined;
}

// ---- shapes and tensors ----

/** Throws unless `shape` is an array of non-negative integers. */
export function checkShape(shape: unknown, arg: string, fn: string): number[] {
  if (!Array.isArray(shape)) throw argumentError(fn, arg, 'a shape (an array of integers)', shape);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > MAX_INT32) {
      const what =
        Number.isInteger(d) && (d as number) > 0 ? 'non-negative integers below 2^31' : 'non-negative integers';
      throw new SimdnetError(
        fn,
        `argument '${arg}' must contain ${what}; got ${describe(d)} at index ${i} of [${shape.map(describe).join(',')}]`,
        arg,
      );
    }
  }
  return shape.slice();
}

/** Throws unless `t` is a live tensor (optionally of the given rank). */
export function checkTensor(t: unknown, arg: string, fn: string, rank?: number, rankHint?: string): Tensor {
  if (!(t instanceof Tensor)) throw argumentError(fn, arg, 'a Tensor', t);
  if (t.isDisposed)
    throw new SimdnetError(
      fn,
      `argument '${arg}' is a disposed tensor (id ${t.id}); it cannot be used after dispose()`,
      arg,
    );
  if (rank !== undefined && t.shape.length !== rank) {
    throw new SimdnetError(
      fn,
      `argument '${arg}' must be rank ${rank}${rankHint ? ' ' + rankHint : ''}; got rank ${t.shape.length} with shape ${fmtShape(t.shape)}`,
      arg,
    );
  }
  return t;
}

export function checkFloat(t: Tensor, arg: string, fn: string): void {
  if (t.dtype !== 'float32')
    throw new SimdnetError(fn, `argument '${arg}' must have dtype float32; got ${t.dtype}`, arg);
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function checkSameShape(a: Tensor, b: Tensor, argA: string, argB: string, fn: string): void {
  if (!sameShape(a.shape, b.shape)) {
    throw new SimdnetError(
      fn,
      `arguments '${argA}' and '${argB}' must have the same shape; got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
      argA,
    );
  }
}

// ---- options ----

/** An options object (undefined gives {}); anything else is an error naming `arg`. */
export function checkOptionsObject(options: unknown, fn: string, arg = 'args'): Record<string, any> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options) || options instanceof Tensor) {
    throw argumentError(fn, arg, 'an object', options);
  }
  return options as Record<string, any>;
}

function camelCase(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Edit distance, for "did you mean" (keys are short, so the quadratic table is nothing). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** The known name closest to `key` (its camelCase, or within a small edit distance), if any. */
export function suggest(key: string, known: readonly string[]): string | undefined {
  const camel = camelCase(key).toLowerCase();
  return (
    known.find((k) => k.toLowerCase() === camel) ??
    known.find((k) => distance(k.toLowerCase(), camel) <= Math.min(2, Math.floor(k.length / 3)))
  );
}

/**
 * Throws on an own key of `options` that is not in `known` (a typo such as `stdev`, or Python's
 * `kernel_size`), suggesting the nearest known name. Keys whose value is undefined count as absent.
 */
export function checkKnownKeys(options: object, known: readonly string[], fn: string): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key) || (options as Record<string, unknown>)[key] === undefined) continue;
    const near = suggest(key, known);
    const hint = near ? `; did you mean '${near}'?` : `; the options are ${known.map((k) => `'${k}'`).join(', ')}`;
    throw new SimdnetError(fn, `unknown option '${key}'${hint}`, key);
  }
}

/** An integer in [min, max] (an option unless `positional`). */
export function checkInt(
  value: unknown,
  key: string,
  fn: string,
  min: number,
  max = MAX_INT32,
  positional = false,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const tooBig = typeof value === 'number' && value > max;
    const range = max === MAX_INT32 ? `>= ${min}${tooBig ? ' and below 2^31' : ''}` : `in [${min}, ${max}]`;
    const expected =
      min === 1 && max === MAX_INT32 ? `a positive integer${tooBig ? ' below 2^31' : ''}` : `an integer ${range}`;
    throw positional ? argumentError(fn, key, expected, value) : optionError(fn, key, expected, value);
  }
  return value;
}

export function checkPositiveInt(value: unknown, key: string, fn: string): number {
  return checkInt(value, key, fn, 1);
}

function fmtPair(value: unknown): string {
  return Array.isArray(value) ? `[${value.map(describe).join(',')}]` : describe(value);
}

/**
 * A positive integer or a pair [h, w] of them, at most MAX_GEOMETRY_INT (window sizes, strides, dilation).
 * With `fallback`, undefined gives the fallback.
 */
export function checkIntPair(value: unknown, key: string, fn: string, fallback?: [number, number]): [number, number] {
  if (value === undefined && fallback) return fallback;
  const pair = typeof value === 'number' ? [value, value] : value;
  if (
    !Array.isArray(pair) ||
    pair.length !== 2 ||
    pair.some((v) => typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || v > MAX_GEOMETRY_INT)
  ) {
    const tooBig = (Array.isArray(pair) ? pair : []).some((v) => typeof v === 'number' && v > MAX_GEOMETRY_INT);
    throw new SimdnetError(
      fn,
      `option '${key}' must be a positive integer or a pair [h, w] of them${tooBig ? ', at most 2^24' : ''}; got ${fmtPair(value)}`,
      key,
    );
  }
  return [pair[0], pair[1]];
}

/** Same as checkIntPair (the ops' name for it). */
export const checkPair = checkIntPair;

/** A non-negative padding amount, at most MAX_GEOMETRY_INT. */
export function isPaddingInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_GEOMETRY_INT;
}

export function checkOneOf<T extends string>(value: unknown, allowed: readonly T[], key: string, fn: string): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw optionError(fn, key, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as T;
}

export function checkBoolean(value: unknown, key: string, fn: string): boolean {
  if (typeof value !== 'boolean') throw optionError(fn, key, 'true or false', value);
  return value;
}

/** A finite number within the given bounds (inclusive min; `below` exclusive, `max` inclusive). */
export function checkNumber(
  value: unknown,
  key: string,
  fn: string,
  bounds: { min?: number; below?: number; max?: number } = {},
): number {
  const { min, below, max } = bounds;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (min === undefined || value >= min) &&
    (below === undefined || value < below) &&
    (max === undefined || value <= max);
  if (!ok) {
    const parts = [
      min !== undefined ? `>= ${min}` : '',
      below !== undefined ? `< ${below}` : max !== undefined ? `<= ${max}` : '',
    ].filter(Boolean);
    throw optionError(fn, key, `a finite number${parts.length ? ' ' + parts.join(' and ') : ''}`, value);
  }
  return value as number;
}

/**
 * The activation an op fuses into its kernel's store ('linear' or 'relu'): true for ReLU. Layers take
 * every activation by name (layers/activations.ts) and fuse only this one.
 */
export function checkFusedRelu(activation: unknown, arg: string, fn: string): boolean {
  if (activation === undefined || activation === 'linear') return false;
  if (activation === 'relu') return true;
  throw new Error(`${fn}: argument '${arg}' must be 'linear' or 'relu'; got ${describe(activation)}`);
}
