// The public gradient API, with TF.js's semantics: grads, valueAndGrads and variableGrads.
import { Tensor } from '../core/tensor.js';
import { peekNextId, tidy, withTape } from '../core/engine.js';
import { ones, zeros } from '../core/creation.js';
import { checkFloat, checkSameShape, checkTensor, describe } from '../util/validate.js';
import { backprop } from './backprop.js';
import { within } from '../util/errors.js';
import { Variable, trainableVariables } from '../core/variable.js';

type Fn = (...xs: Tensor[]) => Tensor;

/** Runs `body`; an out-of-memory error no op has named (a gradient's own allocation) is named `fn`'s. */
function named<T>(fn: string, body: () => T): T {
  try {
    return body();
  } catch (e) {
    throw within(e, fn);
  }
}

function checkXs(xs: unknown, fn: string): Tensor[] {
  if (!Array.isArray(xs)) throw new Error(`${fn}: argument 'xs' must be an array of tensors; got ${describe(xs)}`);
  xs.forEach((x, i) => checkTensor(x, `xs[${i}]`, fn));
  return xs as Tensor[];
}

function checkValue(value: unknown, fn: string): Tensor {
  if (!(value instanceof Tensor)) throw new Error(`${fn}: the function must return a Tensor; got ${describe(value)}`);
  return value;
}

/** Returns a function computing `{ value: f(...xs), grads: d(sum(value * dy))/dxs }`. */
export function valueAndGrads(f: Fn): (xs: Tensor[], dy?: Tensor) => { value: Tensor; grads: Tensor[] } {
  if (typeof f !== 'function') throw new Error(`valueAndGrads: argument 'f' must be a function; got ${describe(f)}`);
  return (xs, dy) => {
    const fn = 'valueAndGrads';
    checkXs(xs, fn);
    if (dy !== undefined) checkFloat(checkTensor(dy, 'dy', fn), 'dy', fn);
    return named(fn, () =>
      tidy(() =>
        withTape(
          () => f(...xs),
          (result, entries) => {
            const value = checkValue(result, fn);
            if (dy !== undefined) checkSameShape(dy, value, 'dy', 'f(...xs)', fn);
            const seed = dy ?? ones(value.shape as number[]);
            const all = backprop(entries, value, seed, new Set(xs.map((x) => x.id)));
            const grads = xs.map((x) => all.get(x.id) ?? zeros(x.shape as number[]));
            return { value, grads };
          },
        ),
      ),
    );
  };
}

/** Returns a function computing the gradients of `f(...xs)` with respect to each of `xs`. */
export function grads(f: Fn): (xs: Tensor[], dy?: Tensor) => Tensor[] {
  const vg = valueAndGrads(f);
  return (xs, dy) => {
    const firstNew = peekNextId();
    const { value, grads } = vg(xs, dy);
    // Only a value f made is ours to free: f may return one of xs, or any tensor it closes over.
    if (value.id >= firstNew) value.dispose();
    return grads;
  };
}

/**
 * Gradients of the scalar `f()` with respect to the trainable variables it used (or those in `varList`),
 * keyed by variable name.
 */
export function variableGrads(f: () => Tensor, varList?: Variable[]): { value: Tensor; grads: Record<string, Tensor> } {
  const fn = 'variableGrads';
  if (typeof f !== 'function') throw new Error(`${fn}: argument 'f' must be a function; got ${describe(f)}`);
  if (varList !== undefined) {
    if (!Array.isArray(varList))
      throw new Error(`${fn}: argument 'varList' must be an array of variables; got ${describe(varList)}`);
    varList.forEach((v, i) => {
      if (!(v instanceof Variable))
        throw new Error(`${fn}: argument 'varList[${i}]' must be a Variable; got ${describe(v)}`);
    });
  }
  return tidy(() =>
    withTape(f, (result, entries) => {
      const value = checkValue(result, fn);
      if (value.size !== 1)
        throw new Error(`${fn}: f must return a scalar (size 1); got shape [${value.shape.join(',')}]`);
      const touched = new Set<number>();
      for (const e of entries) for (const t of e.inputs) touched.add(t.id);
      const candidates = (varList ?? trainableVariables()).filter((v) => v.trainable && touched.has(v.id));
      const all = backprop(entries, value, ones(value.shape as number[]), new Set(candidates.map((v) => v.id)));
      const grads: Record<string, Tensor> = {};
      for (const v of candidates) grads[v.name] = all.get(v.id) ?? zeros(v.shape as number[]);
      return { value, grads };
    }),
  );
}
