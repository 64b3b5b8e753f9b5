// The messages between the page and the training worker. Requests carry an id and get exactly one
// reply with that id; events (progress, evaluations, pictures) come unasked while training runs.

export type ModelKind = 'keras' | 'lenet';

export interface TrainConfig {
  model: ModelKind;
  epochs: number;
  batchSize: number;
  seed: number;
}

/** The four IDX files' bytes (any may be gzipped); null asks for the embedded subset. */
export interface IdxFiles {
  trainImages: Uint8Array;
  trainLabels: Uint8Array;
  testImages: Uint8Array;
  testLabels: Uint8Array;
}

export interface SavedModel {
  config: unknown;
  weights: Uint8Array;
}

export type Request =
  | { kind: 'init' }
  | { kind: 'data'; files: IdxFiles | null }
  | { kind: 'train'; config: TrainConfig }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'stop' }
  | { kind: 'predict'; pixels: Float32Array }
  | { kind: 'save' }
  | { kind: 'load'; saved: SavedModel };

export interface BackendSummary {
  simd: string;
  threads: number;
}

export interface DataSummary {
  train: number;
  test: number;
  source: string;
}

export interface ModelSummary {
  name: string;
  params: number;
}

export interface TrainSummary {
  epochs: number;
  stopped: boolean;
  testAccuracy: number | null;
  seconds: number;
}

export type WorkerEvent =
  | {
      event: 'progress';
      /** Epochs done, fractional. */
      at: number;
      epoch: number;
      step: number;
      steps: number;
      /** Moving averages over recent batches. */
      loss: number;
      acc: number;
      imagesPerSecond: number;
    }
  | { event: 'eval'; at: number; loss: number; acc: number; images: number; full: boolean; epoch: number }
  | {
      event: 'visuals';
      filters: Float32Array;
      /** [kh, kw, cin, cout] */
      filterShape: number[];
      maps: Float32Array;
      /** [h, w, c] */
      mapShape: number[];
      label: number;
    }
  | { event: 'state'; state: 'training' | 'paused' | 'idle' };

export type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
export type FromWorker = Reply | WorkerEvent;
