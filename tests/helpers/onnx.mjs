// ONNX test helpers: ONNX Runtime Web (the reference; a devDependency that runs in Node), the fixtures,
// and a small writer for hand-made (also broken and hostile) ONNX files, independent of simdnet's own.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

/** Runs an ONNX file in ONNX Runtime on one float32 input; returns the first output's data and dims. */
export async function ortRun(bytes, data, dims) {
  const session = await ort.InferenceSession.create(bytes);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, dims) };
  const out = (await session.run(feeds))[session.outputNames[0]];
  await session.release();
  return { data: out.data, dims: out.dims.slice() };
}

export const FIXTURES = {
  keras_cnn: [1, 28, 28],
  lenet: [3, 32, 32],
  resnet: [1, 28, 28],
};

/** The PyTorch export and its float32 NCHW batch of 32. */
export function fixture(name) {
  const bytes = new Uint8Array(readFileSync(new URL(`../fixtures/onnx/${name}.onnx`, import.meta.url)));
  const raw = readFileSync(new URL(`../fixtures/onnx/${name}.in.bin`, import.meta.url));
  const x = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  return { bytes, x, dims: [32, ...FIXTURES[name]] };
}

/** NCHW data to NHWC. */
export function nchwToNhwc(data, [n, c, h, w]) {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) out[((b * h + y) * w + x) * c + ch] = data[((b * c + ch) * h + y) * w + x];
  return out;
}

// ---- hand-made files (field numbers from onnx.proto) ----

const msg = (w, field, fill) => {
  w.tag(field, WireType.LengthDelimited).fork();
  fill(w);
  w.join();
};

/**
 * tensor: { name, dims, data?: Float32Array, dataType?, rawBytes?: Uint8Array, external?: boolean, location?: number }
 * node: { op, name, inputs, outputs, attrs: [{ name, i } | { name, ints } | { name, f } | { name, s }], domain }
 * value: { name, dims: (number|string)[], elemType? }
 */
export function craftModel({ irVersion = 7, opset = 13, nodes = [], initializers = [], inputs = [], outputs = [] }) {
  const w = new BinaryWriter();
  w.tag(1, WireType.Varint).int64(irVersion);
  msg(w, 7, (g) => {
    for (const n of nodes)
      msg(g, 1, (nw) => {
        for (const i of n.inputs) nw.tag(1, WireType.LengthDelimited).string(i);
        for (const o of n.outputs) nw.tag(2, WireType.LengthDelimited).string(o);
        nw.tag(3, WireType.LengthDelimited).string(n.name ?? '');
        nw.tag(4, WireType.LengthDelimited).string(n.op);
        if (n.domain) nw.tag(7, WireType.LengthDelimited).string(n.domain);
        for (const a of n.attrs ?? [])
          msg(nw, 5, (aw) => {
            aw.tag(1, WireType.LengthDelimited).string(a.name);
            if (a.ints) {
              aw.tag(20, WireType.Varint).int32(7);
              for (const v of a.ints) aw.tag(8, WireType.Varint).int64(v);
            } else if (a.s !== undefined) {
              aw.tag(20, WireType.Varint).int32(3);
              aw.tag(4, WireType.LengthDelimited).string(a.s);
            } else if (a.f !== undefined) {
              aw.tag(20, WireType.Varint).int32(1);
              aw.tag(2, WireType.Bit32).float(a.f);
            } else {
              aw.tag(20, WireType.Varint).int32(2);
              aw.tag(3, WireType.Varint).int64(a.i);
            }
          });
      });
    g.tag(2, WireType.LengthDelimited).string('crafted');
    for (const t of initializers)
      msg(g, 5, (tw) => {
        for (const d of t.dims) tw.tag(1, WireType.Varint).int64(d);
        tw.tag(2, WireType.Varint).int32(t.dataType ?? 1);
        tw.tag(8, WireType.LengthDelimited).string(t.name);
        const raw = t.rawBytes ?? (t.data ? new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) : null);
        if (raw) tw.tag(9, WireType.LengthDelimited).bytes(raw);
        if (t.external)
          msg(tw, 13, (e) => {
            e.tag(1, WireType.LengthDelimited).string('location');
            e.tag(2, WireType.LengthDelimited).string('weights.bin');
          });
        if (t.location !== undefined) tw.tag(14, WireType.Varint).int32(t.location);
      });
    const valueInfo = (field, v) =>
      msg(g, field, (vw) => {
        vw.tag(1, WireType.LengthDelimited).string(v.name);
        msg(vw, 2, (tp) =>
          msg(tp, 1, (tt) => {
            tt.tag(1, WireType.Varint).int32(v.elemType ?? 1);
            // No dims: the shape is left undeclared (ONNX Runtime infers it).
            if (v.dims)
              msg(tt, 2, (sh) => {
                for (const d of v.dims)
                  msg(sh, 1, (dw) => {
                    if (typeof d === 'string') dw.tag(2, WireType.LengthDelimited).string(d);
                    else dw.tag(1, WireType.Varint).int64(d);
                  });
              });
          }),
        );
      });
    for (const v of inputs) valueInfo(11, v);
    for (const v of outputs) valueInfo(12, v);
  });
  msg(w, 8, (o) => {
    o.tag(1, WireType.LengthDelimited).string('');
    o.tag(2, WireType.Varint).int64(opset);
  });
  return w.finish();
}

/** A valid one-layer model: Flatten then Gemm 4 -> 3 on a [N, 1, 2, 2] input; parts can be overridden. */
export function tinyModel(overrides = {}) {
  return craftModel({
    nodes: [
      { op: 'Flatten', name: 'flat', inputs: ['input'], outputs: ['f'], attrs: [{ name: 'axis', i: 1 }] },
      { op: 'Gemm', name: 'fc', inputs: ['f', 'W', 'B'], outputs: ['output'], attrs: [{ name: 'transB', i: 1 }] },
    ],
    initializers: [
      { name: 'W', dims: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i / 10 - 0.5) },
      { name: 'B', dims: [3], data: Float32Array.of(0.1, -0.2, 0.3) },
    ],
    inputs: [{ name: 'input', dims: ['N', 1, 2, 2] }],
    outputs: [{ name: 'output', dims: ['N', 3] }],
    ...overrides,
  });
}
