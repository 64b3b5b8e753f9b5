// The IDX format of the MNIST family: a 4-byte magic number (two zero bytes, a type code, the number of
// dimensions), one big-endian uint32 per dimension, then the values in row-major order. Only unsigned
// bytes (type 0x08) occur in these data sets, so only they are read; anything else is reported rather
// than misread. This file is the only one that knows the format; reading files is files.ts.
/** A parsed IDX file: its dimensions and its values (a view into the file's bytes, not a copy). */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

/** The magic number of an unsigned-byte IDX file of `rank` dimensions (2051 for images, 2049 for labels). */
export function idxMagic(rank: number): number {
  return (UBYTE << 8) | rank;
}

/**
 * The whole length of an IDX file from its first bytes: its header says so. Decompression stops there
 * (parseIdx then reports a file longer than its header says), and at once for what is not IDX at all.
 */
export function idxLength(head: Uint8Array): number | undefined {
  if (head.length < 4) return undefined;
  if (head[0] !== 0 || head[1] !== 0) return head.length;
  const headerBytes = 4 + 4 * head[3];
  if (head.length < headerBytes) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let size = 1;
  for (let i = 0; i < head[3]; i++) size *= view.getUint32(4 + 4 * i, false);
  return headerBytes + size * (head[2] === UBYTE ? 1 : 8);
}

/**
 * Parses an (already gunzipped) IDX file of unsigned bytes with exactly `rank` dimensions.
 * `name` is used in error messages: every error says which file is wrong and what was expected.
 */
export function parseIdx(bytes: Uint8Array, rank: number, name: string): IdxArray {
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < 4) {
    throw new Error(
      `${name}: truncated IDX file: expected a header of ${headerBytes} bytes; got only ${bytes.length} bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const expected = idxMagic(rank);
  if (magic !== expected) {
    throw new Error(
      `${name}: wrong magic number: expected ${hex(expected)} (${expected}: unsigned bytes, ${rank} dimension${rank === 1 ? '' : 's'}); ` +
        `got ${hex(magic)} (${magic})${magicHint(magic)}`,
    );
  }
  if (bytes.length < headerBytes) {
    throw new Error(
      `${name}: truncated IDX file: expected a header of ${headerBytes} bytes; got only ${bytes.length} bytes`,
    );
  }
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    size *= d;
  }
  const expectedBytes = headerBytes + size;
  if (bytes.length !== expectedBytes) {
    const what = bytes.length < expectedBytes ? 'truncated IDX file' : 'IDX file longer than its header says';
    throw new Error(
      `${name}: ${what}: the header gives dimensions [${dims.join(',')}], so expected ${expectedBytes} bytes; got ${bytes.length} bytes`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

// A few words on common mix-ups, so that the error points at the likely cause.
function magicHint(magic: number): string {
  if ((magic & 0xffff0000) >>> 0 === 0x1f8b0000) return ' (this looks like gzip data that was not decompressed)';
  if (magic >>> 16 !== 0) return ' (not an IDX file)';
  if (((magic >>> 8) & 0xff) !== UBYTE)
    return ` (element type 0x${((magic >>> 8) & 0xff).toString(16)}; only unsigned bytes, 0x08, are supported)`;
  const rank = magic & 0xff;
  if (rank === 1) return ' (a label file: 1 dimension)';
  if (rank === 3) return ' (an image file: 3 dimensions)';
  return ` (${rank} dimensions)`;
}
