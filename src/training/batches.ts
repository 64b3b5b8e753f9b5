// Batches for training: index shuffling and the copy of a batch's rows into a fresh tensor. Rows of an
// NHWC (or any batch-first) tensor are contiguous, so a batch is one typed-array copy per sample.
import { Tensor, type DType } from '../core/tensor.js';
import { f32, i32 } from '../backend/views.js';
import { Random } from '../util/random.js';

/** 0..n-1. */
export function range(start: number, end: number): Int32Array {
  const out = new Int32Array(Math.max(0, end - start));
  for (let i = 0; i < out.length; i++) out[i] = start + i;
  return out;
}

/** Fisher-Yates shuffle in place. */
export function shuffleInPlace(indices: Int32Array, rng: Random): Int32Array {
  for (let i = indices.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = indices[i];
    indices[i] = indices[j];
    indices[j] = t;
  }
  return indices;
}

/**
 * A new tensor holding rows indices[start..end) of `src` (rows along axis 0), with `rowShape` after the
 * batch and the given dtype. float32 → int32 converts values (labels given as floats); the caller has
 * checked that they are integers.
 */
export function gatherRows(
  src: Tensor,
  indices: Int32Array,
  start: number,
  end: number,
  rowShape: readonly number[],
  dtype: DType = src.dtype,
): Tensor {
  const rows = end - start;
  const rowSize = src.shape[0] === 0 ? 0 : src.size / src.shape[0];
  const out = new Tensor([rows, ...rowShape], dtype);
  if (dtype === src.dtype) {
    // copyWithin keeps the bits, so one view serves both dtypes.
    const view = dtype === 'int32' ? i32() : f32();
    for (let r = 0; r < rows; r++) {
      const from = src.index + indices[start + r] * rowSize;
      view.copyWithin(out.index + r * rowSize, from, from + rowSize);
    }
  } else {
    const from = src.dtype === 'int32' ? i32() : f32();
    const to = dtype === 'int32' ? i32() : f32();
    for (let r = 0; r < rows; r++) {
      const s = src.index + indices[start + r] * rowSize;
      const d = out.index + r * rowSize;
      for (let j = 0; j < rowSize; j++) to[d + j] = from[s + j];
    }
  }
  return out;
}
