// The safetensors element types and how each becomes one of simdnet's two dtypes. Floating types become
// float32, integer and boolean types int32. Decoders read little-endian bytes (the safetensors byte
// order) and write into WASM memory through 32-bit views, so F32/I32 and the exact widenings (F16, BF16,
// F8) keep every bit, NaN payloads and -0 included.
import type { DType } from '../core/tensor.js';

export interface SafetensorsDType {
  /** Bytes per element. */
  readonly size: number;
  /** The simdnet dtype the values become. */
  readonly target: DType;
  /**
   * Checks that every element can be represented in `target`, before any tensor is allocated. Returns
   * a description of the first element that cannot, or null.
   */
  readonly check?: (src: DataView) => string | null;
  /** Writes `count` elements from `src` to `out` (a view of the tensor's words in WASM memory). */
  readonly decode: (src: DataView, out: Uint32Array, count: number) => void;
}

/** float16 bits → float32 bits, exactly (subnormals normalised; Inf/NaN keep sign and payload). */
export function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal: shift the mantissa up until its leading one reaches the implicit-bit position.
  let e = 113;
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);
function floatBits(x: number): number {
  f32Scratch[0] = x;
  return u32Scratch[0];
}

/** float8 e4m3fn (no infinities; S.1111.111 is NaN) → float32 bits. */
function e4m3BitsToF32Bits(b: number): number {
  const negative = (b & 0x80) !== 0;
  const exp = (b >>> 3) & 0xf;
  const mant = b & 7;
  if (exp === 0xf && mant === 7) return negative ? 0xffc00000 : 0x7fc00000;
  const magnitude = exp === 0 ? mant * 2 ** -9 : (1 + mant / 8) * 2 ** (exp - 7);
  return floatBits(negative ? -magnitude : magnitude);
}

function copyWords(src: DataView, out: Uint32Array, count: number): void {
  for (let i = 0; i < count; i++) out[i] = src.getUint32(i * 4, true);
}

/** Integers that fit in int32 whatever their value. */
function smallInt(size: number, read: (src: DataView, i: number) => number): SafetensorsDType {
  return {
    size,
    target: 'int32',
    decode: (src, out, count) => {
      for (let i = 0; i < count; i++) out[i] = read(src, i) >>> 0;
    },
  };
}

function firstBadElement(
  src: DataView,
  size: number,
  fits: (src: DataView, at: number) => boolean,
  show: (src: DataView, at: number) => string,
): string | null {
  const count = src.byteLength / size;
  for (let i = 0; i < count; i++) {
    if (!fits(src, i * size)) return `${show(src, i * size)} at flat index ${i}`;
  }
  return null;
}

const int32Range = 'which does not fit in int32';

export const DTYPES: Readonly<Record<string, SafetensorsDType>> = {
  F32: { size: 4, target: 'float32', decode: copyWords },
  I32: { size: 4, target: 'int32', decode: copyWords },
  F16: {
    size: 2,
    target: 'float32',
    decode: (src, out, count) => {
      for (let i = 0; i < count; i++) out[i] = f16BitsToF32Bits(src.getUint16(i * 2, true));
    },
  },
  BF16: {
    size: 2,
    target: 'float32',
    decode: (src, out, count) => {
      for (let i = 0; i < count; i++) out[i] = (src.getUint16(i * 2, true) << 16) >>> 0;
    },
  },
  F64: {
    size: 8,
    target: 'float32',
    decode: (src, out, count) => {
      for (let i = 0; i < count; i++) out[i] = floatBits(src.getFloat64(i * 8, true));
    },
  },
  F8_E5M2: {
    size: 1,
    target: 'float32',
    decode: (src, out, count) => {
      for (let i = 0; i < count; i++) out[i] = f16BitsToF32Bits(src.getUint8(i) << 8);
    },
  },
  F8_E4M3: {
    size: 1,
    target: 'float32',
    decode: (src, out, count) => {
      for (let i = 0; i < count; i++) out[i] = e4m3BitsToF32Bits(src.getUint8(i));
    },
  },
  I64: {
    size: 8,
    target: 'int32',
    // Fits when the high word is the sign extension of the low word.
    check: (src) =>
      firstBadElement(
        src,
        8,
        (s, at) => s.getInt32(at + 4, true) === s.getInt32(at, true) >> 31,
        (s, at) => `${s.getBigInt64(at, true)}, ${int32Range},`,
      ),
    decode: (src, out, count) => {
      for (let i = 0; i < count; i++) out[i] = src.getUint32(i * 8, true);
    },
  },
  U64: {
    size: 8,
    target: 'int32',
    check: (src) =>
      firstBadElement(
        src,
        8,
        (s, at) => s.getUint32(at + 4, true) === 0 && s.getInt32(at, true) >= 0,
        (s, at) => `${s.getBigUint64(at, true)}, ${int32Range},`,
      ),
    decode: (src, out, count) => {
      for (let i = 0; i < count; i++) out[i] = src.getUint32(i * 8, true);
    },
  },
  U32: {
    size: 4,
    target: 'int32',
    check: (src) =>
      firstBadElement(
        src,
        4,
        (s, at) => s.getInt32(at, true) >= 0,
        (s, at) => `${s.getUint32(at, true)}, ${int32Range},`,
      ),
    decode: copyWords,
  },
  I16: smallInt(2, (s, i) => s.getInt16(i * 2, true)),
  U16: smallInt(2, (s, i) => s.getUint16(i * 2, true)),
  I8: smallInt(1, (s, i) => s.getInt8(i)),
  U8: smallInt(1, (s, i) => s.getUint8(i)),
  BOOL: {
    size: 1,
    target: 'int32',
    // A byte other than 0 or 1 is not a boolean: the file is corrupt, so say so rather than guess.
    check: (src) =>
      firstBadElement(
        src,
        1,
        (s, at) => s.getUint8(at) <= 1,
        (s, at) => `byte ${s.getUint8(at)}, which is not a boolean (0 or 1),`,
      ),
    decode: (src, out, count) => {
      for (let i = 0; i < count; i++) out[i] = src.getUint8(i);
    },
  },
};

/** Types the safetensors format defines that simdnet does not read (sub-byte floats, complex numbers). */
export const UNSUPPORTED_DTYPES: readonly string[] = ['F4', 'F6_E2M3', 'F6_E3M2', 'F8_E8M0', 'C64'];

/** The safetensors dtype a simdnet tensor is written as. */
export function safetensorsDTypeOf(dtype: DType): 'F32' | 'I32' {
  return dtype === 'int32' ? 'I32' : 'F32';
}
