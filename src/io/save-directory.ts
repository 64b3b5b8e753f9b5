// Writing a saved model into a directory atomically, and reading it back, so that a process killed at
// any instant of a save leaves either the complete old model or the complete new one.
//
// A model is two files, and no file system renames two files at once. So model.json records the SHA-256
// of the weights file it belongs to, and a save goes:
//   1. write .model.json.tmp and .weights.safetensors.tmp, each flushed to disk;
//   2. rename .model.json.tmp → model.json.next        (old pair intact; next is not read yet)
//   3. rename .weights.safetensors.tmp → weights.safetensors   (new weights, old model.json)
//   4. rename model.json.next → model.json             (new pair)
// A reader whose model.json does not match the weights (a save stopped between 3 and 4) takes
// model.json.next, which does; a save that finds a model.json.next first finishes or discards that one.
// Renames replace a symlink at the destination instead of writing through it.
import {
  fileExists,
  isDirectory,
  joinPath,
  makeDirectory,
  readFileBytes,
  readFileText,
  removeFile,
  renameFile,
  syncDirectory,
  writeFileDurable,
} from '../util/fs.js';
import { MODEL_JSON, WEIGHTS_FILE } from './model-format.js';

const NEXT_JSON = `${MODEL_JSON}.next`;
const TMP_JSON = `.${MODEL_JSON}.tmp`;
const TMP_WEIGHTS = `.${WEIGHTS_FILE}.tmp`;

/** The SHA-256 of `bytes` in hex, or undefined where Web Crypto is missing (a page not served securely). */
export async function sha256Hex(bytes: Uint8Array): Promise<string | undefined> {
  const subtle = (globalThis as { crypto?: Crypto }).crypto?.subtle;
  if (!subtle) return undefined;
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

function recordedHash(jsonText: string): string | undefined {
  try {
    const h = (JSON.parse(jsonText) as { weightsSha256?: unknown }).weightsSha256;
    return typeof h === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

/** Runs one file-system step; its error names `fn` and the path. */
function step<T>(fn: string, what: string, path: string, body: () => T): T {
  try {
    return body();
  } catch (e) {
    throw new Error(`${fn}: cannot ${what} ${path}: ${(e as Error).message}`);
  }
}

/** A save stopped between renames left model.json.next: finish it if it matches the weights, else drop it. */
async function settlePendingSave(dir: string, fn: string): Promise<void> {
  const next = joinPath(dir, NEXT_JSON);
  if (!fileExists(next)) return;
  const weightsPath = joinPath(dir, WEIGHTS_FILE);
  const pending = recordedHash(step(fn, 'read', next, () => readFileText(next)));
  const weights = fileExists(weightsPath) ? step(fn, 'read', weightsPath, () => readFileBytes(weightsPath)) : null;
  if (pending !== undefined && weights && pending === (await sha256Hex(weights))) {
    step(fn, 'rename', next, () => renameFile(next, joinPath(dir, MODEL_JSON)));
  } else {
    step(fn, 'remove', next, () => removeFile(next));
  }
}

/** Writes model.json (whose weightsSha256 must describe `weights`) and weights.safetensors into `dir`. */
export async function writeModelDirectory(
  dir: string,
  jsonText: string,
  weights: Uint8Array,
  fn: string,
): Promise<void> {
  if (fileExists(dir) && !isDirectory(dir)) throw new Error(`${fn}: ${dir} is a file; the target must be a directory`);
  step(fn, 'create the directory', dir, () => makeDirectory(dir));
  for (const name of [MODEL_JSON, WEIGHTS_FILE]) {
    const p = joinPath(dir, name);
    if (isDirectory(p)) throw new Error(`${fn}: cannot write ${p}: it is a directory`);
  }
  await settlePendingSave(dir, fn);
  const tmpJson = joinPath(dir, TMP_JSON);
  const tmpWeights = joinPath(dir, TMP_WEIGHTS);
  try {
    step(fn, 'write', tmpWeights, () => writeFileDurable(tmpWeights, weights));
    step(fn, 'write', tmpJson, () => writeFileDurable(tmpJson, jsonText));
    step(fn, 'rename', tmpJson, () => renameFile(tmpJson, joinPath(dir, NEXT_JSON)));
    syncDirectory(dir);
    step(fn, 'rename', tmpWeights, () => renameFile(tmpWeights, joinPath(dir, WEIGHTS_FILE)));
    syncDirectory(dir);
    step(fn, 'rename', joinPath(dir, NEXT_JSON), () => renameFile(joinPath(dir, NEXT_JSON), joinPath(dir, MODEL_JSON)));
    syncDirectory(dir);
  } catch (e) {
    for (const p of [tmpJson, tmpWeights])
      try {
        removeFile(p);
      } catch {
        // already reported: the first error is the one that matters
      }
    throw e;
  }
}

/**
 * The model.json text that belongs with `weights` read from `dir`: model.json itself, or the model.json.next
 * of a save stopped between its renames. Files saved before hashes were recorded are taken as they are.
 */
export async function matchingModelJson(
  dir: string,
  jsonPath: string,
  jsonText: string,
  weights: Uint8Array,
  fn: string,
): Promise<string> {
  const recorded = recordedHash(jsonText);
  if (recorded === undefined) return jsonText;
  const actual = await sha256Hex(weights);
  if (actual === undefined || actual === recorded) return jsonText;
  const next = joinPath(dir, NEXT_JSON);
  if (fileExists(next)) {
    const nextText = readFileText(next);
    if (recordedHash(nextText) === actual) return nextText;
  }
  throw new Error(
    `${fn}: ${joinPath(dir, WEIGHTS_FILE)} is not the weights file ${jsonPath} was saved with (their SHA-256 differ); was one of them replaced?`,
  );
}
