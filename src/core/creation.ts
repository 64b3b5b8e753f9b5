// Functions that make tensors from JavaScript values.
import { empty, type DType, type Tensor } from './tensor.js';
import { f32, i32 } from '../backend/views.js';
import {
  SimdnetError,
  argumentError,
  checkKnownKeys,
  checkNumber,
  checkOptionsObject,
  checkShape,
  describe,
  fmtShape,
  optionError,
  sizeOf,
} from '../util/validate.js';
import { Random } from '../util/random.js';

type Nested = number | boolean | Nested[];
export type TensorLike = Nested | Float32Array | Int32Array | Uint8Array | Float64Array | ArrayLike<number>;

function inferShape(values: unknown, fn: string): number[] {
  const shape: number[] = [];
  let v: any = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  if (ArrayBuffer.isView(v)) shape.push((v as any).length);
  void fn;
  return shape;
}

function flatten(values: unknown, shape: number[], fn: string): ArrayLike<number> {
  if (ArrayBuffer.isView(values)) return values as unknown as ArrayLike<number>;
  if (!Array.isArray(values)) {
    if (typeof values === 'number' || typeof values === 'boolean') return [Number(values)];
    throw argumentError(fn, 'values', 'a number, a (nested) array or a typed array', values);
  }
  const out: number[] = [];
  const walk = (v: any, dim: number, path: string) => {
    if (dim === shape.length) {
      if (typeof v !== 'number' && typeof v !== 'boolean') {
        throw new Error(
          `${fn}: argument 'values' must contain only numbers; got ${describe(v)} at ${path || 'top level'}`,
        );
      }
      out.push(Number(v));
      return;
    }
    const len = Array.isArray(v) || ArrayBuffer.isView(v) ? (v as ArrayLike<number>).length : -1;
    if (len !== shape[dim]) {
      throw new Error(
        `${fn}: argument 'values' is ragged: expected ${shape[dim]} elements at ${path || 'top level'} (dimension ${dim}); got ${len < 0 ? describe(v) : len}`,
      );
    }
    for (let i = 0; i < len; i++) walk(v[i], dim + 1, `${path}[${i}]`);
  };
  walk(values, 0, '');
  return out;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function checkDtype(dtype: unknown, fn: string): DType {
  if (dtype !== 'float32' && dtype !== 'int32') throw argumentError(fn, 'dtype', "'float32' or 'int32'", dtype);
  return dtype;
}

/** An int32 value must be an integer in int32's range: nothing is truncated or wrapped. */
function checkInt32Value(v: number, fn: string, where: string): void {
  if (!Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX)
    throw new SimdnetError(fn, `int32 tensors need integers in [-2^31, 2^31); got ${describe(v)} ${where}`, 'values');
}

/** A fresh tensor; running out of memory is `fn`'s error. */
function allocate(shape: number[], dtype: DType, fn: string): Tensor {
  return empty(shape, dtype, fn);
}

/** Creates a tensor from a number, nested arrays or a typed array; `shape` reshapes flat data. */
export function tensor(values: TensorLike, shape?: number[], dtype?: DType): Tensor {
  const fn = 'tensor';
  if (dtype !== undefined) checkDtype(dtype, fn);
  if (values instanceof BigInt64Array || values instanceof BigUint64Array || values instanceof DataView) {
    throw argumentError(
      fn,
      'values',
      'numbers, (nested) arrays or a typed array of numbers (not 64-bit integers)',
      values,
    );
  }
  const inferred = inferShape(values, fn);
  const flat = flatten(values, inferred, fn);
  const finalShape = shape === undefined ? inferred : checkShape(shape, 'shape', fn);
  const size = sizeOf(finalShape);
  if (size !== flat.length) {
    throw new SimdnetError(
      fn,
      `data length ${flat.length} does not match shape ${fmtShape(finalShape)} (size ${size})`,
      'shape',
    );
  }
  const dt: DType = dtype ?? (values instanceof Int32Array ? 'int32' : 'float32');
  // Checked before allocating, so that a bad value leaves nothing behind.
  if (dt === 'int32' && !(flat instanceof Int32Array))
    for (let i = 0; i < size; i++) checkInt32Value(flat[i], fn, `at flat index ${i}`);
  const t = allocate(finalShape, dt, fn);
  if (dt === 'int32') i32().set(flat, t.index);
  else f32().set(flat, t.index);
  return t;
}

export function scalar(value: number, dtype?: DType): Tensor {
  return tensor(value, [], dtype);
}

function filled(fn: string, shape: unknown, value: unknown, dtype: unknown): Tensor {
  const s = checkShape(shape, 'shape', fn);
  const dt = checkDtype(dtype, fn);
  if (typeof value !== 'number') throw argumentError(fn, 'value', 'a number', value);
  if (dt === 'int32') checkInt32Value(value, fn, "as 'value'");
  const t = allocate(s, dt, fn);
  (dt === 'int32' ? i32() : f32()).fill(value, t.index, t.index + t.size);
  return t;
}

export function fill(shape: number[], value: number, dtype: DType = 'float32'): Tensor {
  return filled('fill', shape, value, dtype);
}

export function zeros(shape: number[], dtype: DType = 'float32'): Tensor {
  return filled('zeros', shape, 0, dtype);
}

export function ones(shape: number[], dtype: DType = 'float32'): Tensor {
  return filled('ones', shape, 1, dtype);
}

export interface RandomOptions {
  seed?: number;
}

function checkSeed(seed: unknown, fn: string): number | undefined {
  if (seed === undefined) return undefined;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw optionError(fn, 'seed', 'an integer', seed);
  return seed;
}

export function randomNormal(
  shape: number[],
  options: RandomOptions & { mean?: number; stddev?: number } = {},
): Tensor {
  const fn = 'randomNormal';
  const s = checkShape(shape, 'shape', fn);
  const o = checkOptionsObject(options, fn, 'options');
  checkKnownKeys(o, ['seed', 'mean', 'stddev'], fn);
  const seed = checkSeed(o.seed, fn);
  const mean = o.mean === undefined ? 0 : checkNumber(o.mean, 'mean', fn);
  const stddev = o.stddev === undefined ? 1 : checkNumber(o.stddev, 'stddev', fn, { min: 0 });
  const rng = new Random(seed);
  const t = allocate(s, 'float32', fn);
  const view = f32();
  for (let i = 0; i < t.size; i++) view[t.index + i] = mean + stddev * rng.normal();
  return t;
}

export function randomUniform(
  shape: number[],
  options: RandomOptions & { minval?: number; maxval?: number } = {},
): Tensor {
  const fn = 'randomUniform';
  const s = checkShape(shape, 'shape', fn);
  const o = checkOptionsObject(options, fn, 'options');
  checkKnownKeys(o, ['seed', 'minval', 'maxval'], fn);
  const seed = checkSeed(o.seed, fn);
  const minval = o.minval === undefined ? 0 : checkNumber(o.minval, 'minval', fn);
  const maxval = o.maxval === undefined ? 1 : checkNumber(o.maxval, 'maxval', fn);
  const rng = new Random(seed);
  const t = allocate(s, 'float32', fn);
  const view = f32();
  for (let i = 0; i < t.size; i++) view[t.index + i] = minval + (maxval - minval) * rng.uniform();
  return t;
}
