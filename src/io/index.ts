// sn.io: reading and writing weights and models.
export { readSafetensors, readSafetensorsHeader, writeSafetensors } from './safetensors.js';
export type { NamedTensors, SafetensorsEntry, SafetensorsHeader } from './safetensors.js';
export { fromPyTorchLayout, toPyTorchLayout } from './pytorch-layout.js';
export type { PyTorchKind, PyTorchLayoutOptions } from './pytorch-layout.js';
