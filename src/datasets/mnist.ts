// MNIST (handwritten digits, LeCun, Cortes and Burges): the same IDX files as Fashion-MNIST.
import { DATA_ENV } from './locate.js';
import { makeIdxLoader, type IdxDatasetLoader } from './mnist-family-loader.js';

/**
 * MNIST: 60,000 training and 10,000 test images of handwritten digits, 28x28 grey.
 *
 * `await sn.datasets.mnist.load({ dir?, normalize?, train?, test?, limit? })` looks for
 * `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and
 * `t10k-labels-idx1-ubyte` (each plain or gzipped, `.gz`) in `dir`, `dir/mnist`, `$SIMDNET_DATA`,
 * `$SIMDNET_DATA/mnist`, in this order; the first directory holding every file needed is used. There is no default
 * system directory and no embedded subset. It throws an Error listing every place it looked when none
 * has them.
 *
 * Returns `{ train: { images, labels }, test: { images, labels }, source, embedded: false, classes, dispose() }`
 * with images [n, 28, 28, 1] float32 in [0, 1] (or as `normalize` says) and labels [n] int32 in 0..9.
 */
export const mnist: IdxDatasetLoader = makeIdxLoader({
  fn: 'mnist',
  title: 'MNIST',
  subdir: 'mnist',
  classes: Object.freeze(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']),
  defaults: [],
  howToGet: [
    'To get them: download the four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, ' +
      't10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) of the MNIST database into a directory, ' +
      `then pass it as { dir } or set ${DATA_ENV} to it.`,
  ],
});
