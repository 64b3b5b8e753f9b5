// Matrices as pictures: a canvas with one pixel per value (scaled up by CSS), in grey for images and
// blue-white-red for signed values, with a colour bar that says what the colours mean.
import { el, fmt } from './dom.js';

export interface HeatmapOptions {
  /** Values mapped to the ends of the scale; default the data's min and max. */
  range?: [number, number];
  /** Signed values: white at 0, blue below, red above, symmetric around 0. */
  diverging?: boolean;
}

function rangeOf(data: ArrayLike<number>, opts: HeatmapOptions): [number, number] {
  if (opts.range) return opts.range;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    if (data[i] < lo) lo = data[i];
    if (data[i] > hi) hi = data[i];
  }
  if (!Number.isFinite(lo)) return [0, 1];
  if (opts.diverging) {
    const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    return [-m, m];
  }
  return lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
}

function colour(v: number, lo: number, hi: number, diverging: boolean, out: Uint8ClampedArray, at: number): void {
  const t = Math.max(0, Math.min(1, (v - lo) / (hi - lo)));
  if (!diverging) {
    const g = Math.round(t * 255);
    out[at] = out[at + 1] = out[at + 2] = g;
  } else if (t < 0.5) {
    const s = t * 2; // 0 at the most negative, 1 at zero: blue to white
    out[at] = Math.round(33 + s * 222);
    out[at + 1] = Math.round(102 + s * 153);
    out[at + 2] = Math.round(172 + s * 83);
  } else {
    const s = (t - 0.5) * 2; // white to red
    out[at] = Math.round(255 - s * 77);
    out[at + 1] = Math.round(255 - s * 231);
    out[at + 2] = Math.round(255 - s * 212);
  }
  out[at + 3] = 255;
}

/** Draws a h×w matrix (row-major, `stride` values apart, starting at `offset`) into the canvas. */
export function drawMatrix(
  canvas: HTMLCanvasElement,
  data: ArrayLike<number>,
  h: number,
  w: number,
  opts: HeatmapOptions & { offset?: number; stride?: number } = {},
): [number, number] {
  const offset = opts.offset ?? 0;
  const stride = opts.stride ?? 1;
  const values = new Float32Array(h * w);
  for (let i = 0; i < h * w; i++) values[i] = data[offset + i * stride];
  const [lo, hi] = rangeOf(values, opts);
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (!ctx) return [lo, hi];
  const img = ctx.createImageData(w, h);
  for (let i = 0; i < h * w; i++) colour(values[i], lo, hi, !!opts.diverging, img.data, i * 4);
  ctx.putImageData(img, 0, 0);
  return [lo, hi];
}

/** A colour bar from lo to hi with its end values, for a legend under a map. */
export function legend(lo: number, hi: number, diverging: boolean): HTMLElement {
  const bar = el('div', { class: 'legend-bar', 'aria-hidden': 'true' });
  bar.style.background = diverging
    ? 'linear-gradient(to right, rgb(33,102,172), #fff, rgb(178,24,43))'
    : 'linear-gradient(to right, #000, #fff)';
  const labels = el('div', { class: 'legend' });
  labels.append(
    el('span', { text: fmt(lo) }),
    ...(diverging ? [el('span', { text: '0' })] : []),
    el('span', { text: fmt(hi) }),
  );
  return el('div', { role: 'img', 'aria-label': `colour scale from ${fmt(lo)} to ${fmt(hi)}` }, bar, labels);
}

/** A captioned map with its colour bar. */
export function mapFigure(
  caption: string,
  data: ArrayLike<number>,
  h: number,
  w: number,
  opts: HeatmapOptions = {},
): HTMLElement {
  const canvas = el('canvas', { role: 'img', 'aria-label': `${caption}, ${h} by ${w}` });
  canvas.classList.add('pixelated');
  const [lo, hi] = drawMatrix(canvas, data, h, w, opts);
  return el('figure', {}, el('figcaption', { text: caption }), canvas, legend(lo, hi, !!opts.diverging));
}
