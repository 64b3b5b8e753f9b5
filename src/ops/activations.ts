// relu, sigmoid, tanh, log and clipByValue: elementwise functions of one tensor. Kernels:
// assembly/activations.ts (SIMD throughout, including exp and log).
//
// Every backward reads the input x. For sigmoid and tanh that means recomputing an exp, because their
// textbook gradients from the output, dy * y * (1 - y) and dy * (1 - y^2), cancel catastrophically once
// y is within a few float32 ulps of 1 (see assembly/activations.ts); the recomputation is SIMD and cheap.
import { Tensor, empty } from '../tensor.js';
import { isRecording, record } from '../engine.js';
import { kernels } from '../backend/wasm.js';
import { checkFloat, checkTensor, describe } from '../util/validate.js';

/** y = kernel(x, ...params); on the tape, dx = backwardKernel(x, dy, ...params). */
function unary(fn: string, x: Tensor, forward: string, backward: string, ...params: number[]): Tensor {
  checkTensor(x, 'x', fn);
  checkFloat(x, 'x', fn);
  const y = empty(x.shape, 'float32', fn);
  kernels()[forward](x.offset, y.offset, x.size, ...params);
  if (isRecording()) {
    record({
      name: fn,
      inputs: [x],
      outputs: [y],
      backward: ([dy]: Tensor[]) => {
        const dx = empty(x.shape);
        kernels()[backward](x.offset, dy.offset, dx.offset, x.size, ...params);
        return [dx];
      },
    });
  }
  return y;
}

/** max(x, 0); the gradient passes where x > 0. */
export function relu(x: Tensor): Tensor {
  return unary('relu', x, 'reluForward', 'reluBackward');
}

/** 1 / (1 + e^-x), accurate to ~2e-7 relative and finite for every finite x. */
export function sigmoid(x: Tensor): Tensor {
  return unary('sigmoid', x, 'sigmoidForward', 'sigmoidBackward');
}

/** Hyperbolic tangent, accurate to ~2e-7 relative, exactly ±1 for large |x|. */
export function tanh(x: Tensor): Tensor {
  return unary('tanh', x, 'tanhForward', 'tanhBackward');
}

/** Natural logarithm (used by losses on probabilities). log(0) = -Infinity, log(x < 0) = NaN. */
export function log(x: Tensor): Tensor {
  return unary('log', x, 'logForward', 'logBackward');
}

function checkBound(v: unknown, arg: string): number {
  if (typeof v !== 'number' || Number.isNaN(v)) {
    throw new Error(`clipByValue: argument '${arg}' must be a number; got ${describe(v)}`);
  }
  return v;
}

/** Clamps every element to [lo, hi]; the gradient passes where lo <= x <= hi. */
export function clipByValue(x: Tensor, lo: number, hi: number): Tensor {
  const fn = 'clipByValue';
  checkTensor(x, 'x', fn);
  checkFloat(x, 'x', fn);
  checkBound(lo, 'lo');
  checkBound(hi, 'hi');
  if (lo > hi) throw new Error(`clipByValue: argument 'lo' must be <= 'hi'; got lo = ${lo} and hi = ${hi}`);
  return unary(fn, x, 'clipForward', 'clipBackward', lo, hi);
}
