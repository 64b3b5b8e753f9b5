// relu, leakyRelu, sigmoid, tanh, log and clipByValue: elementwise functions of one tensor. Kernels:
// assembly/activations.ts (SIMD throughout, including exp and log) and assembly/leaky-relu.ts.
//
// Every backward reads the input x. For sigmoid and tanh that means recomputing an exp, because their
// textbook gradients from the output, dy * y * (1 - y) and dy * (1 - y^2), cancel catastrophically once
// y is within a few float32 ulps of 1 (see assembly/activations.ts); the recomputation is SIMD and cheap.
import { Tensor, empty } from '../core/tensor.js';
import { isRecording, record } from '../core/engine.js';
import { forElements } from '../backend/threads/split.js';
import type { Call } from '../backend/threads/pool.js';
import { checkFloat, checkTensor, describe } from '../util/validate.js';

/** A function's forward and backward kernel calls (with any parameters bound), for n floats from x, y, dy, dx. */
interface UnaryKernels {
  forward(x: number, y: number, n: number): Call;
  backward(x: number, dy: number, dx: number, n: number): Call;
}

/** y = forward(x); on the tape, dx = backward(x, dy). */
function unary(fn: string, x: Tensor, kernel: UnaryKernels): Tensor {
  checkTensor(x, 'x', fn);
  checkFloat(x, 'x', fn);
  const y = empty(x.shape, 'float32', fn);
  forElements(x.size, (i, n) => kernel.forward(x.offset + i * 4, y.offset + i * 4, n));
  if (isRecording()) {
    record({
      name: fn,
      inputs: [x],
      outputs: [y],
      backward: ([dy]: Tensor[]) => {
        const dx = empty(x.shape);
        forElements(x.size, (i, n) => kernel.backward(x.offset + i * 4, dy.offset + i * 4, dx.offset + i * 4, n));
        return [dx];
      },
    });
  }
  return y;
}

const RELU: UnaryKernels = {
  forward: (x, y, n) => ['reluForward', x, y, n],
  backward: (x, dy, dx, n) => ['reluBackward', x, dy, dx, n],
};
const SIGMOID: UnaryKernels = {
  forward: (x, y, n) => ['sigmoidForward', x, y, n],
  backward: (x, dy, dx, n) => ['sigmoidBackward', x, dy, dx, n],
};
const TANH: UnaryKernels = {
  forward: (x, y, n) => ['tanhForward', x, y, n],
  backward: (x, dy, dx, n) => ['tanhBackward', x, dy, dx, n],
};
const LOG: UnaryKernels = {
  forward: (x, y, n) => ['logForward', x, y, n],
  backward: (x, dy, dx, n) => ['logBackward', x, dy, dx, n],
};

/** max(x, 0); the gradient passes where x > 0. */
export function relu(x: Tensor): Tensor {
  return unary('relu', x, RELU);
}

/** x where x > 0, else alpha * x (PyTorch's default alpha is 0.01, Keras's 0.3); the gradient is 1 or alpha. */
export function leakyRelu(x: Tensor, alpha = 0.2): Tensor {
  const fn = 'leakyRelu';
  checkTensor(x, 'x', fn);
  if (typeof alpha !== 'number' || !Number.isFinite(alpha))
    throw new Error(`${fn}: argument 'alpha' must be a finite number; got ${describe(alpha)}`);
  return unary(fn, x, {
    forward: (x, y, n) => ['leakyReluForward', x, y, n, alpha],
    backward: (x, dy, dx, n) => ['leakyReluBackward', x, dy, dx, n, alpha],
  });
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
    forward: (x, y, n) => ['clipForward', x, y, n, lo, hi],
    backward: (x, dy, dx, n) => ['clipBackward', x, dy, dx, n, lo, hi],
  });
}
