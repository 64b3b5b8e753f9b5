// Section 7: the model in IndexedDB (survives a reload), as downloadable files, and back from either.
import { byId, showError } from '../ui/dom.js';
import { modelState, type Trainer } from '../worker/client.js';
import type { ModelSummary, SavedModel } from '../worker/protocol.js';

const DB = 'simdnet-playground';
const STORE = 'models';
const KEY = 'latest';

interface Stored extends SavedModel {
  savedAt: string;
  summary: ModelSummary;
}

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
  });
}

async function withStore<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await openDb();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = f(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result as T);
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
  } finally {
    db.close();
  }
}

function download(name: string, blob: Blob): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export function initKeep(trainer: Trainer): void {
  const status = byId('kp-status');
  const describe = (s: ModelSummary) => `${s.name} (${s.params.toLocaleString('en-US')} parameters)`;

  const save = () => trainer.request<{ saved: SavedModel; summary: ModelSummary }>({ kind: 'save' });
  const load = async (saved: SavedModel, from: string) => {
    const summary = await trainer.request<ModelSummary>({ kind: 'load', saved }, [saved.weights.buffer]);
    status.textContent = `Loaded ${describe(summary)} from ${from}.`;
    modelState.set(true, `Loaded from ${from}.`);
  };

  byId('kp-save').addEventListener('click', async () => {
    try {
      const { saved, summary } = await save();
      const record: Stored = { ...saved, savedAt: new Date().toISOString(), summary };
      await withStore('readwrite', (s) => s.put(record, KEY));
      status.textContent = `Saved ${describe(summary)} in this browser (${(saved.weights.byteLength / 1024).toFixed(0)} KB of weights).`;
    } catch (e) {
      showError(status, e);
    }
  });
  byId('kp-load').addEventListener('click', async () => {
    try {
      const record = await withStore<Stored | undefined>('readonly', (s) => s.get(KEY));
      if (!record) throw new Error('no model has been saved in this browser yet');
      await load(
        { config: record.config, weights: record.weights },
        `this browser (saved ${new Date(record.savedAt).toLocaleString()})`,
      );
    } catch (e) {
      showError(status, e);
    }
  });
  byId('kp-download').addEventListener('click', async () => {
    try {
      const { saved, summary } = await save();
      download('model.json', new Blob([JSON.stringify(saved.config, null, 2)], { type: 'application/json' }));
      download(
        'weights.safetensors',
        new Blob([saved.weights as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }),
      );
      status.textContent = `Downloaded ${describe(summary)} as model.json and weights.safetensors.`;
    } catch (e) {
      showError(status, e);
    }
  });
  byId<HTMLInputElement>('kp-files').addEventListener('change', async (e) => {
    const files = [...((e.target as HTMLInputElement).files ?? [])];
    try {
      const json = files.find((f) => f.name.endsWith('.json'));
      const weights = files.find((f) => f.name.endsWith('.safetensors'));
      if (!json || !weights) throw new Error('choose both files: model.json and weights.safetensors');
      await load(
        { config: JSON.parse(await json.text()), weights: new Uint8Array(await weights.arrayBuffer()) },
        'your files',
      );
    } catch (err) {
      showError(status, err);
    }
  });
}
