// Fashion-MNIST (Zalando Research, MIT licence): 28x28 grey images of 10 kinds of clothing, in the IDX
// files of MNIST. A subset ships with simdnet (data/fashion-mnist-subset/) so that the demo runs on a
// machine without the full data set.
import { DATA_ENV } from './locate.js';
import {
  fromBytes,
  loadFromDisk,
  loadShipped,
  type IdxDatasetLoader,
  type IdxLoaderConfig,
  type IdxLoadOptions,
} from './mnist-family-loader.js';
import { checkBoolean, checkOptions, type Dataset, type DatasetFor } from './types.js';
import type { IdxReadOptions } from './mnist-family.js';

/** Where Debian's package `dataset-fashion-mnist` installs the files. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The size of the embedded subset: the first images of each split of the full data set. */
export const EMBEDDED_SUBSET = Object.freeze({ train: 8000, test: 2000 });

export interface FashionMnistLoadOptions extends IdxLoadOptions {
  /** Load the subset shipped with simdnet instead of searching for the full data set. */
  embedded?: boolean;
  /**
   * When the full data set is found nowhere, load the shipped subset instead of throwing. The result then
   * has `embedded: true` and a `note` saying where it looked. Off by default, so that a run never trains on
   * the small subset without asking for it.
   */
  fallbackToEmbedded?: boolean;
}

export interface FashionMnistLoader extends IdxDatasetLoader<FashionMnistLoadOptions> {
  /** The shipped subset (EMBEDDED_SUBSET images): the same as load({ embedded: true, ...options }). */
  loadEmbedded<const P extends IdxReadOptions & { train?: boolean; test?: boolean }>(
    options?: P,
  ): Promise<DatasetFor<P>>;
  /** How many training and test images the shipped subset holds. */
  readonly embeddedSubset: { readonly train: number; readonly test: number };
}

const config: IdxLoaderConfig = {
  fn: 'fashionMnist',
  title: 'Fashion-MNIST',
  subdir: 'fashion-mnist',
  classes: Object.freeze([
    'T-shirt/top',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Ankle boot',
  ]),
  defaults: [{ dir: DEBIAN_FASHION_MNIST_DIR, origin: "Debian's dataset-fashion-mnist" }],
  howToGet: [
    `To get them: on Debian or Ubuntu, \`apt-get install dataset-fashion-mnist\` (installs them into ${DEBIAN_FASHION_MNIST_DIR}, where this looks by default);`,
    'or download the four .gz files of the Fashion-MNIST project (zalandoresearch/fashion-mnist on GitHub) into a directory',
    `and pass it as { dir } or set ${DATA_ENV} to it.`,
    `For a quick try without them, { embedded: true } (or { fallbackToEmbedded: true }) loads the subset in the simdnet repository (${EMBEDDED_SUBSET.train} training and ${EMBEDDED_SUBSET.test} test images).`,
  ],
};

// Relative to the bundle (dist/simdnet.js), the package's data/ directory. Only valid from the bundle:
// a bundler that inlines simdnet into another file moves import.meta.url, hence the advice in the error.
function embeddedBase(): URL {
  return new URL('../data/fashion-mnist-subset/', import.meta.url);
}

const LOAD_KEYS = ['dir', 'normalize', 'train', 'test', 'limit', 'systemDirs', 'embedded', 'fallbackToEmbedded'];

/**
 * Fashion-MNIST: 60,000 training and 10,000 test images of clothing, 28x28 grey, 10 classes.
 *
 * `await sn.datasets.fashionMnist.load({ dir?, normalize?, train?, test?, limit?, embedded?, fallbackToEmbedded? })`
 * looks for `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and
 * `t10k-labels-idx1-ubyte` (each plain or gzipped, `.gz`) in this order in: `dir`; `dir/fashion-mnist`;
 * `$SIMDNET_DATA`; `$SIMDNET_DATA/fashion-mnist`; `/usr/share/datasets/fashion-mnist` (Debian's `dataset-fashion-mnist`;
 * skipped with `systemDirs: false`).
 * The first directory holding every file needed is used and named in `source`.
 *
 * When none has them it throws an Error listing every place it looked and how to get the files, unless
 * `fallbackToEmbedded: true` is given: then it loads the subset shipped with simdnet and says so
 * (`embedded: true`, `source` = its directory, `note` = why). It never falls back on its own.
 * `embedded: true` loads the shipped subset directly (also in a browser, fetched from beside the bundle).
 *
 * Returns `{ train: { images, labels }, test: { images, labels }, source, embedded, classes, dispose() }`
 * with images [n, 28, 28, 1] float32 in [0, 1] (or as `normalize` says: `[-1, 1]` gives
 * torchvision's Normalize((0.5,), (0.5,))) and labels [n] int32 in 0..9. `train: false` or `test: false`
 * skips a split; `limit: { train, test }` keeps only the first examples.
 */
export const fashionMnist: FashionMnistLoader = {
  title: config.title,
  classes: config.classes,
  embeddedSubset: EMBEDDED_SUBSET,

  async load(options?: FashionMnistLoadOptions): Promise<any> {
    const fn = 'fashionMnist.load';
    const opts = checkOptions(options, LOAD_KEYS, fn);
    const embedded = checkBoolean(opts.embedded, 'embedded', fn, false);
    const fallback = checkBoolean(opts.fallbackToEmbedded, 'fallbackToEmbedded', fn, false);
    const { embedded: _e, fallbackToEmbedded: _f, ...rest } = opts;
    if (embedded) {
      if (rest.dir !== undefined) throw new Error(`${fn}: options 'embedded' and 'dir' exclude each other; give one`);
      const { systemDirs: _s, ...shipped } = rest;
      return loadShipped(config, embeddedBase(), shipped, fn);
    }
    const result = await loadFromDisk(config, rest, fn, fallback);
    if ('notes' in result) {
      const { dir: _d, systemDirs: _s, ...shipped } = rest;
      const dataset: Dataset = await loadShipped(config, embeddedBase(), shipped, fn);
      dataset.note =
        `the full Fashion-MNIST was not found (${result.notes.join('; ')}); ` +
        `using the embedded subset of ${EMBEDDED_SUBSET.train} training and ${EMBEDDED_SUBSET.test} test images from ${dataset.source}`;
      return dataset;
    }
    return result;
  },

  async loadEmbedded(options?: IdxReadOptions & { train?: boolean; test?: boolean }): Promise<any> {
    const fn = 'fashionMnist.loadEmbedded';
    const opts = checkOptions(options, ['normalize', 'train', 'test', 'limit'], fn);
    return loadShipped(config, embeddedBase(), opts, fn);
  },

  fromBytes(bytes, options) {
    return fromBytes(config, bytes, options, 'fashionMnist.fromBytes');
  },
};
