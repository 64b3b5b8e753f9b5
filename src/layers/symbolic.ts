// Symbolic tensors: what a layer returns when it is applied to sn.input(...) or to another layer's
// symbolic output. They carry a shape (batch first, null) and the node that made them, and hold no data;
// sn.model({ inputs, outputs }) walks the nodes back from the outputs to get the graph it runs.
import type { Shape } from './options.js';
import { fmtKerasShape } from './options.js';

/** The layer side of a node, as symbolic.ts needs it (layer.ts implements it). */
export interface NodeOwner {
  readonly name: string;
  readonly label: string;
}

let nextNodeId = 0;
let nextTensorId = 0;

/**
 * One application of a layer to symbolic inputs. Node ids grow with creation, so sorting nodes by id
 * always puts a node after the nodes its inputs come from.
 */
export class Node {
  readonly id = ++nextNodeId;
  readonly outputs: SymbolicTensor[];

  constructor(
    readonly layer: NodeOwner,
    readonly inputs: SymbolicTensor[],
    outputShapes: Shape[],
  ) {
    this.outputs = outputShapes.map((s, i) => new SymbolicTensor(s, this, i));
  }
}

export class SymbolicTensor {
  readonly id = ++nextTensorId;

  constructor(
    readonly shape: Shape,
    readonly node: Node,
    /** Which output of its node this is (layers here have one). */
    readonly outputIndex: number,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  /** The layer that made this tensor. */
  get sourceLayer(): NodeOwner {
    return this.node.layer;
  }

  toString(): string {
    return `SymbolicTensor ${fmtKerasShape(this.shape)} from ${this.node.layer.label}`;
  }
}

export function isSymbolic(x: unknown): x is SymbolicTensor {
  return x instanceof SymbolicTensor;
}

/** True for a SymbolicTensor or a non-empty array of them. */
export function isSymbolicInput(x: unknown): x is SymbolicTensor | SymbolicTensor[] {
  return isSymbolic(x) || (Array.isArray(x) && x.length > 0 && x.every(isSymbolic));
}
