// Asks the runtime itself, independently of simdnet's binaries, whether it validates relaxed SIMD and
// whether its f32x4.relaxed_madd fuses. A hand-assembled module of one function computes lane 0 of
// relaxed_madd(a, a, c) with a = 1 + 2^-12 and c = -(1 + 2^-11): exactly a*a + c = 2^-24, but a*a rounded
// to float32 first (ties to even) is 1 + 2^-11, so an unfused multiply-add returns 0.

const f32x4Const = (v) => [0xfd, 0x0c, ...new Uint8Array(new Float32Array([v, v, v, v]).buffer)];
const section = (id, content) => [id, content.length, ...content]; // every length here is < 128

function probeModule() {
  const a = 1 + 2 ** -12;
  const c = -(1 + 2 ** -11);
  const body = [
    0x00, // no locals
    ...f32x4Const(a),
    ...f32x4Const(a),
    ...f32x4Const(c),
    0xfd,
    0x85,
    0x02, // f32x4.relaxed_madd (0xfd 261)
    0xfd,
    0x1f,
    0x00, // f32x4.extract_lane 0
    0x0b, // end
  ];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00, // "\0asm", version 1
    ...section(1, [0x01, 0x60, 0x00, 0x01, 0x7d]), // one type: () -> f32
    ...section(3, [0x01, 0x00]), // one function of type 0
    ...section(7, [0x01, 0x01, 0x6d, 0x00, 0x00]), // export it as "m"
    ...section(10, [0x01, body.length, ...body]),
  ]);
}

/** { validates: boolean, fuses: boolean | null } (null when the runtime rejects relaxed SIMD). */
export async function probeRelaxedSimd() {
  const bytes = probeModule();
  if (!WebAssembly.validate(bytes)) return { validates: false, fuses: null };
  const { instance } = await WebAssembly.instantiate(bytes);
  return { validates: true, fuses: instance.exports.m() !== 0 };
}
