// Typed access to a node's attributes, with ONNX's defaults and an Error naming the node when an
// attribute has the wrong type.
import { AttrType, type AttributeProto, type NodeProto } from './proto.js';
import { fail } from './errors.js';

export function nodeLabel(node: NodeProto): string {
  return `${node.opType} node '${node.name || node.outputs[0] || '?'}'`;
}

export class Attributes {
  private readonly byName = new Map<string, AttributeProto>();
  constructor(
    private readonly node: NodeProto,
    private readonly fn: string,
  ) {
    for (const a of node.attributes) this.byName.set(a.name, a);
  }

  private get(name: string, type: number): AttributeProto | undefined {
    const a = this.byName.get(name);
    if (a && a.type !== 0 && a.type !== type)
      fail(this.fn, `${nodeLabel(this.node)}: attribute '${name}' has type ${a.type}; expected ${type}`);
    return a;
  }

  int(name: string, fallback: number): number {
    return this.get(name, AttrType.INT)?.i ?? fallback;
  }

  float(name: string, fallback: number): number {
    return this.get(name, AttrType.FLOAT)?.f ?? fallback;
  }

  string(name: string, fallback: string): string {
    return this.get(name, AttrType.STRING)?.s ?? fallback;
  }

  ints(name: string, fallback: number[]): number[] {
    const a = this.get(name, AttrType.INTS);
    return a ? a.ints.slice() : fallback;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }
}
