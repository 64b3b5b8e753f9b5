// safetensors files to and from tensors. The header is validated in full before the first tensor is
// allocated, and a failure while allocating disposes what was made, so a bad file never leaks tensors.
import { Tensor } from '../core/tensor.js';
import { u8, i32 } from '../backend/views.js';
import { checkTensor, describe } from '../util/validate.js';
import { DTYPES, safetensorsDTypeOf } from './dtypes.js';
import {
  asBytes,
  METADATA_KEY,
  parseSafetensorsHeader,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from './safetensors-header.js';

export type { SafetensorsEntry, SafetensorsHeader };
export type NamedTensors = Map<string, Tensor> | Record<string, Tensor>;

function entryView(bytes: Uint8Array, header: SafetensorsHeader, t: SafetensorsEntry): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset + header.dataStart + t.begin, t.end - t.begin);
}

/**
 * The names, dtypes, shapes and metadata of a safetensors file, validated, without reading any tensor.
 */
export function readSafetensorsHeader(bytes: Uint8Array | ArrayBuffer): SafetensorsHeader {
  return parseSafetensorsHeader(asBytes(bytes, 'readSafetensorsHeader'), 'readSafetensorsHeader');
}

/**
 * Reads every tensor of a safetensors file, in the header's order. F32 and I32 are copied bit for bit;
 * F16, BF16, F8 and F64 become float32; I64, U64 and U32 become int32 when every value fits (an Error
 * otherwise); I16, U16, I8, U8 and BOOL become int32. The tensors belong to the caller (or the enclosing
 * tidy).
 */
export function readSafetensors(bytes: Uint8Array | ArrayBuffer): Map<string, Tensor> {
  const fn = 'readSafetensors';
  const data = asBytes(bytes, fn);
  return readTensors(data, parseSafetensorsHeader(data, fn), fn);
}

/** The tensors of a file whose header parseSafetensorsHeader has already read and validated. */
export function readTensors(data: Uint8Array, header: SafetensorsHeader, fn: string): Map<string, Tensor> {
  for (const t of header.tensors) {
    const problem = DTYPES[t.dtype].check?.(entryView(data, header, t));
    if (problem) throw new Error(`${fn}: tensor ${JSON.stringify(t.name)} (${t.dtype}) holds ${problem}`);
  }
  const out = new Map<string, Tensor>();
  try {
    for (const t of header.tensors) {
      const info = DTYPES[t.dtype];
      const tensor = new Tensor(t.shape, info.target);
      out.set(t.name, tensor);
      if (info.size === 4) {
        u8().set(data.subarray(header.dataStart + t.begin, header.dataStart + t.end), tensor.offset);
      } else {
        const words = i32();
        const target = new Uint32Array(words.buffer, tensor.offset, tensor.size);
        info.decode(entryView(data, header, t), target, tensor.size);
      }
    }
  } catch (e) {
    // Only allocation can fail here (WASM memory exhausted): give back what was made.
    for (const t of out.values()) t.dispose();
    throw e;
  }
  return out;
}

function namedEntries(tensors: unknown, fn: string): [string, Tensor][] {
  let entries: [string, unknown][];
  if (tensors instanceof Map) entries = [...tensors.entries()];
  else if (typeof tensors === 'object' && tensors !== null && !Array.isArray(tensors) && !(tensors instanceof Tensor)) {
    entries = Object.keys(tensors).map((k) => [k, (tensors as Record<string, unknown>)[k]]);
  } else {
    throw new Error(`${fn}: argument 'tensors' must be a Map or an object of named tensors; got ${describe(tensors)}`);
  }
  return entries.map(([name, t]) => {
    if (typeof name !== 'string') throw new Error(`${fn}: tensor names must be strings; got ${describe(name)}`);
    if (name === METADATA_KEY)
      throw new Error(`${fn}: '${METADATA_KEY}' is reserved for the metadata and cannot name a tensor`);
    return [name, checkTensor(t, `tensors[${JSON.stringify(name)}]`, fn)];
  });
}

export function metadataJson(metadata: unknown, fn: string): string | null {
  if (metadata === undefined) return null;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new Error(`${fn}: argument 'metadata' must be an object of strings; got ${describe(metadata)}`);
  }
  const parts = Object.keys(metadata).map((k) => {
    const v = (metadata as Record<string, unknown>)[k];
    if (typeof v !== 'string')
      throw new Error(
        `${fn}: argument 'metadata' must map strings to strings; key ${JSON.stringify(k)} holds ${describe(v)}`,
      );
    return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
  });
  return `{${parts.join(',')}}`;
}

/** One tensor to write: its dtype, shape and little-endian bytes (read only while the file is encoded). */
export interface RawTensor {
  name: string;
  dtype: 'F32' | 'I32';
  shape: readonly number[];
  bytes: () => Uint8Array;
}

/** Encodes raw tensors (names already checked) and metadata JSON as one safetensors file. */
export function encodeSafetensors(entries: RawTensor[], metadataJson: string | null): Uint8Array {
  // Keys are written by hand rather than through an object so that names like "__proto__" or "10" keep
  // their place and meaning.
  const fields: string[] = metadataJson === null ? [] : [`${JSON.stringify(METADATA_KEY)}:${metadataJson}`];
  let offset = 0;
  const sizes = entries.map((e) => e.shape.reduce((n, d) => n * d, 4));
  entries.forEach((e, i) => {
    const info = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + sizes[i]] };
    fields.push(`${JSON.stringify(e.name)}:${JSON.stringify(info)}`);
    offset += sizes[i];
  });
  const json = new TextEncoder().encode(`{${fields.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  entries.forEach((e, i) => {
    const bytes = e.bytes();
    if (bytes.length !== sizes[i])
      throw new Error(`internal: tensor ${JSON.stringify(e.name)} gave ${bytes.length} bytes for ${sizes[i]}`);
    out.set(bytes, at);
    at += sizes[i];
  });
  return out;
}

/** A tensor's data as raw bytes for encodeSafetensors (a view of WASM memory, taken when written). */
export function rawTensor(name: string, t: Tensor): RawTensor {
  return {
    name,
    dtype: safetensorsDTypeOf(t.dtype),
    shape: t.shape,
    bytes: () => u8().subarray(t.offset, t.offset + t.size * 4),
  };
}

/**
 * Writes tensors (in the Map's or object's order) and optional string metadata as a safetensors file:
 * float32 as F32, int32 as I32, bit for bit. The header is padded with spaces to a multiple of 8 bytes so
 * that the data is aligned.
 */
export function writeSafetensors(tensors: NamedTensors, metadata?: Record<string, string>): Uint8Array {
  const fn = 'writeSafetensors';
  const entries = namedEntries(tensors, fn);
  return encodeSafetensors(
    entries.map(([name, t]) => rawTensor(name, t)),
    metadataJson(metadata, fn),
  );
}
