// toOnnx: a simdnet Sequential or functional model to an ONNX file: the graph's layers in order
// (export-layers.ts), written channels-first as ONNX consumers expect (export-writer.ts).
import * as sn from '../index.js';
import { writeModel } from './proto.js';
import { fail } from './errors.js';
import { type Flow, Writer, channelsFirst } from './export-writer.js';
import { convert } from './export-layers.js';

export interface ToOnnxOptions {
  /** The ONNX opset to write, 11 to 23. Default 13. */
  opset?: number;
  /**
   * 'nchw' (default): image and sequence inputs and outputs are declared channels-first (NCHW, NCW), as
   * ONNX consumers expect. 'nhwc': they keep simdnet's channels-last order, with transposes inside the graph.
   */
  inputLayout?: 'nchw' | 'nhwc';
  /** Names of the graph's input and output. Default 'input' and 'output'. */
  inputName?: string;
  outputName?: string;
}

/** The ONNX IR version that goes with each opset (ONNX's release table). */
function irVersionFor(opset: number): number {
  if (opset <= 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  return 11;
}

/** The model as layers in order, each with the names of the layers (or 'input') it reads. */
function graphOf(model: sn.Sequential | sn.Functional, fn: string): { layer: sn.Layer; inputs: string[] }[] {
  if (model instanceof sn.Sequential)
    return model.layers.map((layer, i, all) => ({ layer, inputs: [i === 0 ? '' : all[i - 1].name] }));
  const config = model.getConfig();
  if (config.inputLayers.length !== 1 || config.outputLayers.length !== 1)
    fail(
      fn,
      `only models with one input and one output can be exported; ${model.name} has ${config.inputLayers.length} and ${config.outputLayers.length}`,
    );
  const inputLayer = config.inputLayers[0][0];
  const steps = config.layers
    .filter((l) => l.className !== 'InputLayer')
    .map((l) => {
      if (l.inboundNodes.length !== 1)
        fail(fn, `layer '${l.config.name}' is applied ${l.inboundNodes.length} times; shared layers are not exported`);
      return {
        layer: model.getLayer(l.config.name),
        inputs: l.inboundNodes[0].map((ref) => (ref[0] === inputLayer ? '' : ref[0])),
      };
    });
  const output = config.outputLayers[0][0];
  if (steps.length === 0 || steps[steps.length - 1].layer.name !== output)
    fail(fn, `the output layer '${output}' must come last in the model's layer order`);
  return steps;
}

/**
 * Writes a Sequential or functional model as an ONNX file (a Uint8Array). 3-D and 4-D inputs and outputs
 * are channels-first (NCW, NCHW) unless inputLayout is 'nhwc'; the batch dimension is symbolic ('batch').
 */
export async function toOnnx(model: sn.Sequential | sn.Functional, options: ToOnnxOptions = {}): Promise<Uint8Array> {
  const fn = 'toOnnx';
  if (!(model instanceof sn.Sequential) && !(model instanceof sn.Functional))
    fail(fn, `argument 'model' must be a simdnet Sequential or functional model`);
  if (options === null || typeof options !== 'object') fail(fn, `argument 'options' must be an object`);
  const known = ['opset', 'inputLayout', 'inputName', 'outputName'];
  for (const k of Object.keys(options))
    if (!known.includes(k)) fail(fn, `unknown option '${k}'; known options: ${known.join(', ')}`);
  const opset = options.opset ?? 13;
  if (!Number.isInteger(opset) || opset < 11 || opset > 23)
    fail(fn, `option 'opset' must be an integer from 11 to 23; got ${JSON.stringify(opset)}`);
  const layout = options.inputLayout ?? 'nchw';
  if (layout !== 'nchw' && layout !== 'nhwc')
    fail(fn, `option 'inputLayout' must be 'nchw' or 'nhwc'; got ${JSON.stringify(layout)}`);
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'output';
  if (model.layers.length === 0) fail(fn, 'the model has no layers');
  const steps = graphOf(model, fn);

  const w = new Writer(opset);
  const inShape = model.inputShape;
  const rank = inShape.length;
  // An image or sequence input is channels-last in simdnet; by default the file takes it channels-first,
  // which the graph reads as is.
  let flow: Flow = { name: inputName, layout: rank >= 3 && layout === 'nchw' ? 'nchw' : 'plain', shape: inShape };
  let declared = inShape.slice(1) as number[];
  if (flow.layout === 'nchw') {
    const readers = steps.filter((st) => st.inputs.includes(''));
    const first = readers[0].layer;
    if (
      readers.length === 1 &&
      first.className === 'Permute' &&
      (first.getConfig().dims as number[]).join() === '2,3,1'
    ) {
      // The model already takes NCHW (a model that loadOnnx made): the ONNX input is its own input, which
      // the Permute turns into the NCHW-in-NHWC flow at no cost.
      flow = { name: inputName, layout: 'plain', shape: inShape };
    } else
      declared = channelsFirst(rank)
        .slice(1)
        .map((a) => inShape[a] as number);
  }
  const flows = new Map<string, Flow>([['', flow]]);
  for (const { layer, inputs } of steps) {
    flow = await convert(
      w,
      layer,
      inputs.map((i) => flows.get(i)!),
    );
    flows.set(layer.name, flow);
  }
  if (flow.shape.length >= 3 && layout === 'nhwc') flow = w.toPlain(flow, 'output');
  const outShape =
    flow.layout === 'nchw'
      ? channelsFirst(flow.shape.length)
          .slice(1)
          .map((a) => flow.shape[a] as number)
      : (flow.shape.slice(1) as number[]);
  const last = w.nodes[w.nodes.length - 1];
  if (last && last.outputs[0] === flow.name) last.outputs[0] = outputName;
  else w.nodes.push({ opType: 'Identity', name: 'output/Identity', inputs: [flow.name], outputs: [outputName] });

  return writeModel({
    irVersion: irVersionFor(opset),
    opset,
    producerName: 'simdnet',
    producerVersion: '0.1.0',
    graphName: model.name,
    nodes: w.nodes,
    initializers: w.initializers,
    inputs: [{ name: inputName, dims: ['batch', ...declared] }],
    outputs: [{ name: outputName, dims: ['batch', ...outShape] }],
  });
}
