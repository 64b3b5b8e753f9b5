// A matrix as an HTML table: editable cells (number inputs) or read-only values, with optional padding
// cells drawn around it and a set of highlighted cells.
import { el, fmt } from './dom.js';

export interface MatrixTableOptions {
  /** Name for labels, e.g. 'X' gives cells labelled "X row 1 column 2". */
  name: string;
  editable?: boolean;
  onEdit?: (row: number, col: number, value: number) => void;
  /** Zero cells drawn around the matrix (read-only). */
  padding?: number;
}

/** Builds the table; cells are reachable through `cell(r, c)` in padded coordinates. */
export function matrixTable(values: number[][], o: MatrixTableOptions) {
  const p = o.padding ?? 0;
  const h = values.length;
  const w = values[0]?.length ?? 0;
  const table = el('table', { class: 'matrix' });
  const cells: HTMLTableCellElement[][] = [];
  for (let r = 0; r < h + 2 * p; r++) {
    const tr = el('tr');
    const row: HTMLTableCellElement[] = [];
    for (let c = 0; c < w + 2 * p; c++) {
      const i = r - p;
      const j = c - p;
      const inside = i >= 0 && i < h && j >= 0 && j < w;
      const td = el('td');
      if (!inside) {
        td.className = 'pad';
        td.textContent = '0';
        td.title = 'padding';
      } else if (o.editable) {
        const input = el('input', {
          type: 'number',
          step: 'any',
          value: String(values[i][j]),
          'aria-label': `${o.name} row ${i + 1} column ${j + 1}`,
        });
        input.addEventListener('input', () => {
          const v = Number(input.value);
          if (input.value.trim() !== '' && Number.isFinite(v)) o.onEdit?.(i, j, v);
        });
        td.append(input);
      } else {
        td.textContent = fmt(values[i][j]);
      }
      tr.append(td);
      row.push(td);
    }
    table.append(tr);
    cells.push(row);
  }
  return {
    table,
    cell: (r: number, c: number) => cells[r]?.[c],
    highlight(list: [number, number][]) {
      for (const row of cells) for (const td of row) td.classList.remove('hl');
      for (const [r, c] of list) cells[r]?.[c]?.classList.add('hl');
    },
  };
}

/** A rows×cols matrix keeping what it can of `old`, filling new cells with `fill(i, j)`. */
export function resize(
  old: number[][],
  rows: number,
  cols: number,
  fill: (i: number, j: number) => number,
): number[][] {
  return Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (old[i] && j < old[i].length ? old[i][j] : fill(i, j))),
  );
}
