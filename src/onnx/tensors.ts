// Initializers and Constant values: TensorProto checks (before anything is decoded) and decoding into
// JS arrays. Nothing here touches WASM memory; the model is built only after the whole graph checks out.
import { DataType, type TensorProto } from './proto.js';
import { fail } from './errors.js';

/** No tensor in a CNN that runs in a browser needs more (1 GiB of float32). */
export const MAX_ELEMENTS = 2 ** 28;
const MAX_RANK = 8;

const ELEMENT_BYTES: Record<number, number> = {
  [DataType.FLOAT]: 4,
  [DataType.DOUBLE]: 8,
  [DataType.FLOAT16]: 2,
  [DataType.INT32]: 4,
  [DataType.INT64]: 8,
  [DataType.INT8]: 1,
  [DataType.UINT8]: 1,
  [DataType.BOOL]: 1,
};

const TYPE_NAMES: Record<number, string> = {
  1: 'FLOAT',
  2: 'UINT8',
  3: 'INT8',
  4: 'UINT16',
  5: 'INT16',
  6: 'INT32',
  7: 'INT64',
  8: 'STRING',
  9: 'BOOL',
  10: 'FLOAT16',
  11: 'DOUBLE',
  12: 'UINT32',
  13: 'UINT64',
  14: 'COMPLEX64',
  15: 'COMPLEX128',
  16: 'BFLOAT16',
};

export function typeName(t: number): string {
  return TYPE_NAMES[t] ?? `type ${t}`;
}

/** The element count, after checking rank, dims, data type, storage and that the data is all there. */
export function checkTensorProto(t: TensorProto, what: string, fn: string): number {
  if (t.external) fail(fn, `${what} keeps its data in an external file; only self-contained .onnx files can be loaded`);
  if (t.unsupportedPayload) fail(fn, `${what} uses string data or segments, which a CNN's weights never need`);
  const bytes = ELEMENT_BYTES[t.dataType];
  if (bytes === undefined)
    fail(fn, `${what} has data type ${typeName(t.dataType)}; expected FLOAT (or an integer type)`);
  if (t.dims.length > MAX_RANK) fail(fn, `${what} has rank ${t.dims.length}; at most ${MAX_RANK} is supported`);
  let n = 1;
  for (const d of t.dims) {
    if (!Number.isInteger(d) || d < 0 || d > MAX_ELEMENTS)
      fail(fn, `${what} has an invalid dimension ${d} (dims [${t.dims.join(', ')}])`);
    n *= d;
    if (n > MAX_ELEMENTS) fail(fn, `${what} declares dims [${t.dims.join(', ')}]: more than ${MAX_ELEMENTS} elements`);
  }
  const stored = t.rawData
    ? t.rawData.length / bytes
    : t.dataType === DataType.FLOAT
      ? t.floatData.length
      : t.dataType === DataType.DOUBLE
        ? t.doubleData.length
        : t.dataType === DataType.INT64
          ? t.int64Data.length
          : t.int32Data.length;
  if (stored !== n) {
    fail(
      fn,
      `${what} declares dims [${t.dims.join(', ')}] (${n} values) but holds ${Number.isInteger(stored) ? stored : `${t.rawData!.length} bytes, i.e. ${stored}`} values of ${typeName(t.dataType)}; the file is truncated or corrupt`,
    );
  }
  return n;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** The values as float32 (floating types) or as exact integers (integer types, as float64 numbers). */
export function decodeTensor(t: TensorProto): Float32Array | Float64Array {
  const n = t.dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  const float = t.dataType === DataType.FLOAT || t.dataType === DataType.DOUBLE || t.dataType === DataType.FLOAT16;
  const out = float ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v: number;
    switch (t.dataType) {
      case DataType.FLOAT:
        v = view ? view.getFloat32(i * 4, true) : t.floatData[i];
        break;
      case DataType.DOUBLE:
        v = view ? view.getFloat64(i * 8, true) : t.doubleData[i];
        break;
      case DataType.FLOAT16:
        v = halfToFloat(view ? view.getUint16(i * 2, true) : t.int32Data[i]);
        break;
      case DataType.INT64:
        v = view ? Number(view.getBigInt64(i * 8, true)) : t.int64Data[i];
        break;
      case DataType.INT32:
        v = view ? view.getInt32(i * 4, true) : t.int32Data[i];
        break;
      case DataType.INT8:
        v = view ? view.getInt8(i) : t.int32Data[i];
        break;
      default:
        v = view ? view.getUint8(i) : t.int32Data[i];
    }
    out[i] = v;
  }
  return out;
}

/** A decoded constant: values (row-major) and dims. */
export interface Constant {
  dims: number[];
  values: Float32Array | Float64Array;
}
