// Folding a batch normalisation into the convolution before it, for inference. With the moving
// statistics fixed, BN(conv(x, K) + b) = conv(x, K·s) + (b − mean)·s + β with s = γ / √(var + ε) per
// output channel, so the model runs one conv instead of a conv and a normalisation pass. Any conv-like
// layer whose kernel's last axis (or last two, for a depthwise [kh, kw, cin, multiplier] kernel) is the
// output channel can be folded; it only needs callWithWeights(x, kernel, bias).
import { Tensor } from '../core/tensor.js';
import { keep } from '../core/engine.js';
import { f32 } from '../backend/views.js';
import type { Variable } from '../core/variable.js';
import type { Layer } from '../layers/layer.js';

/** A conv-like layer that can run with substituted weights (Conv2D, DepthwiseConv2D). */
export interface FoldableConv extends Layer {
  /** Conv2D's kernel [kh, kw, cin, cout]. */
  kernel?: Variable | null;
  /** DepthwiseConv2D's kernel [kh, kw, cin, multiplier]. */
  depthwiseKernel?: Variable | null;
  bias: Variable | null;
  activation: string;
  callWithWeights(x: Tensor, kernel: Tensor, bias: Tensor | null): Tensor;
}

/** What folding reads from a BatchNormalization layer. */
export interface BatchNormLike extends Layer {
  axis: number;
  epsilon: number;
  gamma: Variable | null;
  beta: Variable | null;
  movingMean: Variable | null;
  movingVariance: Variable | null;
}

export function isFoldableConv(layer: Layer): layer is FoldableConv {
  const l = layer as Partial<FoldableConv>;
  return (
    (layer.className === 'Conv2D' || layer.className === 'DepthwiseConv2D') &&
    typeof l.callWithWeights === 'function' &&
    l.activation === 'linear' &&
    kernelOf(layer as FoldableConv) != null
  );
}

function kernelOf(conv: FoldableConv): Variable | null {
  return conv.kernel ?? conv.depthwiseKernel ?? null;
}

export function isFoldableBatchNorm(layer: Layer): layer is BatchNormLike {
  if (layer.className !== 'BatchNormalization') return false;
  const l = layer as Partial<BatchNormLike>;
  const rank = layer.inputShape.length;
  return (l.axis === -1 || l.axis === rank - 1) && l.movingMean != null && l.movingVariance != null;
}

interface Entry {
  versions: number[];
  kernel: Tensor;
  bias: Tensor;
}

/** Folded weights per conv layer, recomputed only when one of the six source variables has changed. */
export class FoldCache {
  private readonly entries = new Map<Layer, Entry>();

  weightsFor(conv: FoldableConv, bn: BatchNormLike): { kernel: Tensor; bias: Tensor } {
    const sources = [kernelOf(conv), conv.bias, bn.gamma, bn.beta, bn.movingMean, bn.movingVariance];
    const versions = sources.map((v) => (v ? v.version : -1));
    const old = this.entries.get(conv);
    if (old && old.versions.every((v, i) => v === versions[i]) && !old.kernel.isDisposed) return old;
    if (old) this.drop(conv, old);
    const entry = { versions, ...fold(conv, bn) };
    this.entries.set(conv, entry);
    return entry;
  }

  private drop(conv: Layer, e: Entry): void {
    if (!e.kernel.isDisposed) e.kernel.dispose();
    if (!e.bias.isDisposed) e.bias.dispose();
    this.entries.delete(conv);
  }

  dispose(): void {
    for (const [conv, e] of [...this.entries]) this.drop(conv, e);
  }
}

function fold(conv: FoldableConv, bn: BatchNormLike): { kernel: Tensor; bias: Tensor } {
  const k = kernelOf(conv)!;
  const channels = bn.movingMean!.size;
  const mean = bn.movingMean!.dataSync();
  const variance = bn.movingVariance!.dataSync();
  const gamma = bn.gamma ? bn.gamma.dataSync() : null;
  const beta = bn.beta ? bn.beta.dataSync() : null;
  const b = conv.bias ? conv.bias.dataSync() : null;
  if (k.size % channels !== 0) throw new Error(`internal: folding ${bn.label} into ${conv.label}: channel mismatch`);
  const scale = new Float64Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = (gamma ? gamma[c] : 1) / Math.sqrt(variance[c] + bn.epsilon);
    shift[c] = ((b ? b[c] : 0) - mean[c]) * scale[c] + (beta ? beta[c] : 0);
  }
  const values = k.dataSync();
  const folded = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) folded[i] = values[i] * scale[i % channels];
  const kernel = keep(new Tensor(k.shape));
  f32().set(folded, kernel.index);
  const bias = keep(new Tensor([channels]));
  f32().set(shift, bias.index);
  return { kernel, bias };
}
