// Small DOM helpers shared by the sections.

/** The element with this id; a missing one is a bug in index.html, reported by name. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`playground: no element #${id} in the page`);
  return el as T;
}

/** An element with attributes and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

/** The integer in a number input, clamped to its min..max (the browser allows typing anything). */
export function intValue(input: HTMLInputElement): number {
  const min = Number(input.min || -Infinity);
  const max = Number(input.max || Infinity);
  const v = Math.round(Number(input.value));
  if (!Number.isFinite(v)) return Math.max(min, Math.min(max, Number(input.defaultValue) || 0));
  return Math.max(min, Math.min(max, v));
}

/** A number for display: integers as they are, others with a few significant digits. */
export function fmt(v: number, digits = 3): string {
  if (Number.isInteger(v)) return String(v);
  const s = Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(digits);
  return String(Number(s));
}

/** A number with thousands separators. */
export function thousands(v: number): string {
  return Math.round(v).toLocaleString('en-US');
}

/** Shows an error in a status element and on the console as information (not a page error). */
export function showError(target: HTMLElement, e: unknown): void {
  target.textContent = `Error: ${e instanceof Error ? e.message : String(e)}`;
  target.classList.add('error');
}
