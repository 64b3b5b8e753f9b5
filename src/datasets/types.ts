// The shapes shared by every data set loader.
import type { Tensor } from '../core/tensor.js';
import type { Normalize } from './pixels.js';
import { checkBoolean as checkBooleanOption, checkKnownKeys, checkPositiveInt } from '../util/validate.js';

export type { Normalize };

/** One split of a data set: images [n, h, w, c] float32 and labels [n] int32. */
export interface Split {
  images: Tensor;
  labels: Tensor;
}

/** How many examples to keep at most from each split (the first ones, in file order). */
export interface Limit {
  train?: number;
  test?: number;
}

/** A loaded data set. Its tensors are the caller's: `dispose()` frees all of them. */
export interface Dataset {
  /** Present unless `train: false` was asked for (or the bytes had no training files). */
  train?: Split;
  /** Present unless `test: false` was asked for (or the bytes had no test files). */
  test?: Split;
  /** Where the data came from: a directory (or, for the embedded subset in a browser, a URL), or 'bytes' for fromBytes. */
  source: string;
  /** True when the data is the small subset shipped with simdnet rather than the full data set. */
  embedded: boolean;
  /** Set when load() fell back to the embedded subset: why, and where it had looked. */
  note?: string;
  /** Class names, indexed by label. */
  classes: readonly string[];
  /** Disposes every tensor of the data set. */
  dispose(): void;
}

/**
 * The `train` and `test` of a Dataset typed as present unless the options literally say `false`, so that
 * TypeScript callers need no `!` in the usual case.
 */
export type DatasetFor<O> = Dataset &
  (O extends { train: false } ? unknown : { train: Split }) &
  (O extends { test: false } ? unknown : { test: Split });

export function makeDataset(parts: {
  train?: Split;
  test?: Split;
  source: string;
  embedded: boolean;
  classes: readonly string[];
}): Dataset {
  const dataset: Dataset = {
    ...parts,
    dispose() {
      for (const s of [parts.train, parts.test]) {
        s?.images.dispose();
        s?.labels.dispose();
      }
    },
  };
  if (!parts.train) delete dataset.train;
  if (!parts.test) delete dataset.test;
  return dataset;
}

/** Checks a `limit` option; returns a cap per split (Infinity when absent). */
export function checkLimit(limit: unknown, fn: string): { train: number; test: number } {
  if (limit === undefined) return { train: Infinity, test: Infinity };
  if (typeof limit !== 'object' || limit === null || Array.isArray(limit)) {
    throw new Error(
      `${fn}: option 'limit' must be an object { train?, test? } of positive integers; got ${JSON.stringify(limit)}`,
    );
  }
  const out = { train: Infinity, test: Infinity };
  for (const key of Object.keys(limit)) {
    if (key !== 'train' && key !== 'test')
      throw new Error(`${fn}: option 'limit' may only have the keys 'train' and 'test'; got '${key}'`);
    const v = (limit as Record<string, unknown>)[key];
    if (v === undefined) continue;
    out[key] = checkPositiveInt(v, `limit.${key}`, fn);
  }
  return out;
}

/** A boolean option, or `fallback` when it is absent. */
export function checkBoolean(value: unknown, name: string, fn: string, fallback: boolean): boolean {
  return value === undefined ? fallback : checkBooleanOption(value, name, fn);
}

/** A loader's options object (undefined: none), checked for unknown keys and a well-formed 'dir'. */
export function checkOptions(options: unknown, allowed: readonly string[], fn: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new Error(
      `${fn}: argument 'options' must be an object; got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`,
    );
  }
  checkKnownKeys(options, allowed, fn);
  const dir = (options as Record<string, unknown>).dir;
  if (dir !== undefined && (typeof dir !== 'string' || dir.length === 0)) {
    throw new Error(`${fn}: option 'dir' must be a non-empty string (a directory); got ${JSON.stringify(dir)}`);
  }
  return options as Record<string, unknown>;
}
