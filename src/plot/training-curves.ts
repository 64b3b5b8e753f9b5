// Training curves as a standalone SVG string: one panel per metric (loss, accuracy, ...), epochs on x,
// training values as solid lines and validation values as dashed lines, with grid, ticks and a legend.
// Pure string building, so it works in every runtime; write the string to a .svg file or put it in a page.
import { describe } from '../util/validate.js';
import { niceTicks, tickLabels } from './scale.js';

export interface HistoryLike {
  epoch?: number[];
  history: Record<string, number[]>;
}

export interface TrainingCurvesOptions {
  /** Whole image width in pixels; default 460 per panel. */
  width?: number;
  /** Default 340. */
  height?: number;
  /** A title above the panels. */
  title?: string;
  /** The legend's names for the two curves; default 'training' and 'validation' (e.g. 'test' instead). */
  trainingLabel?: string;
  validationLabel?: string;
}

const TRAIN_COLOR = '#1f6fb4';
const VAL_COLOR = '#e8710a';
const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
const TITLES: Record<string, string> = { loss: 'Loss', acc: 'Accuracy', accuracy: 'Accuracy' };

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(v: number): string {
  return Number(v.toFixed(2)).toString();
}

interface Series {
  label: string;
  color: string;
  dashed: boolean;
  values: number[];
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The path of a series, broken where a value is missing or not finite. */
function seriesPath(values: number[], px: (i: number) => number, py: (v: number) => number): string {
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${fmt(px(i))},${fmt(py(v))}`;
    pen = true;
  });
  return d;
}

function panel(box: Box, title: string, series: Series[], epochs: number[], isFraction: boolean): string {
  const margin = { left: 56, right: 18, top: 34, bottom: 44 };
  const plot = {
    x: box.x + margin.left,
    y: box.y + margin.top,
    w: box.w - margin.left - margin.right,
    h: box.h - margin.top - margin.bottom,
  };
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (!all.length) {
    lo = 0;
    hi = 1;
  }
  // A little room above and below, so that no point sits on the frame.
  const pad = (hi - lo) * 0.06;
  lo -= pad;
  hi += pad;
  if (isFraction) {
    lo = Math.max(0, lo);
    hi = Math.min(1, hi);
  }
  const yTicks = niceTicks(lo, hi, 5);
  if (isFraction) {
    while (yTicks.length > 2 && yTicks[yTicks.length - 1] > 1 + 1e-9) yTicks.pop();
    while (yTicks.length > 2 && yTicks[0] < -1e-9) yTicks.shift();
  }
  const y0 = yTicks[0];
  const y1 = yTicks[yTicks.length - 1];
  const first = epochs[0];
  const last = epochs[epochs.length - 1];
  // One epoch has no extent to span: centre it. Otherwise leave a little room at both ends.
  const xPad = first === last ? 1 : (last - first) * 0.04;
  const x0 = first - xPad;
  const x1 = last + xPad;
  const xTicks =
    first === last
      ? [first]
      : niceTicks(first, last, Math.min(10, last - first), true).filter((t) => t >= first && t <= last);
  const px = (e: number) => plot.x + ((e - x0) / (x1 - x0)) * plot.w;
  const py = (v: number) => plot.y + plot.h - ((v - y0) / (y1 - y0)) * plot.h;

  const parts: string[] = [];
  parts.push(
    `<text x="${fmt(plot.x + plot.w / 2)}" y="${fmt(box.y + 22)}" text-anchor="middle" font-size="15" font-weight="600" fill="#222">${escapeXml(title)}</text>`,
  );
  parts.push(
    `<rect x="${fmt(plot.x)}" y="${fmt(plot.y)}" width="${fmt(plot.w)}" height="${fmt(plot.h)}" fill="#fff" stroke="none"/>`,
  );
  const yLabels = tickLabels(yTicks);
  yTicks.forEach((t, i) => {
    const y = py(t);
    parts.push(
      `<line x1="${fmt(plot.x)}" y1="${fmt(y)}" x2="${fmt(plot.x + plot.w)}" y2="${fmt(y)}" stroke="#e3e3e3" stroke-width="1"/>`,
    );
    parts.push(
      `<line x1="${fmt(plot.x - 5)}" y1="${fmt(y)}" x2="${fmt(plot.x)}" y2="${fmt(y)}" stroke="#555" stroke-width="1"/>`,
    );
    parts.push(
      `<text x="${fmt(plot.x - 8)}" y="${fmt(y + 4)}" text-anchor="end" font-size="11" fill="#444">${yLabels[i]}</text>`,
    );
  });
  for (const t of xTicks) {
    const x = px(t);
    parts.push(
      `<line x1="${fmt(x)}" y1="${fmt(plot.y)}" x2="${fmt(x)}" y2="${fmt(plot.y + plot.h)}" stroke="#f0f0f0" stroke-width="1"/>`,
    );
    parts.push(
      `<line x1="${fmt(x)}" y1="${fmt(plot.y + plot.h)}" x2="${fmt(x)}" y2="${fmt(plot.y + plot.h + 5)}" stroke="#555" stroke-width="1"/>`,
    );
    parts.push(
      `<text x="${fmt(x)}" y="${fmt(plot.y + plot.h + 18)}" text-anchor="middle" font-size="11" fill="#444">${t}</text>`,
    );
  }
  parts.push(
    `<path d="M${fmt(plot.x)},${fmt(plot.y)}V${fmt(plot.y + plot.h)}H${fmt(plot.x + plot.w)}" fill="none" stroke="#555" stroke-width="1"/>`,
  );
  parts.push(
    `<text x="${fmt(plot.x + plot.w / 2)}" y="${fmt(plot.y + plot.h + 36)}" text-anchor="middle" font-size="12" fill="#333">Epoch</text>`,
  );

  for (const s of series) {
    const pts = s.values.map((v, i) => [epochs[i], v] as const);
    const d = seriesPath(s.values, (i) => px(epochs[i]), py);
    if (d)
      parts.push(
        `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2.2" stroke-linejoin="round" stroke-linecap="round"${s.dashed ? ' stroke-dasharray="7 5"' : ''}/>`,
      );
    for (const [e, v] of pts) {
      if (!Number.isFinite(v)) continue;
      parts.push(
        `<circle cx="${fmt(px(e))}" cy="${fmt(py(v))}" r="3.2" fill="${s.dashed ? '#fff' : s.color}" stroke="${s.color}" stroke-width="1.6"><title>${escapeXml(`${s.label} ${title.toLowerCase()}, epoch ${e}: ${v.toFixed(4)}`)}</title></circle>`,
      );
    }
  }

  return parts.join('\n');
}

/** One legend for all panels, centred in a row above them (never over a curve). */
function legend(centerX: number, y: number, series: Series[]): string {
  const itemW = 120;
  const left = centerX - (series.length * itemW) / 2;
  return series
    .map((s, i) => {
      const x = left + i * itemW;
      const dash = s.dashed ? ' stroke-dasharray="7 5"' : '';
      return (
        `<line x1="${fmt(x)}" y1="${fmt(y)}" x2="${fmt(x + 30)}" y2="${fmt(y)}" stroke="${s.color}" stroke-width="2.2"${dash}/>\n` +
        `<circle cx="${fmt(x + 15)}" cy="${fmt(y)}" r="3.2" fill="${s.dashed ? '#fff' : s.color}" stroke="${s.color}" stroke-width="1.6"/>\n` +
        `<text x="${fmt(x + 38)}" y="${fmt(y + 4)}" font-size="12" fill="#333">${escapeXml(s.label)}</text>`
      );
    })
    .join('\n');
}

/**
 * An SVG image of a History (from model.fit): a panel for the loss and one for each metric, each with
 * its training and (when present) validation curve per epoch.
 */
export function trainingCurvesSvg(history: HistoryLike, options: TrainingCurvesOptions = {}): string {
  const fn = 'plot.trainingCurvesSvg';
  if (!history || typeof history !== 'object' || !history.history || typeof history.history !== 'object') {
    throw new Error(
      `${fn}: argument 'history' must be the History from model.fit ({ epoch, history: { loss, ... } }); got ${describe(history)}`,
    );
  }
  const metrics = Object.keys(history.history).filter(
    (k) => !k.startsWith('val_') && Array.isArray(history.history[k]),
  );
  metrics.sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : 0));
  const n = Math.max(0, ...metrics.map((k) => history.history[k].length));
  if (metrics.length === 0 || n === 0) throw new Error(`${fn}: the history has no epochs to plot`);
  // Epochs are shown 1-based, as the progress bar counts them.
  const epochs =
    history.epoch && history.epoch.length === n
      ? history.epoch.map((e) => e + 1)
      : Array.from({ length: n }, (_, i) => i + 1);

  const panelW = 460;
  const titleH = options.title ? 30 : 0;
  const legendH = 26;
  const top = titleH + legendH;
  const width = options.width ?? panelW * metrics.length;
  const height = options.height ?? 330 + top;
  const w = width / metrics.length;
  const hasValidation = metrics.some(
    (k) => Array.isArray(history.history[`val_${k}`]) && history.history[`val_${k}`].length > 0,
  );
  const trainingKind: Series = {
    label: options.trainingLabel ?? 'training',
    color: TRAIN_COLOR,
    dashed: false,
    values: [],
  };
  const validationKind: Series = {
    label: options.validationLabel ?? 'validation',
    color: VAL_COLOR,
    dashed: true,
    values: [],
  };
  const kinds = hasValidation ? [trainingKind, validationKind] : [trainingKind];
  const body = metrics.map((key, i) => {
    const series: Series[] = [{ ...trainingKind, values: history.history[key] }];
    const val = history.history[`val_${key}`];
    if (Array.isArray(val) && val.length) series.push({ ...validationKind, values: val });
    const isFraction = key !== 'loss' && history.history[key].every((v) => !Number.isFinite(v) || (v >= 0 && v <= 1));
    return panel({ x: i * w, y: top, w, h: height - top }, TITLES[key] ?? key, series, epochs, isFraction);
  });
  body.unshift(legend(width / 2, titleH + 17, kinds));
  const title = options.title
    ? `<text x="${fmt(width / 2)}" y="24" text-anchor="middle" font-size="17" font-weight="600" fill="#111">${escapeXml(options.title)}</text>\n`
    : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">\n` +
    `<rect width="100%" height="100%" fill="#fafafa"/>\n` +
    title +
    body.join('\n') +
    '\n</svg>\n'
  );
}
