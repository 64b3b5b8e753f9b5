// sn.io: reading and writing weights and models.
export { readSafetensors, readSafetensorsHeader, writeSafetensors } from './safetensors.js';
export type { NamedTensors, SafetensorsEntry, SafetensorsHeader } from './safetensors.js';
