// model.save() and model.loadWeights() as methods of Sequential. They live here, beside the code they
// call, and are attached to the class when sn.io is loaded (src/index.ts always loads it).
import { Sequential } from '../models/sequential.js';
import { saveModel, type ModelArtifacts } from './model-io.js';
import { loadWeights, type LoadWeightsOptions } from './load-weights.js';

declare module '../models/sequential.js' {
  interface Sequential {
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

Sequential.prototype.save = function save(this: Sequential, target?: string): Promise<ModelArtifacts> {
  return saveModel(this, target);
};

Sequential.prototype.loadWeights = function (
  this: Sequential,
  bytes: Uint8Array | ArrayBuffer,
  options?: LoadWeightsOptions,
): void {
  this.assertAlive('loadWeights');
  loadWeights(this, bytes, options);
};
