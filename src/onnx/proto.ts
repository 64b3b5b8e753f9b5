// The part of ONNX's protobuf schema (onnx/onnx.proto, IR version 3 and later) that a CNN needs, read and
// written over @bufbuild/protobuf's wire-format reader and writer. Field numbers are the schema's; fields
// this module does not model are skipped on read. The reader never copies tensor bytes: raw_data stays a
// view into the caller's buffer until the importer decodes it, after every check has passed.
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10, DOUBLE: 11 } as const;

/** AttributeProto.AttributeType values. */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface TensorProto {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array | null;
  floatData: number[];
  int32Data: number[];
  int64Data: number[];
  doubleData: number[];
  /** data_location EXTERNAL or an external_data entry: the values live in another file. */
  external: boolean;
  /** string_data or segment: never valid for a CNN's weights. */
  unsupportedPayload: boolean;
}

export interface AttributeProto {
  name: string;
  type: number;
  f: number;
  i: number;
  s: string;
  t: TensorProto | null;
  floats: number[];
  ints: number[];
  /** The attribute holds a subgraph (If, Loop, Scan): such nodes are rejected, the graph is not decoded. */
  hasGraph: boolean;
}

export interface NodeProto {
  inputs: string[];
  outputs: string[];
  name: string;
  opType: string;
  domain: string;
  attributes: AttributeProto[];
}

/** A tensor's declared type: element type and dims (a number, a symbolic name, or null when absent). */
export interface ValueInfoProto {
  name: string;
  elemType: number;
  dims: (number | string | null)[] | null;
}

export interface GraphProto {
  name: string;
  nodes: NodeProto[];
  initializers: TensorProto[];
  sparseInitializers: number;
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
}

export interface OpsetId {
  domain: string;
  version: number;
}

export interface ModelProto {
  irVersion: number;
  opsets: OpsetId[];
  producerName: string;
  producerVersion: string;
  graph: GraphProto | null;
  functions: number;
}

/** An int64 as a JS number, refusing values a double cannot hold exactly. */
function toSafeNumber(v: bigint | string, what: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`${what} ${String(v)} is out of range`);
  return n;
}

/** Calls `field` for every field of the message in `bytes`, which must consume or skip the value. */
function readMessage(bytes: Uint8Array, field: (no: number, wt: WireType, r: BinaryReader) => boolean): void {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (!field(no, wt, r)) r.skip(wt, no);
  }
}

function readRepeatedInt64(r: BinaryReader, wt: WireType, out: number[], what: string): void {
  if (wt === WireType.LengthDelimited) {
    const packed = new BinaryReader(r.bytes());
    while (packed.pos < packed.len) out.push(toSafeNumber(packed.int64(), what));
  } else out.push(toSafeNumber(r.int64(), what));
}

function readRepeatedInt32(r: BinaryReader, wt: WireType, out: number[]): void {
  if (wt === WireType.LengthDelimited) {
    const packed = new BinaryReader(r.bytes());
    while (packed.pos < packed.len) out.push(packed.int32());
  } else out.push(r.int32());
}

function readRepeatedFloat(r: BinaryReader, wt: WireType, out: number[], double: boolean): void {
  if (wt === WireType.LengthDelimited) {
    const bytes = r.bytes();
    const size = double ? 8 : 4;
    if (bytes.length % size !== 0) throw new Error(`a packed ${double ? 'double' : 'float'} field has a partial value`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let o = 0; o < bytes.length; o += size) out.push(double ? view.getFloat64(o, true) : view.getFloat32(o, true));
  } else out.push(double ? r.double() : r.float());
}

export function readTensor(bytes: Uint8Array): TensorProto {
  const t: TensorProto = {
    name: '',
    dims: [],
    dataType: 0,
    rawData: null,
    floatData: [],
    int32Data: [],
    int64Data: [],
    doubleData: [],
    external: false,
    unsupportedPayload: false,
  };
  readMessage(bytes, (no, wt, r) => {
    if (no === 1) readRepeatedInt64(r, wt, t.dims, 'a tensor dimension');
    else if (no === 2) t.dataType = r.int32();
    else if (no === 4) readRepeatedFloat(r, wt, t.floatData, false);
    else if (no === 5) readRepeatedInt32(r, wt, t.int32Data);
    else if (no === 7) readRepeatedInt64(r, wt, t.int64Data, 'an int64 tensor value');
    else if (no === 8) t.name = r.string();
    else if (no === 9) t.rawData = r.bytes();
    else if (no === 10) readRepeatedFloat(r, wt, t.doubleData, true);
    else if (no === 13) {
      r.skip(wt, no);
      t.external = true;
    } else if (no === 14) t.external ||= r.int32() === 1;
    else if (no === 3 || no === 6) {
      r.skip(wt, no);
      t.unsupportedPayload = true;
    } else return false;
    return true;
  });
  return t;
}

function readAttribute(bytes: Uint8Array): AttributeProto {
  const a: AttributeProto = { name: '', type: 0, f: 0, i: 0, s: '', t: null, floats: [], ints: [], hasGraph: false };
  readMessage(bytes, (no, wt, r) => {
    if (no === 1) a.name = r.string();
    else if (no === 20) a.type = r.int32();
    else if (no === 2) a.f = r.float();
    else if (no === 3) a.i = toSafeNumber(r.int64(), `attribute '${a.name}'`);
    else if (no === 4) a.s = r.string();
    else if (no === 5) a.t = readTensor(r.bytes());
    else if (no === 7) readRepeatedFloat(r, wt, a.floats, false);
    else if (no === 8) readRepeatedInt64(r, wt, a.ints, `attribute '${a.name}'`);
    else if (no === 6 || no === 11) {
      r.skip(wt, no);
      a.hasGraph = true;
    } else return false;
    return true;
  });
  return a;
}

function readNode(bytes: Uint8Array): NodeProto {
  const n: NodeProto = { inputs: [], outputs: [], name: '', opType: '', domain: '', attributes: [] };
  readMessage(bytes, (no, _wt, r) => {
    if (no === 1) n.inputs.push(r.string());
    else if (no === 2) n.outputs.push(r.string());
    else if (no === 3) n.name = r.string();
    else if (no === 4) n.opType = r.string();
    else if (no === 7) n.domain = r.string();
    else if (no === 5) n.attributes.push(readAttribute(r.bytes()));
    else return false;
    return true;
  });
  return n;
}

function readDim(bytes: Uint8Array): number | string | null {
  let dim: number | string | null = null;
  readMessage(bytes, (no, _wt, r) => {
    if (no === 1) dim = toSafeNumber(r.int64(), 'a declared dimension');
    else if (no === 2) dim = r.string();
    else return false;
    return true;
  });
  return dim;
}

function readValueInfo(bytes: Uint8Array): ValueInfoProto {
  const v: ValueInfoProto = { name: '', elemType: 0, dims: null };
  const readTensorType = (b: Uint8Array) =>
    readMessage(b, (no, _wt, r) => {
      if (no === 1) v.elemType = r.int32();
      else if (no === 2) {
        v.dims = [];
        readMessage(r.bytes(), (dno, _dwt, dr) => {
          if (dno !== 1) return false;
          v.dims!.push(readDim(dr.bytes()));
          return true;
        });
      } else return false;
      return true;
    });
  readMessage(bytes, (no, _wt, r) => {
    if (no === 1) v.name = r.string();
    else if (no === 2) {
      readMessage(r.bytes(), (tno, _twt, tr) => {
        if (tno !== 1) return false;
        readTensorType(tr.bytes());
        return true;
      });
    } else return false;
    return true;
  });
  return v;
}

function readGraph(bytes: Uint8Array): GraphProto {
  const g: GraphProto = { name: '', nodes: [], initializers: [], sparseInitializers: 0, inputs: [], outputs: [] };
  readMessage(bytes, (no, wt, r) => {
    if (no === 1) g.nodes.push(readNode(r.bytes()));
    else if (no === 2) g.name = r.string();
    else if (no === 5) g.initializers.push(readTensor(r.bytes()));
    else if (no === 11) g.inputs.push(readValueInfo(r.bytes()));
    else if (no === 12) g.outputs.push(readValueInfo(r.bytes()));
    else if (no === 15) {
      r.skip(wt, no);
      g.sparseInitializers++;
    } else return false;
    return true;
  });
  return g;
}

/** Decodes a ModelProto. Throws on malformed protobuf (truncation, bad tags, out-of-range integers). */
export function readModel(bytes: Uint8Array): ModelProto {
  const m: ModelProto = { irVersion: 0, opsets: [], producerName: '', producerVersion: '', graph: null, functions: 0 };
  readMessage(bytes, (no, wt, r) => {
    if (no === 1) m.irVersion = toSafeNumber(r.int64(), 'ir_version');
    else if (no === 2) m.producerName = r.string();
    else if (no === 3) m.producerVersion = r.string();
    else if (no === 7) m.graph = readGraph(r.bytes());
    else if (no === 8) {
      const id: OpsetId = { domain: '', version: 0 };
      readMessage(r.bytes(), (ono, _owt, or) => {
        if (ono === 1) id.domain = or.string();
        else if (ono === 2) id.version = toSafeNumber(or.int64(), 'an opset version');
        else return false;
        return true;
      });
      m.opsets.push(id);
    } else if (no === 25) {
      r.skip(wt, no);
      m.functions++;
    } else return false;
    return true;
  });
  return m;
}

// ---- writing ----

/** What toOnnx writes: float tensors as raw_data, int64 tensors (shapes) as raw_data too. */
export interface TensorOut {
  name: string;
  dims: number[];
  float?: Float32Array;
  int64?: number[];
}

export interface AttributeOut {
  name: string;
  i?: number;
  f?: number;
  s?: string;
  ints?: number[];
}

export interface NodeOut {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes?: AttributeOut[];
}

export interface ValueInfoOut {
  name: string;
  /** A number, or a string for a symbolic dimension (the batch). */
  dims: (number | string)[];
}

export interface ModelOut {
  irVersion: number;
  opset: number;
  producerName: string;
  producerVersion: string;
  graphName: string;
  nodes: NodeOut[];
  initializers: TensorOut[];
  inputs: ValueInfoOut[];
  outputs: ValueInfoOut[];
}

function writeTensor(w: BinaryWriter, t: TensorOut): void {
  for (const d of t.dims) w.tag(1, WireType.Varint).int64(d);
  if (t.float) {
    w.tag(2, WireType.Varint).int32(DataType.FLOAT);
    w.tag(8, WireType.LengthDelimited).string(t.name);
    const raw = new Uint8Array(t.float.length * 4);
    const view = new DataView(raw.buffer);
    t.float.forEach((v, i) => view.setFloat32(i * 4, v, true));
    w.tag(9, WireType.LengthDelimited).bytes(raw);
  } else {
    const values = t.int64 ?? [];
    w.tag(2, WireType.Varint).int32(DataType.INT64);
    w.tag(8, WireType.LengthDelimited).string(t.name);
    const raw = new Uint8Array(values.length * 8);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    w.tag(9, WireType.LengthDelimited).bytes(raw);
  }
}

function writeAttribute(w: BinaryWriter, a: AttributeOut): void {
  w.tag(1, WireType.LengthDelimited).string(a.name);
  if (a.ints !== undefined) {
    w.tag(20, WireType.Varint).int32(AttrType.INTS);
    w.tag(8, WireType.LengthDelimited).fork();
    for (const v of a.ints) w.int64(v);
    w.join();
  } else if (a.f !== undefined) {
    w.tag(20, WireType.Varint).int32(AttrType.FLOAT);
    w.tag(2, WireType.Bit32).float(a.f);
  } else if (a.s !== undefined) {
    w.tag(20, WireType.Varint).int32(AttrType.STRING);
    w.tag(4, WireType.LengthDelimited).string(a.s);
  } else {
    w.tag(20, WireType.Varint).int32(AttrType.INT);
    w.tag(3, WireType.Varint).int64(a.i ?? 0);
  }
}

function writeValueInfo(w: BinaryWriter, v: ValueInfoOut): void {
  w.tag(1, WireType.LengthDelimited).string(v.name);
  w.tag(2, WireType.LengthDelimited).fork(); // TypeProto
  w.tag(1, WireType.LengthDelimited).fork(); // TypeProto.Tensor
  w.tag(1, WireType.Varint).int32(DataType.FLOAT);
  w.tag(2, WireType.LengthDelimited).fork(); // TensorShapeProto
  for (const d of v.dims) {
    w.tag(1, WireType.LengthDelimited).fork();
    if (typeof d === 'string') w.tag(2, WireType.LengthDelimited).string(d);
    else w.tag(1, WireType.Varint).int64(d);
    w.join();
  }
  w.join().join().join();
}

/** Encodes a model with one graph in the default domain. */
export function writeModel(m: ModelOut): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.Varint).int64(m.irVersion);
  w.tag(2, WireType.LengthDelimited).string(m.producerName);
  w.tag(3, WireType.LengthDelimited).string(m.producerVersion);
  w.tag(7, WireType.LengthDelimited).fork();
  for (const n of m.nodes) {
    w.tag(1, WireType.LengthDelimited).fork();
    for (const i of n.inputs) w.tag(1, WireType.LengthDelimited).string(i);
    for (const o of n.outputs) w.tag(2, WireType.LengthDelimited).string(o);
    w.tag(3, WireType.LengthDelimited).string(n.name);
    w.tag(4, WireType.LengthDelimited).string(n.opType);
    for (const a of n.attributes ?? []) {
      w.tag(5, WireType.LengthDelimited).fork();
      writeAttribute(w, a);
      w.join();
    }
    w.join();
  }
  w.tag(2, WireType.LengthDelimited).string(m.graphName);
  for (const t of m.initializers) {
    w.tag(5, WireType.LengthDelimited).fork();
    writeTensor(w, t);
    w.join();
  }
  for (const v of m.inputs) {
    w.tag(11, WireType.LengthDelimited).fork();
    writeValueInfo(w, v);
    w.join();
  }
  for (const v of m.outputs) {
    w.tag(12, WireType.LengthDelimited).fork();
    writeValueInfo(w, v);
    w.join();
  }
  w.join();
  w.tag(8, WireType.LengthDelimited).fork();
  w.tag(1, WireType.LengthDelimited).string('');
  w.tag(2, WireType.Varint).int64(m.opset);
  w.join();
  return w.finish();
}
