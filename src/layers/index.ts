// sn.layers: factories with Keras's layer names in camelCase, and (de)serialisation of layer configs.
import { describe } from '../util/validate.js';
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
import type { ActivationName } from './activations.js';

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

const classes: Record<string, new (config: any) => Layer> = {
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
  const cls = serialized && typeof serialized === 'object' ? classes[serialized.className] : undefined;
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
  permute: (args: PermuteArgs): Permute => new Permute(args),
  serialize,
  deserialize,
};
