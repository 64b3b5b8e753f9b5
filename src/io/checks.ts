// Small predicates the io files share.

/** A JSON object: not null, not an array. */
export function isPlainObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export { sameShape } from '../util/validate.js';
