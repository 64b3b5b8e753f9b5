// sn.layers: factories with Keras's layer names in camelCase, and (de)serialisation of layer configs.
import { describe, lookupOwn } from '../util/validate.js';
import { Conv2D, type Conv2DArgs } from './conv2d.js';
import {
  AveragePooling2D,
  GlobalAveragePooling2D,
  MaxPooling2D,
  type AveragePooling2DArgs,
  type Pooling2DArgs,
} from './pooling.js';
import { Dense, type DenseArgs } from './dense.js';
import { Activation, Dropout, Flatten, type DropoutArgs } from './core.js';
import { Permute, type PermuteArgs } from './permute.js';
import { Layer, type LayerArgs, type LayerConfig } from './layer.js';
import { InputLayer } from './input-layer.js';
import { Add, Concatenate, type ConcatenateArgs } from './merge.js';
import { RandomFlip, RandomTranslation, type RandomFlipArgs, type RandomTranslationArgs } from './augmentation.js';
import type { ActivationName } from './activations.js';
import { BatchNormalization, type BatchNormalizationArgs } from './batch-normalization.js';
import {
  DepthwiseConv2D,
  SeparableConv2D,
  type DepthwiseConv2DArgs,
  type SeparableConv2DArgs,
} from './depthwise-conv2d.js';
import { Conv1D, type Conv1DArgs } from './conv1d.js';
import {
  AveragePooling1D,
  GlobalAveragePooling1D,
  GlobalMaxPooling2D,
  MaxPooling1D,
  type Pooling1DArgs,
} from './pooling1d.js';
import { ZeroPadding2D, type ZeroPadding2DArgs } from './zero-padding2d.js';
import { LeakyReLU, type LeakyReLUArgs } from './leaky-relu.js';
import { Clip, type ClipArgs } from './clip.js';
import { Rescaling, type RescalingArgs } from './rescaling.js';
import { Reshape, type ReshapeArgs } from './reshape.js';

export {
  BatchNormalization,
  DepthwiseConv2D,
  SeparableConv2D,
  Conv1D,
  MaxPooling1D,
  AveragePooling1D,
  GlobalAveragePooling1D,
  GlobalMaxPooling2D,
  ZeroPadding2D,
  LeakyReLU,
  Clip,
  Rescaling,
  Reshape,
};
export type {
  BatchNormalizationArgs,
  DepthwiseConv2DArgs,
  SeparableConv2DArgs,
  Conv1DArgs,
  Pooling1DArgs,
  ZeroPadding2DArgs,
  LeakyReLUArgs,
  ClipArgs,
  RescalingArgs,
  ReshapeArgs,
};
export {
  Layer,
  Conv2D,
  MaxPooling2D,
  AveragePooling2D,
  GlobalAveragePooling2D,
  Dense,
  Flatten,
  Activation,
  Dropout,
  Permute,
};
export type {
  LayerArgs,
  LayerConfig,
  Conv2DArgs,
  Pooling2DArgs,
  AveragePooling2DArgs,
  DenseArgs,
  DropoutArgs,
  ActivationName,
  PermuteArgs,
};
export { InputLayer, Add, Concatenate, RandomFlip, RandomTranslation };
export type { ConcatenateArgs, RandomFlipArgs, RandomTranslationArgs };

const classes: Record<string, new (config: any) => Layer> = {
  Conv2D,
  MaxPooling2D,
  AveragePooling2D,
  GlobalAveragePooling2D,
  Dense,
  Flatten,
  Activation,
  Dropout,
  InputLayer,
  Add,
  Concatenate,
  RandomFlip,
  RandomTranslation,
  BatchNormalization,
  DepthwiseConv2D,
  SeparableConv2D,
  Conv1D,
  MaxPooling1D,
  AveragePooling1D,
  GlobalAveragePooling1D,
  GlobalMaxPooling2D,
  ZeroPadding2D,
  Permute,
  LeakyReLU,
  Clip,
  Rescaling,
  Reshape,
};

export interface SerializedLayer {
  className: string;
  config: LayerConfig;
}

/** { className, config }: enough to rebuild the layer with deserialize (weights not included). */
export function serialize(layer: Layer): SerializedLayer {
  return { className: layer.className, config: layer.getConfig() };
}

/** A new, unbuilt layer from serialize()'s output. */
export function deserialize(serialized: SerializedLayer): Layer {
  const cls = serialized && typeof serialized === 'object' ? lookupOwn(classes, serialized.className) : undefined;
  if (!cls) {
    throw new Error(
      `layers.deserialize: unknown layer class ${describe(serialized?.className)}; known: ${Object.keys(classes).join(', ')}`,
    );
  }
  return new cls({ ...serialized.config });
}

export const layers = {
  conv2d: (args: Conv2DArgs): Conv2D => new Conv2D(args),
  maxPooling2d: (args?: Pooling2DArgs): MaxPooling2D => new MaxPooling2D(args),
  averagePooling2d: (args?: AveragePooling2DArgs): AveragePooling2D => new AveragePooling2D(args),
  globalAveragePooling2d: (args?: LayerArgs): GlobalAveragePooling2D => new GlobalAveragePooling2D(args),
  flatten: (args?: LayerArgs): Flatten => new Flatten(args),
  dense: (args: DenseArgs): Dense => new Dense(args),
  activation: (args: LayerArgs & { activation: ActivationName }): Activation => new Activation(args),
  dropout: (args: DropoutArgs): Dropout => new Dropout(args),
  add: (args?: LayerArgs): Add => new Add(args),
  concatenate: (args?: ConcatenateArgs): Concatenate => new Concatenate(args),
  randomFlip: (args?: RandomFlipArgs): RandomFlip => new RandomFlip(args),
  randomTranslation: (args: RandomTranslationArgs): RandomTranslation => new RandomTranslation(args),
  batchNormalization: (args?: BatchNormalizationArgs): BatchNormalization => new BatchNormalization(args),
  depthwiseConv2d: (args: DepthwiseConv2DArgs): DepthwiseConv2D => new DepthwiseConv2D(args),
  separableConv2d: (args: SeparableConv2DArgs): SeparableConv2D => new SeparableConv2D(args),
  conv1d: (args: Conv1DArgs): Conv1D => new Conv1D(args),
  maxPooling1d: (args?: Pooling1DArgs): MaxPooling1D => new MaxPooling1D(args),
  averagePooling1d: (args?: Pooling1DArgs): AveragePooling1D => new AveragePooling1D(args),
  globalAveragePooling1d: (args?: LayerArgs): GlobalAveragePooling1D => new GlobalAveragePooling1D(args),
  globalMaxPooling2d: (args?: LayerArgs): GlobalMaxPooling2D => new GlobalMaxPooling2D(args),
  zeroPadding2d: (args?: ZeroPadding2DArgs): ZeroPadding2D => new ZeroPadding2D(args),
  permute: (args: PermuteArgs): Permute => new Permute(args),
  leakyReLU: (args?: LeakyReLUArgs): LeakyReLU => new LeakyReLU(args),
  clip: (args?: ClipArgs): Clip => new Clip(args),
  rescaling: (args?: RescalingArgs): Rescaling => new Rescaling(args),
  reshape: (args: ReshapeArgs): Reshape => new Reshape(args),
  serialize,
  deserialize,
};
