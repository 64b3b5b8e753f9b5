// sn.io: reading and writing weights and models.
export { readSafetensors, readSafetensorsHeader, writeSafetensors } from './safetensors.js';
export type { NamedTensors, SafetensorsEntry, SafetensorsHeader } from './safetensors.js';
export { fromPyTorchLayout, toPyTorchLayout } from './pytorch-layout.js';
export type { PyTorchKind, PyTorchLayoutOptions } from './pytorch-layout.js';
export { saveModel, loadModel } from './model-io.js';
export type { ModelArtifacts, ModelSource } from './model-io.js';
export { loadWeights } from './load-weights.js';
export type { LoadWeightsOptions } from './load-weights.js';
export type { ModelJson } from './model-format.js';
