// model.save(dir) is atomic (issue 10, defect 2): a process killed at any moment of a save over a good
// save leaves a directory that loadModel reads, holding the old model or the new one; symlinks are
// replaced, not written through; file-system errors name save and the path.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, symlinkSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sn } from '../helpers/setup.mjs';
import { rng } from '../helpers/random.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const child = path.join(here, '..', 'helpers', 'save-loop.mjs');

function tinyModel(seed = 1) {
  const model = sn.sequential({
    seed,
    layers: [sn.layers.flatten({ inputShape: [2, 2, 1] }), sn.layers.dense({ units: 3 })],
  });
  model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  return model;
}

async function rejects(promise, pattern) {
  try {
    await promise;
  } catch (e) {
    assert.match(e.message, pattern);
    return e;
  }
  assert.unreachable(`expected a rejection matching ${pattern}`);
}

/** Starts the saving child, waits until it saves, lets it run `ms` more, kills it with SIGKILL. */
function saveAndKill(dir, ms, seed) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, dir, String(seed)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let timer = null;
    p.stdout.on('data', (d) => {
      if (timer === null && String(d).includes('ready')) timer = setTimeout(() => p.kill('SIGKILL'), ms);
    });
    p.on('error', reject);
    p.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited with ${code}`))));
  });
}

test('a process killed at random moments while saving over a good save: loadModel always succeeds', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'simdnet-kill-'));
  try {
    const good = tinyModel();
    await good.save(dir); // a good save of another architecture, overwritten by the child's saves
    good.dispose();
    const r = rng(10);
    const x = sn.randomNormal([2, 12, 12, 3], { seed: 5 });
    for (let i = 0; i < 6; i++) {
      await saveAndKill(dir, r.int(0, 60), i + 1);
      const model = await sn.loadModel(dir);
      const shape = model.inputShape.slice(1);
      const input = shape[0] === 12 ? x : sn.zeros([2, ...shape]);
      const out = model.predict(input);
      assert.ok(Array.from(out.dataSync()).every(Number.isFinite), `kill ${i}: the loaded model predicts`);
      out.dispose();
      if (input !== x) input.dispose();
      model.dispose();
    }
    x.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a save stopped between its renames is finished by the reader and by the next save', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'simdnet-next-'));
  try {
    const a = tinyModel(1);
    const b = tinyModel(2);
    await a.save(dir);
    const newer = await b.save();
    // As if the process died after renaming the new weights into place, before model.json.
    writeFileSync(path.join(dir, 'model.json.next'), JSON.stringify(newer.config));
    writeFileSync(path.join(dir, 'weights.safetensors'), newer.weights);
    const loaded = await sn.loadModel(dir);
    const w = loaded.getWeights();
    const wb = b.getWeights();
    assert.equal(Array.from(w[0].dataSync()), Array.from(wb[0].dataSync()), 'the new model');
    for (const t of [...w, ...wb]) t.dispose();
    loaded.dispose();
    await a.save(dir);
    assert.not.ok(readdirSync(dir).includes('model.json.next'));
    (await sn.loadModel(dir)).dispose();
    // A weights file that belongs to neither model.json is an error, not a silently mixed model.
    writeFileSync(path.join(dir, 'weights.safetensors'), newer.weights);
    await rejects(
      sn.loadModel(dir),
      /loadModel: .*weights\.safetensors is not the weights file .*model\.json was saved with/,
    );
    a.dispose();
    b.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('save replaces a symlinked weights file instead of writing through it', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'simdnet-link-'));
  try {
    const precious = path.join(dir, 'precious.bin');
    writeFileSync(precious, 'do not overwrite');
    const target = path.join(dir, 'model');
    mkdirSync(target);
    symlinkSync(precious, path.join(target, 'weights.safetensors'));
    const model = tinyModel();
    await model.save(target);
    assert.is(readFileSync(precious, 'utf8'), 'do not overwrite');
    (await sn.loadModel(target)).dispose();
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('file-system errors name save and the path', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'simdnet-fserr-'));
  try {
    const model = tinyModel();
    const file = path.join(dir, 'file');
    writeFileSync(file, 'x');
    const name = model.name;
    await rejects(
      model.save(path.join(file, 'sub')),
      new RegExp(`^${name}\\.save: cannot create the directory .*file/sub: `),
    );
    await rejects(model.save(file), new RegExp(`^${name}\\.save: .*file is a file; the target must be a directory`));
    const target = path.join(dir, 'm');
    mkdirSync(path.join(target, 'model.json'), { recursive: true });
    await rejects(model.save(target), new RegExp(`^${name}\\.save: cannot write .*m/model\\.json: it is a directory`));
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
