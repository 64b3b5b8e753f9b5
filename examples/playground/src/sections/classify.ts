// Section 6: draw or upload a picture; it becomes a 28×28 Fashion-MNIST-like input (light object on
// black) and the worker's model gives the class probabilities.
import { byId, el, showError } from '../ui/dom.js';
import { makeDrawable, perFrame } from '../ui/draw.js';
import { fileToBitmap, paintGrey, toFashionInput } from '../images/pixels.js';
import { CLASSES, testImages } from '../images/test-images.js';
import { modelState, type Trainer } from '../worker/client.js';

export function initClassify(trainer: Trainer): void {
  const canvas = byId<HTMLCanvasElement>('cl-canvas');
  const preview = byId<HTMLCanvasElement>('cl-preview');
  const top = byId('cl-top');
  const list = byId('cl-top3');
  const note = byId('cl-note');
  let input: Float32Array | null = null;
  let source = '';
  let asked = 0;

  const blank = () => {
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };

  async function classify(): Promise<void> {
    if (!input) return;
    paintGrey(preview, input, 28, 28);
    if (!modelState.ready) {
      note.textContent = `${note.textContent ?? ''} To classify it, train a model (section 5) or load one (section 7).`;
      return;
    }
    const mine = ++asked;
    try {
      const probs = await trainer.request<number[]>({ kind: 'predict', pixels: input.slice() });
      if (mine !== asked) return; // a newer picture is on its way
      const order = probs.map((p, i) => [p, i] as const).sort((a, b) => b[0] - a[0]);
      top.textContent = CLASSES[order[0][1]];
      top.dataset.probabilities = JSON.stringify(probs);
      top.dataset.source = source; // what was classified, for tests
      list.replaceChildren(
        ...order.slice(0, 3).map(([p, i]) => {
          const bar = el('div', { class: 'bar', 'aria-hidden': 'true' });
          bar.style.width = `${(p * 100).toFixed(1)}%`;
          return el('li', {}, el('span', { text: `${CLASSES[i]}: ${(p * 100).toFixed(1)}%` }), bar);
        }),
      );
      note.textContent = '';
    } catch (e) {
      showError(note, e);
    }
  }

  const fromCanvas = perFrame(() => {
    input = toFashionInput(canvas, canvas.width, canvas.height);
    source = 'drawing';
    void classify();
  });

  blank();
  makeDrawable(canvas, () => canvas.width / 12, fromCanvas);
  byId('cl-clear').addEventListener('click', () => {
    blank();
    fromCanvas();
  });
  byId('cl-sample').addEventListener('click', async () => {
    try {
      const t = await testImages();
      const i = Math.floor(Math.random() * t.count);
      input = t.image(i);
      source = `test image ${i}`;
      const big = document.createElement('canvas');
      paintGrey(big, input, 28, 28);
      const ctx = canvas.getContext('2d')!;
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(big, 0, 0, canvas.width, canvas.height);
      note.textContent = `Test image ${i}, labelled ${CLASSES[t.label(i)]}.`;
      void classify();
    } catch (e) {
      showError(note, e);
    }
  });
  byId<HTMLInputElement>('cl-file').addEventListener('change', async (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    try {
      const bmp = await fileToBitmap(file);
      input = toFashionInput(bmp, bmp.width, bmp.height);
      source = file.name;
      blank();
      const s = Math.min(canvas.width / bmp.width, canvas.height / bmp.height);
      const ctx = canvas.getContext('2d')!;
      ctx.imageSmoothingEnabled = bmp.width > 64;
      ctx.drawImage(
        bmp,
        (canvas.width - bmp.width * s) / 2,
        (canvas.height - bmp.height * s) / 2,
        bmp.width * s,
        bmp.height * s,
      );
      note.textContent = `${file.name}: ${bmp.width}×${bmp.height}.`;
      bmp.close();
      void classify();
    } catch (err) {
      showError(note, err);
    }
  });
  modelState.listeners.push((ready, text) => {
    note.textContent = ready ? text : 'Train a model (section 5) or load one (section 7) first.';
    if (ready) void classify();
  });
}
