// Variables: tensors that live outside tidy scopes and whose value can be replaced in place, so that
// optimizers update parameters where they are without reallocating.
import { Tensor } from './tensor.js';
import { f32 } from '../backend/views.js';
import { SimdnetError, checkTensor, fmtShape } from '../util/validate.js';

const registry = new Map<string, Variable>();
let unnamed = 0;

export class Variable extends Tensor {
  readonly name: string;
  trainable: boolean;
  /** Bumped on every in-place change, so caches derived from the value (packed weights) can tell. */
  version = 0;

  constructor(initial: Tensor, trainable: boolean, name: string) {
    super(initial.shape, initial.dtype);
    this.name = name;
    this.trainable = trainable;
    f32().copyWithin(this.index, initial.index, initial.index + initial.size);
  }

  override get isVariable(): boolean {
    return true;
  }

  /** Replaces the value with `value`'s data; the shape must match. */
  assign(value: Tensor): void {
    this.assertAlive('assign');
    checkTensor(value, 'value', 'Variable.assign');
    if (value.dtype !== this.dtype) {
      // Copying the words would reinterpret int32 bits as float32 (1 would become 1.4e-45).
      throw new SimdnetError(
        'Variable.assign',
        `argument 'value' must have dtype ${this.dtype} (variable '${this.name}''s dtype); got ${value.dtype}`,
        'value',
      );
    }
    if (value.shape.length !== this.shape.length || value.shape.some((d, i) => d !== this.shape[i])) {
      throw new Error(
        `Variable.assign: variable '${this.name}' has shape ${fmtShape(this.shape)}; argument 'value' has shape ${fmtShape(value.shape)}`,
      );
    }
    f32().copyWithin(this.index, value.index, value.index + value.size);
    this.version++;
  }

  /** Call after changing the data in place from a kernel. */
  markChanged(): void {
    this.version++;
  }

  override dispose(): void {
    if (registry.get(this.name) === this) registry.delete(this.name);
    super.dispose();
  }
}

export interface VariableOptions {
  trainable?: boolean;
  name?: string;
}

/** Creates a variable holding a copy of `initial`. Names must be unique among live variables. */
export function variable(initial: Tensor, options: VariableOptions | boolean = {}): Variable {
  checkTensor(initial, 'initial', 'variable');
  const opts = typeof options === 'boolean' ? { trainable: options } : options;
  const name = opts.name ?? `variable_${++unnamed}`;
  if (registry.has(name)) throw new Error(`variable: a variable named '${name}' already exists; names must be unique`);
  const v = new Variable(initial, opts.trainable ?? true, name);
  registry.set(name, v);
  return v;
}

/** The live variable with this name, if any (optimizers look variables up by name). */
export function lookupVariable(name: string): Variable | undefined {
  return registry.get(name);
}

export function trainableVariables(): Variable[] {
  return [...registry.values()].filter((v) => v.trainable);
}

/** A unique name with the given prefix: prefix, prefix_1, prefix_2, ... */
export function uniqueVariableName(prefix: string): string {
  if (!registry.has(prefix)) return prefix;
  let i = 1;
  while (registry.has(`${prefix}_${i}`)) i++;
  return `${prefix}_${i}`;
}
