// CIFAR-10, binary version (cifar-10-batches-bin): 32x32 colour images of 10 classes. Each file is a run
// of 3073-byte records: one label byte, then the 1024 red, 1024 green and 1024 blue bytes of the image,
// each plane row-major. simdnet is channels-last, so the planes are interleaved while converting.
import { empty, type Tensor } from '../core/tensor.js';
import { f32, i32 } from '../backend/views.js';
import { hasFileSystem } from '../util/fs.js';
import { asBytes, sourceBytes, type FileSource } from './files.js';
import { candidateDirs, locate, notFoundError, DATA_ENV } from './locate.js';
import { checkLabels, pixelTable, type Normalize } from './pixels.js';
import {
  checkBoolean,
  checkLimit,
  checkOptions,
  makeDataset,
  type Dataset,
  type DatasetFor,
  type Split,
} from './types.js';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXELS = 3 * PLANE;
const RECORD = 1 + PIXELS;
const NUM_CLASSES = 10;

const TRAIN_FILES = [
  'data_batch_1.bin',
  'data_batch_2.bin',
  'data_batch_3.bin',
  'data_batch_4.bin',
  'data_batch_5.bin',
];
const TEST_FILES = ['test_batch.bin'];

export interface Cifar10LoadOptions {
  /** The directory of the .bin files (or its parent, holding cifar-10-batches-bin/). */
  dir?: string;
  /** How pixel bytes become floats; by default x / 255 in [0, 1]. `{ mean: [r, g, b], std: [r, g, b] }` works per channel. */
  normalize?: Normalize;
  /** Load the training split (default true). */
  train?: boolean;
  /** Load the test split (default true). */
  test?: boolean;
  /** Keep only the first examples; the training batches after the limit are not even read. */
  limit?: { train?: number; test?: number };
  /** Accepted for symmetry with the other loaders; CIFAR-10 has no system-wide directory to skip. */
  systemDirs?: boolean;
}

/** The bytes of the .bin files (gzipped or not): the training batches in order, and the test batch. */
export interface Cifar10Bytes {
  train?: Uint8Array | ArrayBuffer | (Uint8Array | ArrayBuffer)[];
  test?: Uint8Array | ArrayBuffer | (Uint8Array | ArrayBuffer)[];
}

export interface Cifar10Loader {
  readonly title: string;
  /** Class names, indexed by label. */
  readonly classes: readonly string[];
  /**
   * Loads CIFAR-10 from the binary version's files: `data_batch_1.bin` … `data_batch_5.bin` and
   * `test_batch.bin` (each plain or .gz), looked for in `dir`, `dir/cifar-10-batches-bin`,
   * `$SIMDNET_DATA`, `$SIMDNET_DATA/cifar-10-batches-bin`, in this order. Throws an Error listing every
   * place it looked when none has them.
   *
   * Returns `{ train: { images, labels }, test: { images, labels }, source, embedded: false, classes, dispose() }`
   * with images [n, 32, 32, 3] float32 (NHWC, RGB) in [0, 1] or as `normalize` says, labels [n] int32 in 0..9.
   */
  load<const P extends Cifar10LoadOptions>(options?: P): Promise<DatasetFor<P>>;
  /** Loads from the files' bytes, e.g. fetched in a browser; `source` is 'bytes'. */
  fromBytes(
    bytes: Cifar10Bytes,
    options?: { normalize?: Normalize; limit?: { train?: number; test?: number } },
  ): Promise<Dataset>;
}

type BatchSource = FileSource;

interface ParsedBatch {
  data: Uint8Array;
  /** Records of this batch that are used (all, except in the batch where the limit is reached). */
  used: number;
}

async function readBatch(src: BatchSource, fn: string): Promise<Uint8Array> {
  const label = `${fn}: ${src.name}`;
  const data = await sourceBytes(src, fn);
  if (data.length === 0)
    throw new Error(
      `${label}: empty file: expected records of ${RECORD} bytes (1 label + ${PIXELS} pixels); got 0 bytes`,
    );
  if (data.length % RECORD !== 0) {
    const whole = Math.floor(data.length / RECORD);
    throw new Error(
      `${label}: size is not a multiple of ${RECORD} (1 label byte + ${PIXELS} pixel bytes per record): ` +
        `expected ${whole * RECORD} or ${(whole + 1) * RECORD} bytes; got ${data.length} bytes (${whole} records and ${data.length % RECORD} bytes over; truncated?)`,
    );
  }
  return data;
}

// Reads batches in order until `cap` records are gathered, checking each before any tensor exists.
async function parseSplit(sources: BatchSource[], cap: number, fn: string): Promise<ParsedBatch[]> {
  const out: ParsedBatch[] = [];
  let total = 0;
  for (const src of sources) {
    if (total >= cap) break;
    const data = await readBatch(src, fn);
    const used = Math.min(data.length / RECORD, cap - total);
    checkLabels(data.subarray(0, used * RECORD), NUM_CLASSES, `${fn}: ${src.name}`, RECORD);
    out.push({ data, used });
    total += used;
  }
  return out;
}

function toTensors(batches: ParsedBatch[], table: Float32Array): Split {
  const n = batches.reduce((s, b) => s + b.used, 0);
  const images: Tensor = empty([n, SIDE, SIDE, 3]);
  const labels: Tensor = empty([n], 'int32');
  const out = f32(); // after both allocations, which may have grown (and detached) the memory
  const lab = i32();
  let k = 0;
  for (const { data, used } of batches) {
    for (let r = 0; r < used; r++, k++) {
      const rec = r * RECORD;
      lab[labels.index + k] = data[rec];
      const dst = images.index + k * PIXELS;
      for (let c = 0; c < 3; c++) {
        const src = rec + 1 + c * PLANE;
        const t = c * 256;
        for (let p = 0; p < PLANE; p++) out[dst + p * 3 + c] = table[t + data[src + p]];
      }
    }
  }
  return { images, labels };
}

async function readCifar(
  splits: { train?: BatchSource[]; test?: BatchSource[] },
  options: { normalize?: Normalize; limit?: unknown },
  source: string,
  fn: string,
): Promise<Dataset> {
  const table = pixelTable(options.normalize, 3, fn);
  const limit = checkLimit(options.limit, fn);
  const [train, test] = await Promise.all([
    splits.train ? parseSplit(splits.train, limit.train, fn) : undefined,
    splits.test ? parseSplit(splits.test, limit.test, fn) : undefined,
  ]);
  return makeDataset({
    train: train ? toTensors(train, table) : undefined,
    test: test ? toTensors(test, table) : undefined,
    source,
    embedded: false,
    classes: CLASSES,
  });
}

const CLASSES = Object.freeze([
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
]);

const HOW_TO_GET = [
  'To get them: download the binary version of CIFAR-10 (cifar-10-binary.tar.gz, from the CIFAR-10 page of Alex Krizhevsky, University of Toronto),',
  `extract it, and pass the cifar-10-batches-bin directory (or its parent) as { dir } or set ${DATA_ENV} to it.`,
];

function bytesList(value: unknown, arg: string, fn: string): BatchSource[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new Error(`${fn}: '${arg}' must hold at least one file's bytes; got an empty array`);
  return list.map((b, i) => {
    const name = Array.isArray(value) ? `${arg}[${i}]` : arg;
    return { name, bytes: asBytes(b, name, fn) };
  });
}

/** CIFAR-10 (binary version), 50,000 training and 10,000 test colour images of 32x32, 10 classes. */
export const cifar10: Cifar10Loader = {
  title: 'CIFAR-10',
  classes: CLASSES,

  async load(options?: Cifar10LoadOptions): Promise<any> {
    const fn = 'cifar10.load';
    const opts = checkOptions(options, ['dir', 'normalize', 'train', 'test', 'limit', 'systemDirs'], fn);
    checkBoolean(opts.systemDirs, 'systemDirs', fn, true);
    pixelTable(opts.normalize as Normalize | undefined, 3, fn);
    checkLimit(opts.limit, fn);
    const train = checkBoolean(opts.train, 'train', fn, true);
    const test = checkBoolean(opts.test, 'test', fn, true);
    if (!train && !test) throw new Error(`${fn}: options 'train' and 'test' are both false; nothing to load`);
    const names = [...(train ? TRAIN_FILES : []), ...(test ? TEST_FILES : [])];
    if (!hasFileSystem())
      throw new Error(
        `${fn}: there is no file system in this runtime (a browser?); fetch the files and pass their bytes to cifar10.fromBytes() instead`,
      );
    const found = locate(candidateDirs(opts.dir as string | undefined, 'cifar-10-batches-bin', []), names);
    if (!found.found) throw notFoundError(fn, 'CIFAR-10', names, found.notes, HOW_TO_GET);
    const sources = found.paths.map((path) => ({ name: path, path }));
    const splits = {
      train: train ? sources.slice(0, TRAIN_FILES.length) : undefined,
      test: test ? sources.slice(train ? TRAIN_FILES.length : 0) : undefined,
    };
    return readCifar(splits, opts as Cifar10LoadOptions, found.dir, fn);
  },

  async fromBytes(
    bytes: Cifar10Bytes,
    options?: { normalize?: Normalize; limit?: { train?: number; test?: number } },
  ): Promise<Dataset> {
    const fn = 'cifar10.fromBytes';
    const opts = checkOptions(options, ['normalize', 'limit'], fn);
    if (typeof bytes !== 'object' || bytes === null || (bytes.train === undefined && bytes.test === undefined)) {
      throw new Error(
        `${fn}: argument 'bytes' must be an object { train?, test? } with at least one of them; got ${bytes === null ? 'null' : typeof bytes === 'object' ? 'neither' : typeof bytes}`,
      );
    }
    const splits = {
      train: bytes.train === undefined ? undefined : bytesList(bytes.train, 'train', fn),
      test: bytes.test === undefined ? undefined : bytesList(bytes.test, 'test', fn),
    };
    return readCifar(splits, opts as Cifar10LoadOptions, 'bytes', fn);
  },
};
