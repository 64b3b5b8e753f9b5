// sn.io.readSafetensors / writeSafetensors: bit-exact round trips, every dtype conversion against an
// independent float64 decoder written here, the PyTorch LeNet checkpoint, one test per kind of broken file,
// and a fast-check property test over random and mutated files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { sn } from '../helpers/setup.mjs';
import { assertSameBits, assertThrowsMessage, bitsOf } from '../helpers/compare.mjs';
import { lenetFixture } from '../helpers/fixtures.mjs';

const enc = new TextEncoder();
const sizeOf = (shape) => shape.reduce((a, b) => a * b, 1);

/** A file from a header text and data bytes; `length` overrides the header-length field. */
function fileOf(headerText, data = new Uint8Array(0), length) {
  const h = enc.encode(headerText);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(length ?? h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const entry = (dtype, shape, begin, end) => ({ dtype, shape, data_offsets: [begin, end] });
const f32File = (header, dataBytes) => fileOf(JSON.stringify(header), new Uint8Array(dataBytes));

function disposeAll(map) {
  for (const t of map.values()) t.dispose();
}

// ---- an independent reference decoder (float64 formulas, not bit tricks) ----

const ELEMENT_SIZE = {
  F32: 4,
  I32: 4,
  U32: 4,
  F16: 2,
  BF16: 2,
  I16: 2,
  U16: 2,
  F64: 8,
  I64: 8,
  U64: 8,
  I8: 1,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
};
const INT_TYPES = new Set(['I32', 'U32', 'I16', 'U16', 'I64', 'U64', 'I8', 'U8', 'BOOL']);

function binaryFloat(bits, expBits, mantBits, bias) {
  const sign = Math.floor(bits / 2 ** (expBits + mantBits)) ? -1 : 1;
  const e = Math.floor(bits / 2 ** mantBits) % 2 ** expBits;
  const m = bits % 2 ** mantBits;
  if (e === 0) return sign * m * 2 ** (1 - bias - mantBits);
  if (e === 2 ** expBits - 1) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 2 ** mantBits) * 2 ** (e - bias);
}

function e4m3(b) {
  const sign = b & 0x80 ? -1 : 1;
  const e = (b >> 3) & 15;
  const m = b & 7;
  if (e === 15 && m === 7) return NaN;
  return e === 0 ? sign * m * 2 ** -9 : sign * (1 + m / 8) * 2 ** (e - 7);
}

/** Values of the little-endian bytes as float64 numbers (BigInt for 64-bit integers). */
function referenceValues(dtype, bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / ELEMENT_SIZE[dtype];
  const read = {
    F32: (i) => dv.getFloat32(i * 4, true),
    I32: (i) => dv.getInt32(i * 4, true),
    U32: (i) => dv.getUint32(i * 4, true),
    F16: (i) => binaryFloat(dv.getUint16(i * 2, true), 5, 10, 15),
    BF16: (i) => binaryFloat(dv.getUint16(i * 2, true), 8, 7, 127),
    F8_E5M2: (i) => binaryFloat(dv.getUint8(i), 5, 2, 15),
    F8_E4M3: (i) => e4m3(dv.getUint8(i)),
    I16: (i) => dv.getInt16(i * 2, true),
    U16: (i) => dv.getUint16(i * 2, true),
    F64: (i) => dv.getFloat64(i * 8, true),
    I64: (i) => dv.getBigInt64(i * 8, true),
    U64: (i) => dv.getBigUint64(i * 8, true),
    I8: (i) => dv.getInt8(i),
    U8: (i) => dv.getUint8(i),
    BOOL: (i) => dv.getUint8(i),
  }[dtype];
  return Array.from({ length: n }, (_, i) => read(i));
}

/** Asserts that `t` holds what the reference decoder reads from `bytes` as `dtype`. */
function assertDecoded(t, dtype, shape, bytes, what) {
  assert.equal([...t.shape], shape, `${what}: shape`);
  assert.is(t.dtype, INT_TYPES.has(dtype) ? 'int32' : 'float32', `${what}: dtype`);
  const expected = referenceValues(dtype, bytes);
  if (dtype === 'F32' || dtype === 'I32') {
    // Bit for bit, NaN payloads included.
    assertSameBits(bitsOf(t), Array.from(new Uint32Array(bytes.slice().buffer)), `${what}: bits`);
    return;
  }
  const actual = t.dataSync();
  for (let i = 0; i < expected.length; i++) {
    const e = typeof expected[i] === 'bigint' ? Number(expected[i]) : expected[i];
    const ok = Number.isNaN(e)
      ? Number.isNaN(actual[i])
      : Object.is(actual[i], INT_TYPES.has(dtype) ? e : Math.fround(e));
    if (!ok) assert.unreachable(`${what}: element ${i} is ${actual[i]}; expected ${e}`);
  }
}

// ---- round trips ----

test('writeSafetensors → readSafetensors is bit-exact: NaN payloads, -0, infinities, subnormals, int32', () => {
  const start = sn.memory().numTensors;
  const special = new Uint32Array([
    0x7fc00000, 0x7f800001, 0xffbadbad, 0x80000000, 0, 0x7f800000, 0xff800000, 0x00000001, 0x807fffff, 0x3f800000,
    0x12345678,
  ]);
  const x = sn.tensor(new Float32Array(special.buffer), [11]);
  assert.equal(bitsOf(x), Array.from(special), 'the test tensor itself holds the bits');
  const labels = sn.tensor(new Int32Array([-2147483648, 2147483647, 0, -1, 7]), [5, 1]);
  const s = sn.scalar(-0);
  const empty = sn.zeros([2, 0, 3]);
  const bytes = sn.io.writeSafetensors(
    new Map([
      ['x', x],
      ['labels', labels],
      ['s', s],
      ['empty', empty],
    ]),
    { format: 'pt', note: 'é"\\' },
  );
  const back = sn.io.readSafetensors(bytes);
  assert.equal([...back.keys()], ['x', 'labels', 's', 'empty']);
  assert.equal(bitsOf(back.get('x')), Array.from(special));
  assert.is(back.get('labels').dtype, 'int32');
  assert.equal([...back.get('labels').shape], [5, 1]);
  assert.equal(Array.from(back.get('labels').dataSync()), [-2147483648, 2147483647, 0, -1, 7]);
  assert.equal([...back.get('s').shape], []);
  assert.ok(Object.is(back.get('s').dataSync()[0], -0));
  assert.equal([...back.get('empty').shape], [2, 0, 3]);
  assert.equal(
    sn.io.readSafetensorsHeader(bytes).metadata,
    Object.assign(Object.create(null), { format: 'pt', note: 'é"\\' }),
  );
  disposeAll(back);
  for (const t of [x, labels, s, empty]) t.dispose();
  assert.is(sn.memory().numTensors, start);
});

test('writeSafetensors lays the file out as the format says', () => {
  const a = sn.tensor([1, 2, 3]);
  const b = sn.tensor([[4], [5]]);
  const bytes = sn.io.writeSafetensors({ a, b }, { k: 'v' });
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  const n = Number(dv.getBigUint64(0, true));
  assert.is(n % 8, 0, 'header padded to a multiple of 8');
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  assert.ok(/^\{.*\} *$/.test(text), `padded with spaces: ${JSON.stringify(text)}`);
  const header = JSON.parse(text);
  assert.equal(header.a, { dtype: 'F32', shape: [3], data_offsets: [0, 12] });
  assert.equal(header.b, { dtype: 'F32', shape: [2, 1], data_offsets: [12, 20] });
  assert.equal(header.__metadata__, { k: 'v' });
  assert.is(bytes.length, 8 + n + 20, 'no holes, nothing after the last tensor');
  assert.equal(Array.from(new Float32Array(bytes.slice(8 + n).buffer)), [1, 2, 3, 4, 5]);
  a.dispose();
  b.dispose();
});

test('tensor names keep their order and meaning: integer-like names, __proto__, escapes, unicode', () => {
  const names = ['10', '2', '__proto__', 'a"b\\c', 'é😀', '\ud800', ''];
  const map = new Map(names.map((n, i) => [n, sn.tensor([i])]));
  const back = sn.io.readSafetensors(sn.io.writeSafetensors(map));
  assert.equal([...back.keys()], names);
  names.forEach((n, i) => assert.equal(Array.from(back.get(n).dataSync()), [i], n));
  disposeAll(back);
  disposeAll(map);
});

test('readSafetensors accepts header entries in any order of offsets and keeps the header order', () => {
  const data = new Float32Array([1, 2, 3]);
  const file = f32File({ b: entry('F32', [1], 8, 12), a: entry('F32', [2], 0, 8) }, data.buffer);
  const back = sn.io.readSafetensors(file);
  assert.equal([...back.keys()], ['b', 'a']);
  assert.equal(Array.from(back.get('a').dataSync()), [1, 2]);
  assert.equal(Array.from(back.get('b').dataSync()), [3]);
  disposeAll(back);
});

test('readSafetensors reads a file from a subarray of a larger buffer and from an ArrayBuffer', () => {
  const inner = f32File({ a: entry('F32', [2], 0, 8) }, new Float32Array([5, 6]).buffer);
  const outer = new Uint8Array(inner.length + 3);
  outer.set(inner, 3);
  const fromView = sn.io.readSafetensors(outer.subarray(3));
  const fromBuffer = sn.io.readSafetensors(inner.slice().buffer);
  assert.equal(Array.from(fromView.get('a').dataSync()), [5, 6]);
  assert.equal(Array.from(fromBuffer.get('a').dataSync()), [5, 6]);
  disposeAll(fromView);
  disposeAll(fromBuffer);
});

test('the PyTorch LeNet checkpoint reads as the reference decoder reads it', () => {
  const { safetensors } = lenetFixture();
  const n = Number(new DataView(safetensors.buffer, safetensors.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(safetensors.subarray(8, 8 + n)));
  const map = sn.io.readSafetensors(safetensors);
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  assert.equal([...map.keys()], names);
  for (const name of names) {
    const {
      dtype,
      shape,
      data_offsets: [b, e],
    } = header[name];
    assertDecoded(map.get(name), dtype, shape, safetensors.subarray(8 + n + b, 8 + n + e), name);
  }
  assert.equal({ ...sn.io.readSafetensorsHeader(safetensors).metadata }, { format: 'pt' });
  // Written back, it is the same tensors and data.
  const again = sn.io.readSafetensors(sn.io.writeSafetensors(map));
  for (const name of names) assertSameBits(bitsOf(again.get(name)), bitsOf(map.get(name)), name);
  disposeAll(map);
  disposeAll(again);
});

// ---- dtype conversions ----

function oneTensorFile(dtype, shape, bytes) {
  return fileOf(JSON.stringify({ t: entry(dtype, shape, 0, bytes.length) }), bytes);
}

function readOne(dtype, shape, bytes) {
  const map = sn.io.readSafetensors(oneTensorFile(dtype, shape, bytes));
  const t = map.get('t');
  return t;
}

test('every float16 and bfloat16 bit pattern converts exactly to float32', () => {
  for (const dtype of ['F16', 'BF16']) {
    const bytes = new Uint8Array(new Uint16Array(Array.from({ length: 65536 }, (_, i) => i)).buffer);
    const t = readOne(dtype, [256, 256], bytes);
    assertDecoded(t, dtype, [256, 256], bytes, dtype);
    t.dispose();
  }
  // A float16 NaN keeps its sign and payload, as hardware conversion does.
  const t = readOne('F16', [2], new Uint8Array(new Uint16Array([0x7e01, 0xfc01]).buffer));
  assert.equal(bitsOf(t), [0x7fc02000, 0xff802000]);
  t.dispose();
});

test('every float8 (e4m3fn, e5m2) byte converts exactly to float32', () => {
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  for (const dtype of ['F8_E4M3', 'F8_E5M2']) {
    const t = readOne(dtype, [16, 16], bytes);
    assertDecoded(t, dtype, [16, 16], bytes, dtype);
    t.dispose();
  }
});

test('F64 rounds to the nearest float32; small integer types widen to int32', () => {
  const f64 = new Float64Array([1 / 3, -0, 1e300, -1e-300, NaN, 2 ** -140, 16777217]);
  const t = readOne('F64', [7], new Uint8Array(f64.buffer));
  assertDecoded(t, 'F64', [7], new Uint8Array(f64.buffer), 'F64');
  t.dispose();
  const cases = {
    I8: new Int8Array([-128, -1, 0, 127]),
    U8: new Uint8Array([0, 1, 200, 255]),
    I16: new Int16Array([-32768, -1, 0, 32767]),
    U16: new Uint16Array([0, 1, 40000, 65535]),
    BOOL: new Uint8Array([0, 1, 1, 0]),
    U32: new Uint32Array([0, 1, 2 ** 31 - 1, 5]),
    I64: new BigInt64Array([-(2n ** 31n), -1n, 0n, 2n ** 31n - 1n]),
    U64: new BigUint64Array([0n, 1n, 2n ** 31n - 1n, 7n]),
  };
  for (const [dtype, arr] of Object.entries(cases)) {
    const bytes = new Uint8Array(arr.buffer);
    const t = readOne(dtype, [2, 2], bytes);
    assertDecoded(t, dtype, [2, 2], bytes, dtype);
    assert.equal(Array.from(t.dataSync()), Array.from(arr, Number), dtype);
    t.dispose();
  }
});

test('integers that do not fit in int32 and bytes that are not booleans are refused, naming the element', () => {
  const start = sn.memory().numTensors;
  const ok = f32File({ a: entry('F32', [1], 0, 4) }, new Float32Array([1]).buffer);
  const bad = (dtype, arr, pattern) => {
    const bytes = new Uint8Array(arr.buffer);
    // A good tensor first, so that a leak would show.
    const header = JSON.stringify({ a: entry('F32', [1], 0, 4), t: entry(dtype, [arr.length], 4, 4 + bytes.length) });
    const data = new Uint8Array(4 + bytes.length);
    data.set(bytes, 4);
    assertThrowsMessage(() => sn.io.readSafetensors(fileOf(header, data)), pattern, dtype);
  };
  bad(
    'I64',
    new BigInt64Array([0n, 2n ** 31n]),
    /tensor "t" \(I64\) holds 2147483648, which does not fit in int32, at flat index 1/,
  );
  bad('I64', new BigInt64Array([-(2n ** 31n) - 1n]), /holds -2147483649, which does not fit in int32, at flat index 0/);
  bad('U64', new BigUint64Array([2n ** 63n]), /\(U64\) holds 9223372036854775808, which does not fit in int32/);
  bad('U32', new Uint32Array([1, 2 ** 31]), /\(U32\) holds 2147483648, which does not fit in int32, at flat index 1/);
  bad('BOOL', new Uint8Array([1, 0, 2]), /\(BOOL\) holds byte 2, which is not a boolean \(0 or 1\), at flat index 2/);
  assert.is(sn.memory().numTensors, start, 'no tensor leaked');
  disposeAll(sn.io.readSafetensors(ok));
});

// ---- broken and hostile files: one error each, and nothing leaked ----

const four = new Float32Array([1]).buffer;
const eight = new Float32Array([1, 2]).buffer;
const twelve = new Float32Array([1, 2, 3]).buffer;
const brokenFiles = [
  [
    'a file shorter than 8 bytes',
    new Uint8Array(5),
    /the file is 5 bytes long; a safetensors file starts with an 8-byte header length/,
  ],
  ['an empty file', new Uint8Array(0), /the file is 0 bytes long/],
  [
    'a header length past the end',
    fileOf('{}', undefined, 100),
    /header length is 100 bytes, which runs past the end of the 10-byte file/,
  ],
  [
    'a header over 100 MB',
    fileOf('{}', undefined, 2 ** 40),
    /header length is 1099511627776 bytes, over the 100000000-byte limit/,
  ],
  ['a header length of 2^64-1', fileOf('{}', undefined, 2n ** 64n - 1n), /over the 100000000-byte limit/],
  ['an empty header', fileOf(''), /not valid JSON/],
  ['invalid JSON', fileOf('{"a":'), /the header is not valid JSON/],
  [
    'invalid UTF-8',
    (() => {
      const f = fileOf('{"aa":1}');
      f[10] = 0xff;
      return f;
    })(),
    /the header is not valid UTF-8/,
  ],
  ['a header that is an array', fileOf('[1,2]'), /the header must be a JSON object; got array of length 2/],
  ['a header that is null', fileOf('null'), /the header must be a JSON object; got null/],
  ['a header that is a string', fileOf('"x"'), /the header must be a JSON object; got "x"/],
  [
    'an entry that is not an object',
    f32File({ a: 3 }, []),
    /tensor "a" must be an object \{ dtype, shape, data_offsets \}; got 3/,
  ],
  ['an entry without dtype', f32File({ a: { shape: [1], data_offsets: [0, 4] } }, four), /tensor "a" has no 'dtype'/],
  ['an entry without shape', f32File({ a: { dtype: 'F32', data_offsets: [0, 4] } }, four), /tensor "a" has no 'shape'/],
  [
    'an entry without data_offsets',
    f32File({ a: { dtype: 'F32', shape: [1] } }, four),
    /tensor "a" has no 'data_offsets'/,
  ],
  [
    'an unknown dtype',
    f32File({ a: entry('F128', [1], 0, 4) }, four),
    /tensor "a" has an unknown dtype "F128" \(expected one of F32, I32/,
  ],
  [
    'a dtype that is not a string',
    f32File({ a: entry(4, [1], 0, 4) }, four),
    /tensor "a" has a dtype that is not a string: 4/,
  ],
  [
    'a dtype simdnet cannot read',
    f32File({ a: entry('C64', [1], 0, 4) }, four),
    /tensor "a" has dtype C64, which simdnet cannot read/,
  ],
  [
    'a dtype named like an Object property',
    f32File({ a: entry('constructor', [1], 0, 4) }, four),
    /unknown dtype "constructor"/,
  ],
  [
    'a negative dimension',
    f32File({ a: entry('F32', [-1], 0, 4) }, four),
    /tensor "a" has shape \[-1\]: dimension 0 is not a non-negative integer/,
  ],
  [
    'a fractional dimension',
    f32File({ a: entry('F32', [2, 0.5], 0, 4) }, four),
    /shape \[2,0.5\]: dimension 1 is not a non-negative integer/,
  ],
  ['a dimension that is a string', f32File({ a: entry('F32', ['1'], 0, 4) }, four), /shape \["1"\]: dimension 0/],
  [
    'a shape that is not an array',
    f32File({ a: entry('F32', 1, 0, 4) }, four),
    /tensor "a" has a shape that is not an array: 1/,
  ],
  [
    'a shape too small for its bytes',
    f32File({ a: entry('F32', [3], 0, 8) }, eight),
    /tensor "a" of dtype F32 and shape \[3\] needs 12 bytes, but its data_offsets \[0,8\] hold 8/,
  ],
  [
    'a shape too large for its bytes',
    f32File({ a: entry('F32', [1], 0, 8) }, eight),
    /shape \[1\] needs 4 bytes, but its data_offsets \[0,8\] hold 8/,
  ],
  [
    'a shape of 10^30 elements',
    f32File({ a: entry('F32', [1e15, 1e15], 0, 4) }, four),
    /shape \[1000000000000000,1000000000000000\] needs about 4.00e\+30 bytes/,
  ],
  [
    'a shape whose product overflows to 0 in int32',
    f32File({ a: entry('F32', [65536, 65536], 0, 0) }, []),
    /needs 17179869184 bytes, but its data_offsets \[0,0\] hold 0/,
  ],
  [
    'data_offsets of one number',
    f32File({ a: { dtype: 'F32', shape: [1], data_offsets: [4] } }, four),
    /tensor "a" has data_offsets \[4\]; expected \[begin, end\]/,
  ],
  [
    'negative data_offsets',
    f32File({ a: entry('F32', [1], -4, 0) }, four),
    /data_offsets \[-4,0\]; expected \[begin, end\], two non-negative integers/,
  ],
  ['string data_offsets', f32File({ a: entry('F32', [1], '0', '4') }, four), /data_offsets \["0","4"\]/],
  [
    'data_offsets beyond 2^53',
    fileOf('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,9007199254740993]}}', new Uint8Array(4)),
    /data_offsets \[0,9007199254740992\]; expected/,
  ],
  [
    'data_offsets out of order',
    f32File({ a: entry('F32', [1], 8, 4) }, eight),
    /tensor "a" has data_offsets \[8,4\] whose begin is after its end/,
  ],
  [
    'data_offsets past the end of the data',
    f32File({ a: entry('F32', [2], 0, 8) }, four),
    /tensor "a" has data_offsets \[0,8\], which run past the end of the data \(4 bytes; truncated file\?\)/,
  ],
  [
    'overlapping tensors',
    f32File({ a: entry('F32', [2], 0, 8), b: entry('F32', [2], 4, 12) }, twelve),
    /tensor "b" \(data_offsets \[4,12\]\) overlaps tensor "a" \(data_offsets \[0,8\]\)/,
  ],
  [
    'two tensors on the same bytes',
    f32File({ a: entry('F32', [1], 0, 4), b: entry('I32', [1], 0, 4) }, four),
    /overlaps tensor/,
  ],
  [
    'a hole between tensors',
    f32File({ a: entry('F32', [1], 0, 4), b: entry('F32', [1], 8, 12) }, twelve),
    /the data has a hole: bytes 4 to 8 belong to no tensor/,
  ],
  [
    'a hole at the start',
    f32File({ a: entry('F32', [1], 4, 8) }, eight),
    /the data has a hole: bytes 0 to 4 belong to no tensor/,
  ],
  [
    'trailing bytes',
    f32File({ a: entry('F32', [1], 0, 4) }, eight),
    /the data has 4 trailing bytes \(4 to 8\) that belong to no tensor/,
  ],
  ['data and no tensor', f32File({}, four), /the data has 4 trailing bytes/],
  [
    'a duplicate tensor name',
    fileOf(
      '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
      new Uint8Array(4),
    ),
    /the header has the key "a" twice/,
  ],
  [
    'a duplicate name spelled with an escape',
    fileOf(
      '{"ab":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"\\u0061b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
      new Uint8Array(8),
    ),
    /the header has the key "ab" twice/,
  ],
  [
    'a duplicate field in an entry',
    fileOf('{"a":{"dtype":"I32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4)),
    /the header's entry "a" has the key "dtype" twice/,
  ],
  [
    'a duplicate metadata key',
    fileOf('{"__metadata__":{"k":"1","k":"2"}}'),
    /entry "__metadata__" has the key "k" twice/,
  ],
  [
    'metadata that is an array',
    f32File({ __metadata__: ['x'] }, []),
    /'__metadata__' must be an object of strings; got array of length 1/,
  ],
  [
    'metadata that is a string',
    f32File({ __metadata__: 'x' }, []),
    /'__metadata__' must be an object of strings; got "x"/,
  ],
  [
    'metadata that is null',
    f32File({ __metadata__: null }, []),
    /'__metadata__' must be an object of strings; got null/,
  ],
  [
    'metadata with a number value',
    f32File({ __metadata__: { epochs: 3 } }, []),
    /'__metadata__' must map strings to strings; key "epochs" holds 3/,
  ],
  [
    'metadata with a nested object',
    f32File({ __metadata__: { a: {} } }, []),
    /key "a" holds an (object|instance of Object)/,
  ],
];

for (const [what, file, pattern] of brokenFiles) {
  test(`readSafetensors refuses ${what}`, () => {
    const start = sn.memory().numTensors;
    const e = assertThrowsMessage(() => sn.io.readSafetensors(file), pattern, what);
    assert.is(e.constructor, Error, 'a plain Error');
    assert.match(e.message, /^readSafetensors: /);
    assert.is(sn.memory().numTensors, start, 'no tensor leaked');
    if (file.length >= 8)
      assertThrowsMessage(() => sn.io.readSafetensorsHeader(file), pattern, `${what} (header only)`);
  });
}

test('the header may be padded with spaces, and an empty file of tensors is valid', () => {
  const file = fileOf(
    '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}     ',
    new Uint8Array(new Float32Array([7]).buffer),
  );
  const map = sn.io.readSafetensors(file);
  assert.equal(Array.from(map.get('a').dataSync()), [7]);
  disposeAll(map);
  assert.is(sn.io.readSafetensors(fileOf('{}')).size, 0);
  assert.is(sn.io.readSafetensors(sn.io.writeSafetensors({})).size, 0);
});

test('readSafetensors and writeSafetensors check their arguments', () => {
  const t = sn.tensor([1]);
  assertThrowsMessage(
    () => sn.io.readSafetensors('file.safetensors'),
    /readSafetensors: argument 'bytes' must be a Uint8Array or an ArrayBuffer; got "file.safetensors"/,
  );
  assertThrowsMessage(
    () => sn.io.readSafetensors([1, 2, 3]),
    /must be a Uint8Array or an ArrayBuffer; got array of length 3/,
  );
  assertThrowsMessage(
    () => sn.io.writeSafetensors([t]),
    /writeSafetensors: argument 'tensors' must be a Map or an object of named tensors; got array/,
  );
  assertThrowsMessage(
    () => sn.io.writeSafetensors(t),
    /argument 'tensors' must be a Map or an object of named tensors; got a tensor/,
  );
  assertThrowsMessage(
    () => sn.io.writeSafetensors({ a: [1, 2] }),
    /writeSafetensors: argument 'tensors\["a"\]' must be a Tensor; got array of length 2/,
  );
  assertThrowsMessage(() => sn.io.writeSafetensors(new Map([[3, t]])), /tensor names must be strings; got 3/);
  assertThrowsMessage(
    () => sn.io.writeSafetensors({ __metadata__: t }),
    /'__metadata__' is reserved for the metadata and cannot name a tensor/,
  );
  assertThrowsMessage(
    () => sn.io.writeSafetensors({ a: t }, { epochs: 3 }),
    /argument 'metadata' must map strings to strings; key "epochs" holds 3/,
  );
  assertThrowsMessage(
    () => sn.io.writeSafetensors({ a: t }, 'pt'),
    /argument 'metadata' must be an object of strings; got "pt"/,
  );
  const gone = sn.tensor([2]);
  gone.dispose();
  assertThrowsMessage(() => sn.io.writeSafetensors({ gone }), /argument 'tensors\["gone"\]' is a disposed tensor/);
  t.dispose();
});

// ---- property test: random valid files and mutations of them ----

const FUZZ_DTYPES = Object.keys(ELEMENT_SIZE);

/** Element bytes that decode without error (64-bit and unsigned integers that fit in int32, 0/1 booleans). */
function elementBytes(dtype, n) {
  const size = ELEMENT_SIZE[dtype];
  const fitting = {
    I64: fc
      .integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
      .map((v) => new Uint8Array(new BigInt64Array([BigInt(v)]).buffer)),
    U64: fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((v) => new Uint8Array(new BigUint64Array([BigInt(v)]).buffer)),
    U32: fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((v) => new Uint8Array(new Uint32Array([v]).buffer)),
    BOOL: fc.integer({ min: 0, max: 1 }).map((v) => Uint8Array.of(v)),
  }[dtype];
  if (!fitting) return fc.uint8Array({ minLength: n * size, maxLength: n * size });
  return fc.array(fitting, { minLength: n, maxLength: n }).map((parts) => {
    const out = new Uint8Array(n * size);
    parts.forEach((p, i) => out.set(p, i * size));
    return out;
  });
}

const tensorSpec = fc
  .record({
    name: fc.string({ unit: 'binary', maxLength: 6 }),
    dtype: fc.constantFrom(...FUZZ_DTYPES),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
  })
  .filter((s) => s.name !== '__metadata__')
  .chain((s) => elementBytes(s.dtype, sizeOf(s.shape)).map((bytes) => ({ ...s, bytes })));

/** A valid file described by its parts, written by this test's own writer (header order ≠ data order). */
const validFile = fc
  .record({
    tensors: fc.uniqueArray(tensorSpec, { selector: (s) => s.name, maxLength: 5 }),
    metadata: fc.option(
      fc.uniqueArray(fc.tuple(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 })), {
        selector: (kv) => kv[0],
        maxLength: 3,
      }),
    ),
    headerOrder: fc.array(fc.nat(), { maxLength: 5 }),
    padding: fc.nat({ max: 9 }),
  })
  .map(({ tensors, metadata, headerOrder, padding }) => {
    let offset = 0;
    const parts = tensors.map((t) => {
      const begin = offset;
      offset += t.bytes.length;
      return { ...t, begin, end: offset };
    });
    const order = parts
      .map((p, i) => ({ p, key: headerOrder[i] ?? i }))
      .sort((a, b) => a.key - b.key)
      .map((x) => x.p);
    const fields = order.map(
      (p) => `${JSON.stringify(p.name)}:${JSON.stringify(entry(p.dtype, p.shape, p.begin, p.end))}`,
    );
    if (metadata)
      fields.push(
        `"__metadata__":{${metadata.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`,
      );
    const data = new Uint8Array(offset);
    for (const p of parts) data.set(p.bytes, p.begin);
    return { parts: order, metadata, file: fileOf(`{${fields.join(',')}}${' '.repeat(padding)}`, data) };
  });

/**
 * Checks a successful read against the raw file: every tensor the header names, decoded as the
 * reference decoder decodes its bytes, from byte ranges that tile the data section.
 */
function assertConsistent(file, map) {
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n)));
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  assert.equal([...map.keys()].sort(), names.sort(), 'the names the header lists');
  const ranges = names.map((k) => header[k].data_offsets).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let at = 0;
  for (const [b, e] of ranges) {
    assert.is(b, at, 'ranges tile the data');
    at = e;
  }
  assert.is(8 + n + at, file.length, 'ranges end at the end of the file');
  for (const name of names) {
    const {
      dtype,
      shape,
      data_offsets: [b, e],
    } = header[name];
    assertDecoded(map.get(name), dtype, shape, file.subarray(8 + n + b, 8 + n + e), JSON.stringify(name));
  }
}

/** Reads `file`; it must either read consistently or throw a plain Error from readSafetensors. */
function readOrRefuse(file) {
  const start = sn.memory().numTensors;
  let map;
  try {
    map = sn.io.readSafetensors(file);
  } catch (e) {
    if (!(e instanceof Error) || e.constructor !== Error || !e.message.startsWith('readSafetensors: ')) {
      throw new Error(`readSafetensors threw ${e?.constructor?.name}: ${e?.message ?? e}`);
    }
    assert.is(sn.memory().numTensors, start, `no tensor leaked after: ${e.message}`);
    return false;
  }
  try {
    assertConsistent(file, map);
  } finally {
    disposeAll(map);
  }
  return true;
}

// Header edits: each returns the new header object (or text) from the parsed one.
const headerEdit = fc.oneof(
  fc.record({
    kind: fc.constant('field'),
    field: fc.constantFrom('dtype', 'shape', 'data_offsets'),
    value: fc.jsonValue({ maxDepth: 2 }),
  }),
  fc.record({ kind: fc.constant('delete'), field: fc.constantFrom('dtype', 'shape', 'data_offsets') }),
  fc.record({
    kind: fc.constant('dim'),
    index: fc.nat(3),
    value: fc.oneof(fc.integer({ min: -2, max: 6 }), fc.constantFrom(0.5, 1e20, '2', null)),
  }),
  fc.record({
    kind: fc.constant('offset'),
    index: fc.nat(1),
    delta: fc.integer({ min: -9, max: 9 }).filter((d) => d !== 0),
  }),
  fc.record({ kind: fc.constant('dtype'), value: fc.constantFrom(...FUZZ_DTYPES, 'F4', 'C64', 'X', '') }),
  fc.record({ kind: fc.constant('duplicate') }),
  fc.record({ kind: fc.constant('metadata'), value: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ kind: fc.constant('replace'), value: fc.jsonValue({ maxDepth: 3 }) }),
);

function applyHeaderEdit(file, edit, target) {
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n)));
  const data = file.subarray(8 + n);
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const name = names[target % Math.max(names.length, 1)];
  const e = header[name];
  let text;
  if (edit.kind === 'replace') text = JSON.stringify(edit.value);
  else if (edit.kind === 'metadata') header.__metadata__ = edit.value;
  else if (!e) return null;
  else if (edit.kind === 'field') e[edit.field] = edit.value;
  else if (edit.kind === 'delete') delete e[edit.field];
  else if (edit.kind === 'dim') e.shape[edit.index % Math.max(e.shape.length, 1)] = edit.value;
  else if (edit.kind === 'offset') e.data_offsets[edit.index] += edit.delta;
  else if (edit.kind === 'dtype') e.dtype = edit.value;
  else if (edit.kind === 'duplicate') {
    const full = JSON.stringify(header);
    text = `{${JSON.stringify(name)}:${JSON.stringify(e)},${full.slice(1)}`;
  }
  return fileOf(text ?? JSON.stringify(header), data);
}

const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('flip'),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('truncate'), keep: fc.nat() }),
  fc.record({ kind: fc.constant('append'), extra: fc.uint8Array({ minLength: 1, maxLength: 9 }) }),
  fc.record({
    kind: fc.constant('length'),
    length: fc.oneof(fc.nat(300), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
  }),
  fc.record({ kind: fc.constant('header'), edit: headerEdit, target: fc.nat() }),
);

function mutate(file, m) {
  const out = file.slice();
  switch (m.kind) {
    case 'flip':
      for (const [at, x] of m.flips) out[at % out.length] ^= x;
      return out;
    case 'truncate':
      return out.subarray(0, m.keep % out.length);
    case 'append': {
      const longer = new Uint8Array(out.length + m.extra.length);
      longer.set(out);
      longer.set(m.extra, out.length);
      return longer;
    }
    case 'length':
      new DataView(out.buffer).setBigUint64(0, BigInt(m.length), true);
      return out;
    default:
      return applyHeaderEdit(file, m.edit, m.target) ?? out;
  }
}

test('property: random valid files read exactly as written (3,000 files)', () => {
  fc.assert(
    fc.property(validFile, ({ parts, metadata, file }) => {
      const map = sn.io.readSafetensors(file);
      try {
        assert.equal(
          [...map.keys()],
          parts.map((p) => p.name),
          'header order',
        );
        for (const p of parts) assertDecoded(map.get(p.name), p.dtype, p.shape, p.bytes, JSON.stringify(p.name));
        const meta = sn.io.readSafetensorsHeader(file).metadata;
        const sorted = (pairs) => pairs.slice().sort((a, b) => (a[0] < b[0] ? -1 : 1));
        assert.equal(meta ? sorted(Object.entries(meta)) : null, metadata ? sorted(metadata) : null, 'metadata');
        // And writing what was read gives the same tensors (as F32/I32).
        const again = sn.io.readSafetensors(sn.io.writeSafetensors(map));
        for (const [name, t] of map) assertSameBits(bitsOf(again.get(name)), bitsOf(t), 'rewritten');
        disposeAll(again);
      } finally {
        disposeAll(map);
      }
    }),
    { numRuns: 3000 },
  );
});

test('property: random F32/I32 tensors round-trip bit for bit through writeSafetensors (2,000 sets)', () => {
  const spec = fc
    .record({ shape: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }), int: fc.boolean() })
    .chain((s) =>
      fc
        .array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), {
          minLength: sizeOf(s.shape),
          maxLength: sizeOf(s.shape),
        })
        .map((words) => ({ ...s, words })),
    );
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.tuple(fc.string({ maxLength: 5 }), spec), { selector: (x) => x[0], maxLength: 4 }),
      (specs) => {
        const start = sn.memory().numTensors;
        const words = specs.map(([, s]) => new Int32Array(s.words));
        const map = new Map(
          specs.map(([name, s], i) => [
            name,
            s.int ? sn.tensor(words[i], s.shape) : sn.tensor(new Float32Array(words[i].buffer), s.shape),
          ]),
        );
        const back = sn.io.readSafetensors(sn.io.writeSafetensors(map));
        specs.forEach(([name, s], i) => {
          const t = back.get(name);
          assert.is(t.dtype, s.int ? 'int32' : 'float32');
          assert.equal([...t.shape], s.shape);
          assertSameBits(bitsOf(t), Array.from(new Uint32Array(words[i].buffer)), name);
        });
        disposeAll(back);
        disposeAll(map);
        assert.is(sn.memory().numTensors, start);
      },
    ),
    { numRuns: 2000 },
  );
});

test('property: mutated files (byte flips, truncations, lengths, header edits) read consistently or throw an Error (6,000 files)', () => {
  let refused = 0;
  fc.assert(
    fc.property(validFile, mutation, ({ file }, m) => {
      if (!readOrRefuse(mutate(file, m))) refused++;
    }),
    { numRuns: 6000 },
  );
  // Most mutations break a file; if almost none did, the mutations would not be testing the checks.
  assert.ok(refused > 3000, `only ${refused} of 6000 mutated files were refused`);
});

test.run();
