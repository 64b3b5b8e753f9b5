// sn.datasets: IDX and CIFAR-10 parsing on files this test writes, normalisation, every error message,
// the directory search order, the shipped Fashion-MNIST subset, and the Debian files when installed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import zlib from 'node:zlib';
import { sn } from '../helpers/setup.mjs';
import { rng } from '../helpers/random.mjs';
import { repoRoot } from '../helpers/fixtures.mjs';

const DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';
const SUBSET_DIR = path.join(repoRoot, 'data', 'fashion-mnist-subset');
const IDX = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'simdnet-datasets-'));
let tmpCount = 0;
function tmpDir() {
  const d = path.join(tmpRoot, String(tmpCount++));
  mkdirSync(d, { recursive: true });
  return d;
}

// ---- writing IDX files ----

function idxBytes(magic, dims, data) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return new Uint8Array(Buffer.concat([header, Buffer.from(data)]));
}

/** Random images and labels for one split: pixels [n*28*28] bytes, labels [n] in 0..9. */
function makeSplit(n, seed, side = 28) {
  const r = rng(seed);
  const pixels = Uint8Array.from({ length: n * side * side }, () => r.int(0, 255));
  // Make sure 0 and 255 occur (the ends of the normalisation range).
  pixels[0] = 0;
  pixels[1] = 255;
  const labels = Uint8Array.from({ length: n }, () => r.int(0, 9));
  return { n, side, pixels, labels };
}

function imagesFile(s) {
  return idxBytes(0x803, [s.n, s.side, s.side], s.pixels);
}
function labelsFile(s) {
  return idxBytes(0x801, [s.n], s.labels);
}

/** Writes the four IDX files of `train` and `test` splits into dir (gzipped when gz). Returns dir. */
function writeIdxSet(dir, train, test, { gz = false } = {}) {
  const put = (name, bytes) =>
    writeFileSync(path.join(dir, gz ? name + '.gz' : name), gz ? zlib.gzipSync(bytes) : bytes);
  if (train) {
    put(IDX.trainImages, imagesFile(train));
    put(IDX.trainLabels, labelsFile(train));
  }
  if (test) {
    put(IDX.testImages, imagesFile(test));
    put(IDX.testLabels, labelsFile(test));
  }
  return dir;
}

// ---- references ----

const unit = (b) => Math.fround(b / 255);
const torchNormalize = (b, mean, std) => Math.fround(Math.fround(unit(b) - Math.fround(mean)) / Math.fround(std));

function assertSplit(split, ref, what, map = unit) {
  assert.equal(split.images.shape, [ref.n, 28, 28, 1], `${what} images shape`);
  assert.is(split.images.dtype, 'float32');
  assert.equal(split.labels.shape, [ref.n], `${what} labels shape`);
  assert.is(split.labels.dtype, 'int32');
  assert.equal(Array.from(split.labels.dataSync()), Array.from(ref.labels.subarray(0, ref.n)), `${what} labels`);
  const got = split.images.dataSync();
  for (let i = 0; i < got.length; i++) {
    if (got[i] !== map(ref.pixels[i]))
      assert.unreachable(`${what} pixel ${i}: got ${got[i]}, expected ${map(ref.pixels[i])} (byte ${ref.pixels[i]})`);
  }
}

async function rejects(promiseFn, pattern, what = '') {
  try {
    await promiseFn();
  } catch (e) {
    assert.match(e.message, pattern, `${what} message: ${e.message}`);
    return e;
  }
  assert.unreachable(`${what}: expected an error matching ${pattern}`);
}

function withEnv(value, fn) {
  const saved = process.env.SIMDNET_DATA;
  if (value === undefined) delete process.env.SIMDNET_DATA;
  else process.env.SIMDNET_DATA = value;
  const restore = () => {
    if (saved === undefined) delete process.env.SIMDNET_DATA;
    else process.env.SIMDNET_DATA = saved;
  };
  return Promise.resolve().then(fn).finally(restore);
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Each test checks that it leaves no tensor behind, relative to its own start, so that one failing test
// (which may leak what it did not get to dispose) does not fail the others.
let startTensors;
let firstStart;
test.before.each(() => {
  startTensors = sn.memory().numTensors;
  firstStart ??= startTensors;
});
test.after(() => {
  rmSync(tmpRoot, { recursive: true, force: true });
});

// ---- IDX parsing ----

test('fashionMnist.load reads plain IDX files from dir: shapes, dtypes, pixels / 255, labels', async () => {
  const train = makeSplit(5, 1);
  const test_ = makeSplit(3, 2);
  const dir = writeIdxSet(tmpDir(), train, test_);
  const d = await sn.datasets.fashionMnist.load({ dir, systemDirs: false });
  assert.is(d.source, dir);
  assert.is(d.embedded, false);
  assert.is(d.classes.length, 10);
  assert.is(d.classes[9], 'Ankle boot');
  assertSplit(d.train, train, 'train');
  assertSplit(d.test, test_, 'test');
  const px = d.train.images.dataSync();
  assert.is(px[0], 0);
  assert.is(px[1], 1);
  d.dispose();
  assert.is(sn.memory().numTensors, startTensors);
});

test('gzipped IDX files give the same tensors; plain and .gz may be mixed', async () => {
  const train = makeSplit(4, 3);
  const test_ = makeSplit(2, 4);
  const dir = writeIdxSet(tmpDir(), train, null, { gz: true });
  writeIdxSet(dir, null, test_);
  const d = await sn.datasets.mnist.load({ dir });
  assertSplit(d.train, train, 'train (gz)');
  assertSplit(d.test, test_, 'test (plain)');
  assert.equal(d.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  d.dispose();
});

test('a plain file wins over its .gz twin', async () => {
  const plain = makeSplit(2, 5);
  const other = makeSplit(3, 6);
  const dir = writeIdxSet(tmpDir(), plain, plain);
  writeIdxSet(dir, other, other, { gz: true });
  const d = await sn.datasets.mnist.load({ dir });
  assertSplit(d.train, plain, 'train');
  d.dispose();
});

test("normalize: [-1, 1] is torchvision's Normalize((0.5,), (0.5,)) bit for bit; { mean, std } too; [lo, hi] ranges", async () => {
  const s = makeSplit(3, 7);
  const dir = writeIdxSet(tmpDir(), s, s);
  const a = await sn.datasets.mnist.load({ dir, normalize: [-1, 1] });
  assertSplit(a.train, s, '[-1,1]', (b) => torchNormalize(b, 0.5, 0.5));
  const px = a.train.images.dataSync();
  assert.is(px[0], -1);
  assert.is(px[1], 1);
  a.dispose();
  const b = await sn.datasets.mnist.load({ dir, normalize: { mean: 0.1307, std: 0.3081 }, test: false });
  assertSplit(b.train, s, '{mean,std}', (v) => torchNormalize(v, 0.1307, 0.3081));
  b.dispose();
  const c = await sn.datasets.mnist.load({ dir, normalize: [0, 255], test: false });
  const cp = c.train.images.dataSync();
  for (let i = 0; i < cp.length; i++)
    if (Math.abs(cp[i] - s.pixels[i]) > 1e-4) assert.unreachable(`[0,255] pixel ${i}: ${cp[i]} vs ${s.pixels[i]}`);
  c.dispose();
  await rejects(
    () => sn.datasets.mnist.load({ dir, normalize: [1, 1] }),
    /mnist\.load: option 'normalize' must be a range \[lo, hi\] of two different finite numbers .*got \[1,1\]/,
  );
  await rejects(
    () => sn.datasets.mnist.load({ dir, normalize: 'yes' }),
    /mnist\.load: option 'normalize' must be a range \[lo, hi\] \(e\.g\. \[-1, 1\]\) or \{ mean, std \}; got yes/,
  );
  await rejects(
    () => sn.datasets.mnist.load({ dir, normalize: { mean: 0.5, std: 0 } }),
    /option 'normalize.std' must not contain 0/,
  );
  await rejects(
    () => sn.datasets.mnist.load({ dir, normalize: { mean: [0.5, 0.5], std: 1 } }),
    /option 'normalize.mean' must be a finite number or an array of 1 \(one per channel\); got \[0.5,0.5\]/,
  );
  assert.is(sn.memory().numTensors, startTensors);
});

test('limit keeps the first examples; train: false / test: false skip a split', async () => {
  const train = makeSplit(6, 8);
  const test_ = makeSplit(4, 9);
  const dir = writeIdxSet(tmpDir(), train, test_);
  const d = await sn.datasets.mnist.load({ dir, limit: { train: 2, test: 10 } });
  assertSplit(d.train, { ...train, n: 2 }, 'limited train');
  assertSplit(d.test, test_, 'test under a larger limit');
  d.dispose();
  const onlyTest = await sn.datasets.mnist.load({ dir, train: false });
  assert.not.ok('train' in onlyTest);
  assertSplit(onlyTest.test, test_, 'test only');
  onlyTest.dispose();
  // Only the files of the splits asked for are needed.
  const trainOnlyDir = writeIdxSet(tmpDir(), train, null);
  const onlyTrain = await sn.datasets.mnist.load({ dir: trainOnlyDir, test: false });
  assert.not.ok('test' in onlyTrain);
  assertSplit(onlyTrain.train, train, 'train only');
  onlyTrain.dispose();
  await rejects(
    () => sn.datasets.mnist.load({ dir, train: false, test: false }),
    /mnist\.load: options 'train' and 'test' are both false; nothing to load/,
  );
  await rejects(
    () => sn.datasets.mnist.load({ dir, limit: { train: 0 } }),
    /mnist\.load: option 'limit.train' must be a positive integer; got 0/,
  );
  await rejects(
    () => sn.datasets.mnist.load({ dir, limit: { train: 1.5 } }),
    /option 'limit.train' must be a positive integer; got 1.5/,
  );
  await rejects(
    () => sn.datasets.mnist.load({ dir, limit: { validation: 3 } }),
    /option 'limit' may only have the keys 'train' and 'test'; got 'validation'/,
  );
  await rejects(
    () => sn.datasets.mnist.load({ dir, limit: 5 }),
    /option 'limit' must be an object \{ train\?, test\? \}/,
  );
  await rejects(
    () => sn.datasets.mnist.load({ dir, train: 'yes' }),
    /mnist\.load: option 'train' must be true or false; got "yes"/,
  );
  await rejects(
    () => sn.datasets.mnist.load({ dir, normalise: [-1, 1] }),
    /mnist\.load: unknown option 'normalise'; did you mean 'normalize'\?/,
  );
  await rejects(
    () => sn.datasets.mnist.load({ dir: 5 }),
    /mnist\.load: option 'dir' must be a non-empty string \(a directory\); got 5/,
  );
  await rejects(() => sn.datasets.mnist.load('dir'), /mnist\.load: argument 'options' must be an object; got string/);
  assert.is(sn.memory().numTensors, startTensors);
});

// ---- file errors ----

/** Writes a valid set, then replaces one file with `bytes`; the load must fail naming that file. */
async function expectFileError(replace, bytes, pattern, { gz = false, what } = {}) {
  const s = makeSplit(3, 10);
  const dir = writeIdxSet(tmpDir(), s, s);
  const file = path.join(dir, replace + (gz ? '.gz' : ''));
  if (gz) rmSync(path.join(dir, replace));
  writeFileSync(file, bytes);
  const before = sn.memory().numTensors;
  await rejects(
    () => sn.datasets.mnist.load({ dir }),
    new RegExp(`^mnist\\.load: ${escape(file)}: ${pattern.source}`),
    what,
  );
  assert.is(sn.memory().numTensors, before, `${what}: a failed load leaves no tensor behind`);
}

test('errors: truncated IDX files (header and data), with expected vs got sizes', async () => {
  const s = makeSplit(3, 11);
  const full = imagesFile(s);
  await expectFileError(
    IDX.trainImages,
    full.subarray(0, full.length - 10),
    /truncated IDX file: the header gives dimensions \[3,28,28\], so expected 2368 bytes; got 2358 bytes/,
    { what: 'short data' },
  );
  await expectFileError(
    IDX.trainImages,
    full.subarray(0, 10),
    /truncated IDX file: expected a header of 16 bytes; got only 10 bytes/,
    { what: 'short header' },
  );
  await expectFileError(
    IDX.testLabels,
    new Uint8Array([0, 0]),
    /truncated IDX file: expected a header of 8 bytes; got only 2 bytes/,
    { what: 'two bytes' },
  );
  const longer = new Uint8Array(full.length + 5);
  longer.set(full);
  await expectFileError(
    IDX.testImages,
    longer,
    /IDX file longer than its header says: the header gives dimensions \[3,28,28\], so expected 2368 bytes; got 2373 bytes/,
    { what: 'trailing bytes' },
  );
  // A truncated .gz is reported by the decompressor, still naming the file.
  const gz = zlib.gzipSync(full);
  await expectFileError(
    IDX.trainImages,
    gz.subarray(0, gz.length >> 1),
    /could not decompress gzip data \(a truncated or corrupt \.gz file\?\)/,
    { gz: true, what: 'truncated gz' },
  );
});

test('errors: wrong magic numbers say what was expected and what the file looks like', async () => {
  const s = makeSplit(3, 12);
  await expectFileError(
    IDX.trainImages,
    labelsFile(s),
    /wrong magic number: expected 0x00000803 \(2051: unsigned bytes, 3 dimensions\); got 0x00000801 \(2049\) \(a label file: 1 dimension\)/,
    { what: 'labels as images' },
  );
  await expectFileError(
    IDX.trainLabels,
    imagesFile(s),
    /wrong magic number: expected 0x00000801 \(2049: unsigned bytes, 1 dimension\); got 0x00000803 \(2051\) \(an image file: 3 dimensions\)/,
    { what: 'images as labels' },
  );
  const floats = imagesFile(s);
  floats[2] = 0x0d;
  await expectFileError(
    IDX.testImages,
    floats,
    /wrong magic number: expected 0x00000803 .*; got 0x00000d03 \(3331\) \(element type 0xd; only unsigned bytes, 0x08, are supported\)/,
    { what: 'float IDX' },
  );
  await expectFileError(
    IDX.testImages,
    new TextEncoder().encode('<html>not found</html>'),
    /wrong magic number: expected 0x00000803 .*\(not an IDX file\)/,
    { what: 'html' },
  );
});

test('errors: wrong image dimensions, image/label count mismatch, labels out of range', async () => {
  const small = makeSplit(3, 13, 32);
  await expectFileError(
    IDX.trainImages,
    imagesFile(small),
    /wrong image dimensions: expected 28x28 pixels; got 32x32/,
    { what: 'dims' },
  );
  const s = makeSplit(3, 14);
  const dir = writeIdxSet(tmpDir(), s, s);
  writeFileSync(path.join(dir, IDX.testLabels), labelsFile({ ...s, n: 2, labels: s.labels.subarray(0, 2) }));
  await rejects(
    () => sn.datasets.mnist.load({ dir }),
    new RegExp(
      `^mnist\\.load: image/label count mismatch: expected as many labels as images; ${escape(path.join(dir, IDX.testImages))} has 3 images but ${escape(path.join(dir, IDX.testLabels))} has 2 labels`,
    ),
  );
  const bad = { ...s, labels: Uint8Array.from([1, 2, 10]) };
  await expectFileError(IDX.trainLabels, labelsFile(bad), /label 10 at index 2 is out of range: expected 0\.\.9/, {
    what: 'label range',
  });
  // With a limit, only the labels used are checked.
  const dir2 = writeIdxSet(tmpDir(), bad, s);
  const d = await sn.datasets.mnist.load({ dir: dir2, limit: { train: 2 } });
  assert.equal(Array.from(d.train.labels.dataSync()), [1, 2]);
  d.dispose();
  assert.is(sn.memory().numTensors, startTensors);
});

// ---- search order ----

test('search order: dir, then dir/<name> (nothing else when dir is given); else $SIMDNET_DATA, then $SIMDNET_DATA/<name>', async () => {
  const a = makeSplit(2, 20);
  const b = makeSplit(3, 21);
  const c = makeSplit(4, 22);
  const dirA = writeIdxSet(tmpDir(), a, a);
  const envDir = writeIdxSet(tmpDir(), b, b);
  const envParent = tmpDir();
  const nested = path.join(envParent, 'mnist');
  mkdirSync(nested);
  writeIdxSet(nested, c, c);
  const empty = tmpDir();
  await withEnv(envDir, async () => {
    const d1 = await sn.datasets.mnist.load({ dir: dirA });
    assert.is(d1.source, dirA, 'dir comes first');
    assertSplit(d1.train, a, 'from dir');
    d1.dispose();
    // A dir that lacks the files is an error, not a silent switch to $SIMDNET_DATA (issue 10, defect 16).
    await rejects(
      () => sn.datasets.mnist.load({ dir: empty }),
      new RegExp(`${escape(empty)} \\(option 'dir'\\): missing`),
    );
    const d3 = await sn.datasets.mnist.load();
    assert.is(d3.source, envDir);
    d3.dispose();
  });
  await withEnv(envParent, async () => {
    const d = await sn.datasets.mnist.load();
    assert.is(d.source, nested, '$SIMDNET_DATA/mnist');
    assertSplit(d.train, c, 'from env subdirectory');
    d.dispose();
  });
  await withEnv(undefined, async () => {
    const d = await sn.datasets.mnist.load({ dir: envParent });
    assert.is(d.source, nested, 'dir/mnist');
    d.dispose();
  });
  assert.is(sn.memory().numTensors, startTensors);
});

test('not found: the error lists every place tried, in order, and how to get the files', async () => {
  const missingDir = path.join(tmpRoot, 'does-not-exist');
  const partial = writeIdxSet(tmpDir(), makeSplit(2, 23), null);
  await withEnv(partial, async () => {
    const e = await rejects(
      () => sn.datasets.mnist.load({ dir: missingDir }),
      /^mnist\.load: could not find the MNIST files/,
    );
    const lines = e.message.split('\n');
    assert.match(
      lines[0],
      /\(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; each may be gzipped, with \.gz\)\. Looked in, in this order:/,
    );
    assert.is(lines[1], `  - ${missingDir} (option 'dir'): does not exist`);
    assert.match(lines[2], /^To get them: download the four IDX files/, 'a given dir is the only place looked in');
    const e2 = await rejects(() => sn.datasets.mnist.load(), /^mnist\.load: could not find the MNIST files/);
    assert.is(
      e2.message.split('\n')[1],
      `  - ${partial} ($SIMDNET_DATA): missing t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]`,
    );
    assert.match(e.message, /pass it as \{ dir \} or set SIMDNET_DATA to it/);
  });
  await withEnv(undefined, async () => {
    const file = path.join(partial, IDX.trainImages);
    const e = await rejects(() => sn.datasets.mnist.load({ dir: file }), /could not find the MNIST files/);
    assert.match(e.message, new RegExp(`  - ${escape(file)} \\(option 'dir'\\): not a directory\\nTo get them`));
    // Fashion-MNIST's message adds Debian's directory, the apt-get line and the embedded subset.
    const f = await rejects(
      () => sn.datasets.fashionMnist.load({ dir: missingDir, systemDirs: false }),
      /^fashionMnist\.load: could not find the Fashion-MNIST files/,
    );
    assert.not.match(f.message, /  - \/usr\/share\/datasets/, 'systemDirs: false skips the Debian directory');
    assert.match(f.message, /apt-get install dataset-fashion-mnist/);
    assert.match(f.message, /\{ embedded: true \} \(or \{ fallbackToEmbedded: true \}\)/);
    if (!existsSync(path.join(DEBIAN_DIR, IDX.trainImages + '.gz'))) {
      const g = await rejects(
        () => sn.datasets.fashionMnist.load({ dir: missingDir }),
        /could not find the Fashion-MNIST files/,
      );
      assert.match(g.message, /  - \/usr\/share\/datasets\/fashion-mnist \(Debian's dataset-fashion-mnist\): /);
    }
  });
  assert.is(sn.memory().numTensors, startTensors);
});

// ---- the shipped subset ----

test('the embedded Fashion-MNIST subset: < 5 MB, loads with embedded: true, 8,000 + 2,000 images', async () => {
  let total = 0;
  for (const name of Object.values(IDX)) total += statSync(path.join(SUBSET_DIR, name + '.gz')).size;
  console.log(`  (embedded subset: ${total} bytes)`);
  assert.ok(total < 5 * 1024 * 1024, `subset is ${total} bytes`);
  assert.ok(existsSync(path.join(SUBSET_DIR, 'README.md')), 'the subset has its README with the licence');
  assert.match(readFileSync(path.join(SUBSET_DIR, 'README.md'), 'utf8'), /MIT/);

  const d = await sn.datasets.fashionMnist.load({ embedded: true });
  assert.is(d.embedded, true);
  assert.is(path.resolve(d.source), path.resolve(SUBSET_DIR));
  assert.equal(sn.datasets.fashionMnist.embeddedSubset, { train: 8000, test: 2000 });
  assert.equal(d.train.images.shape, [8000, 28, 28, 1]);
  assert.equal(d.test.images.shape, [2000, 28, 28, 1]);
  const labels = d.train.labels.dataSync();
  const counts = new Array(10).fill(0);
  for (const l of labels) counts[l]++;
  assert.ok(
    counts.every((c) => c > 600),
    `every class present: ${counts}`,
  );
  const px = d.test.images.dataSync();
  let min = Infinity;
  let max = -Infinity;
  for (const v of px) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  assert.is(min, 0);
  assert.is(max, 1);
  d.dispose();

  const e = await sn.datasets.fashionMnist.loadEmbedded({ train: false, normalize: [-1, 1], limit: { test: 5 } });
  assert.not.ok('train' in e);
  assert.equal(e.test.images.shape, [5, 28, 28, 1]);
  assert.is(e.embedded, true);
  e.dispose();
  await rejects(
    () => sn.datasets.fashionMnist.load({ embedded: true, dir: '/x' }),
    /fashionMnist\.load: options 'embedded' and 'dir' exclude each other/,
  );
  await rejects(() => sn.datasets.fashionMnist.load({ embedded: 1 }), /option 'embedded' must be true or false; got 1/);
  assert.is(sn.memory().numTensors, startTensors);
});

test('fallbackToEmbedded: used only when no directory has the files, and reported', async () => {
  const s = makeSplit(2, 30);
  const dir = writeIdxSet(tmpDir(), s, s);
  await withEnv(undefined, async () => {
    const found = await sn.datasets.fashionMnist.load({ dir, fallbackToEmbedded: true });
    assert.is(found.embedded, false);
    assert.is(found.source, dir);
    assert.is(found.note, undefined);
    found.dispose();
    const missing = path.join(tmpRoot, 'nothing-here');
    const fell = await sn.datasets.fashionMnist.load({
      dir: missing,
      systemDirs: false,
      fallbackToEmbedded: true,
      limit: { train: 10, test: 4 },
    });
    assert.is(fell.embedded, true);
    assert.is(path.resolve(fell.source), path.resolve(SUBSET_DIR));
    assert.match(
      fell.note,
      new RegExp(
        `^the full Fashion-MNIST was not found \\(${escape(missing)} \\(option 'dir'\\): does not exist\\); using the embedded subset of 8000 training and 2000 test images from `,
      ),
    );
    assert.equal(fell.train.images.shape, [10, 28, 28, 1]);
    assert.equal(fell.test.images.shape, [4, 28, 28, 1]);
    fell.dispose();
    // Without the option, no fallback.
    await rejects(
      () => sn.datasets.fashionMnist.load({ dir: missing, systemDirs: false }),
      /could not find the Fashion-MNIST files/,
    );
  });
  assert.is(sn.memory().numTensors, startTensors);
});

// ---- bytes ----

test('fromBytes: gzipped or plain bytes, ArrayBuffer too, one split alone; errors name the argument', async () => {
  const train = makeSplit(3, 40);
  const test_ = makeSplit(2, 41);
  const d = await sn.datasets.fashionMnist.fromBytes(
    {
      trainImages: zlib.gzipSync(imagesFile(train)),
      trainLabels: labelsFile(train).buffer,
      testImages: imagesFile(test_),
      testLabels: labelsFile(test_),
    },
    { normalize: [-1, 1] },
  );
  assert.is(d.source, 'bytes');
  assert.is(d.embedded, false);
  assertSplit(d.train, train, 'train bytes', (b) => torchNormalize(b, 0.5, 0.5));
  assertSplit(d.test, test_, 'test bytes', (b) => torchNormalize(b, 0.5, 0.5));
  d.dispose();
  const t = await sn.datasets.mnist.fromBytes({ testImages: imagesFile(test_), testLabels: labelsFile(test_) });
  assert.not.ok('train' in t);
  t.dispose();
  await rejects(
    () => sn.datasets.mnist.fromBytes({ trainImages: imagesFile(train) }),
    /mnist\.fromBytes: 'trainImages' was given without 'trainLabels'; a split needs both its images and its labels/,
  );
  await rejects(
    () => sn.datasets.mnist.fromBytes({}),
    /mnist\.fromBytes: argument 'bytes' has none of trainImages\/trainLabels\/testImages\/testLabels/,
  );
  await rejects(
    () => sn.datasets.mnist.fromBytes({ testImages: 'abc', testLabels: labelsFile(test_) }),
    /mnist\.fromBytes: 'testImages' must be a Uint8Array or an ArrayBuffer with the file's bytes; got String/,
  );
  await rejects(
    () => sn.datasets.mnist.fromBytes({ testImages: labelsFile(test_), testLabels: labelsFile(test_) }),
    /^mnist\.fromBytes: testImages: wrong magic number/,
  );
  assert.is(sn.memory().numTensors, startTensors);
});

// ---- CIFAR-10 ----

/** Random CIFAR-10 records: `counts[i]` records in file i. Returns the files and the records in order. */
function makeCifar(counts, seed) {
  const r = rng(seed);
  const files = [];
  const records = [];
  for (const n of counts) {
    const bytes = new Uint8Array(n * 3073);
    for (let k = 0; k < n; k++) {
      const label = r.int(0, 9);
      const planes = Uint8Array.from({ length: 3072 }, () => r.int(0, 255));
      bytes[k * 3073] = label;
      bytes.set(planes, k * 3073 + 1);
      records.push({ label, planes });
    }
    files.push(bytes);
  }
  return { files, records };
}

/** The NHWC float reference of records (planar R, G, B -> channels last). */
function cifarReference(records, map = () => unit) {
  const out = new Float64Array(records.length * 3072);
  records.forEach(({ planes }, k) => {
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        for (let c = 0; c < 3; c++) out[k * 3072 + (y * 32 + x) * 3 + c] = map(c)(planes[c * 1024 + y * 32 + x]);
      }
    }
  });
  return out;
}

function writeCifar(dir, train, test_, { gz = false } = {}) {
  const put = (name, bytes) =>
    writeFileSync(path.join(dir, gz ? name + '.gz' : name), gz ? zlib.gzipSync(bytes) : bytes);
  train.files.forEach((f, i) => put(`data_batch_${i + 1}.bin`, f));
  put('test_batch.bin', test_.files[0]);
  return dir;
}

function assertCifar(split, records, what, map) {
  assert.equal(split.images.shape, [records.length, 32, 32, 3], `${what} shape`);
  assert.equal(split.labels.shape, [records.length]);
  assert.is(split.labels.dtype, 'int32');
  assert.equal(
    Array.from(split.labels.dataSync()),
    records.map((r) => r.label),
    `${what} labels`,
  );
  const got = split.images.dataSync();
  const want = cifarReference(records, map);
  for (let i = 0; i < got.length; i++)
    if (got[i] !== want[i]) assert.unreachable(`${what} element ${i}: got ${got[i]}, expected ${want[i]}`);
}

test('cifar10.load: planar records become NHWC images, across the five batches; gzipped too', async () => {
  const train = makeCifar([2, 1, 3, 1, 2], 50);
  const test_ = makeCifar([3], 51);
  const dir = writeCifar(tmpDir(), train, test_);
  const d = await sn.datasets.cifar10.load({ dir });
  assert.is(d.source, dir);
  assertCifar(d.train, train.records, 'train');
  assertCifar(d.test, test_.records, 'test');
  assert.equal(d.classes, ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
  d.dispose();
  const parent = tmpDir();
  const nested = path.join(parent, 'cifar-10-batches-bin');
  mkdirSync(nested);
  writeCifar(nested, train, test_, { gz: true });
  const g = await sn.datasets.cifar10.load({ dir: parent });
  assert.is(g.source, nested, 'the extracted tarball directory inside dir');
  assertCifar(g.train, train.records, 'train (gz)');
  g.dispose();
  assert.is(sn.memory().numTensors, startTensors);
});

test('cifar10: per-channel normalize, limit across batches (later batches unread), one split', async () => {
  const train = makeCifar([2, 2, 2, 2, 2], 52);
  const test_ = makeCifar([3], 53);
  const dir = writeCifar(tmpDir(), train, test_);
  // A corrupt last batch is never read when the limit is reached before it.
  writeFileSync(path.join(dir, 'data_batch_5.bin'), new Uint8Array(7));
  const mean = [0.4914, 0.4822, 0.4465];
  const std = [0.247, 0.243, 0.261];
  const d = await sn.datasets.cifar10.load({ dir, normalize: { mean, std }, limit: { train: 5 }, test: false });
  assert.not.ok('test' in d);
  assertCifar(d.train, train.records.slice(0, 5), 'limited train', (c) => (b) => torchNormalize(b, mean[c], std[c]));
  d.dispose();
  await rejects(
    () => sn.datasets.cifar10.load({ dir, normalize: { mean: [0.5], std: 0.5 } }),
    /cifar10\.load: option 'normalize.mean' must be a finite number or an array of 3 \(one per channel\); got \[0.5\]/,
  );
  const f = await sn.datasets.cifar10.fromBytes(
    { train: train.files.map((x) => x.buffer), test: zlib.gzipSync(test_.files[0]) },
    { normalize: [-1, 1] },
  );
  assert.is(f.source, 'bytes');
  assertCifar(f.train, train.records, 'fromBytes train', () => (b) => torchNormalize(b, 0.5, 0.5));
  assertCifar(f.test, test_.records, 'fromBytes test', () => (b) => torchNormalize(b, 0.5, 0.5));
  f.dispose();
  await rejects(
    () => sn.datasets.cifar10.fromBytes({}),
    /cifar10\.fromBytes: argument 'bytes' must be an object \{ train\?, test\? \} with at least one of them/,
  );
  await rejects(
    () => sn.datasets.cifar10.fromBytes({ train: [] }),
    /cifar10\.fromBytes: 'train' must hold at least one file's bytes; got an empty array/,
  );
  assert.is(sn.memory().numTensors, startTensors);
});

test('cifar10 errors: size not a multiple of 3073, empty file, label out of range, not found', async () => {
  const train = makeCifar([1, 1, 1, 1, 1], 54);
  const test_ = makeCifar([2], 55);
  const dir = writeCifar(tmpDir(), train, test_);
  const file = path.join(dir, 'test_batch.bin');
  writeFileSync(file, test_.files[0].subarray(0, 3073 + 100));
  await rejects(
    () => sn.datasets.cifar10.load({ dir }),
    new RegExp(
      `^cifar10\\.load: ${escape(file)}: size is not a multiple of 3073 \\(1 label byte \\+ 3072 pixel bytes per record\\): expected 3073 or 6146 bytes; got 3173 bytes \\(1 records and 100 bytes over; truncated\\?\\)`,
    ),
  );
  writeFileSync(file, new Uint8Array(0));
  await rejects(
    () => sn.datasets.cifar10.load({ dir }),
    new RegExp(`^cifar10\\.load: ${escape(file)}: empty file: expected records of 3073 bytes .*; got 0 bytes`),
  );
  const bad = test_.files[0].slice();
  bad[3073] = 10;
  writeFileSync(file, bad);
  await rejects(
    () => sn.datasets.cifar10.load({ dir }),
    new RegExp(`^cifar10\\.load: ${escape(file)}: label 10 at index 1 is out of range: expected 0\\.\\.9`),
  );
  assert.is(sn.memory().numTensors, startTensors, 'failed loads leave no tensor');
  await withEnv(undefined, async () => {
    const e = await rejects(
      () => sn.datasets.cifar10.load({ dir: tmpDir(), train: false }),
      /^cifar10\.load: could not find the CIFAR-10 files \(test_batch\.bin; each may be gzipped, with \.gz\)/,
    );
    assert.match(
      e.message,
      /\(option 'dir'\): missing test_batch\.bin\[\.gz\]\nTo get them: download the binary version of CIFAR-10/,
    );
  });
});

// ---- the real data set, when installed ----

// The full data set takes 220 MB of WASM memory, which a WebAssembly.Memory never gives back: it is loaded
// in a child process so that the test files run after this one see a small memory, as they would alone.
const DEBIAN_CHILD = `
import * as sn from ${JSON.stringify(path.join(repoRoot, 'dist', 'simdnet.js'))};
await sn.ready(process.env.SIMDNET_SIMD ? { simd: process.env.SIMDNET_SIMD } : {});
const start = sn.memory().numTensors;
const d = await sn.datasets.fashionMnist.load();
const counts = (t) => { const c = new Array(10).fill(0); for (const l of t.dataSync()) c[l]++; return c; };
let min = Infinity, max = -Infinity;
for (const v of d.test.images.dataSync()) { if (v < min) min = v; if (v > max) max = v; }
// The shipped subset must be the first images of these files.
const sub = await sn.datasets.fashionMnist.loadEmbedded({ limit: { train: 50, test: 50 } });
const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
const subsetIsPrefix = same(sub.train.images.dataSync(), d.train.images.dataSync().subarray(0, 50 * 784)) &&
  same(sub.test.labels.dataSync(), d.test.labels.dataSync().subarray(0, 50));
const out = {
  source: d.source, embedded: d.embedded,
  trainShape: d.train.images.shape, testShape: d.test.images.shape,
  trainLabelsShape: d.train.labels.shape, labelsDtype: d.train.labels.dtype,
  trainCounts: counts(d.train.labels), testCounts: counts(d.test.labels), min, max, subsetIsPrefix,
};
sub.dispose();
d.dispose();
out.leaked = sn.memory().numTensors - start;
console.log(JSON.stringify(out));
`;

test("Debian's Fashion-MNIST (when installed): found by default, 60,000 + 10,000 images, labels 0..9", () => {
  if (!existsSync(path.join(DEBIAN_DIR, IDX.trainImages + '.gz'))) {
    console.log(
      `  (skipped: ${DEBIAN_DIR} has no Fashion-MNIST; apt-get install dataset-fashion-mnist to run this test)`,
    );
    return;
  }
  const env = { ...process.env };
  delete env.SIMDNET_DATA;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', DEBIAN_CHILD], { env, encoding: 'utf8' });
  assert.is(r.status, 0, `child process failed: ${r.stderr}`);
  const got = JSON.parse(r.stdout.trim().split('\n').pop());
  assert.is(got.source, DEBIAN_DIR);
  assert.is(got.embedded, false);
  assert.equal(got.trainShape, [60000, 28, 28, 1]);
  assert.equal(got.testShape, [10000, 28, 28, 1]);
  assert.equal(got.trainLabelsShape, [60000]);
  assert.is(got.labelsDtype, 'int32');
  assert.equal(got.trainCounts, new Array(10).fill(6000), 'every label in 0..9, classes balanced');
  assert.equal(got.testCounts, new Array(10).fill(1000));
  assert.is(got.min, 0);
  assert.is(got.max, 1);
  assert.ok(got.subsetIsPrefix, 'the shipped subset is the first images of the Debian files');
  assert.is(got.leaked, 0, 'numTensors back to its start after dispose');
});

test('numTensors is back where it started', () => {
  assert.is(sn.memory().numTensors, firstStart);
});

test.run();
