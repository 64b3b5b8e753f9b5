// Checks for optimizer options: unknown keys (a typo like `lr` would otherwise be silently ignored), and
// each value's type and range, with errors that name the optimizer and the option.
import { describe } from '../util/validate.js';

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

function rangeText(rule: NumberRule): string {
  const upper = rule.below !== undefined ? ` and < ${rule.below}` : rule.max !== undefined ? ` and <= ${rule.max}` : '';
  return `>= ${rule.min}${upper}`;
}

export function checkNumberOption(fn: string, key: string, value: unknown, rule: NumberRule): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= rule.min &&
    (rule.below === undefined || value < rule.below) &&
    (rule.max === undefined || value <= rule.max);
  if (!ok) throw new Error(`${fn}: option '${key}' must be a finite number ${rangeText(rule)}; got ${describe(value)}`);
  return value as number;
}

/** Returns every option of `spec`, from `options` or its default. */
export function readOptions<S extends Record<string, Rule>>(fn: string, options: unknown, spec: S): Resolved<S> {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`${fn}: argument 'options' must be an object; got ${describe(options)}`);
  }
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!(key in spec)) {
      throw new Error(
        `${fn}: unknown option '${key}'; the options are ${Object.keys(spec)
          .map((k) => `'${k}'`)
          .join(', ')}`,
      );
    }
  }
  const out: Record<string, number | boolean> = {};
  for (const [key, rule] of Object.entries(spec)) {
    const value = given[key];
    if (value === undefined) {
      out[key] = rule.default;
    } else if (rule.kind === 'boolean') {
      if (typeof value !== 'boolean')
        throw new Error(`${fn}: option '${key}' must be a boolean; got ${describe(value)}`);
      out[key] = value;
    } else {
      out[key] = checkNumberOption(fn, key, value, rule);
    }
  }
  return out as Resolved<S>;
}
