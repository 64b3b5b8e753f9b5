// Merge layers: they take a list of tensors (residual connections, branches) and make one.
//   add():                 the elementwise sum of inputs of one shape.
//   concatenate({ axis }): the inputs joined along `axis` (default -1, the channels), other axes equal.
import { Tensor } from '../core/tensor.js';
import { add } from '../ops/elementwise.js';
import { concat } from '../ops/concat.js';
import { describe } from '../util/validate.js';
import { LAYER_ARG_KEYS, Layer, type LayerArgs } from './layer.js';
import { checkKnownKeys, checkOptionsObject, fmtKerasShape, type Shape } from './options.js';

abstract class Merge extends Layer {
  override get takesManyInputs(): boolean {
    return true;
  }

  computeOutputShape(inputShape: Shape): Shape {
    return this.computeOutputShapeOf([inputShape]);
  }

  override computeOutputShapeOf(inputShapes: Shape[]): Shape {
    if (inputShapes.length < 2)
      throw new Error(`${this.label} merges a list of at least 2 tensors; got ${inputShapes.length}`);
    return this.mergedShape(inputShapes);
  }

  protected abstract mergedShape(inputShapes: Shape[]): Shape;

  protected call(): Tensor {
    throw new Error(`internal: ${this.label} runs through callAll`);
  }
}

export class Add extends Merge {
  readonly className = 'Add';

  constructor(args?: LayerArgs) {
    const fn = 'layers.add';
    const a = checkOptionsObject(args, fn);
    checkKnownKeys(a, LAYER_ARG_KEYS, fn);
    super(a, fn, 'add');
  }

  protected mergedShape(shapes: Shape[]): Shape {
    const first = shapes[0];
    shapes.forEach((s, i) => {
      if (s.length !== first.length || s.some((d, j) => j > 0 && d !== first[j]))
        throw new Error(
          `${this.label} adds tensors of one shape; input 0 is ${fmtKerasShape(first)} and input ${i} is ${fmtKerasShape(s)}`,
        );
    });
    return first.slice();
  }

  protected override callAll(xs: Tensor[]): Tensor {
    let y = add(xs[0], xs[1]);
    for (let i = 2; i < xs.length; i++) y = add(y, xs[i]);
    return y;
  }

  protected layerConfig(): Record<string, unknown> {
    return {};
  }
}

export interface ConcatenateArgs extends LayerArgs {
  /** The axis to join along; negative counts from the end. Default -1. The batch axis (0) cannot be used. */
  axis?: number;
}

export class Concatenate extends Merge {
  readonly className = 'Concatenate';
  readonly axis: number;

  constructor(args?: ConcatenateArgs) {
    const fn = 'layers.concatenate';
    const a = checkOptionsObject(args, fn) as ConcatenateArgs;
    checkKnownKeys(a, [...LAYER_ARG_KEYS, 'axis'], fn);
    super(a, fn, 'concatenate');
    if (a.axis !== undefined && (typeof a.axis !== 'number' || !Number.isInteger(a.axis) || a.axis === 0))
      throw new Error(`${fn}: option 'axis' must be a non-zero integer (0 is the batch); got ${describe(a.axis)}`);
    this.axis = a.axis ?? -1;
  }

  /** The axis as a non-negative index for inputs of this rank. */
  private resolvedAxis(rank: number): number {
    const axis = this.axis < 0 ? rank + this.axis : this.axis;
    if (axis < 1 || axis >= rank)
      throw new Error(`${this.label}: axis ${this.axis} is out of range for inputs of rank ${rank} (batch included)`);
    return axis;
  }

  protected mergedShape(shapes: Shape[]): Shape {
    const first = shapes[0];
    const axis = this.resolvedAxis(first.length);
    let total = 0;
    shapes.forEach((s, i) => {
      if (s.length !== first.length || s.some((d, j) => j > 0 && j !== axis && d !== first[j]))
        throw new Error(
          `${this.label} joins along axis ${this.axis}, so the other axes must match; input 0 is ${fmtKerasShape(first)} and input ${i} is ${fmtKerasShape(s)}`,
        );
      total += s[axis] as number;
    });
    const out = first.slice();
    out[axis] = total;
    return out;
  }

  protected override callAll(xs: Tensor[]): Tensor {
    const axis = this.resolvedAxis(xs[0].rank);
    return concat(xs, axis);
  }

  protected layerConfig(): Record<string, unknown> {
    return { axis: this.axis };
  }
}
