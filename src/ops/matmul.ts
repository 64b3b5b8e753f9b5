// matMul and dense, on the same GEMM micro-kernel as conv2d. Kernels: assembly/gemm.ts, driven through
// gemm.ts.
import { Tensor, empty } from '../core/tensor.js';
import { isRecording, record } from '../core/engine.js';
import { zeros } from '../core/creation.js';
import { scratch } from '../backend/scratch.js';
import { f32 } from '../backend/views.js';
import { within } from '../util/errors.js';
import { gemmRows, gradients, packBT, packWeights, reluMask, rowPointers } from './gemm.js';
import { checkFloat, checkFusedRelu, checkTensor, fmtShape } from '../util/validate.js';

// ---- matMul and dense ----

/** c = a · b (+ bias), optionally through ReLU; records the gradient for every input. */
function product(fn: string, a: Tensor, b: Tensor, bias: Tensor | undefined, relu: boolean): Tensor {
  const [M, K] = a.shape;
  const N = b.shape[1];
  let y: Tensor;
  try {
    y = empty([M, N]);
  } catch (e) {
    throw within(e, fn);
  }
  if (M > 0 && N > 0) {
    if (K === 0) {
      f32().fill(0, y.index, y.index + y.size);
      if (bias) for (let i = 0; i < M; i++) f32().copyWithin(y.index + i * N, bias.index, bias.index + N);
      if (relu) reluMask(y.offset, y.offset, y.offset, y.size);
    } else {
      try {
        gemmRows(y.offset, a.offset, K, M, K, packWeights(b, bias, K, N), N, relu);
      } catch (e) {
        // Out of memory for the packed weights or the row pointers: the output must not be left behind.
        y.dispose();
        throw within(e, fn);
      }
    }
  }
  if (isRecording()) {
    record({
      name: fn,
      inputs: bias ? [a, b, bias] : [a, b],
      outputs: [y],
      backward: ([dy]: Tensor[], needs: boolean[]) => {
        // The kernels overwrite every element, unless a dimension is empty (then the gradient is zero).
        const full = M > 0 && K > 0 && N > 0;
        const some = M > 0 && N > 0;
        const dbias = !bias ? null : some ? empty([N]) : zeros([N]);
        const da = !needs[0] ? null : full ? empty([M, K]) : zeros([M, K]);
        const dbw = !needs[1] ? null : full ? empty([K, N]) : zeros([K, N]);
        if (some) {
          // One pass over dy: D packed for db, dbias summed, and (fused ReLU) dy masked for da.
          const rows = !(da && full) ? 0 : relu ? scratch('gemm.dyMasked', dy.bytes) : dy.offset;
          // db [K, N] = aᵀ · g (and dbias, and the masked rows)
          gradients(rowPointers('gemm.rows', a.offset, K, M, K), M, N, dy.offset, {
            y: relu ? y.offset : 0,
            rows,
            dbias: dbias ? dbias.offset : 0,
            dw: full && dbw ? dbw.offset : 0,
          });
          // da [M, K] = g · bᵀ
          if (full && da) gemmRows(da.offset, rows, N, M, N, packBT('gemm.packBT', b.offset, N, K, N), K, false);
        }
        const grads: (Tensor | null)[] = [da, dbw];
        if (bias) grads.push(dbias);
        return grads;
      },
    });
  }
  return y;
}

/** a [m,k] · b [k,n] → [m,n]. */
export function matMul(a: Tensor, b: Tensor): Tensor {
  const fn = 'matMul';
  checkTensor(a, 'a', fn, 2, '[m,k]');
  checkTensor(b, 'b', fn, 2, '[k,n]');
  checkFloat(a, 'a', fn);
  checkFloat(b, 'b', fn);
  if (a.shape[1] !== b.shape[0]) {
    throw new Error(
      `${fn}: inner dimensions must agree: argument 'a' has shape ${fmtShape(a.shape)} (k = ${a.shape[1]}) but argument 'b' has shape ${fmtShape(b.shape)} (k = ${b.shape[0]})`,
    );
  }
  return product(fn, a, b, undefined, false);
}

/** x [n,in] · w [in,out] (+ b [out]) → [n,out]. */
export function dense(x: Tensor, w: Tensor, b?: Tensor, activation: 'linear' | 'relu' = 'linear'): Tensor {
  const fn = 'dense';
  checkTensor(x, 'x', fn, 2, '[n,in]');
  checkTensor(w, 'w', fn, 2, '[in,out]');
  checkFloat(x, 'x', fn);
  checkFloat(w, 'w', fn);
  if (x.shape[1] !== w.shape[0]) {
    throw new Error(
      `${fn}: argument 'w' must have shape [in,out] with in = ${x.shape[1]} (x's last axis); got shape ${fmtShape(w.shape)}`,
    );
  }
  if (b !== undefined && b !== null) {
    checkTensor(b, 'b', fn, 1, '[out]');
    checkFloat(b, 'b', fn);
    if (b.shape[0] !== w.shape[1]) {
      throw new Error(
        `${fn}: argument 'b' must have shape [${w.shape[1]}] (out = w's last axis); got shape ${fmtShape(b.shape)}`,
      );
    }
  }
  const relu = checkFusedRelu(activation, 'activation', fn);
  return product(fn, x, w, b ?? undefined, relu);
}
