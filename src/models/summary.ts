// Keras's model summary table, as text lines. Pure, so tests compare it line by line.
export interface SummaryRow {
  /** 'conv2d_1 (Conv2D)' */
  layer: string;
  /** '(None, 26, 26, 32)' */
  outputShape: string;
  params: number;
  /** Functional models: the tensors the layer was applied to, e.g. ['conv2d_1[0][0]']. */
  connectedTo?: string[];
}

export interface SummaryTotals {
  total: number;
  trainable: number;
}

/** 93322 → '93,322'. */
export function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * The lines of the table. Columns end at `positions` (fractions of `lineLength`, or absolute character
 * positions when > 1) as in Keras (65 characters, at 45% and 85%; with a "Connected to" column, as for
 * functional models, 98 characters at 33%, 55%, 67%); a column widens when its content would not fit,
 * instead of cutting a layer name short. A row connected to several tensors takes one line per tensor.
 */
export function formatSummary(
  modelName: string,
  rows: SummaryRow[],
  totals: SummaryTotals,
  lineLength?: number,
  positions?: number[],
): string[] {
  const connected = rows.some((r) => r.connectedTo !== undefined);
  lineLength ??= connected ? 98 : 65;
  positions ??= connected ? [0.33, 0.55, 0.67, 1] : [0.45, 0.85, 1];
  const ends = positions.map((p) => (p <= 1 ? Math.floor(lineLength! * p) : p));
  const widths = ends.map((end, i) => end - (i === 0 ? 0 : ends[i - 1]));
  const cells = (r: SummaryRow) => {
    const c = [r.layer, r.outputShape, r.layer === '' ? '' : String(r.params)];
    return connected ? [...c, r.connectedTo?.[0] ?? ''] : c;
  };
  for (const r of rows) {
    cells(r).forEach((c, i) => (widths[i] = Math.max(widths[i], c.length + 1)));
    for (const c of r.connectedTo ?? []) widths[3] = Math.max(widths[3], c.length + 1);
  }
  const width = widths.reduce((a, b) => a + b, 0);
  const line = (fields: string[]) => fields.map((f, i) => f.padEnd(widths[i])).join('');
  const header = ['Layer (type)', 'Output Shape', 'Param #'];
  const out = [
    `Model: "${modelName}"`,
    '_'.repeat(width),
    line(connected ? [...header, 'Connected to'] : header),
    '='.repeat(width),
  ];
  rows.forEach((r, i) => {
    out.push(line(cells(r)));
    for (const more of r.connectedTo?.slice(1) ?? []) out.push(line(['', '', '', more]));
    out.push(i === rows.length - 1 ? '='.repeat(width) : '_'.repeat(width));
  });
  if (rows.length === 0) out.push('='.repeat(width));
  out.push(`Total params: ${thousands(totals.total)}`);
  out.push(`Trainable params: ${thousands(totals.trainable)}`);
  out.push(`Non-trainable params: ${thousands(totals.total - totals.trainable)}`);
  out.push('_'.repeat(width));
  return out;
}
