// The saved-model format: `model.json` (the architecture, a manifest of the weights, and the training
// configuration) beside `weights.safetensors` (the weights, and the optimizer's slots when it has any).
// This file only describes and checks the JSON; model-io.ts reads and writes it.
import { describe } from '../util/validate.js';
import { isPlainObject } from './checks.js';

export const MODEL_FORMAT = 'simdnet';
export const MODEL_FORMAT_VERSION = 1;
export const MODEL_JSON = 'model.json';
export const WEIGHTS_FILE = 'weights.safetensors';

export interface SerializedLayerJson {
  className: string;
  config: Record<string, unknown> & { name?: string };
  /** Functional models: per application of the layer, the [layer, node, output] it read. */
  inboundNodes?: [string, number, number][][];
}

export type NodeRefJson = [string, number, number];

export interface WeightEntry {
  /** The key in weights.safetensors: the variable's name when saved, e.g. 'conv2d_1/kernel'. */
  name: string;
  /** Index of the layer (in modelConfig.layers) that owns the weight. */
  layer: number;
  shape: number[];
}

export interface TrainingConfigJson {
  /** The optimizer's getConfig(): { className: 'SGD' | 'Adam', ...options }. */
  optimizer: { className: string; [option: string]: unknown };
  /** The loss's getConfig(), e.g. { name: 'sparseCategoricalCrossentropy', fromLogits: true }. */
  loss: { name: string; fromLogits?: boolean };
  metrics?: string[];
}

export interface ModelJson {
  format: typeof MODEL_FORMAT;
  version: number;
  modelConfig: {
    className: 'Sequential' | 'Functional';
    name?: string;
    seed?: number;
    layers: SerializedLayerJson[];
    /** Functional models: the model's inputs and outputs as [layer, node, output]. */
    inputLayers?: NodeRefJson[];
    outputLayers?: NodeRefJson[];
  };
  /** Every weight in the order of model.weights. */
  weights: WeightEntry[];
  /** Set when the model was compiled with a built-in loss; the loaded model is compiled the same way. */
  trainingConfig?: TrainingConfigJson;
  /**
   * Set when the optimizer had state: its iteration count, and the slot names whose tensors are stored in
   * weights.safetensors as 'optimizer/<slot>/<weight name>'.
   */
  optimizerState?: { iterations: number; slotNames: string[] };
  /** SHA-256 (hex) of the weights file saved with this model.json: pairs the two files (see io/save-directory.ts). */
  weightsSha256?: string;
}

export function slotKey(slot: string, weightName: string): string {
  return `optimizer/${slot}/${weightName}`;
}

function isRef(v: unknown): v is NodeRefJson {
  return (
    Array.isArray(v) &&
    v.length === 3 &&
    typeof v[0] === 'string' &&
    Number.isInteger(v[1]) &&
    v[1] >= 0 &&
    Number.isInteger(v[2]) &&
    v[2] >= 0
  );
}

function isRefList(v: unknown): v is NodeRefJson[] {
  return Array.isArray(v) && v.every(isRef);
}

function isShape(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0);
}

/** Checks the parts of a model.json that loading relies on; layer configs are checked by the layers. */
export function checkModelJson(value: unknown, fn: string): ModelJson {
  const bad = (what: string): never => {
    throw new Error(`${fn}: the model config is not a simdnet model: ${what}`);
  };
  if (!isPlainObject(value)) return bad(`expected an object; got ${describe(value)}`);
  if (value.format !== MODEL_FORMAT) return bad(`'format' is ${describe(value.format)}, not "${MODEL_FORMAT}"`);
  if (typeof value.version !== 'number' || !Number.isInteger(value.version))
    return bad(`'version' is ${describe(value.version)}`);
  if (value.version > MODEL_FORMAT_VERSION) {
    throw new Error(
      `${fn}: the model was saved in format version ${value.version}; this simdnet reads up to version ${MODEL_FORMAT_VERSION} (upgrade simdnet)`,
    );
  }
  const mc = value.modelConfig;
  if (!isPlainObject(mc)) return bad(`'modelConfig' is ${describe(mc)}`);
  if (mc.className !== 'Sequential' && mc.className !== 'Functional')
    return bad(
      `modelConfig.className is ${describe(mc.className)}; only "Sequential" and "Functional" models can be loaded`,
    );
  if (!Array.isArray(mc.layers)) return bad(`modelConfig.layers is ${describe(mc.layers)}`);
  const functional = mc.className === 'Functional';
  mc.layers.forEach((l: unknown, i: number) => {
    if (!isPlainObject(l) || typeof l.className !== 'string' || !isPlainObject(l.config))
      bad(`modelConfig.layers[${i}] is not { className, config }`);
    const layer = l as { config: { name?: unknown }; inboundNodes?: unknown };
    if (
      functional &&
      (typeof layer.config.name !== 'string' ||
        !Array.isArray(layer.inboundNodes) ||
        !layer.inboundNodes.every(isRefList))
    )
      bad(
        `modelConfig.layers[${i}] of a functional model needs config.name and inboundNodes: [[[layer, node, output], ...], ...]`,
      );
  });
  if (functional)
    for (const key of ['inputLayers', 'outputLayers'])
      if (!isRefList(mc[key]) || mc[key].length === 0) bad(`modelConfig.${key} is not a list of [layer, node, output]`);
  if (!Array.isArray(value.weights)) return bad(`'weights' is ${describe(value.weights)}`);
  value.weights.forEach((w: unknown, i: number) => {
    if (
      !isPlainObject(w) ||
      typeof w.name !== 'string' ||
      !isShape(w.shape) ||
      !Number.isInteger(w.layer) ||
      w.layer < 0 ||
      w.layer >= mc.layers.length
    ) {
      bad(`weights[${i}] is not { name, layer, shape } with a layer index below ${mc.layers.length}`);
    }
  });
  const tc = value.trainingConfig;
  if (tc !== undefined) {
    if (
      !isPlainObject(tc) ||
      !isPlainObject(tc.optimizer) ||
      typeof tc.optimizer.className !== 'string' ||
      !isPlainObject(tc.loss) ||
      typeof tc.loss.name !== 'string'
    ) {
      bad(`'trainingConfig' is not { optimizer: { className, ... }, loss: { name }, metrics? }`);
    }
    if (
      tc.metrics !== undefined &&
      !(Array.isArray(tc.metrics) && tc.metrics.every((m: unknown) => typeof m === 'string'))
    )
      bad(`trainingConfig.metrics is not an array of names`);
  }
  const os = value.optimizerState;
  if (os !== undefined) {
    if (
      !isPlainObject(os) ||
      !Number.isInteger(os.iterations) ||
      os.iterations < 0 ||
      !Array.isArray(os.slotNames) ||
      !os.slotNames.every((s: unknown) => typeof s === 'string')
    ) {
      bad(`'optimizerState' is not { iterations, slotNames }`);
    }
    if (tc === undefined) bad(`'optimizerState' needs a 'trainingConfig' saying which optimizer it belongs to`);
  }
  return value as ModelJson;
}
