// Whole-model checks that run before any layer or weight exists: opset range, one graph in the default
// domain, every operator supported, every initializer self-contained and of a sane size, and a single
// float input with a static shape apart from the batch. A malformed or hostile file fails here with an
// Error that says what is wrong, instead of somewhere inside the build.
import type { ModelProto } from './proto.js';
import { DataType } from './proto.js';
import { fail } from './errors.js';
import { SUPPORTED_OPS } from './convert.js';
import { MAX_ELEMENTS, checkTensorProto, typeName } from './tensors.js';

/** The opsets whose operators, as used here, this importer reads correctly. */
export const MIN_OPSET = 11;
export const MAX_OPSET = 23;
const MAX_NODES = 100_000;
const MAX_DIM = 1 << 20;

export function checkModel(m: ModelProto, fn: string): void {
  if (m.irVersion < 3) fail(fn, `ir_version ${m.irVersion} is not supported (3 or later; is this an ONNX file?)`);
  const g = m.graph;
  if (!g) fail(fn, 'the file has no graph (is this an ONNX model file?)');
  const main = m.opsets.filter((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (main.length !== 1) fail(fn, 'the model must import the default ONNX opset exactly once');
  const opset = main[0].version;
  if (opset < MIN_OPSET || opset > MAX_OPSET)
    fail(fn, `opset ${opset} is not supported; loadOnnx reads opsets ${MIN_OPSET} to ${MAX_OPSET}`);
  if (m.functions > 0) fail(fn, 'model-local functions are not supported');
  if (g.sparseInitializers > 0) fail(fn, 'sparse initializers are not supported');
  if (g.nodes.length > MAX_NODES) fail(fn, `the graph has ${g.nodes.length} nodes; at most ${MAX_NODES} are supported`);

  // Operators first, so that a model that cannot run says so before anything is decoded.
  const supported = new Set<string>(SUPPORTED_OPS);
  for (const node of g.nodes) {
    const where = `node '${node.name || node.outputs[0] || '?'}'`;
    const domain = node.domain === 'ai.onnx' ? '' : node.domain;
    if (domain !== '' || !supported.has(node.opType)) {
      fail(
        fn,
        `unsupported operator '${domain ? `${domain}.` : ''}${node.opType}' (${where}, opset ${opset}); supported: ${SUPPORTED_OPS.join(', ')}`,
      );
    }
    if (node.attributes.some((a) => a.hasGraph)) fail(fn, `${node.opType} ${where} has a subgraph attribute`);
    if (node.outputs.length === 0) fail(fn, `${node.opType} ${where} has no outputs`);
  }

  let total = 0;
  const names = new Set<string>();
  for (const t of g.initializers) {
    if (names.has(t.name)) fail(fn, `two initializers are named '${t.name}'`);
    names.add(t.name);
    total += checkTensorProto(t, `initializer '${t.name}'`, fn);
    if (total > MAX_ELEMENTS) fail(fn, `the initializers hold more than ${MAX_ELEMENTS} values`);
  }
  for (const node of g.nodes)
    for (const a of node.attributes)
      if (a.t) checkTensorProto(a.t, `the '${a.name}' attribute of node '${node.name}'`, fn);

  const inputs = g.inputs.filter((v) => !names.has(v.name));
  if (inputs.length !== 1)
    fail(
      fn,
      `the graph has ${inputs.length} inputs (${inputs.map((v) => `'${v.name}'`).join(', ')}); exactly one is supported`,
    );
  if (g.outputs.length !== 1) fail(fn, `the graph has ${g.outputs.length} outputs; exactly one is supported`);
  const input = inputs[0];
  if (input.elemType !== DataType.FLOAT)
    fail(fn, `the graph input '${input.name}' has type ${typeName(input.elemType)}; only FLOAT is supported`);
  const dims = input.dims;
  if (!dims || dims.length < 2 || dims.length > 4)
    fail(
      fn,
      `the graph input '${input.name}' must be declared 4-D (NCHW), 3-D (NCW) or 2-D with its shape; got ${dims ? `rank ${dims.length}` : 'no shape'}`,
    );
  dims.slice(1).forEach((d, i) => {
    if (typeof d !== 'number' || d < 1 || d > MAX_DIM)
      fail(fn, `the graph input '${input.name}' needs a static size in axis ${i + 1}; got ${JSON.stringify(d)}`);
  });
  if ((dims.slice(1) as number[]).reduce((a, b) => a * b, 1) > MAX_ELEMENTS)
    fail(fn, `the graph input '${input.name}' declares an absurd shape [${dims.join(', ')}]`);
}
