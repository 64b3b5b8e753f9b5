// Section 2: classic kernels on a picture, as feature maps. The picture is a canvas at its own
// resolution (CSS scales it up), so drawing on it changes exactly the pixels the kernels see.
import * as sn from 'simdnet';
import { byId, el, showError } from '../ui/dom.js';
import { mapFigure } from '../ui/heatmap.js';
import { makeDrawable, perFrame } from '../ui/draw.js';
import { canvasGrey, fileToBitmap, paintGrey } from '../images/pixels.js';
import { testImages } from '../images/test-images.js';

interface Kernel {
  name: string;
  rows: number[][];
  /** Signed output (edges), shown blue-white-red; otherwise grey. */
  signed: boolean;
}

export const KERNELS: Kernel[] = [
  { name: '[[1, −1]]: vertical edges', rows: [[1, -1]], signed: true },
  { name: '[[1], [−1]]: horizontal edges', rows: [[1], [-1]], signed: true },
  {
    name: 'Sobel x',
    rows: [
      [1, 0, -1],
      [2, 0, -2],
      [1, 0, -1],
    ],
    signed: true,
  },
  {
    name: 'Sobel y',
    rows: [
      [1, 2, 1],
      [0, 0, 0],
      [-1, -2, -1],
    ],
    signed: true,
  },
  {
    name: 'Blur (Gaussian 3×3)',
    rows: [
      [1 / 16, 2 / 16, 1 / 16],
      [2 / 16, 4 / 16, 2 / 16],
      [1 / 16, 2 / 16, 1 / 16],
    ],
    signed: false,
  },
  {
    name: 'Sharpen',
    rows: [
      [0, -1, 0],
      [-1, 5, -1],
      [0, -1, 0],
    ],
    signed: false,
  },
];

function stripes(): [Float32Array, number, number] {
  const img = new Float32Array(6 * 8);
  for (let i = 0; i < 6; i++) for (let j = 0; j < 8; j++) img[i * 8 + j] = j >= 2 && j < 6 ? 0 : 1;
  return [img, 6, 8];
}

function shapes(): [Float32Array, number, number] {
  const c = document.createElement('canvas');
  c.width = c.height = 64;
  const ctx = c.getContext('2d', { willReadFrequently: true })!;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, 64, 64);
  ctx.fillStyle = '#fff';
  ctx.fillRect(8, 8, 20, 20);
  ctx.fillStyle = '#aaa';
  ctx.beginPath();
  ctx.arc(44, 44, 12, 0, 2 * Math.PI);
  ctx.fill();
  ctx.fillStyle = '#ddd';
  ctx.beginPath();
  ctx.moveTo(40, 6);
  ctx.lineTo(58, 28);
  ctx.lineTo(36, 28);
  ctx.fill();
  ctx.fillStyle = '#777';
  ctx.fillRect(8, 40, 18, 6);
  return [canvasGrey(c), 64, 64];
}

/** Each kernel applied to the h×w grey image (valid padding), as row-major maps. */
export function filterAll(
  img: Float32Array,
  h: number,
  w: number,
): { kernel: Kernel; out: Float32Array; h: number; w: number }[] {
  return sn.tidy(() => {
    const x = sn.tensor(img, [1, h, w, 1]);
    return KERNELS.filter((k) => k.rows.length <= h && k.rows[0].length <= w).map((kernel) => {
      const [kh, kw] = [kernel.rows.length, kernel.rows[0].length];
      const y = sn.conv2d(x, sn.tensor(kernel.rows.flat(), [kh, kw, 1, 1]));
      return { kernel, out: y.dataSync() as Float32Array, h: y.shape[1], w: y.shape[2] };
    });
  });
}

export function initEdges(): void {
  const canvas = byId<HTMLCanvasElement>('ed-canvas');
  const maps = byId('ed-maps');
  const select = byId<HTMLSelectElement>('ed-image');

  const redraw = () => {
    const grey = canvasGrey(canvas);
    maps.replaceChildren(
      ...filterAll(grey, canvas.height, canvas.width).map(({ kernel, out, h, w }) =>
        mapFigure(`${kernel.name} → ${h}×${w}`, out, h, w, { diverging: kernel.signed }),
      ),
    );
  };
  const scheduled = perFrame(redraw);
  makeDrawable(canvas, () => Math.max(1, canvas.width / 16), scheduled);

  const show = async (which: string) => {
    try {
      if (which === 'stripes') paintGrey(canvas, ...stripes());
      else if (which === 'shapes') paintGrey(canvas, ...shapes());
      else if (which === 'fashion') paintGrey(canvas, (await testImages()).image(0), 28, 28);
      else paintGrey(canvas, new Float32Array(64 * 64), 64, 64);
      redraw();
    } catch (e) {
      maps.replaceChildren(el('p'));
      showError(maps.firstElementChild as HTMLElement, e);
    }
  };
  select.addEventListener('change', () => show(select.value));
  byId('ed-clear').addEventListener('click', () => {
    paintGrey(canvas, new Float32Array(canvas.width * canvas.height), canvas.height, canvas.width);
    redraw();
  });
  byId<HTMLInputElement>('ed-file').addEventListener('change', async (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    try {
      const bmp = await fileToBitmap(file);
      const scale = Math.min(1, 96 / Math.max(bmp.width, bmp.height));
      canvas.width = Math.max(2, Math.round(bmp.width * scale));
      canvas.height = Math.max(2, Math.round(bmp.height * scale));
      canvas.getContext('2d')!.drawImage(bmp, 0, 0, canvas.width, canvas.height);
      redraw();
    } catch (err) {
      maps.replaceChildren(el('p'));
      showError(maps.firstElementChild as HTMLElement, err);
    }
  });
  void show(select.value);
}
