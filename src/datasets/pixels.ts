// Turning bytes into tensors in one typed-array pass. A pixel byte has only 256 possible values, so each
// channel's mapping is computed once into a 256-entry table and every pixel is a table look-up: the cost
// is the same whatever the normalisation, and the values are exactly what torchvision's
// ToTensor() + Normalize(mean, std) produce in float32.
import { empty, type Tensor } from '../core/tensor.js';
import { f32, i32 } from '../backend/views.js';

/**
 * How pixel bytes become floats. Every form first scales a byte to [0, 1] (x / 255), like torchvision's
 * ToTensor(), then:
 * - `[lo, hi]`: maps [0, 1] linearly onto [lo, hi]; `[0, 1]` (the default) leaves it, `[-1, 1]` is
 *   `(x - 0.5) / 0.5`, i.e. torchvision's `Normalize((0.5,), (0.5,))`.
 * - `{ mean, std }`: `(x - mean) / std`, as torchvision's `Normalize(mean, std)`; per channel when given
 *   arrays (one entry per channel, e.g. three for CIFAR-10).
 */
export type Normalize =
  readonly [number, number] | { mean: number | readonly number[]; std: number | readonly number[] };

function describeValue(v: unknown): string {
  return Array.isArray(v) ? `[${v.join(',')}]` : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

function perChannel(v: number | readonly number[], channels: number, what: string, fn: string): number[] {
  const arr = typeof v === 'number' ? new Array(channels).fill(v) : Array.isArray(v) ? v.slice() : null;
  if (!arr || arr.length !== channels || arr.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw new Error(
      `${fn}: option 'normalize.${what}' must be a finite number or an array of ${channels} (one per channel); got ${describeValue(v)}`,
    );
  }
  return arr;
}

/** One 256-entry table per channel, laid end to end: table[c * 256 + byte]. */
export function pixelTable(normalize: Normalize | undefined, channels: number, fn: string): Float32Array {
  let mean: number[];
  let std: number[];
  if (normalize === undefined) {
    mean = new Array(channels).fill(0);
    std = new Array(channels).fill(1);
  } else if (Array.isArray(normalize)) {
    const [lo, hi] = normalize;
    if (normalize.length !== 2 || !Number.isFinite(lo) || !Number.isFinite(hi) || lo === hi) {
      throw new Error(
        `${fn}: option 'normalize' must be a range [lo, hi] of two different finite numbers (e.g. [0, 1] or [-1, 1]) or { mean, std }; got ${describeValue(normalize)}`,
      );
    }
    // [0,1] onto [lo,hi] is (x - m) / s with m = -lo / (hi - lo) and s = 1 / (hi - lo): for [-1, 1] that
    // is m = s = 0.5, the very constants torchvision uses, so the floats agree bit for bit.
    mean = new Array(channels).fill(-lo / (hi - lo));
    std = new Array(channels).fill(1 / (hi - lo));
  } else if (typeof normalize === 'object' && normalize !== null && 'mean' in normalize && 'std' in normalize) {
    mean = perChannel(normalize.mean, channels, 'mean', fn);
    std = perChannel(normalize.std, channels, 'std', fn);
    if (std.some((s) => s === 0))
      throw new Error(`${fn}: option 'normalize.std' must not contain 0; got ${describeValue(normalize.std)}`);
  } else {
    throw new Error(
      `${fn}: option 'normalize' must be a range [lo, hi] (e.g. [-1, 1]) or { mean, std }; got ${describeValue(normalize)}`,
    );
  }
  const table = new Float32Array(256 * channels);
  for (let c = 0; c < channels; c++) {
    const m = Math.fround(mean[c]);
    const s = Math.fround(std[c]);
    for (let b = 0; b < 256; b++) {
      // Each step rounded to float32, as torch computes it.
      const unit = Math.fround(b / 255);
      table[c * 256 + b] = Math.fround(Math.fround(unit - m) / s);
    }
  }
  return table;
}

/**
 * A float32 tensor of `shape` whose elements are `table[pixels[i]]` (one channel, or pixels already in
 * channels-last order with a single-channel table).
 */
export function imagesFromBytes(pixels: Uint8Array, shape: number[], table: Float32Array): Tensor {
  const t = empty(shape);
  const out = f32(); // fetched after the allocation, which may have grown (and detached) the memory
  const base = t.index;
  const n = t.size;
  for (let i = 0; i < n; i++) out[base + i] = table[pixels[i]];
  return t;
}

/** An int32 tensor [n] of the first n label bytes. */
export function labelsFromBytes(labels: Uint8Array, n: number): Tensor {
  const t = empty([n], 'int32');
  i32().set(labels.subarray(0, n), t.index);
  return t;
}

/** Throws unless every label is below `numClasses`, naming the file and the first bad label. */
export function checkLabels(labels: Uint8Array, numClasses: number, name: string, stride = 1): void {
  for (let i = 0, k = 0; i < labels.length; i += stride, k++) {
    if (labels[i] >= numClasses) {
      throw new Error(`${name}: label ${labels[i]} at index ${k} is out of range: expected 0..${numClasses - 1}`);
    }
  }
}
