// A data set's files as bytes, whoever supplies them: a path to read (Node, Deno, Bun) or bytes handed
// over (browsers, fromBytes); gzip data is recognised by its signature and decompressed.
import { gunzip, isGzip, readFileBytes } from '../util/fs.js';

/** The most any data file here decompresses to when its format gives no length (a gzip bomb stops there). */
const MAX_DECOMPRESSED = 2 ** 30;

/** The most `head` (the first decompressed bytes) says its file may be; undefined until it can tell. */
export type LengthCap = (head: Uint8Array) => number | undefined;

/**
 * Gunzips `bytes` if they start with the gzip signature; otherwise returns them unchanged. Decompression
 * stops once the output is longer than `capFor` allows (the format's reader then reports the length).
 */
export async function maybeGunzip(
  bytes: Uint8Array,
  name: string,
  capFor: LengthCap = () => MAX_DECOMPRESSED,
): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  try {
    return await gunzip(bytes, capFor);
  } catch (e) {
    throw new Error(
      `${name}: could not decompress gzip data (a truncated or corrupt .gz file?): ${(e as Error).message}`,
    );
  }
}

/** A data file given either as bytes (browsers, fromBytes) or as a path to read. */
export interface FileSource {
  name: string;
  bytes?: Uint8Array;
  path?: string;
}

/** The file's bytes, read from its path if needed and gunzipped if they are gzip data. */
export async function sourceBytes(src: FileSource, fn: string, capFor?: LengthCap): Promise<Uint8Array> {
  const label = `${fn}: ${src.name}`;
  let raw = src.bytes;
  if (raw === undefined) {
    try {
      raw = readFileBytes(src.path!);
    } catch (e) {
      throw new Error(`${label}: could not read the file: ${(e as Error).message}`);
    }
  }
  return maybeGunzip(raw, label, capFor);
}

/** Accepts the byte containers a caller is likely to have: Uint8Array, any typed array view, ArrayBuffer. */
export function asBytes(value: unknown, arg: string, fn: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  const got =
    value === null ? 'null' : value === undefined ? 'undefined' : ((value as object).constructor?.name ?? typeof value);
  throw new Error(`${fn}: '${arg}' must be a Uint8Array or an ArrayBuffer with the file's bytes; got ${got}`);
}
