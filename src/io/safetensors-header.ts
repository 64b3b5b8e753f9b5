// Reads and validates a safetensors header without allocating any tensor. The format: an 8-byte
// little-endian u64 N, N bytes of UTF-8 JSON `{ name: { dtype, shape, data_offsets: [begin, end] },
// __metadata__?: { string: string } }`, then the data, where offsets count from the end of the header.
// Every way a file can lie (lengths past the end, overlapping or holey byte ranges, shapes that do not
// match their byte ranges, repeated names) is caught here, so the reader can trust what it gets back.
import { DTYPES, UNSUPPORTED_DTYPES, type SafetensorsDType } from './dtypes.js';
import { scanKeys } from './json-duplicates.js';
import { describe, fmtShape } from '../util/validate.js';
import { isPlainObject } from './checks.js';

/** The largest header read: the reference implementation's limit, and far above any real model's. */
export const MAX_HEADER_BYTES = 100_000_000;
export const METADATA_KEY = '__metadata__';

export interface SafetensorsEntry {
  name: string;
  /** The dtype as written in the file (e.g. 'F16'). */
  dtype: string;
  shape: number[];
  /** Byte range within the data section (after the header). */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Tensors in the header's order. */
  tensors: SafetensorsEntry[];
  metadata: Record<string, string> | undefined;
  /** Offset of the data section in the file: 8 + header length. */
  dataStart: number;
}

/** Accepts a Uint8Array (Node's Buffer included) or an ArrayBuffer. */
export function asBytes(bytes: unknown, fn: string): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  throw new Error(`${fn}: argument 'bytes' must be a Uint8Array or an ArrayBuffer; got ${describe(bytes)}`);
}

function readHeaderText(bytes: Uint8Array, fn: string): { text: string; dataStart: number } {
  if (bytes.length < 8) {
    throw new Error(
      `${fn}: the file is ${bytes.length} bytes long; a safetensors file starts with an 8-byte header length`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32; // exact below 2^53, and huge above
  if (length > MAX_HEADER_BYTES) {
    throw new Error(
      `${fn}: the header length is ${length} bytes, over the ${MAX_HEADER_BYTES}-byte limit (a corrupt or non-safetensors file?)`,
    );
  }
  if (8 + length > bytes.length) {
    throw new Error(
      `${fn}: the header length is ${length} bytes, which runs past the end of the ${bytes.length}-byte file (truncated?)`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + length));
  } catch {
    throw new Error(`${fn}: the header is not valid UTF-8`);
  }
  return { text, dataStart: 8 + length };
}

function parseJson(text: string, fn: string): { header: Record<string, unknown>; keys: string[] } {
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new Error(`${fn}: the header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(header)) throw new Error(`${fn}: the header must be a JSON object; got ${describe(header)}`);
  const { duplicate: dup, topLevelKeys } = scanKeys(text);
  if (dup) {
    const where = dup.parent === '' ? 'the header' : `the header's entry ${JSON.stringify(dup.parent)}`;
    throw new Error(`${fn}: ${where} has the key ${JSON.stringify(dup.key)} twice`);
  }
  return { header, keys: topLevelKeys };
}

function parseMetadata(value: unknown, fn: string): Record<string, string> {
  if (!isPlainObject(value))
    throw new Error(`${fn}: '${METADATA_KEY}' must be an object of strings; got ${describe(value)}`);
  const out: Record<string, string> = Object.create(null);
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (typeof v !== 'string')
      throw new Error(
        `${fn}: '${METADATA_KEY}' must map strings to strings; key ${JSON.stringify(key)} holds ${describe(v)}`,
      );
    out[key] = v;
  }
  return out;
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Element count × element size. Computed in float64: when the true value is at most 2^53 (anything
 * that can match a byte range) every partial product is exact; beyond that it is only shown.
 */
function byteLengthOf(shape: number[], size: number): number {
  if (shape.includes(0)) return 0; // before multiplying, so that Infinity × 0 never makes NaN
  return shape.reduce((bytes, d) => bytes * d, size);
}

function parseEntry(name: string, value: unknown, dataLength: number, fn: string): SafetensorsEntry {
  const what = `tensor ${JSON.stringify(name)}`;
  if (!isPlainObject(value))
    throw new Error(`${fn}: ${what} must be an object { dtype, shape, data_offsets }; got ${describe(value)}`);
  for (const field of ['dtype', 'shape', 'data_offsets']) {
    if (!(field in value)) throw new Error(`${fn}: ${what} has no '${field}'`);
  }
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') throw new Error(`${fn}: ${what} has a dtype that is not a string: ${describe(dtype)}`);
  const info: SafetensorsDType | undefined = Object.prototype.hasOwnProperty.call(DTYPES, dtype)
    ? DTYPES[dtype]
    : undefined;
  if (!info) {
    if (UNSUPPORTED_DTYPES.includes(dtype))
      throw new Error(`${fn}: ${what} has dtype ${dtype}, which simdnet cannot read`);
    throw new Error(
      `${fn}: ${what} has an unknown dtype ${JSON.stringify(dtype)} (expected one of ${Object.keys(DTYPES).join(', ')})`,
    );
  }
  if (!Array.isArray(shape)) throw new Error(`${fn}: ${what} has a shape that is not an array: ${describe(shape)}`);
  shape.forEach((d, i) => {
    if (!isIndex(d))
      throw new Error(
        `${fn}: ${what} has shape [${shape.map(describe).join(',')}]: dimension ${i} is not a non-negative integer`,
      );
  });
  if (!Array.isArray(offsets) || offsets.length !== 2 || !isIndex(offsets[0]) || !isIndex(offsets[1])) {
    const shown = Array.isArray(offsets) ? `[${offsets.map(describe).join(',')}]` : describe(offsets);
    throw new Error(`${fn}: ${what} has data_offsets ${shown}; expected [begin, end], two non-negative integers`);
  }
  const [begin, end] = offsets as number[];
  if (begin > end) throw new Error(`${fn}: ${what} has data_offsets [${begin},${end}] whose begin is after its end`);
  if (end > dataLength) {
    throw new Error(
      `${fn}: ${what} has data_offsets [${begin},${end}], which run past the end of the data (${dataLength} bytes; truncated file?)`,
    );
  }
  const expected = byteLengthOf(shape as number[], info.size);
  if (expected !== end - begin) {
    const needs = Number.isSafeInteger(expected) ? `${expected} bytes` : `about ${expected.toPrecision(3)} bytes`;
    throw new Error(
      `${fn}: ${what} of dtype ${dtype} and shape ${fmtShape(shape as number[])} needs ${needs}, but its data_offsets [${begin},${end}] hold ${end - begin}`,
    );
  }
  return { name, dtype, shape: (shape as number[]).map((d) => d + 0), begin, end }; // + 0 turns -0 into 0
}

/** The byte ranges must tile the data section exactly: no overlap, no hole, nothing after the last. */
function checkTiling(tensors: SafetensorsEntry[], dataLength: number, fn: string): void {
  const sorted = tensors.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let previous: SafetensorsEntry | null = null;
  for (const t of sorted) {
    const range = `tensor ${JSON.stringify(t.name)} (data_offsets [${t.begin},${t.end}])`;
    if (t.begin < at)
      throw new Error(
        `${fn}: ${range} overlaps tensor ${JSON.stringify(previous!.name)} (data_offsets [${previous!.begin},${previous!.end}])`,
      );
    if (t.begin > at)
      throw new Error(`${fn}: the data has a hole: bytes ${at} to ${t.begin} belong to no tensor (next is ${range})`);
    at = t.end;
    if (t.end > t.begin) previous = t;
  }
  if (at !== dataLength)
    throw new Error(
      `${fn}: the data has ${dataLength - at} trailing bytes (${at} to ${dataLength}) that belong to no tensor`,
    );
}

/** Parses and validates the header of a safetensors file. Throws an Error saying what is wrong. */
export function parseSafetensorsHeader(bytes: Uint8Array, fn: string): SafetensorsHeader {
  const { text, dataStart } = readHeaderText(bytes, fn);
  const { header, keys } = parseJson(text, fn);
  const dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> | undefined;
  const tensors: SafetensorsEntry[] = [];
  for (const name of keys) {
    if (name === METADATA_KEY) metadata = parseMetadata(header[name], fn);
    else tensors.push(parseEntry(name, header[name], dataLength, fn));
  }
  checkTiling(tensors, dataLength, fn);
  return { tensors, metadata, dataStart };
}
