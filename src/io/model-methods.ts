// model.save() and model.loadWeights() as methods of every model (Sequential and functional). They live
// here, beside the code they call, and are attached to the base class when sn.io is loaded (src/index.ts
// always loads it).
import { LayersModel } from '../models/layers-model.js';
import { saveModel, type ModelArtifacts } from './model-io.js';
import { loadWeights, type LoadWeightsOptions } from './load-weights.js';

declare module '../models/layers-model.js' {
  interface LayersModel {
    /**
     * Saves the architecture, weights and training configuration. Without a target, resolves to the
     * in-memory { config, weights }; with a directory path (Node, Deno, Bun) also writes model.json and
     * weights.safetensors there. sn.loadModel reads either back.
     */
    save(target?: string): Promise<ModelArtifacts>;
    /**
     * Fills the weights from a safetensors file: simdnet's weights.safetensors by default, or a PyTorch
     * state_dict with { from: 'pytorch' } (layouts converted; see LoadWeightsOptions).
     */
    loadWeights(bytes: Uint8Array | ArrayBuffer, options?: LoadWeightsOptions): void;
  }
}

LayersModel.prototype.save = function save(this: LayersModel, target?: string): Promise<ModelArtifacts> {
  return saveModel(this, target);
};

LayersModel.prototype.loadWeights = function (
  this: LayersModel,
  bytes: Uint8Array | ArrayBuffer,
  options?: LoadWeightsOptions,
): void {
  loadWeights(this, bytes, options);
};
