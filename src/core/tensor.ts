// A Tensor is a handle: a shape, a dtype and the byte offset of its data in the shared WASM memory.
// The data stays in WASM memory until dispose() (or the enclosing tidy) frees it.
import { allocate } from '../backend/allocator.js';
import { f32, i32 } from '../backend/views.js';
import { counts, disposeTracked, keep as keepTracked, newId, track, type Tracked } from './engine.js';
import { fmtShape, sizeOf } from '../util/format.js';
import { wasmMemory } from '../backend/wasm.js';
import { SimdnetError, within } from '../util/errors.js';

export type DType = 'float32' | 'int32';
export type TypedArrayFor<D extends DType> = D extends 'int32' ? Int32Array : Float32Array;

export class Tensor implements Tracked {
  readonly id: number;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
  /** Byte offset of the data in WASM memory (64-byte aligned). Kernels receive this. */
  readonly offset: number;
  readonly bytes: number;
  isDisposed = false;
  kept = false;
  get isVariable(): boolean {
    return false;
  }

  /** @internal use sn.tensor / sn.zeros; this allocates uninitialised memory. */
  constructor(shape: readonly number[], dtype: DType = 'float32') {
    this.shape = Object.freeze(shape.slice());
    this.dtype = dtype;
    this.size = sizeOf(shape);
    this.bytes = this.size * 4;
    this.offset = allocate(this.bytes);
    this.id = newId();
    track(this);
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Float index (offset / 4) into f32()/i32() views. */
  get index(): number {
    return this.offset >>> 2;
  }

  protected assertAlive(what: string): void {
    if (this.isDisposed)
      throw new Error(
        `${what}: tensor ${this.id} of shape ${fmtShape(this.shape)} is disposed; it cannot be used after dispose()`,
      );
  }

  /** A copy of the data (Float32Array, or Int32Array for int32). */
  dataSync(): TypedArrayFor<this['dtype']> {
    this.assertAlive('dataSync');
    const view = this.dtype === 'int32' ? i32() : f32();
    return view.slice(this.index, this.index + this.size) as any;
  }

  /** The data as a promise, for TF.js compatibility. */
  async data(): Promise<Float32Array | Int32Array> {
    return this.dataSync();
  }

  /** Nested arrays in the tensor's shape (a number for a scalar). */
  array(): any {
    this.assertAlive('array');
    const data = this.dataSync();
    if (this.shape.length === 0) return data[0];
    const build = (dim: number, start: number): any => {
      const n = this.shape[dim];
      if (dim === this.shape.length - 1) return Array.from(data.subarray(start, start + n));
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out = new Array(n);
      for (let i = 0; i < n; i++) out[i] = build(dim + 1, start + i * stride);
      return out;
    };
    return build(0, 0);
  }

  /** A new tensor with the same data and another shape; one dimension may be -1 (inferred). */
  reshape(shape: number[]): Tensor {
    this.assertAlive('reshape');
    return reshapeImpl(this, shape);
  }

  dispose(): void {
    disposeTracked(this);
  }

  toString(): string {
    return `Tensor(${this.dtype}, ${fmtShape(this.shape)})${this.isDisposed ? ' [disposed]' : ''}`;
  }
}

// Set by ops/reshape.ts so that reshape records its gradient like every other op.
let reshapeImpl: (t: Tensor, shape: number[]) => Tensor = () => {
  throw new Error('internal: reshape op not registered');
};
export function setReshapeImpl(fn: (t: Tensor, shape: number[]) => Tensor): void {
  reshapeImpl = fn;
}

/**
 * Allocates an uninitialised tensor (for ops that overwrite every element). With `fn`, running out of
 * memory is reported as that function's error ("conv2d: out of WASM memory ...").
 */
export function empty(shape: readonly number[], dtype: DType = 'float32', fn?: string): Tensor {
  if (fn === undefined) return new Tensor(shape, dtype);
  try {
    return new Tensor(shape, dtype);
  } catch (e) {
    throw within(e, fn);
  }
}

/** Copies `src`'s data into a fresh tensor of `shape` (same size). */
export function copyOf(src: Tensor, shape: readonly number[] = src.shape): Tensor {
  const out = new Tensor(shape, src.dtype);
  const view = f32();
  view.copyWithin(out.index, src.index, src.index + src.size);
  return out;
}

export function memory(): { numTensors: number; numBytes: number; wasmBytes: number } {
  return { ...counts(), wasmBytes: wasmMemory().buffer.byteLength };
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

/** Exempts a tensor from disposal by the enclosing tidy scopes (sn.keep). */
export function keep<T extends Tensor>(t: T): T {
  if (!(t instanceof Tensor))
    throw new SimdnetError('keep', `argument 't' must be a Tensor; got ${t === null ? 'null' : typeof t}`, 't');
  return keepTracked(t);
}
