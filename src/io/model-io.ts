// model.save() and sn.loadModel(): a Sequential or functional model as model.json + weights.safetensors, either in a
// directory (Node, Deno, Bun) or as the in-memory pair { config, weights } that a browser can keep in
// IndexedDB. A loaded model predicts bit-identically and, when it was compiled with a built-in loss, comes
// back compiled with its optimizer's configuration and state, ready to go on training.
import { Tensor } from '../core/tensor.js';
import { Sequential } from '../models/sequential.js';
import { Functional } from '../models/functional.js';
import { LayersModel } from '../models/layers-model.js';
import { losses } from '../training/losses.js';
import { train, type Optimizer } from '../optimizers/index.js';
import { lookupVariable } from '../core/variable.js';
import { describe, fmtShape } from '../util/validate.js';
import { fileExists, hasFileSystem, isDirectory, joinPath, readFileBytes, readFileText } from '../util/fs.js';
import { matchingModelJson, sha256Hex, writeModelDirectory } from './save-directory.js';
import { encodeSafetensors, metadataJson, rawTensor, readTensors, type RawTensor } from './safetensors.js';
import { asBytes, parseSafetensorsHeader, type SafetensorsEntry } from './safetensors-header.js';
import { DTYPES } from './dtypes.js';
import { sameShape } from './checks.js';
import {
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  MODEL_JSON,
  WEIGHTS_FILE,
  checkModelJson,
  slotKey,
  type ModelJson,
  type SerializedLayerJson,
  type TrainingConfigJson,
  type WeightEntry,
} from './model-format.js';

/** A saved model in memory: the parsed model.json and the bytes of weights.safetensors. */
export interface ModelArtifacts {
  config: ModelJson;
  weights: Uint8Array;
}

/** A directory (or its model.json) on disk, or artifacts in memory (config may be the JSON text). */
export type ModelSource = string | { config: ModelJson | string; weights: Uint8Array | ArrayBuffer };

function trainingConfigOf(model: LayersModel): TrainingConfigJson | undefined {
  const optimizer = model.optimizer;
  const loss = model.loss;
  // A user-made optimizer (any object with applyGradients) may have no config to save.
  if (!optimizer || !loss || typeof optimizer.getConfig !== 'function') return undefined;
  const lossConfig = loss.getConfig();
  // A custom loss function cannot be written as JSON: the model then loads uncompiled.
  if (!Object.prototype.hasOwnProperty.call(losses, lossConfig.name)) return undefined;
  const metrics = model.metricNames;
  return { optimizer: optimizer.getConfig(), loss: lossConfig, ...(metrics ? { metrics } : {}) };
}

/** The model as { config, weights } (nothing is written anywhere). */
export function modelToArtifacts(model: LayersModel, fn: string): ModelArtifacts {
  const weights: WeightEntry[] = [];
  const raw: RawTensor[] = [];
  model.layers.forEach((layer, index) => {
    for (const w of layer.weights) {
      weights.push({ name: w.name, layer: index, shape: w.shape.slice() });
      raw.push(rawTensor(w.name, w));
    }
  });
  const trainingConfig = trainingConfigOf(model);
  let optimizerState: ModelJson['optimizerState'];
  const optimizer = model.optimizer;
  if (trainingConfig && optimizer && typeof optimizer.getState === 'function') {
    const state = optimizer.getState();
    const slotNames = [...optimizer.slotNames];
    for (const w of weights) {
      const slots = state.slots[w.name];
      if (!slots) continue; // never updated (frozen, or no step yet)
      for (const slot of slotNames) {
        const value = slots[slot];
        if (!value || !sameShape(value.shape, w.shape))
          throw new Error(`internal: ${fn}: optimizer slot '${slot}' of '${w.name}' is missing or misshapen`);
        const data = value.data; // getState's own copy
        raw.push({
          name: slotKey(slot, w.name),
          dtype: 'F32',
          shape: w.shape,
          bytes: () => new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        });
      }
    }
    optimizerState = { iterations: state.iterations, slotNames };
  }
  const json: ModelJson = {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    modelConfig: {
      className: model instanceof Functional ? 'Functional' : 'Sequential',
      ...(model as Sequential | Functional).getConfig(),
    } as ModelJson['modelConfig'],
    weights,
    ...(trainingConfig ? { trainingConfig } : {}),
    ...(optimizerState ? { optimizerState } : {}),
  };
  // Through JSON and back, so that the in-memory config is exactly what model.json holds.
  const config = JSON.parse(JSON.stringify(json)) as ModelJson;
  return { config, weights: encodeSafetensors(raw, metadataJson({ format: MODEL_FORMAT }, fn)) };
}

/**
 * Saves the model. Without a target, resolves to the in-memory { config, weights } (a JSON-able object
 * and a Uint8Array: store them in IndexedDB, send them, or pass them to sn.loadModel). With a directory
 * path (Node, Deno, Bun), also writes `model.json` and `weights.safetensors` there, creating it if needed.
 */
export async function saveModel(model: LayersModel, target?: string): Promise<ModelArtifacts> {
  const fn = model instanceof LayersModel ? `${model.name}.save` : 'io.saveModel';
  if (!(model instanceof Sequential || model instanceof Functional))
    throw new Error(`${fn}: argument 'model' must be a Sequential or functional model; got ${describe(model)}`);
  if (target !== undefined && (typeof target !== 'string' || target.length === 0)) {
    throw new Error(
      `${fn}: argument 'target' must be a directory path, or left out for the in-memory { config, weights }; got ${describe(target)}`,
    );
  }
  model.assertAlive('save');
  if (model.layers.length === 0) throw new Error(`${fn}: the model has no layers; there is nothing to save`);
  if (target !== undefined && !hasFileSystem()) {
    throw new Error(
      `${fn}: there is no file system in this runtime (a browser?); call save() without a path to get { config, weights } and store those (e.g. in IndexedDB)`,
    );
  }
  const artifacts = modelToArtifacts(model, fn);
  // model.json names the weights file it belongs to by its hash: that is what makes a save atomic.
  const hash = await sha256Hex(artifacts.weights);
  if (hash !== undefined) artifacts.config.weightsSha256 = hash;
  if (target !== undefined) {
    await writeModelDirectory(target, JSON.stringify(artifacts.config, null, 2) + '\n', artifacts.weights, fn);
  }
  return artifacts;
}

function parseConfigText(text: string, where: string, fn: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${fn}: ${where} is not valid JSON (${(e as Error).message})`);
  }
}

async function readSource(source: unknown, fn: string): Promise<{ config: unknown; weights: Uint8Array }> {
  if (typeof source === 'string') {
    if (!hasFileSystem()) {
      throw new Error(
        `${fn}: there is no file system in this runtime (a browser?) to read ${source} from; pass { config, weights } instead`,
      );
    }
    let dir = source;
    let jsonPath = joinPath(source, MODEL_JSON);
    if (!isDirectory(source)) {
      if (!(source.endsWith('.json') && fileExists(source))) {
        throw new Error(
          `${fn}: ${source} is not a directory holding ${MODEL_JSON} and ${WEIGHTS_FILE} (nor a model.json file)`,
        );
      }
      jsonPath = source;
      const slash = Math.max(source.lastIndexOf('/'), source.lastIndexOf('\\'));
      dir = slash < 0 ? '.' : source.slice(0, slash + 1);
    }
    const weightsPath = joinPath(dir, WEIGHTS_FILE);
    if (!fileExists(jsonPath)) throw new Error(`${fn}: ${jsonPath} does not exist`);
    if (!fileExists(weightsPath))
      throw new Error(`${fn}: ${weightsPath} does not exist (a saved model is ${MODEL_JSON} beside ${WEIGHTS_FILE})`);
    const weights = readFileBytes(weightsPath);
    const text = await matchingModelJson(dir, jsonPath, readFileText(jsonPath), weights, fn);
    return { config: parseConfigText(text, jsonPath, fn), weights };
  }
  if (typeof source === 'object' && source !== null && 'config' in source && 'weights' in source) {
    const { config, weights } = source as { config: unknown; weights: unknown };
    return {
      config: typeof config === 'string' ? parseConfigText(config, "'config'", fn) : config,
      weights: asBytes(weights, fn),
    };
  }
  throw new Error(
    `${fn}: argument 'source' must be a directory path or { config, weights } (as model.save() returns); got ${describe(source)}`,
  );
}

/** The variable names a layer's saved weights would take under `layerName`. */
function weightNamesUnder(layerName: string, saved: WeightEntry[], savedLayerName: string): string[] {
  return saved.map(
    (w) => `${layerName}/${w.name.startsWith(`${savedLayerName}/`) ? w.name.slice(savedLayerName.length + 1) : w.name}`,
  );
}

/**
 * Layer configs ready to rebuild. Weights are variables with unique names ('conv2d_1/kernel'), so a saved
 * layer whose name is in use (typically: the model it was saved from is still alive) gets a fresh one,
 * 'conv2d_1_1', 'conv2d_1_2', ...; weights are matched by position, not by name, so nothing else changes.
 */
function layerConfigsWithFreeNames(json: ModelJson): { layers: SerializedLayerJson[]; renamed: Map<string, string> } {
  const used = new Set(
    json.modelConfig.layers.map((l) => l.config.name).filter((n): n is string => typeof n === 'string'),
  );
  const renamed = new Map<string, string>();
  const layers = json.modelConfig.layers.map((layer, index) => {
    const name = layer.config.name;
    const saved = json.weights.filter((w) => w.layer === index);
    if (typeof name !== 'string' || saved.length === 0) return layer;
    const taken = (candidate: string) =>
      weightNamesUnder(candidate, saved, name).some((n) => lookupVariable(n) !== undefined);
    if (!taken(name)) return layer;
    let k = 1;
    while (used.has(`${name}_${k}`) || taken(`${name}_${k}`)) k++;
    used.add(`${name}_${k}`);
    renamed.set(name, `${name}_${k}`);
    return { ...layer, config: { ...layer.config, name: `${name}_${k}` } };
  });
  // A functional model's nodes name the layers they read from: follow the renames there too.
  const ref = (r: [string, number, number]): [string, number, number] => [renamed.get(r[0]) ?? r[0], r[1], r[2]];
  const relinked = layers.map((l) =>
    l.inboundNodes ? { ...l, inboundNodes: l.inboundNodes.map((n) => n.map(ref)) } : l,
  );
  return { layers: relinked, renamed };
}

/** Checks every saved weight (and optimizer slot) against the weights file before anything is built. */
function checkWeightsFile(json: ModelJson, entries: Map<string, SafetensorsEntry>, fn: string): void {
  for (const w of json.weights) {
    const t = entries.get(w.name);
    const layer = json.modelConfig.layers[w.layer];
    const owner = `layer '${String(layer.config.name)}' (${layer.className})`;
    if (!t) throw new Error(`${fn}: the weights file has no tensor '${w.name}' for ${owner}`);
    if (!sameShape(t.shape, w.shape))
      throw new Error(
        `${fn}: tensor '${w.name}' for ${owner} has shape ${fmtShape(t.shape)} in the weights file; model.json says ${fmtShape(w.shape)}`,
      );
    if (DTYPES[t.dtype].target !== 'float32')
      throw new Error(`${fn}: tensor '${w.name}' for ${owner} has dtype ${t.dtype}; weights must be floating point`);
    const slots = json.optimizerState?.slotNames ?? [];
    const present = slots.filter((s) => entries.has(slotKey(s, w.name)));
    if (present.length > 0 && present.length < slots.length) {
      throw new Error(
        `${fn}: the weights file has optimizer slot(s) ${present.map((s) => `'${slotKey(s, w.name)}'`).join(', ')} but not ${slots
          .filter((s) => !present.includes(s))
          .map((s) => `'${slotKey(s, w.name)}'`)
          .join(', ')}`,
      );
    }
    for (const s of present) {
      const slot = entries.get(slotKey(s, w.name))!;
      if (!sameShape(slot.shape, w.shape) || DTYPES[slot.dtype].target !== 'float32') {
        throw new Error(
          `${fn}: optimizer slot '${slotKey(s, w.name)}' has ${slot.dtype} shape ${fmtShape(slot.shape)}; its weight has shape ${fmtShape(w.shape)}`,
        );
      }
    }
  }
}

function optimizerFromConfig(config: TrainingConfigJson['optimizer'], fn: string): Optimizer {
  const { className, ...options } = config;
  const make =
    className === 'Adam' ? train.adam : className === 'AdamW' ? train.adamw : className === 'SGD' ? train.sgd : null;
  if (!make) throw new Error(`${fn}: the saved optimizer '${className}' is not one simdnet knows (Adam, AdamW, SGD)`);
  return make(options as never);
}

function lossFromConfig(config: TrainingConfigJson['loss'], fn: string) {
  const make = Object.prototype.hasOwnProperty.call(losses, config.name)
    ? (losses as Record<string, (o?: object) => unknown>)[config.name]
    : null;
  if (!make)
    throw new Error(
      `${fn}: the saved loss '${config.name}' is not one simdnet knows (${Object.keys(losses).join(', ')})`,
    );
  return make(config.fromLogits === undefined ? undefined : { fromLogits: config.fromLogits }) as never;
}

/** Compiles the loaded model as it was, and gives its optimizer the saved state (slots renamed). */
function restoreTraining(model: LayersModel, json: ModelJson, tensors: Map<string, Tensor>, fn: string): void {
  const tc = json.trainingConfig!;
  const optimizer = optimizerFromConfig(tc.optimizer, fn);
  try {
    model.compile({ optimizer, loss: lossFromConfig(tc.loss, fn), ...(tc.metrics ? { metrics: tc.metrics } : {}) });
  } catch (e) {
    optimizer.dispose();
    throw e;
  }
  // compile() leaves an optimizer object to its caller; this one was made here, so the model must free it.
  model.adoptOptimizer();
  const state = json.optimizerState;
  if (!state || state.slotNames.length === 0) {
    if (state) optimizer.setState({ iterations: state.iterations });
    return;
  }
  const slots: Record<string, Record<string, { shape: number[]; data: Float32Array }>> = {};
  const variables = model.weights;
  json.weights.forEach((w, i) => {
    if (!tensors.has(slotKey(state.slotNames[0], w.name))) return; // checkWeightsFile: all of a weight's slots, or none
    slots[variables[i].name] = Object.fromEntries(
      state.slotNames.map((s) => [
        s,
        { shape: w.shape.slice(), data: tensors.get(slotKey(s, w.name))!.dataSync() as Float32Array },
      ]),
    );
  });
  optimizer.setState({ iterations: state.iterations, slots });
}

/** Rebuilds a model from artifacts: architecture, weights and (when saved) the training configuration. */
export function modelFromArtifacts(config: unknown, weights: Uint8Array, fn: string): LayersModel {
  const json = checkModelJson(config, fn);
  const header = parseSafetensorsHeader(weights, fn);
  checkWeightsFile(json, new Map(header.tensors.map((t) => [t.name, t])), fn);
  let model: LayersModel;
  try {
    const { name, seed, className } = json.modelConfig;
    const { layers, renamed } = layerConfigsWithFreeNames(json);
    const common = {
      name: name ?? (className === 'Functional' ? 'model' : 'sequential'),
      ...(seed === undefined ? {} : { seed }),
      layers,
    };
    if (className === 'Functional') {
      const ref = (r: [string, number, number]) => [renamed.get(r[0]) ?? r[0], r[1], r[2]];
      model = Functional.fromConfig({
        ...common,
        inputLayers: json.modelConfig.inputLayers!.map(ref),
        outputLayers: json.modelConfig.outputLayers!.map(ref),
      } as never);
    } else {
      model = Sequential.fromConfig(common as never);
    }
  } catch (e) {
    throw new Error(`${fn}: the saved architecture cannot be rebuilt: ${(e as Error).message}`);
  }
  let tensors: Map<string, Tensor> | null = null;
  try {
    const variables = model.weights;
    if (variables.length !== json.weights.length) {
      throw new Error(
        `${fn}: the rebuilt model has ${variables.length} weights; model.json lists ${json.weights.length}`,
      );
    }
    const layerOf = new Map(model.layers.flatMap((l, i) => l.weights.map((w) => [w, i] as const)));
    variables.forEach((v, i) => {
      const w = json.weights[i];
      if (layerOf.get(v) !== w.layer || !sameShape(v.shape, w.shape)) {
        throw new Error(
          `${fn}: weight ${i} of the rebuilt model is '${v.name}' ${fmtShape(v.shape)}; model.json lists '${w.name}' ${fmtShape(w.shape)} of layer ${w.layer}`,
        );
      }
    });
    tensors = readTensors(weights, header, fn);
    model.setWeights(json.weights.map((w) => tensors!.get(w.name)!));
    if (json.trainingConfig) restoreTraining(model, json, tensors, fn);
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    if (tensors) for (const t of tensors.values()) t.dispose();
  }
  return model;
}

/**
 * Loads a model saved by model.save(): from a directory path (or the path of its model.json) in Node,
 * Deno or Bun, or from the in-memory { config, weights } anywhere.
 */
export async function loadModel(source: ModelSource): Promise<LayersModel> {
  const fn = 'loadModel';
  const { config, weights } = await readSource(source, fn);
  return modelFromArtifacts(config, weights, fn);
}
