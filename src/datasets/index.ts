// sn.datasets: loaders that turn the standard files of a few image data sets into tensors.
import { fashionMnist } from './fashion-mnist.js';
import { mnist } from './mnist.js';
import { cifar10 } from './cifar10.js';

export const datasets = { fashionMnist, mnist, cifar10 };

export type { Dataset, DatasetFor, Split, Limit, Normalize } from './types.js';
export type { IdxBytes, IdxReadOptions } from './mnist-family.js';
export type { IdxDatasetLoader, IdxLoadOptions } from './mnist-family-loader.js';
export type { FashionMnistLoader, FashionMnistLoadOptions } from './fashion-mnist.js';
export type { Cifar10Loader, Cifar10LoadOptions, Cifar10Bytes } from './cifar10.js';
