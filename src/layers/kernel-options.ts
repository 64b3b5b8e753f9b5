// The options that every layer with a kernel and a bias (Dense, Conv1D, Conv2D) reads alike, and the ones
// the two convolutions share, so that each layer's constructor keeps only what is its own.
import type { Initializer, InitializerIdentifier } from './initializers.js';
import { LAYER_ARG_KEYS, initializerOption } from './layer.js';
import { checkActivation, type ActivationName } from './activations.js';
import { checkBoolean, checkOneOf, checkPositiveInt } from './options.js';

export interface KernelLayerArgs {
  activation?: ActivationName | null;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
}

export interface KernelLayerOptions {
  activation: ActivationName;
  useBias: boolean;
  kernelInitializer: Initializer;
  biasInitializer: Initializer;
}

export const KERNEL_LAYER_KEYS = ['activation', 'useBias', 'kernelInitializer', 'biasInitializer'];

/** The activation ('linear' by default), useBias (true), and the initializers (Glorot uniform, zeros). */
export function kernelLayerOptions(a: KernelLayerArgs, fn: string): KernelLayerOptions {
  return {
    activation: checkActivation(a.activation, fn),
    useBias: a.useBias === undefined ? true : checkBoolean(a.useBias, 'useBias', fn),
    kernelInitializer: initializerOption(a.kernelInitializer, 'glorotUniform', 'kernelInitializer', fn),
    biasInitializer: initializerOption(a.biasInitializer, 'zeros', 'biasInitializer', fn),
  };
}

/** Every option of Conv1D and Conv2D. */
export const CONV_KEYS = [
  ...LAYER_ARG_KEYS,
  'filters',
  'kernelSize',
  'strides',
  'padding',
  'dilationRate',
  ...KERNEL_LAYER_KEYS,
  'dataFormat',
];

/** Conv1D's and Conv2D's required options and data format; returns the filters. */
export function convFilters(
  a: { filters?: unknown; kernelSize?: unknown; dataFormat?: unknown },
  fn: string,
  kernelSizeExample: string,
): number {
  if (a.filters === undefined) throw new Error(`${fn}: option 'filters' is required (the number of output channels)`);
  if (a.kernelSize === undefined) throw new Error(`${fn}: option 'kernelSize' is required (e.g. ${kernelSizeExample})`);
  if (a.dataFormat !== undefined) checkOneOf(a.dataFormat, ['channelsLast'], 'dataFormat', fn);
  return checkPositiveInt(a.filters, 'filters', fn);
}
