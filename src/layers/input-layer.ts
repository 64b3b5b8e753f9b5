// sn.input({ shape }): the start of a functional model. It makes an InputLayer, whose one node has no
// inputs and whose output is the symbolic tensor the next layers are applied to.
import type { Tensor } from '../core/tensor.js';
import { describe } from '../util/validate.js';
import { Layer } from './layer.js';
import { checkInputShape, checkKnownKeys, checkOneOf, checkOptionsObject, type Shape } from './options.js';
import { Node, type SymbolicTensor } from './symbolic.js';

export interface InputArgs {
  /** The shape of one sample, without the batch, e.g. [28, 28, 1]. */
  shape: number[];
  /** Default 'input_1', 'input_2', ... */
  name?: string;
  /** Only 'float32'. */
  dtype?: 'float32';
}

export class InputLayer extends Layer {
  readonly className = 'InputLayer';

  /** Takes the layer config form ({ inputShape, name }); sn.input takes { shape }. */
  constructor(args: { inputShape: number[]; name?: string; trainable?: boolean }) {
    const fn = 'input';
    const a = checkOptionsObject(args, fn);
    checkKnownKeys(a, ['inputShape', 'name', 'trainable'], fn);
    if (a.inputShape === undefined) throw new Error(`${fn}: option 'shape' is required, e.g. shape: [28, 28, 1]`);
    super({ inputShape: a.inputShape, name: a.name }, fn, 'input');
    const shape: Shape = [null, ...this.declaredInputShape!];
    this.build(shape);
    const node = new Node(this, [], [shape]);
    this.inboundNodes.push(node);
  }

  /** The symbolic tensor that stands for the model's input. */
  get output(): SymbolicTensor {
    return this.inboundNodes[0].outputs[0];
  }

  computeOutputShape(inputShape: Shape): Shape {
    return inputShape.slice();
  }

  protected call(x: Tensor): Tensor {
    return x;
  }

  protected layerConfig(): Record<string, unknown> {
    return {};
  }
}

/** A symbolic input of the given sample shape, for sn.model({ inputs, outputs }). */
export function input(args: InputArgs): SymbolicTensor {
  const fn = 'input';
  const a = checkOptionsObject(args, fn) as InputArgs;
  checkKnownKeys(a, ['shape', 'name', 'dtype'], fn);
  if (a.shape === undefined) throw new Error(`${fn}: option 'shape' is required, e.g. shape: [28, 28, 1]`);
  try {
    checkInputShape(a.shape, fn);
  } catch (e) {
    throw new Error((e as Error).message.replace("option 'inputShape'", "option 'shape'"));
  }
  if (a.dtype !== undefined) checkOneOf(a.dtype, ['float32'], 'dtype', fn);
  if (a.name !== undefined && typeof a.name !== 'string')
    throw new Error(`${fn}: option 'name' must be a string; got ${describe(a.name)}`);
  return new InputLayer({ inputShape: a.shape, ...(a.name === undefined ? {} : { name: a.name }) }).output;
}
