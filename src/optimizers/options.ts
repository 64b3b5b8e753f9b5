// Optimizer options as rules (type, default, range), read and checked by the shared checks of
// util/validate.ts: unknown keys (a typo like `lr`) and out-of-range values are errors naming the option.
import { checkBoolean, checkKnownKeys, checkNumber, checkOptionsObject } from '../util/validate.js';

export interface NumberRule {
  kind: 'number';
  default: number;
  min: number;
  /** Exclusive upper bound, if any. */
  below?: number;
  /** Inclusive upper bound, if any. */
  max?: number;
}

export interface BooleanRule {
  kind: 'boolean';
  default: boolean;
}

export type Rule = NumberRule | BooleanRule;

type Resolved<S extends Record<string, Rule>> = { [K in keyof S]: S[K] extends BooleanRule ? boolean : number };

export function checkNumberOption(fn: string, key: string, value: unknown, rule: NumberRule): number {
  return checkNumber(value, key, fn, rule);
}

/** Returns every option of `spec`, from `options` or its default. */
export function readOptions<S extends Record<string, Rule>>(fn: string, options: unknown, spec: S): Resolved<S> {
  const given = checkOptionsObject(options ?? undefined, fn, 'options');
  checkKnownKeys(given, Object.keys(spec), fn);
  const out: Record<string, number | boolean> = {};
  for (const [key, rule] of Object.entries(spec)) {
    const value = given[key];
    if (value === undefined) out[key] = rule.default;
    else if (rule.kind === 'boolean') out[key] = checkBoolean(value, key, fn);
    else out[key] = checkNumberOption(fn, key, value, rule);
  }
  return out as Resolved<S>;
}
