// Makes data/fashion-mnist-subset/: the first TRAIN training and TEST test images (and labels) of
// Fashion-MNIST, as gzipped IDX files, from the full data set (by default Debian's dataset-fashion-mnist).
// The result is committed, so that `npm run demo` works on a machine without the full data set; it must
// stay under 5 MB, which this script checks.
//
//   node scripts/make-embedded-subset.mjs [source-dir]
//
// The sizes must match EMBEDDED_SUBSET in src/datasets/fashion-mnist.ts (the unit test checks the files).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const TRAIN = 8000;
const TEST = 2000;
const MAX_TOTAL_BYTES = 5 * 1024 * 1024;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = process.argv[2] ?? process.env.SIMDNET_DATA ?? '/usr/share/datasets/fashion-mnist';
const outDir = path.join(root, 'data', 'fashion-mnist-subset');

function readIdx(name) {
  const plain = path.join(sourceDir, name);
  const file = existsSync(plain) ? plain : plain + '.gz';
  if (!existsSync(file)) {
    throw new Error(
      `${plain}[.gz] not found: install dataset-fashion-mnist (apt-get) or pass the directory of the IDX files`,
    );
  }
  let bytes = readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = zlib.gunzipSync(bytes);
  const rank = bytes[3];
  const dims = Array.from({ length: rank }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  return { magic: bytes.readUInt32BE(0), dims, data: bytes.subarray(4 + 4 * rank), file };
}

// The first n entries of an IDX file, with its header rewritten for n.
function firstN({ magic, dims, data }, n) {
  if (dims[0] < n) throw new Error(`asked for ${n} entries but the file has only ${dims[0]}`);
  const per = dims.slice(1).reduce((a, b) => a * b, 1);
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  [n, ...dims.slice(1)].forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data.subarray(0, n * per)]);
}

mkdirSync(outDir, { recursive: true });
let total = 0;
for (const [name, n] of [
  ['train-images-idx3-ubyte', TRAIN],
  ['train-labels-idx1-ubyte', TRAIN],
  ['t10k-images-idx3-ubyte', TEST],
  ['t10k-labels-idx1-ubyte', TEST],
]) {
  const idx = readIdx(name);
  // Level 9 and no file name or time in the gzip header (Node writes none): the output is reproducible.
  const gz = zlib.gzipSync(firstN(idx, n), { level: 9 });
  writeFileSync(path.join(outDir, name + '.gz'), gz);
  total += gz.length;
  console.log(`${name}.gz: ${n} of ${idx.dims[0]} from ${idx.file}, ${gz.length} bytes`);
}
console.log(`total ${total} bytes (${(total / 1024 / 1024).toFixed(2)} MiB) in ${outDir}`);
if (total >= MAX_TOTAL_BYTES) {
  console.error(`the subset is ${total} bytes; it must stay under ${MAX_TOTAL_BYTES}: lower TRAIN or TEST`);
  process.exit(1);
}
