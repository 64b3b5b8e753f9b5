// Argument checks shared by every op. Each error names the function, the argument, what was expected
// and what was received, and is thrown before any kernel runs.
import type { Tensor } from '../core/tensor.js';

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (typeof value === 'object') {
    const ctor = (value as object).constructor?.name;
    if (ctor === 'Tensor' || ctor === 'Variable') return `a tensor of shape ${fmtShape((value as Tensor).shape)}`;
    return ctor ? `an instance of ${ctor}` : 'an object';
  }
  return typeof value;
}

/** Throws unless `shape` is an array of non-negative integers. */
export function checkShape(shape: unknown, arg: string, fn: string): number[] {
  if (!Array.isArray(shape))
    throw new Error(`${fn}: argument '${arg}' must be a shape (an array of integers); got ${describe(shape)}`);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new Error(
        `${fn}: argument '${arg}' must contain non-negative integers; got ${describe(d)} at index ${i} of [${shape.map(describe).join(',')}]`,
      );
    }
  }
  return shape.slice();
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Throws unless `t` is a live tensor (optionally of the given rank and dtype). */
export function checkTensor(t: unknown, arg: string, fn: string, rank?: number, rankHint?: string): Tensor {
  const tensor = t as Tensor;
  if (t === null || typeof t !== 'object' || typeof tensor.dataSync !== 'function' || !Array.isArray(tensor.shape)) {
    throw new Error(`${fn}: argument '${arg}' must be a Tensor; got ${describe(t)}`);
  }
  if (tensor.isDisposed)
    throw new Error(
      `${fn}: argument '${arg}' is a disposed tensor (id ${tensor.id}); it cannot be used after dispose()`,
    );
  if (rank !== undefined && tensor.shape.length !== rank) {
    throw new Error(
      `${fn}: argument '${arg}' must be rank ${rank}${rankHint ? ' ' + rankHint : ''}; got rank ${tensor.shape.length} with shape ${fmtShape(tensor.shape)}`,
    );
  }
  return tensor;
}

export function checkFloat(t: Tensor, arg: string, fn: string): void {
  if (t.dtype !== 'float32') throw new Error(`${fn}: argument '${arg}' must have dtype float32; got ${t.dtype}`);
}

/** A positive integer, or a pair of them (for strides, pool sizes, dilation). */
export function checkPair(value: unknown, arg: string, fn: string, fallback?: [number, number]): [number, number] {
  if (value === undefined && fallback) return fallback;
  const pair = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(pair) || pair.length !== 2) {
    throw new Error(`${fn}: argument '${arg}' must be a positive integer or a pair of them; got ${describe(value)}`);
  }
  for (const v of pair) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new Error(
        `${fn}: argument '${arg}' must contain positive integers; got ${Array.isArray(value) ? `[${value.map(describe).join(',')}]` : describe(value)}`,
      );
    }
  }
  return [pair[0], pair[1]];
}

export function checkSameShape(a: Tensor, b: Tensor, argA: string, argB: string, fn: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(
      `${fn}: arguments '${argA}' and '${argB}' must have the same shape; got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
}
