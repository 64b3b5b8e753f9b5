// A line chart as an SVG string: labelled axes with units, round tick values, a legend, any number of
// series. Scales to its container (viewBox) and stays readable at a phone's width.

export interface Series {
  name: string;
  points: [number, number][];
  colour: string;
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Fixed y range (e.g. [0, 100] for percentages); default the data's, from 0 when all are positive. */
  yRange?: [number, number];
  /** At least this x range, so the axis does not jump while points arrive. */
  xMin?: number;
  xMax?: number;
  width?: number;
  height?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** About `count` round tick values covering lo..hi. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

export function lineChartSvg(o: LineChartOptions): string {
  const W = o.width ?? 520;
  const H = o.height ?? 300;
  const m = { left: 62, right: 16, top: 50, bottom: 50 };
  const all = o.series.flatMap((s) => s.points);
  let x0 = Math.min(o.xMin ?? Infinity, ...all.map((p) => p[0]));
  let x1 = Math.max(o.xMax ?? -Infinity, ...all.map((p) => p[0]));
  if (!Number.isFinite(x0)) [x0, x1] = [0, 1];
  if (x1 <= x0) x1 = x0 + 1;
  let [y0, y1] = o.yRange ?? [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (!Number.isFinite(y0)) [y0, y1] = [0, 1];
  if (!o.yRange && y0 > 0) y0 = 0;
  if (y1 <= y0) y1 = y0 + 1;
  let yt = ticks(y0, y1);
  if (!o.yRange && yt.length > 1) {
    // Round the ends out to whole ticks, so the highest point sits under a labelled line.
    const step = yt[1] - yt[0];
    y0 = Math.floor(y0 / step + 1e-9) * step;
    y1 = Math.ceil(y1 / step - 1e-9) * step;
    yt = ticks(y0, y1);
  }
  const px = (x: number) => m.left + ((x - x0) / (x1 - x0)) * (W - m.left - m.right);
  const py = (y: number) => H - m.bottom - ((y - y0) / (y1 - y0)) * (H - m.top - m.bottom);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(o.title)}" font-family="system-ui, sans-serif" font-size="13">`,
  );
  parts.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-weight="600" fill="#1b1f24">${esc(o.title)}</text>`);
  for (const v of yt) {
    if (v < y0 - 1e-9 || v > y1 + 1e-9) continue;
    const y = py(v).toFixed(1);
    parts.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${y}" y2="${y}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${m.left - 6}" y="${y}" dy="0.35em" text-anchor="end" fill="#57606a">${v}</text>`);
  }
  for (const v of ticks(x0, x1, 6)) {
    const x = px(v).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${H - m.bottom}" y2="${H - m.bottom + 5}" stroke="#57606a"/>`);
    parts.push(`<text x="${x}" y="${H - m.bottom + 18}" text-anchor="middle" fill="#57606a">${v}</text>`);
  }
  parts.push(
    `<path d="M${m.left} ${m.top}V${H - m.bottom}H${W - m.right}" fill="none" stroke="#57606a"/>`,
    `<text x="${(m.left + W - m.right) / 2}" y="${H - 10}" text-anchor="middle" fill="#1b1f24">${esc(o.xLabel)}</text>`,
    `<text transform="translate(16 ${(m.top + H - m.bottom) / 2}) rotate(-90)" text-anchor="middle" fill="#1b1f24">${esc(o.yLabel)}</text>`,
  );
  let lx = m.left + 10; // legend entries one after another, each as wide as its name
  o.series.forEach((s) => {
    if (s.points.length > 0) {
      const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${px(p[0]).toFixed(1)} ${py(p[1]).toFixed(1)}`).join('');
      parts.push(
        `<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      );
      if (s.points.length < 40)
        for (const p of s.points)
          parts.push(`<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="2.5" fill="${s.colour}"/>`);
    }
    parts.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${m.top - 14}" y2="${m.top - 14}" stroke="${s.colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${lx + 28}" y="${m.top - 14}" dy="0.35em" fill="#1b1f24">${esc(s.name)}</text>`,
    );
    lx += 28 + s.name.length * 7.5 + 18;
  });
  parts.push('</svg>');
  return parts.join('');
}
