// The public loader object of an MNIST-family data set (sn.datasets.mnist, sn.datasets.fashionMnist):
// the directory search with its error message, the optional embedded subset, and bytes.
import { hasFileSystem } from '../util/fs.js';
import { candidateDirs, locate, notFoundError, type Candidate } from './locate.js';
import { describeLocation, readShippedFiles } from './embedded.js';
import {
  checkSplitFlags,
  neededFiles,
  pairUp,
  readIdxDataset,
  splitsFromBytes,
  type IdxBytes,
  type IdxReadOptions,
} from './mnist-family.js';
import { checkBoolean, checkLimit, checkOptions, type Dataset, type DatasetFor } from './types.js';
import { pixelTable, type Normalize } from './pixels.js';

export interface IdxLoadOptions extends IdxReadOptions {
  /** A directory holding the four IDX files (plain or .gz); tried before $SIMDNET_DATA and the defaults. */
  dir?: string;
  /** Load the training split (default true). */
  train?: boolean;
  /** Load the test split (default true). */
  test?: boolean;
  /**
   * Also look in system-wide directories (for Fashion-MNIST, Debian's /usr/share/datasets/fashion-mnist);
   * default true. false limits the search to `dir` and $SIMDNET_DATA.
   */
  systemDirs?: boolean;
}

export interface IdxDatasetLoader<O extends IdxLoadOptions = IdxLoadOptions> {
  /** The data set's name, e.g. 'Fashion-MNIST'. */
  readonly title: string;
  /** Class names, indexed by label. */
  readonly classes: readonly string[];
  /**
   * Loads the data set from IDX files on disk (Node, Bun, Deno). See the data set's own documentation
   * for where it looks. Images are [n, 28, 28, 1] float32, labels [n] int32.
   */
  load<const P extends O>(options?: P): Promise<DatasetFor<P>>;
  /** Loads from the files' bytes (gzipped or not), e.g. fetched in a browser; `source` is 'bytes'. */
  fromBytes(bytes: IdxBytes, options?: IdxReadOptions): Promise<Dataset>;
}

/** What differs between the MNIST-family data sets. */
export interface IdxLoaderConfig {
  /** The name in error messages and in sn.datasets, e.g. 'fashionMnist'. */
  fn: string;
  title: string;
  /** The sub-directory of `dir` and of $SIMDNET_DATA that may hold the files, e.g. 'fashion-mnist'. */
  subdir: string;
  classes: readonly string[];
  /** Directories tried after `dir` and $SIMDNET_DATA. */
  defaults: Candidate[];
  /** Sentences on how to get the files, ending the not-found error. */
  howToGet: string[];
}

const COMMON_KEYS = ['dir', 'normalize', 'train', 'test', 'limit', 'systemDirs'];

/**
 * Loads from the candidate directories. When none had the files and `orFallback` is true, returns the
 * notes on where it looked (instead of throwing) so that the caller can fall back.
 */
export async function loadFromDisk(
  cfg: IdxLoaderConfig,
  options: Record<string, unknown>,
  fn: string,
  orFallback: boolean,
): Promise<Dataset | { notes: string[] }> {
  const { train, test } = checkSplitFlags(options, fn);
  const systemDirs = checkBoolean(options.systemDirs, 'systemDirs', fn, true);
  // Option mistakes are reported before any file search, whose error would otherwise hide them.
  pixelTable(options.normalize as Normalize | undefined, 1, fn);
  checkLimit(options.limit, fn);
  const names = neededFiles(train, test);
  if (!hasFileSystem()) {
    const note = 'there is no file system in this runtime (a browser?)';
    if (orFallback) return { notes: [note] };
    throw new Error(
      `${fn}: ${note}; fetch the files and pass their bytes to ${cfg.fn}.fromBytes() instead${cfg.fn === 'fashionMnist' ? ', or use { embedded: true } for the subset shipped with simdnet' : ''}`,
    );
  }
  const found = locate(
    candidateDirs(options.dir as string | undefined, cfg.subdir, systemDirs ? cfg.defaults : []),
    names,
  );
  if (!found.found) {
    if (orFallback) return { notes: found.notes };
    throw notFoundError(fn, cfg.title, names, found.notes, cfg.howToGet);
  }
  const sources = found.paths.map((path) => ({ name: path, path }));
  return readIdxDataset(
    pairUp(sources, train, test),
    options as IdxReadOptions,
    { source: found.dir, embedded: false, classes: cfg.classes },
    fn,
  );
}

export function makeIdxLoader(cfg: IdxLoaderConfig): IdxDatasetLoader {
  return {
    title: cfg.title,
    classes: cfg.classes,
    async load(options?: IdxLoadOptions) {
      const fn = `${cfg.fn}.load`;
      const opts = checkOptions(options, COMMON_KEYS, fn);
      return (await loadFromDisk(cfg, opts, fn, false)) as any;
    },
    fromBytes(bytes: IdxBytes, options?: IdxReadOptions) {
      return fromBytes(cfg, bytes, options, `${cfg.fn}.fromBytes`);
    },
  };
}

export async function fromBytes(
  cfg: IdxLoaderConfig,
  bytes: IdxBytes,
  options: IdxReadOptions | undefined,
  fn: string,
): Promise<Dataset> {
  const opts = checkOptions(options, ['normalize', 'limit'], fn);
  return readIdxDataset(
    splitsFromBytes(bytes, fn),
    opts as IdxReadOptions,
    { source: 'bytes', embedded: false, classes: cfg.classes },
    fn,
  );
}

/** Reads the shipped subset at `base` (gzipped IDX files with the standard names). */
export async function loadShipped(
  cfg: IdxLoaderConfig,
  base: URL,
  options: Record<string, unknown>,
  fn: string,
): Promise<Dataset> {
  const { train, test } = checkSplitFlags(options, fn);
  const names = neededFiles(train, test).map((n) => n + '.gz');
  const files = await readShippedFiles(base, names, fn);
  const location = describeLocation(base);
  const sources = files.map((bytes, k) => ({ name: `${location}/${names[k]}`, bytes }));
  return readIdxDataset(
    pairUp(sources, train, test),
    options as IdxReadOptions,
    { source: location, embedded: true, classes: cfg.classes },
    fn,
  );
}
