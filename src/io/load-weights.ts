// model.loadWeights(bytes, options): fills an existing model's weights from a safetensors file, either
// simdnet's own (weights.safetensors from model.save) or a PyTorch state_dict saved with
// safetensors.torch.save_file. Everything is read, matched, converted and checked first; only then do
// the weights change, so a mismatch leaves the model as it was.
import { Tensor } from '../core/tensor.js';
import type { LayersModel } from '../models/layers-model.js';
import type { Layer } from '../layers/layer.js';
import { checkKnownKeys, describe, fmtShape } from '../util/validate.js';
import { readTensors } from './safetensors.js';
import { asBytes, parseSafetensorsHeader, type SafetensorsEntry } from './safetensors-header.js';
import { DTYPES } from './dtypes.js';
import { fromPyTorchLayout, type PyTorchKind } from './pytorch-layout.js';
import { sameShape } from './checks.js';

export interface LoadWeightsOptions {
  /** 'simdnet' (default): a file from model.save(). 'pytorch': a state_dict in PyTorch's layouts. */
  from?: 'simdnet' | 'pytorch';
  /**
   * PyTorch only: which module fills which layer, as { simdnetLayerName: 'pytorch.module.prefix' }, e.g.
   * { dense_1: 'classifier.0' }. Layers not listed take the remaining modules in order.
   */
  nameMap?: Record<string, string>;
}

function checkFloat(t: SafetensorsEntry, fn: string): void {
  if (DTYPES[t.dtype].target !== 'float32')
    throw new Error(`${fn}: tensor '${t.name}' has dtype ${t.dtype}; weights must be floating point`);
}

/** Sets every layer's weights; the shapes were all checked against the file before any tensor was read. */
function assignAll(pairs: [Layer, Tensor[]][]): void {
  for (const [layer, values] of pairs) layer.setWeights(values);
}

// ---- simdnet's own files ----

function loadSimdnet(model: LayersModel, bytes: Uint8Array, fn: string): void {
  const header = parseSafetensorsHeader(bytes, fn);
  const variables = model.weights;
  const byName = new Map(header.tensors.map((t) => [t.name, t]));
  // By name when every weight is there under its own name (the same model, or one built the same way);
  // otherwise by position over the file's weights (optimizer slots left out).
  const byOwnName = variables.every((v) => byName.has(v.name));
  const candidates = header.tensors.filter((t) => !t.name.startsWith('optimizer/'));
  if (!byOwnName && candidates.length !== variables.length) {
    throw new Error(
      `${fn}: the model has ${variables.length} weights; the file has ${candidates.length} (${candidates.map((t) => `'${t.name}'`).join(', ')})`,
    );
  }
  const chosen = variables.map((v, i) => {
    const t = byOwnName ? byName.get(v.name)! : candidates[i];
    checkFloat(t, fn);
    if (!sameShape(t.shape, v.shape))
      throw new Error(
        `${fn}: weight '${v.name}' has shape ${fmtShape(v.shape)}; the file's tensor '${t.name}' has shape ${fmtShape(t.shape)}`,
      );
    return t.name;
  });
  const tensors = readTensors(bytes, header, fn);
  try {
    let k = 0;
    assignAll(model.layers.map((l) => [l, l.weights.map(() => tensors.get(chosen[k++])!)]));
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

// ---- PyTorch state_dicts ----

/** The parameters and buffers of the PyTorch modules simdnet has layers for. */
const MODULE_PARAMS = ['weight', 'bias', 'running_mean', 'running_var'];

interface Module {
  prefix: string;
  params: Map<string, SafetensorsEntry>;
}

/** 'layer2' before 'layer10', 'features.2' before 'features.10'. */
function naturalCompare(a: string, b: string): number {
  const ta = a.split(/(\d+)/);
  const tb = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    if (ta[i] === tb[i]) continue;
    const numeric = i % 2 === 1; // split with a capture group alternates text, digits, text, ...
    if (numeric && Number(ta[i]) !== Number(tb[i])) return Number(ta[i]) - Number(tb[i]);
    return ta[i] < tb[i] ? -1 : 1;
  }
  return ta.length - tb.length;
}

/**
 * The state_dict's modules ('conv1' for 'conv1.weight' and 'conv1.bias') in model order. A file written
 * by safetensors.torch.save_file lists names sorted as strings, which has lost the state_dict's order:
 * then modules are ordered naturally (conv1, conv2, fc1; features.2 before features.10). A file listing
 * names in any other order is taken to have kept the state_dict's order.
 */
function modulesOf(tensors: SafetensorsEntry[], fn: string): Module[] {
  const modules = new Map<string, Module>();
  const strays: string[] = [];
  for (const t of tensors) {
    const dot = t.name.lastIndexOf('.');
    const param = t.name.slice(dot + 1);
    // BatchNorm's step counter has no counterpart (Keras's momentum does not depend on it).
    if (param === 'num_batches_tracked') continue;
    if (!MODULE_PARAMS.includes(param)) {
      strays.push(t.name);
      continue;
    }
    const prefix = dot < 0 ? '' : t.name.slice(0, dot);
    if (!modules.has(prefix)) modules.set(prefix, { prefix, params: new Map() });
    modules.get(prefix)!.params.set(param, t);
  }
  if (strays.length > 0) {
    throw new Error(
      `${fn}: the checkpoint has tensors that are not a module's weight, bias or batch-norm statistics: ${strays.map((s) => `'${s}'`).join(', ')}`,
    );
  }
  const list = [...modules.values()];
  const names = tensors.map((t) => t.name);
  const sortedAsStrings = names.every((n, i) => i === 0 || names[i - 1] <= n);
  return sortedAsStrings ? list.sort((a, b) => naturalCompare(a.prefix, b.prefix)) : list;
}

type SlotKind = 'conv2d' | 'dense' | 'batchnorm' | 'depthwise' | 'conv1d';

/**
 * One PyTorch module's worth of a layer's weights: most layers take one module; a SeparableConv2D takes
 * two (the depthwise conv, then the 1x1 conv), as PyTorch writes a separable conv.
 */
interface Target {
  layer: Layer;
  /** The name nameMap uses: the layer's name, or '<name>/pointwise' for a separable conv's second module. */
  key: string;
  module: Module;
  kind: SlotKind;
  /** Which of the layer's weights this module fills (indices into layer.weights). */
  weights: number[];
  /** For the first dense layer after a flatten of images: the [h, w, c] that was flattened. */
  flattenedFrom?: [number, number, number];
}

const SLOT_KINDS: Record<string, SlotKind> = {
  Conv2D: 'conv2d',
  Dense: 'dense',
  BatchNormalization: 'batchnorm',
  DepthwiseConv2D: 'depthwise',
  Conv1D: 'conv1d',
};

/** Layers with weights as module slots, with the image shape a flatten fed into each dense layer. */
function weightedLayers(model: LayersModel, fn: string): Omit<Target, 'module'>[] {
  const out: Omit<Target, 'module'>[] = [];
  let flattened: [number, number, number] | undefined;
  for (const layer of model.layers) {
    if (layer.className === 'Flatten') {
      const s = layer.inputShape;
      flattened = s.length === 4 ? [s[1] as number, s[2] as number, s[3] as number] : undefined;
      continue;
    }
    const all = layer.weights.map((_, i) => i);
    if (all.length === 0) continue;
    const kind = SLOT_KINDS[layer.className];
    if (layer.className === 'SeparableConv2D') {
      out.push({ layer, key: layer.name, kind: 'depthwise', weights: [0] });
      out.push({ layer, key: `${layer.name}/pointwise`, kind: 'conv2d', weights: all.slice(1) });
    } else if (kind === 'dense') {
      out.push({ layer, key: layer.name, kind, weights: all, ...(flattened ? { flattenedFrom: flattened } : {}) });
    } else if (kind === 'batchnorm' && flattened) {
      throw new Error(
        `${fn}: ${layer.label} normalises flattened image features, which PyTorch orders C,H,W and simdnet H,W,C; load it by hand`,
      );
    } else if (kind) {
      out.push({ layer, key: layer.name, kind, weights: all });
    } else {
      throw new Error(
        `${fn}: ${layer.label} has weights but no PyTorch counterpart simdnet knows (Conv2D ↔ nn.Conv2d, DepthwiseConv2D ↔ nn.Conv2d with groups = cin, SeparableConv2D ↔ depthwise + 1x1 nn.Conv2d, Conv1D ↔ nn.Conv1d, BatchNormalization ↔ nn.BatchNorm1d/2d, Dense ↔ nn.Linear)`,
      );
    }
    if (kind !== 'batchnorm') flattened = undefined;
  }
  return out;
}

function pair(
  model: LayersModel,
  modules: Module[],
  nameMap: Record<string, string> | undefined,
  fn: string,
): Target[] {
  const layers = weightedLayers(model, fn);
  const list = (xs: string[]) => xs.map((x) => `'${x}'`).join(', ') || 'none';
  const byPrefix = new Map(modules.map((m) => [m.prefix, m]));
  const chosen = new Map<string, Module>();
  if (nameMap !== undefined) {
    if (typeof nameMap !== 'object' || nameMap === null || Array.isArray(nameMap)) {
      throw new Error(
        `${fn}: option 'nameMap' must be an object { simdnetLayerName: 'pytorch.module' }; got ${describe(nameMap)}`,
      );
    }
    for (const [layerName, prefix] of Object.entries(nameMap)) {
      const target = layers.find((l) => l.key === layerName);
      if (!target)
        throw new Error(
          `${fn}: option 'nameMap' names layer '${layerName}', but the model's layers with weights are ${list(layers.map((l) => l.key))}`,
        );
      const module = byPrefix.get(String(prefix));
      if (!module)
        throw new Error(
          `${fn}: option 'nameMap' maps '${layerName}' to module ${describe(prefix)}, which the checkpoint does not have (it has ${list(modules.map((m) => m.prefix))})`,
        );
      if ([...chosen.values()].includes(module))
        throw new Error(`${fn}: option 'nameMap' gives module '${module.prefix}' to more than one layer`);
      chosen.set(target.key, module);
    }
  }
  const freeModules = modules.filter((m) => ![...chosen.values()].includes(m));
  const freeLayers = layers.filter((l) => !chosen.has(l.key));
  if (freeModules.length !== freeLayers.length) {
    throw new Error(
      `${fn}: the model has ${layers.length} layers with weights (${layers.map((l) => (l.key === l.layer.name ? l.layer.label : l.key)).join(', ')}); ` +
        `the checkpoint has ${modules.length} modules (${list(modules.map((m) => m.prefix))})` +
        (nameMap ? `; after nameMap, ${freeLayers.length} layers remain for ${freeModules.length} modules` : ''),
    );
  }
  freeLayers.forEach((l, i) => chosen.set(l.key, freeModules[i]));
  return layers.map((l) => ({ ...l, module: chosen.get(l.key)! }));
}

const BATCHNORM_PARAMS: Record<string, string> = {
  gamma: 'weight',
  beta: 'bias',
  moving_mean: 'running_mean',
  moving_variance: 'running_var',
};

/** The PyTorch parameter and shape a simdnet weight comes from, and how to convert it. */
function expectation(
  t: Target,
  index: number,
): { param: string; shape: number[]; kind: PyTorchKind; layout: string; depthMultiplier?: number } {
  const w = t.layer.weights[index];
  const suffix = w.name.slice(w.name.lastIndexOf('/') + 1);
  const s = w.shape;
  if (t.kind === 'batchnorm')
    return { param: BATCHNORM_PARAMS[suffix], shape: s.slice(), kind: 'bias', layout: '[channels]' };
  if (suffix === 'bias') return { param: 'bias', shape: s.slice(), kind: 'bias', layout: '[units]' };
  if (t.kind === 'conv2d')
    return { param: 'weight', shape: [s[3], s[2], s[0], s[1]], kind: 'conv2d', layout: 'OIHW [cout, cin, kh, kw]' };
  if (t.kind === 'depthwise')
    return {
      param: 'weight',
      shape: [s[2] * s[3], 1, s[0], s[1]],
      kind: 'depthwise',
      layout: '[cin·multiplier, 1, kh, kw] (groups = cin)',
      depthMultiplier: s[3],
    };
  if (t.kind === 'conv1d')
    return { param: 'weight', shape: [s[2], s[1], s[0]], kind: 'conv1d', layout: '[cout, cin, k]' };
  return { param: 'weight', shape: [s[1], s[0]], kind: 'dense', layout: '[out, in]' };
}

function loadPyTorch(
  model: LayersModel,
  bytes: Uint8Array,
  nameMap: Record<string, string> | undefined,
  fn: string,
): void {
  const header = parseSafetensorsHeader(bytes, fn);
  const targets = pair(model, modulesOf(header.tensors, fn), nameMap, fn);
  for (const t of targets) {
    const wanted = t.weights.map((i) => expectation(t, i));
    const extra = [...t.module.params.keys()].filter((p) => !wanted.some((e) => e.param === p));
    const who = `${t.key === t.layer.name ? t.layer.label : t.key} takes module '${t.module.prefix}'`;
    if (extra.length > 0)
      throw new Error(
        `${fn}: ${who}, which has ${extra.map((p) => `'${t.module.prefix}.${p}'`).join(', ')} but the layer has no ${extra.join('/')} (${t.kind === 'batchnorm' ? 'center/scale: false?' : 'useBias: false?'})`,
      );
    for (const e of wanted) {
      const entry = t.module.params.get(e.param);
      const name = t.module.prefix ? `${t.module.prefix}.${e.param}` : e.param;
      if (!entry) throw new Error(`${fn}: ${who}, which has no '${name}'`);
      checkFloat(entry, fn);
      if (!sameShape(entry.shape, e.shape)) {
        throw new Error(
          `${fn}: ${who}: '${name}' has shape ${fmtShape(entry.shape)}; the layer needs ${fmtShape(e.shape)} (PyTorch ${e.layout})`,
        );
      }
    }
  }
  const tensors = readTensors(bytes, header, fn);
  const converted: Tensor[] = [];
  try {
    // A layer's weights may come from two modules (a separable conv): gather them in the layer's order.
    const values = new Map<Layer, Tensor[]>();
    for (const t of targets) {
      const list = values.get(t.layer) ?? [];
      values.set(t.layer, list);
      for (const i of t.weights) {
        const e = expectation(t, i);
        const source = tensors.get(t.module.params.get(e.param)!.name)!;
        const out = fromPyTorchLayout(source, e.kind, {
          ...(e.kind === 'dense' && t.flattenedFrom ? { flattenedFrom: t.flattenedFrom } : {}),
          ...(e.depthMultiplier ? { depthMultiplier: e.depthMultiplier } : {}),
        });
        converted.push(out);
        list[i] = out;
      }
    }
    assignAll([...values.entries()]);
  } finally {
    for (const t of converted) t.dispose();
    for (const t of tensors.values()) t.dispose();
  }
}

/** Fills the model's weights from a safetensors file (see LoadWeightsOptions). */
export function loadWeights(
  model: LayersModel,
  bytes: Uint8Array | ArrayBuffer,
  options: LoadWeightsOptions = {},
): void {
  const fn = `${model.name}.loadWeights`;
  const data = asBytes(bytes, fn);
  if (typeof options !== 'object' || options === null)
    throw new Error(`${fn}: argument 'options' must be an object like { from: 'pytorch' }; got ${describe(options)}`);
  checkKnownKeys(options, ['from', 'nameMap'], fn);
  const from = options.from ?? 'simdnet';
  if (from === 'pytorch') return loadPyTorch(model, data, options.nameMap, fn);
  if (from !== 'simdnet') throw new Error(`${fn}: option 'from' must be 'simdnet' or 'pytorch'; got ${describe(from)}`);
  if (options.nameMap !== undefined) throw new Error(`${fn}: option 'nameMap' applies to from: 'pytorch' only`);
  loadSimdnet(model, data, fn);
}
