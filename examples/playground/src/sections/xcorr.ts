// Section 1: the tutorial's cross-correlation, editable. simdnet computes the output (conv2d with
// explicit padding and stride); hovering or focusing an output cell highlights its window in the input
// and spells out the sum.
import * as sn from 'simdnet';
import { byId, el, fmt, intValue } from '../ui/dom.js';
import { matrixTable, resize } from '../ui/matrix-table.js';

const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

/** Y = X ⋆ K with zero padding p on every side and stride s, computed by simdnet. */
export function crossCorrelate(x: number[][], k: number[][], p: number, s: number): number[][] {
  const [ih, iw, kh, kw] = [x.length, x[0].length, k.length, k[0].length];
  return sn.tidy(() => {
    const y = sn.conv2d(sn.tensor(x.flat(), [1, ih, iw, 1]), sn.tensor(k.flat(), [kh, kw, 1, 1]), {
      padding: [
        [p, p],
        [p, p],
      ],
      strides: s,
    });
    const [, oh, ow] = y.shape;
    const data = y.dataSync();
    return range(oh, (i) => range(ow, (j) => data[i * ow + j]));
  });
}

export function initXcorr(): void {
  const inputs = {
    ih: byId<HTMLInputElement>('xc-ih'),
    iw: byId<HTMLInputElement>('xc-iw'),
    kh: byId<HTMLInputElement>('xc-kh'),
    kw: byId<HTMLInputElement>('xc-kw'),
    pad: byId<HTMLInputElement>('xc-pad'),
    stride: byId<HTMLInputElement>('xc-stride'),
  };
  const hosts = { x: byId('xc-input'), k: byId('xc-kernel'), y: byId('xc-output') };
  const explain = byId('xc-explain');
  let x: number[][] = [];
  let k: number[][] = [];

  const tutorial = () => {
    inputs.ih.value = inputs.iw.value = '3';
    inputs.kh.value = inputs.kw.value = '2';
    inputs.pad.value = '0';
    inputs.stride.value = '1';
    x = [];
    k = [];
  };

  let xTable: ReturnType<typeof matrixTable> | null = null;

  function renderOutput(): void {
    const p = intValue(inputs.pad);
    const s = intValue(inputs.stride);
    const [ih, iw, kh, kw] = [x.length, x[0].length, k.length, k[0].length];
    byId('xc-in-shape').textContent = `${ih}×${iw}${p ? `, padded to ${ih + 2 * p}×${iw + 2 * p}` : ''}`;
    hosts.y.replaceChildren();
    const oh = Math.floor((ih + 2 * p - kh) / s) + 1;
    const ow = Math.floor((iw + 2 * p - kw) / s) + 1;
    if (oh < 1 || ow < 1) {
      byId('xc-out-shape').textContent = '';
      hosts.y.append(el('p', { text: 'The kernel is larger than the padded input: no output.' }));
      return;
    }
    const y = crossCorrelate(x, k, p, s);
    byId('xc-out-shape').textContent =
      `${oh}×${ow} = (⌊(${ih} + ${2 * p} − ${kh}) / ${s}⌋ + 1) × (⌊(${iw} + ${2 * p} − ${kw}) / ${s}⌋ + 1)`;
    const yTable = matrixTable(y, { name: 'Y' });
    hosts.y.append(yTable.table);
    const padded = (r: number, c: number) => {
      const i = r - p;
      const j = c - p;
      return i >= 0 && i < ih && j >= 0 && j < iw ? x[i][j] : 0;
    };
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const td = yTable.cell(i, j)!;
        td.classList.add('out');
        td.tabIndex = 0;
        const window: [number, number][] = [];
        const terms: string[] = [];
        for (let a = 0; a < kh; a++)
          for (let b = 0; b < kw; b++) {
            window.push([i * s + a, j * s + b]);
            terms.push(`${fmt(padded(i * s + a, j * s + b))}·${fmt(k[a][b])}`);
          }
        const text = `Y[${i}, ${j}] = ${terms.join(' + ')} = ${fmt(y[i][j])}`;
        td.setAttribute('aria-label', text);
        const show = () => {
          xTable?.highlight(window);
          explain.textContent = text;
        };
        td.addEventListener('mouseenter', show);
        td.addEventListener('focus', show);
      }
    }
  }

  function render(): void {
    const ih = intValue(inputs.ih);
    const iw = intValue(inputs.iw);
    x = resize(x, ih, iw, (i, j) => i * iw + j);
    k = resize(k, intValue(inputs.kh), intValue(inputs.kw), (i, j) => i * intValue(inputs.kw) + j);
    xTable = matrixTable(x, {
      name: 'X',
      editable: true,
      padding: intValue(inputs.pad),
      onEdit: (i, j, v) => {
        x[i][j] = v;
        renderOutput();
      },
    });
    hosts.x.replaceChildren(xTable.table);
    hosts.k.replaceChildren(
      matrixTable(k, {
        name: 'K',
        editable: true,
        onEdit: (i, j, v) => {
          k[i][j] = v;
          renderOutput();
        },
      }).table,
    );
    explain.textContent = 'Hover over or focus an output cell.';
    renderOutput();
  }

  for (const input of Object.values(inputs)) input.addEventListener('input', render);
  byId('xc-reset').addEventListener('click', () => {
    tutorial();
    render();
  });
  tutorial();
  render();
}
