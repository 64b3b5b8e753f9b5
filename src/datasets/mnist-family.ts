// MNIST and Fashion-MNIST share one format: four IDX files, 28x28 grey images and labels 0..9. This file
// turns those files (found on disk or handed over as bytes) into tensors; mnist.ts and fashion-mnist.ts
// only say where to look and what the classes are called.
import { idxLength, parseIdx } from './idx.js';
import { asBytes, sourceBytes, type FileSource } from './files.js';
import { checkLabels, imagesFromBytes, labelsFromBytes, pixelTable, type Normalize } from './pixels.js';
import { checkBoolean, checkLimit, makeDataset, type Dataset, type Split } from './types.js';

export const IMAGE_SIDE = 28;
export const NUM_CLASSES = 10;

/** The four file names of the MNIST family (each may also be gzipped, with `.gz` appended). */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Options shared by every way of loading an MNIST-family data set. */
export interface IdxReadOptions {
  /** How pixel bytes become floats; by default x / 255 in [0, 1]. `[-1, 1]` matches Normalize((0.5,), (0.5,)). */
  normalize?: Normalize;
  /** Keep only the first `limit.train` training and `limit.test` test examples. */
  limit?: { train?: number; test?: number };
}

/** The bytes of the IDX files (gzipped or not), e.g. fetched in a browser. Give a split's images and labels together. */
export interface IdxBytes {
  trainImages?: Uint8Array | ArrayBuffer;
  trainLabels?: Uint8Array | ArrayBuffer;
  testImages?: Uint8Array | ArrayBuffer;
  testLabels?: Uint8Array | ArrayBuffer;
}

/** A file to read: its bytes (or a path to read them from) and the name errors should give. */
/** One IDX file, as bytes or a path. */
export type IdxSource = FileSource;

export interface SplitSources {
  images: IdxSource;
  labels: IdxSource;
}

interface ParsedSplit {
  pixels: Uint8Array;
  labels: Uint8Array;
  n: number;
}

// Parses and checks one split completely before any tensor exists, so a bad file leaks nothing.
async function parseSplit(sources: SplitSources, cap: number, fn: string): Promise<ParsedSplit> {
  const [imageBytes, labelBytes] = await Promise.all([
    sourceBytes(sources.images, fn, idxLength),
    sourceBytes(sources.labels, fn, idxLength),
  ]);
  const imagesName = `${fn}: ${sources.images.name}`;
  const labelsName = `${fn}: ${sources.labels.name}`;
  const images = parseIdx(imageBytes, 3, imagesName);
  const labels = parseIdx(labelBytes, 1, labelsName);
  const [count, rows, cols] = images.dims;
  if (rows !== IMAGE_SIDE || cols !== IMAGE_SIDE) {
    throw new Error(
      `${imagesName}: wrong image dimensions: expected ${IMAGE_SIDE}x${IMAGE_SIDE} pixels; got ${rows}x${cols}`,
    );
  }
  if (labels.dims[0] !== count) {
    throw new Error(
      `${fn}: image/label count mismatch: expected as many labels as images; ${sources.images.name} has ${count} images but ${sources.labels.name} has ${labels.dims[0]} labels`,
    );
  }
  const n = Math.min(count, cap);
  checkLabels(labels.data.subarray(0, n), NUM_CLASSES, labelsName);
  return { pixels: images.data, labels: labels.data, n };
}

function toTensors(p: ParsedSplit, table: Float32Array): Split {
  const images = imagesFromBytes(
    p.pixels.subarray(0, p.n * IMAGE_SIDE * IMAGE_SIDE),
    [p.n, IMAGE_SIDE, IMAGE_SIDE, 1],
    table,
  );
  return { images, labels: labelsFromBytes(p.labels, p.n) };
}

/** Reads, checks and converts the given splits; `source` and `embedded` are passed through to the result. */
export async function readIdxDataset(
  splits: { train?: SplitSources; test?: SplitSources },
  options: IdxReadOptions,
  meta: { source: string; embedded: boolean; classes: readonly string[] },
  fn: string,
): Promise<Dataset> {
  const table = pixelTable(options.normalize, 1, fn);
  const limit = checkLimit(options.limit, fn);
  const [train, test] = await Promise.all([
    splits.train ? parseSplit(splits.train, limit.train, fn) : undefined,
    splits.test ? parseSplit(splits.test, limit.test, fn) : undefined,
  ]);
  const trainTensors = train ? toTensors(train, table) : undefined;
  const testTensors = test ? toTensors(test, table) : undefined;
  return makeDataset({ train: trainTensors, test: testTensors, ...meta });
}

/** The file names needed for the splits asked for, in the order train images, train labels, test images, test labels. */
export function neededFiles(train: boolean, test: boolean): string[] {
  const out: string[] = [];
  if (train) out.push(IDX_FILES.trainImages, IDX_FILES.trainLabels);
  if (test) out.push(IDX_FILES.testImages, IDX_FILES.testLabels);
  return out;
}

/** Pairs up sources given in neededFiles order (train images, train labels, test images, test labels). */
export function pairUp(
  sources: IdxSource[],
  train: boolean,
  test: boolean,
): { train?: SplitSources; test?: SplitSources } {
  let i = 0;
  const out: { train?: SplitSources; test?: SplitSources } = {};
  if (train) out.train = { images: sources[i++], labels: sources[i++] };
  if (test) out.test = { images: sources[i++], labels: sources[i++] };
  return out;
}

/** Checks the train/test flags of load(): at least one split must be asked for. */
export function checkSplitFlags(
  options: { train?: unknown; test?: unknown },
  fn: string,
): { train: boolean; test: boolean } {
  const train = checkBoolean(options.train, 'train', fn, true);
  const test = checkBoolean(options.test, 'test', fn, true);
  if (!train && !test) throw new Error(`${fn}: options 'train' and 'test' are both false; nothing to load`);
  return { train, test };
}

/** Turns the user's IdxBytes into split sources; a split needs both its images and its labels. */
export function splitsFromBytes(bytes: IdxBytes, fn: string): { train?: SplitSources; test?: SplitSources } {
  if (typeof bytes !== 'object' || bytes === null) {
    throw new Error(
      `${fn}: argument 'bytes' must be an object { trainImages, trainLabels, testImages, testLabels }; got ${bytes === null ? 'null' : typeof bytes}`,
    );
  }
  const out: { train?: SplitSources; test?: SplitSources } = {};
  for (const split of ['train', 'test'] as const) {
    const imagesKey = `${split}Images` as const;
    const labelsKey = `${split}Labels` as const;
    const images = bytes[imagesKey];
    const labels = bytes[labelsKey];
    if (images === undefined && labels === undefined) continue;
    if (images === undefined || labels === undefined) {
      const missing = images === undefined ? imagesKey : labelsKey;
      const given = images === undefined ? labelsKey : imagesKey;
      throw new Error(`${fn}: '${given}' was given without '${missing}'; a split needs both its images and its labels`);
    }
    out[split] = {
      images: { name: imagesKey, bytes: asBytes(images, imagesKey, fn) },
      labels: { name: labelsKey, bytes: asBytes(labels, labelsKey, fn) },
    };
  }
  if (!out.train && !out.test) {
    throw new Error(
      `${fn}: argument 'bytes' has none of trainImages/trainLabels/testImages/testLabels; give at least one split's images and labels`,
    );
  }
  return out;
}
