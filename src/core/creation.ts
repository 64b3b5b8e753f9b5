// Functions that make tensors from JavaScript values.
import { Tensor, type DType } from './tensor.js';
import { f32, i32 } from '../backend/views.js';
import { checkShape, describe, fmtShape, sizeOf } from '../util/validate.js';
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
    throw new Error(
      `${fn}: argument 'values' must be a number, a (nested) array or a typed array; got ${describe(values)}`,
    );
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

/** Creates a tensor from a number, nested arrays or a typed array; `shape` reshapes flat data. */
export function tensor(values: TensorLike, shape?: number[], dtype?: DType): Tensor {
  const fn = 'tensor';
  if (dtype !== undefined && dtype !== 'float32' && dtype !== 'int32') {
    throw new Error(`${fn}: argument 'dtype' must be 'float32' or 'int32'; got ${describe(dtype)}`);
  }
  const inferred = inferShape(values, fn);
  const flat = flatten(values, inferred, fn);
  const finalShape = shape === undefined ? inferred : checkShape(shape, 'shape', fn);
  const size = sizeOf(finalShape);
  if (size !== flat.length) {
    throw new Error(`${fn}: data length ${flat.length} does not match shape ${fmtShape(finalShape)} (size ${size})`);
  }
  const dt: DType = dtype ?? (values instanceof Int32Array ? 'int32' : 'float32');
  const t = new Tensor(finalShape, dt);
  if (dt === 'int32') {
    const view = i32();
    for (let i = 0; i < size; i++) {
      const v = flat[i];
      if (!Number.isInteger(v)) {
        t.dispose();
        throw new Error(`${fn}: int32 tensors need integer values; got ${describe(v)} at flat index ${i}`);
      }
      view[t.index + i] = v;
    }
  } else {
    f32().set(flat as ArrayLike<number>, t.index);
  }
  return t;
}

export function scalar(value: number, dtype?: DType): Tensor {
  return tensor(value, [], dtype);
}

export function fill(shape: number[], value: number, dtype: DType = 'float32'): Tensor {
  const s = checkShape(shape, 'shape', 'fill');
  const t = new Tensor(s, dtype);
  (dtype === 'int32' ? i32() : f32()).fill(value, t.index, t.index + t.size);
  return t;
}

export function zeros(shape: number[], dtype: DType = 'float32'): Tensor {
  return fill(checkShape(shape, 'shape', 'zeros'), 0, dtype);
}

export function ones(shape: number[], dtype: DType = 'float32'): Tensor {
  return fill(checkShape(shape, 'shape', 'ones'), 1, dtype);
}

export interface RandomOptions {
  seed?: number;
}

export function randomNormal(
  shape: number[],
  options: RandomOptions & { mean?: number; stddev?: number } = {},
): Tensor {
  const s = checkShape(shape, 'shape', 'randomNormal');
  const { seed, mean = 0, stddev = 1 } = options;
  const rng = new Random(seed);
  const t = new Tensor(s);
  const view = f32();
  for (let i = 0; i < t.size; i++) view[t.index + i] = mean + stddev * rng.normal();
  return t;
}

export function randomUniform(
  shape: number[],
  options: RandomOptions & { minval?: number; maxval?: number } = {},
): Tensor {
  const s = checkShape(shape, 'shape', 'randomUniform');
  const { seed, minval = 0, maxval = 1 } = options;
  const rng = new Random(seed);
  const t = new Tensor(s);
  const view = f32();
  for (let i = 0; i < t.size; i++) view[t.index + i] = minval + (maxval - minval) * rng.uniform();
  return t;
}
