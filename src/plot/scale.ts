// Axis helpers for the SVG charts: "nice" tick values (1, 2, 2.5 or 5 times a power of ten) and their labels.

/** About `count` round tick values covering [min, max]; the domain is [first, last]. */
export function niceTicks(min: number, max: number, count = 5, integer = false): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min === max) {
    const pad = integer ? 1 : Math.abs(min) * 0.1 || 0.5;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  let step = power * ([1, 2, 2.5, 5, 10].find((m) => m * power >= raw) ?? 10);
  if (integer) step = Math.max(1, Math.round(step));
  const first = Math.floor(min / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let v = first; v < max + step * 0.999; v += step) ticks.push(Number(v.toFixed(12)));
  if (ticks.length < 2) ticks.push(first + step);
  return ticks;
}

/** Labels with the fewest decimals (the same for all) that still show every tick exactly. */
export function tickLabels(ticks: number[]): string[] {
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : 1;
  let decimals = 0;
  while (decimals < 8 && ticks.some((t) => Math.abs(Number(t.toFixed(decimals)) - t) > step * 1e-6)) decimals++;
  return ticks.map((t) => t.toFixed(decimals));
}
