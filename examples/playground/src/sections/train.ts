// Section 5: the page's side of training. The worker does the work and sends events; this draws them:
// progress, speed, curves, the first layer's kernels and a test image's feature maps.
import { byId, el, intValue, showError, thousands } from '../ui/dom.js';
import { drawMatrix } from '../ui/heatmap.js';
import { lineChartSvg } from '../ui/line-chart.js';
import { perFrame } from '../ui/draw.js';
import { CLASSES } from '../images/test-images.js';
import { modelState, type Trainer } from '../worker/client.js';
import type { DataSummary, IdxFiles, ModelKind, TrainConfig, TrainSummary, WorkerEvent } from '../worker/protocol.js';

const FILE_PATTERNS: [keyof IdxFiles, RegExp][] = [
  ['trainImages', /train.*images|images.*train/i],
  ['trainLabels', /train.*labels|labels.*train/i],
  ['testImages', /(t10k|test).*images|images.*(t10k|test)/i],
  ['testLabels', /(t10k|test).*labels|labels.*(t10k|test)/i],
];

/** Picks the four IDX files out of what was dropped, by their usual names. */
export async function matchIdxFiles(files: File[]): Promise<IdxFiles> {
  const out: Partial<IdxFiles> = {};
  for (const [key, re] of FILE_PATTERNS) {
    const f = files.find((file) => re.test(file.name));
    if (!f) {
      throw new Error(
        `no file for ${key} among ${files.map((x) => x.name).join(', ') || 'the files'}: expected the four Fashion-MNIST files ` +
          '(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each possibly .gz)',
      );
    }
    out[key] = new Uint8Array(await f.arrayBuffer());
  }
  return out as IdxFiles;
}

export function initTrain(trainer: Trainer): void {
  const ui = {
    start: byId<HTMLButtonElement>('tr-start'),
    pause: byId<HTMLButtonElement>('tr-pause'),
    stop: byId<HTMLButtonElement>('tr-stop'),
    progress: byId<HTMLProgressElement>('tr-progress'),
    status: byId('tr-status'),
    acc: byId('tr-acc'),
    speed: byId('tr-speed'),
    epoch: byId('tr-epoch'),
    data: byId('tr-data'),
    drop: byId('tr-drop'),
    files: byId<HTMLInputElement>('tr-files'),
    lossChart: byId('tr-loss-chart'),
    accChart: byId('tr-acc-chart'),
    filters: byId('tr-filters'),
    fmaps: byId('tr-fmaps'),
    fmLabel: byId('tr-fm-label'),
  };
  const settings = [
    byId<HTMLSelectElement>('tr-model'),
    ...['tr-epochs', 'tr-batch', 'tr-seed'].map((id) => byId<HTMLInputElement>(id)),
  ];
  let epochs = 2;
  let curves = {
    trainLoss: [] as [number, number][],
    trainAcc: [] as [number, number][],
    testLoss: [] as [number, number][],
    testAcc: [] as [number, number][],
  };

  const drawCharts = perFrame(() => {
    ui.lossChart.innerHTML = lineChartSvg({
      title: 'Loss',
      xLabel: 'epoch',
      yLabel: 'cross-entropy (nats)',
      series: [
        { name: 'train (moving average)', points: curves.trainLoss, colour: '#0b63c5' },
        { name: 'test', points: curves.testLoss, colour: '#c2410c', dashed: true },
      ],
      xMin: 0,
      xMax: epochs,
    });
    ui.accChart.innerHTML = lineChartSvg({
      title: 'Accuracy',
      xLabel: 'epoch',
      yLabel: 'accuracy (%)',
      series: [
        { name: 'train (moving average)', points: curves.trainAcc, colour: '#0b63c5' },
        { name: 'test', points: curves.testAcc, colour: '#c2410c', dashed: true },
      ],
      yRange: [0, 100],
      xMin: 0,
      xMax: epochs,
    });
  });

  const setRunning = (running: boolean) => {
    ui.start.disabled = running;
    ui.pause.disabled = !running;
    ui.stop.disabled = !running;
    for (const s of settings) s.disabled = running;
    ui.files.disabled = running;
    byId<HTMLButtonElement>('tr-embedded').disabled = running;
  };

  const showData = (d: DataSummary) => {
    ui.data.textContent = `${d.source}: ${thousands(d.train)} training and ${thousands(d.test)} test images`;
  };

  const useFiles = async (files: File[]) => {
    try {
      ui.data.textContent = 'reading the files…';
      const idx = await matchIdxFiles(files);
      showData(
        await trainer.request<DataSummary>(
          { kind: 'data', files: idx },
          Object.values(idx).map((b) => b.buffer),
        ),
      );
    } catch (e) {
      showError(ui.data, e);
    }
  };

  trainer.on((e: WorkerEvent) => {
    if (e.event === 'progress') {
      ui.progress.value = e.at / epochs;
      ui.status.textContent = `Epoch ${e.epoch + 1} of ${epochs}, batch ${e.step} of ${e.steps}.`;
      ui.speed.textContent = `${thousands(e.imagesPerSecond)} images/s`;
      curves.trainLoss.push([e.at, e.loss]);
      curves.trainAcc.push([e.at, e.acc * 100]);
      drawCharts();
    } else if (e.event === 'eval') {
      curves.testLoss.push([e.at, e.loss]);
      curves.testAcc.push([e.at, e.acc * 100]);
      ui.acc.textContent = `${(e.acc * 100).toFixed(1)}%`;
      ui.acc.title = e.full ? `all ${thousands(e.images)} test images` : `the first ${thousands(e.images)} test images`;
      byId('tr-acc-note').textContent = e.full
        ? `(all ${thousands(e.images)} test images, end of epoch ${e.epoch + 1})`
        : `(first ${thousands(e.images)} test images)`;
      if (e.full) ui.epoch.textContent = `${e.epoch + 1} of ${epochs}`;
      drawCharts();
    } else if (e.event === 'visuals') {
      drawVisuals(e);
    } else if (e.event === 'state') {
      if (e.state === 'paused') {
        ui.pause.textContent = 'Resume';
        ui.status.textContent = 'Paused.';
      } else if (e.state === 'training') ui.pause.textContent = 'Pause';
    }
  });

  function drawVisuals(e: Extract<WorkerEvent, { event: 'visuals' }>): void {
    const [kh, kw, cin, cout] = e.filterShape;
    let m = 0;
    for (const v of e.filters) m = Math.max(m, Math.abs(v));
    const tiles = (host: HTMLElement, count: number, make: (i: number, c: HTMLCanvasElement) => void, what: string) => {
      while (host.children.length > count) host.lastChild!.remove();
      while (host.children.length < count)
        host.append(el('canvas', { role: 'img', 'aria-label': `${what} ${host.children.length + 1}` }));
      for (let i = 0; i < count; i++) make(i, host.children[i] as HTMLCanvasElement);
    };
    // Input channel 0 of each kernel (the models here take one grey channel).
    tiles(
      ui.filters,
      cout,
      (i, c) => drawMatrix(c, e.filters, kh, kw, { offset: i, stride: cin * cout, range: [-m, m], diverging: true }),
      'kernel',
    );
    const [h, w, ch] = e.mapShape;
    tiles(ui.fmaps, ch, (i, c) => drawMatrix(c, e.maps, h, w, { offset: i, stride: ch }), 'feature map');
    ui.fmLabel.textContent = `(${h}×${w}, each scaled to its own range; the image is labelled ${CLASSES[e.label]})`;
  }

  ui.start.addEventListener('click', async () => {
    const config: TrainConfig = {
      model: byId<HTMLSelectElement>('tr-model').value as ModelKind,
      epochs: intValue(byId<HTMLInputElement>('tr-epochs')),
      batchSize: intValue(byId<HTMLInputElement>('tr-batch')),
      seed: intValue(byId<HTMLInputElement>('tr-seed')),
    };
    epochs = config.epochs;
    curves = { trainLoss: [], trainAcc: [], testLoss: [], testAcc: [] };
    ui.acc.textContent = ui.speed.textContent = '–';
    ui.epoch.textContent = `0 of ${epochs}`;
    byId('tr-acc-note').textContent = '';
    ui.progress.value = 0;
    ui.status.textContent = 'Loading the data and building the model…';
    setRunning(true);
    drawCharts();
    try {
      const r = await trainer.request<TrainSummary>({ kind: 'train', config });
      const acc = r.testAccuracy === null ? '' : `, test accuracy ${(r.testAccuracy * 100).toFixed(1)}%`;
      ui.status.textContent = `${r.stopped ? 'Stopped' : 'Done'} after ${r.epochs} epoch${r.epochs === 1 ? '' : 's'} in ${r.seconds.toFixed(1)} s${acc}.`;
      ui.progress.value = r.epochs / epochs;
      modelState.set(true, `Trained here (${r.epochs} epoch${r.epochs === 1 ? '' : 's'}${acc}).`);
    } catch (e) {
      showError(ui.status, e);
    } finally {
      setRunning(false);
      ui.pause.textContent = 'Pause';
    }
  });
  ui.pause.addEventListener('click', () => {
    const resume = ui.pause.textContent === 'Resume';
    void trainer.request({ kind: resume ? 'resume' : 'pause' });
  });
  ui.stop.addEventListener('click', () => void trainer.request({ kind: 'stop' }));
  ui.files.addEventListener('change', () => void useFiles([...(ui.files.files ?? [])]));
  byId('tr-embedded').addEventListener('click', async () => {
    try {
      showData(await trainer.request<DataSummary>({ kind: 'data', files: null }));
    } catch (e) {
      showError(ui.data, e);
    }
  });
  ui.drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    ui.drop.classList.add('over');
  });
  ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('over'));
  ui.drop.addEventListener('drop', (e) => {
    e.preventDefault();
    ui.drop.classList.remove('over');
    if (!ui.start.disabled) void useFiles([...(e.dataTransfer?.files ?? [])]);
  });
  drawCharts();
}
