// Checks for layer and model options. Keras users often type Python's snake_case names
// (kernel_size) or misspell one; an unknown key is an error that suggests the right name, instead of a
// silently ignored option.
import { describe } from '../util/validate.js';

/** A shape whose first entry (the batch) may be null, as Keras prints it: (None, 26, 26, 32). */
export type Shape = (number | null)[];

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

/** Throws on keys of `options` that are not in `known`, suggesting the camelCase or nearest spelling. */
export function checkKnownKeys(options: object, known: readonly string[], fn: string): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const camel = camelCase(key).toLowerCase();
    const near =
      known.find((k) => k.toLowerCase() === camel) ??
      known.find((k) => distance(k.toLowerCase(), camel) <= Math.min(2, Math.floor(k.length / 3)));
    const hint = near ? `; did you mean '${near}'?` : `; known options: ${known.join(', ')}`;
    throw new Error(`${fn}: unknown option '${key}'${hint}`);
  }
}

export function checkOptionsObject(options: unknown, fn: string): Record<string, any> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`${fn}: argument 'args' must be an options object; got ${describe(options)}`);
  }
  return options as Record<string, any>;
}

export function checkPositiveInt(value: unknown, arg: string, fn: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new Error(`${fn}: option '${arg}' must be a positive integer; got ${describe(value)}`);
  }
  return value;
}

/** A positive integer or a pair of them, as [h, w]. */
export function checkIntPair(value: unknown, arg: string, fn: string): [number, number] {
  const pair = typeof value === 'number' ? [value, value] : value;
  if (
    !Array.isArray(pair) ||
    pair.length !== 2 ||
    pair.some((v) => typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
  ) {
    const got = Array.isArray(value) ? `[${value.map(describe).join(',')}]` : describe(value);
    throw new Error(`${fn}: option '${arg}' must be a positive integer or a pair [h, w] of them; got ${got}`);
  }
  return [pair[0], pair[1]];
}

export function checkOneOf<T extends string>(value: unknown, allowed: readonly T[], arg: string, fn: string): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new Error(
      `${fn}: option '${arg}' must be one of ${allowed.map((a) => `'${a}'`).join(', ')}; got ${describe(value)}`,
    );
  }
  return value as T;
}

export function checkBoolean(value: unknown, arg: string, fn: string): boolean {
  if (typeof value !== 'boolean')
    throw new Error(`${fn}: option '${arg}' must be true or false; got ${describe(value)}`);
  return value;
}

/** An input shape without the batch: positive integers, e.g. [28, 28, 1]. */
export function checkInputShape(value: unknown, fn: string): number[] {
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d <= 0)
  ) {
    const got = Array.isArray(value) ? `[${value.map(describe).join(',')}]` : describe(value);
    throw new Error(
      `${fn}: option 'inputShape' must be a non-empty array of positive integers without the batch dimension (e.g. [28, 28, 1]); got ${got}`,
    );
  }
  return value.slice();
}

/** Keras's notation: (None, 26, 26, 32). */
export function fmtKerasShape(shape: Shape): string {
  const parts = shape.map((d) => (d === null ? 'None' : String(d)));
  return parts.length === 1 ? `(${parts[0]},)` : `(${parts.join(', ')})`;
}
