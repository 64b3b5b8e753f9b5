// Keras's model summary table, as text lines. Pure, so tests compare it line by line.
export interface SummaryRow {
  /** 'conv2d_1 (Conv2D)' */
  layer: string;
  /** '(None, 26, 26, 32)' */
  outputShape: string;
  params: number;
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
 * positions when > 1) as in Keras (65 characters, at 45% and 85%); a column widens when its content
 * would not fit, instead of cutting a layer name short.
 */
export function formatSummary(
  modelName: string,
  rows: SummaryRow[],
  totals: SummaryTotals,
  lineLength = 65,
  positions = [0.45, 0.85, 1],
): string[] {
  const ends = positions.map((p) => (p <= 1 ? Math.floor(lineLength * p) : p));
  const widths = ends.map((end, i) => end - (i === 0 ? 0 : ends[i - 1]));
  const cells = (r: SummaryRow) => [r.layer, r.outputShape, String(r.params)];
  for (const r of rows) cells(r).forEach((c, i) => (widths[i] = Math.max(widths[i], c.length + 1)));
  const width = widths.reduce((a, b) => a + b, 0);
  const line = (fields: string[]) => fields.map((f, i) => f.padEnd(widths[i])).join('');
  const out = [
    `Model: "${modelName}"`,
    '_'.repeat(width),
    line(['Layer (type)', 'Output Shape', 'Param #']),
    '='.repeat(width),
  ];
  rows.forEach((r, i) => {
    out.push(line(cells(r)));
    out.push(i === rows.length - 1 ? '='.repeat(width) : '_'.repeat(width));
  });
  if (rows.length === 0) out.push('='.repeat(width));
  out.push(`Total params: ${thousands(totals.total)}`);
  out.push(`Trainable params: ${thousands(totals.trainable)}`);
  out.push(`Non-trainable params: ${thousands(totals.total - totals.trainable)}`);
  out.push('_'.repeat(width));
  return out;
}
