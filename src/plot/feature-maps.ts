// Feature maps as a standalone SVG: one small grayscale image per channel of an NHWC activation (the
// output of a conv layer for one input image), laid out in a grid, each channel scaled to its own
// min..max so that weak and strong channels are both visible. Pixels are <rect>s with run-length merging
// along rows, which keeps a 32-channel 26x26 map to a few hundred kilobytes and needs no image encoder.
import type { Tensor } from '../core/tensor.js';
import { checkTensor, fmtShape } from '../util/validate.js';

export interface FeatureMapsOptions {
  /** Which image of the batch; default 0. */
  index?: number;
  /** Channels per row of the grid; default ceil(sqrt(channels)). */
  columns?: number;
  /** Screen pixels per activation pixel; default 4. */
  scale?: number;
  /** A title above the grid. */
  title?: string;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An SVG grid of the channels of `activation` ([n,h,w,c] or [h,w,c]). */
export function featureMapsSvg(activation: Tensor, options: FeatureMapsOptions = {}): string {
  const fn = 'featureMapsSvg';
  const t = checkTensor(activation, 'activation', fn);
  if (t.rank !== 3 && t.rank !== 4)
    throw new Error(
      `${fn}: argument 'activation' must be rank 4 [n,h,w,c] or rank 3 [h,w,c]; got rank ${t.rank} with shape ${fmtShape(t.shape)}`,
    );
  const [n, h, w, c] = t.rank === 4 ? t.shape : [1, ...t.shape];
  const index = options.index ?? 0;
  if (!Number.isInteger(index) || index < 0 || index >= n)
    throw new Error(`${fn}: option 'index' must be an integer in [0, ${n - 1}]; got ${index}`);
  const columns = options.columns ?? Math.max(1, Math.ceil(Math.sqrt(c)));
  const scale = options.scale ?? 4;
  if (!Number.isInteger(columns) || columns < 1)
    throw new Error(`${fn}: option 'columns' must be a positive integer; got ${columns}`);
  if (!(scale > 0)) throw new Error(`${fn}: option 'scale' must be positive; got ${scale}`);
  const data = t.dataSync();
  const base = index * h * w * c;
  const gap = 6;
  const top = options.title ? 30 : 6;
  const rows = Math.ceil(c / columns);
  const cellW = w * scale;
  const cellH = h * scale + 14;
  const width = columns * (cellW + gap) + gap;
  const height = top + rows * (cellH + gap) + gap;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" shape-rendering="crispEdges" font-family="system-ui, Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fafafa"/>`,
  ];
  if (options.title)
    parts.push(
      `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="600">${escapeXml(options.title)}</text>`,
    );
  for (let ch = 0; ch < c; ch++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let p = 0; p < h * w; p++) {
      const v = data[base + p * c + ch];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const range = hi > lo ? hi - lo : 1;
    const x0 = gap + (ch % columns) * (cellW + gap);
    const y0 = top + Math.floor(ch / columns) * (cellH + gap);
    parts.push(`<g transform="translate(${x0},${y0})"><rect width="${cellW}" height="${h * scale}" fill="#000"/>`);
    for (let y = 0; y < h; y++) {
      let x = 0;
      while (x < w) {
        const level = Math.round((255 * (data[base + (y * w + x) * c + ch] - lo)) / range);
        let end = x + 1;
        while (end < w && Math.round((255 * (data[base + (y * w + end) * c + ch] - lo)) / range) === level) end++;
        if (level > 0)
          parts.push(
            `<rect x="${x * scale}" y="${y * scale}" width="${(end - x) * scale}" height="${scale}" fill="rgb(${level},${level},${level})"/>`,
          );
        x = end;
      }
    }
    parts.push(
      `<text x="${cellW / 2}" y="${h * scale + 11}" text-anchor="middle" font-size="10" fill="#444">${ch}</text></g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}
