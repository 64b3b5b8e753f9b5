// The training worker: owns the data set and the model, so that training (and everything that touches
// the model: predicting, saving, loading) runs off the page's thread. simdnet's fit yields to the event
// loop every ~16 ms, which is when pause/resume/stop messages get in.
import * as sn from 'simdnet';
import { buildModel } from './models.js';
import type {
  BackendSummary,
  DataSummary,
  FromWorker,
  IdxFiles,
  ModelSummary,
  Request,
  SavedModel,
  TrainConfig,
  TrainSummary,
  WorkerEvent,
} from './protocol.js';

// The page's DOM types describe `self` as a Window; in a module worker it is the worker's global scope.
const scope = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<{ id: number; req: Request }>) => void) | null;
  location: Location;
};

/** The playground's models see pixels in [-1, 1], as the seed's Normalize((0.5,), (0.5,)) gives. */
const NORMALIZE: [number, number] = [-1, 1];
/** Test images evaluated at each quarter of an epoch (all of them at the end of each epoch). */
const QUICK_TEST = 1000;
const PROGRESS_MS = 100;
const VISUALS_MS = 1500;

let data: { ds: sn.Dataset; summary: DataSummary } | null = null;
let model: sn.LayersModel | null = null;
let training = false;
let paused = false;
let wake: (() => void) | null = null;

const emit = (e: WorkerEvent, transfer: Transferable[] = []) => scope.postMessage(e, transfer);

async function fetchEmbedded(): Promise<IdxFiles> {
  const get = async (name: string) => {
    const url = new URL(`data/fashion-mnist-subset/${name}`, scope.location.href);
    const r = await fetch(url);
    if (!r.ok) throw new Error(`could not fetch ${url.pathname}: HTTP ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  };
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    get('train-images-idx3-ubyte.gz'),
    get('train-labels-idx1-ubyte.gz'),
    get('t10k-images-idx3-ubyte.gz'),
    get('t10k-labels-idx1-ubyte.gz'),
  ]);
  return { trainImages, trainLabels, testImages, testLabels };
}

async function setData(files: IdxFiles | null): Promise<DataSummary> {
  if (training) throw new Error('stop training before changing the data');
  const ds = await sn.datasets.fashionMnist.fromBytes(files ?? (await fetchEmbedded()), { normalize: NORMALIZE });
  if (!ds.train || !ds.test) {
    ds.dispose();
    throw new Error('the files must hold both a training and a test split');
  }
  data?.ds.dispose();
  const summary = {
    train: ds.train.images.shape[0],
    test: ds.test.images.shape[0],
    source: files ? 'your IDX files' : 'the embedded subset',
  };
  data = { ds, summary };
  return summary;
}

function summarize(m: sn.LayersModel): ModelSummary {
  return { name: m.name, params: m.countParams() };
}

/** The first layer's kernels and its feature maps for one test image. */
function sendVisuals(m: sn.LayersModel, image: sn.Tensor, label: number): void {
  const first = m.layers[0];
  const kernel = first.weights[0];
  const filters = kernel.dataSync() as Float32Array;
  const { maps, shape } = sn.tidy(() => {
    const y = first.apply(image);
    return { maps: y.dataSync() as Float32Array, shape: y.shape.slice(1) };
  });
  emit({ event: 'visuals', filters, filterShape: kernel.shape.slice(), maps, mapShape: shape, label }, [
    filters.buffer,
    maps.buffer,
  ]);
}

async function train(config: TrainConfig): Promise<TrainSummary> {
  if (training) throw new Error('training is already running');
  if (!data) await setData(null);
  const { ds } = data!;
  const train = ds.train!;
  const test = ds.test!;
  const m = buildModel(config.model, config.seed);
  model?.dispose();
  model = m;
  training = true;
  paused = false;
  emit({ event: 'state', state: 'training' });

  const nTest = test.images.shape[0];
  const quickN = Math.min(QUICK_TEST, nTest);
  const testPixels = test.images.dataSync();
  const testLabels = test.labels.dataSync();
  const quickX = sn.tensor(testPixels.subarray(0, quickN * 784), [quickN, 28, 28, 1]);
  const quickY = sn.tensor(testLabels.subarray(0, quickN), [quickN], 'int32');
  const sample = sn.tensor(testPixels.subarray(0, 784), [1, 28, 28, 1]);
  const steps = Math.ceil(train.images.shape[0] / config.batchSize);
  const quarters = new Set([1, 2, 3].map((q) => Math.round((steps * q) / 4) - 1));
  let epoch = 0;
  let ema: { loss: number; acc: number } | null = null;
  let lastTick = performance.now();
  let windowImages = 0;
  let windowMs = 0;
  let speed = 0;
  let lastProgress = 0;
  let lastVisuals = 0;
  let lastAcc: number | null = null;
  const t0 = performance.now();

  const evaluate = (at: number) => {
    const [loss, acc] = m.evaluate(quickX, quickY, { batchSize: 256 }) as number[];
    emit({ event: 'eval', at, loss, acc, images: quickN, full: false, epoch });
  };

  try {
    sendVisuals(m, sample, testLabels[0]);
    const history = await m.fit(train.images, train.labels, {
      epochs: config.epochs,
      batchSize: config.batchSize,
      seed: config.seed,
      verbose: 0,
      validationData: [test.images, test.labels],
      callbacks: {
        onEpochBegin: (e) => {
          epoch = e;
          lastTick = performance.now();
        },
        onBatchEnd: async (step, logs) => {
          const now = performance.now();
          windowImages += logs?.size ?? 0;
          windowMs += now - lastTick;
          const a = 0.05;
          const loss = logs?.loss ?? NaN;
          const acc = logs?.acc ?? NaN;
          ema = ema ? { loss: ema.loss + a * (loss - ema.loss), acc: ema.acc + a * (acc - ema.acc) } : { loss, acc };
          if (windowMs >= 500) {
            speed = (windowImages / windowMs) * 1000;
            windowImages = 0;
            windowMs = 0;
          }
          const at = epoch + (step + 1) / steps;
          if (now - lastProgress >= PROGRESS_MS || step === steps - 1) {
            lastProgress = now;
            emit({
              event: 'progress',
              at,
              epoch,
              step: step + 1,
              steps,
              loss: ema.loss,
              acc: ema.acc,
              imagesPerSecond: speed || (windowImages / Math.max(windowMs, 1)) * 1000,
            });
          }
          if (quarters.has(step)) evaluate(at);
          if (now - lastVisuals >= VISUALS_MS) {
            lastVisuals = now;
            sendVisuals(m, sample, testLabels[0]);
          }
          if (paused) {
            emit({ event: 'state', state: 'paused' });
            await new Promise<void>((resolve) => (wake = resolve));
            emit({ event: 'state', state: 'training' });
          }
          // Evaluations, pictures and pauses are not training time.
          lastTick = performance.now();
        },
        onEpochEnd: (e, logs) => {
          lastAcc = logs?.val_acc ?? null;
          emit({
            event: 'eval',
            at: e + 1,
            loss: logs?.val_loss ?? NaN,
            acc: logs?.val_acc ?? NaN,
            images: nTest,
            full: true,
            epoch: e,
          });
          sendVisuals(m, sample, testLabels[0]);
          lastTick = performance.now();
        },
      },
    });
    const epochs = history.epoch.length;
    return {
      epochs,
      stopped: epochs < config.epochs,
      testAccuracy: lastAcc,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    for (const t of [quickX, quickY, sample]) t.dispose();
    training = false;
    paused = false;
    wake = null;
    emit({ event: 'state', state: 'idle' });
  }
}

function predict(pixels: Float32Array): number[] {
  if (!model) throw new Error('there is no model yet: train one or load one first');
  if (pixels.length !== 784) throw new Error(`predict: expected 784 pixels (28×28); got ${pixels.length}`);
  const [lo, hi] = NORMALIZE;
  const x = Float32Array.from(pixels, (v) => lo + v * (hi - lo));
  return sn.tidy(() => Array.from(sn.softmax(model!.predict(sn.tensor(x, [1, 28, 28, 1]))).dataSync()));
}

async function handle(req: Request): Promise<{ result: unknown; transfer?: Transferable[] }> {
  switch (req.kind) {
    case 'init': {
      await sn.ready();
      const info = sn.backendInfo() as ReturnType<typeof sn.backendInfo> & { threads?: number };
      const summary: BackendSummary = { simd: info.simd, threads: info.threads ?? 1 };
      return { result: summary };
    }
    case 'data':
      return { result: await setData(req.files) };
    case 'train':
      return { result: await train(req.config) };
    case 'pause':
      if (training) paused = true;
      return { result: paused };
    case 'resume':
      paused = false;
      wake?.();
      wake = null;
      return { result: true };
    case 'stop':
      if (model && training) model.stopTraining = true;
      paused = false;
      wake?.();
      wake = null;
      return { result: true };
    case 'predict':
      return { result: predict(req.pixels) };
    case 'save': {
      if (!model) throw new Error('there is no model to save: train one first');
      const { config, weights } = await sn.io.saveModel(model);
      const saved: SavedModel = { config, weights: weights.slice() }; // its own buffer, safe to transfer
      return { result: { saved, summary: summarize(model) }, transfer: [saved.weights.buffer] };
    }
    case 'load': {
      if (training) throw new Error('stop training before loading a model');
      const loaded = await sn.loadModel({ config: req.saved.config as never, weights: req.saved.weights });
      model?.dispose();
      model = loaded;
      return { result: summarize(loaded) };
    }
  }
}

scope.onmessage = (e) => {
  const { id, req } = e.data;
  handle(req).then(
    ({ result, transfer }) => scope.postMessage({ id, ok: true, result }, transfer ?? []),
    (err: unknown) => scope.postMessage({ id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
};
