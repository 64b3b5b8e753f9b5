// relu, sigmoid, tanh, log and clipByValue: elementwise functions of one tensor. Kernels:
// assembly/activations.ts (SIMD throughout, including exp and log).
//
// Every backward reads the input x. For sigmoid and tanh that means recomputing an exp, because their
// textbook gradients from the output, dy * y * (1 - y) and dy * (1 - y^2), cancel catastrophically once
// y is within a few float32 ulps of 1 (see assembly/activations.ts); the recomputation is SIMD and cheap.
import { Tensor, empty } from '../core/tensor.js';
import { isRecording, record } from '../core/engine.js';
import { kernels, type Kernels } from '../backend/wasm.js';
import { checkFloat, checkTensor, describe } from '../util/validate.js';

/** A function's forward and backward kernels (with any parameters bound). */
interface UnaryKernels {
  forward(k: Kernels, x: number, y: number, n: number): void;
  backward(k: Kernels, x: number, dy: number, dx: number, n: number): void;
}

/** y = forward(x); on the tape, dx = backward(x, dy). */
function unary(fn: string, x: Tensor, kernel: UnaryKernels): Tensor {
  checkTensor(x, 'x', fn);
  checkFloat(x, 'x', fn);
  const y = empty(x.shape);
  kernel.forward(kernels(), x.offset, y.offset, x.size);
  if (isRecording()) {
    record({
      name: fn,
      inputs: [x],
      outputs: [y],
      backward: ([dy]: Tensor[]) => {
        const dx = empty(x.shape);
        kernel.backward(kernels(), x.offset, dy.offset, dx.offset, x.size);
        return [dx];
      },
    });
  }
  return y;
}

const RELU: UnaryKernels = {
  forward: (k, x, y, n) => k.reluForward(x, y, n),
  backward: (k, x, dy, dx, n) => k.reluBackward(x, dy, dx, n),
};
const SIGMOID: UnaryKernels = {
  forward: (k, x, y, n) => k.sigmoidForward(x, y, n),
  backward: (k, x, dy, dx, n) => k.sigmoidBackward(x, dy, dx, n),
};
const TANH: UnaryKernels = {
  forward: (k, x, y, n) => k.tanhForward(x, y, n),
  backward: (k, x, dy, dx, n) => k.tanhBackward(x, dy, dx, n),
};
const LOG: UnaryKernels = {
  forward: (k, x, y, n) => k.logForward(x, y, n),
  backward: (k, x, dy, dx, n) => k.logBackward(x, dy, dx, n),
};

/** max(x, 0); the gradient passes where x > 0. */
export function relu(x: Tensor): Tensor {
  return unary('relu', x, RELU);
}

/** 1 / (1 + e^-x), accurate to ~2e-7 relative and finite for every finite x. */
export function sigmoid(x: Tensor): Tensor {
  return unary('sigmoid', x, SIGMOID);
}

/** Hyperbolic tangent, accurate to ~2e-7 relative, exactly ±1 for large |x|. */
export function tanh(x: Tensor): Tensor {
  return unary('tanh', x, TANH);
}

/** Natural logarithm (used by losses on probabilities). log(0) = -Infinity, log(x < 0) = NaN. */
export function log(x: Tensor): Tensor {
  return unary('log', x, LOG);
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
  return unary(fn, x, {
    forward: (k, x, y, n) => k.clipForward(x, y, n, lo, hi),
    backward: (k, x, dy, dx, n) => k.clipBackward(x, dy, dx, n, lo, hi),
  });
}
