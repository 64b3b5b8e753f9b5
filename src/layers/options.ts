// Keras-level shapes: input shapes without the batch, and Keras's (None, 26, 26, 32) notation.
import { MAX_INT32, SimdnetError, describe } from '../util/validate.js';

// The generic checks live in util/validate.ts; layers and models import them from here as well.
export {
  checkBoolean,
  checkIntPair,
  checkKnownKeys,
  checkOneOf,
  checkOptionsObject,
  checkPositiveInt,
} from '../util/validate.js';

/** A shape whose first entry (the batch) may be null, as Keras prints it: (None, 26, 26, 32). */
export type Shape = (number | null)[];

/** An input shape without the batch: positive integers, e.g. [28, 28, 1]. */
export function checkInputShape(value: unknown, fn: string): number[] {
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d <= 0 || d > MAX_INT32)
  ) {
    const got = Array.isArray(value) ? `[${value.map(describe).join(',')}]` : describe(value);
    throw new SimdnetError(
      fn,
      `option 'inputShape' must be a non-empty array of positive integers without the batch dimension (e.g. [28, 28, 1]); got ${got}`,
      'inputShape',
    );
  }
  return value.slice();
}

/** Keras's notation: (None, 26, 26, 32). */
export function fmtKerasShape(shape: Shape): string {
  const parts = shape.map((d) => (d === null ? 'None' : String(d)));
  return parts.length === 1 ? `(${parts[0]},)` : `(${parts.join(', ')})`;
}
