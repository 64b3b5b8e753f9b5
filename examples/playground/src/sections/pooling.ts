// Section 4: multiple input and output channels, 1×1 convolution and pooling, as in the tutorial. All
// numbers come from simdnet (NHWC tensors: channels are the last axis, weights [kh, kw, cin, cout]).
import * as sn from 'simdnet';
import { byId, el, intValue, showError } from '../ui/dom.js';
import { matrixTable } from '../ui/matrix-table.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Channel c of an NHWC tensor's first image as a matrix. */
function channel(data: ArrayLike<number>, h: number, w: number, c: number, channels: number): number[][] {
  return range(h).map((i) => range(w).map((j) => data[(i * w + j) * channels + c]));
}

/** Interleaves per-channel matrices into NHWC order. */
function interleave(planes: number[][][]): number[] {
  const h = planes[0].length;
  const w = planes[0][0].length;
  const out: number[] = [];
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (const p of planes) out.push(p[i][j]);
  return out;
}

function fig(caption: string, m: number[][]): HTMLElement {
  return el('figure', {}, el('figcaption', { text: caption }), matrixTable(m, { name: caption }).table);
}
const sym = (s: string) => el('span', { class: 'op', 'aria-hidden': 'true', text: s });

/** Convolves per-channel X planes with kernels[cout][cin] (2-D each); returns the output planes. */
export function multiChannel(xPlanes: number[][][], kernels: number[][][][]): number[][][] {
  const cin = xPlanes.length;
  const cout = kernels.length;
  const [h, w] = [xPlanes[0].length, xPlanes[0][0].length];
  const [kh, kw] = [kernels[0][0].length, kernels[0][0][0].length];
  const wFlat: number[] = [];
  for (let a = 0; a < kh; a++)
    for (let b = 0; b < kw; b++)
      for (let ci = 0; ci < cin; ci++) for (let co = 0; co < cout; co++) wFlat.push(kernels[co][ci][a][b]);
  return sn.tidy(() => {
    const y = sn.conv2d(sn.tensor(interleave(xPlanes), [1, h, w, cin]), sn.tensor(wFlat, [kh, kw, cin, cout]));
    const d = y.dataSync();
    return range(cout).map((c) => channel(d, y.shape[1], y.shape[2], c, cout));
  });
}

export function pool(
  x: number[][],
  kind: 'max' | 'avg',
  window: number,
  stride: number,
  padding: 'valid' | 'same',
): number[][] {
  return sn.tidy(() => {
    const t = sn.tensor(x.flat(), [1, x.length, x[0].length, 1]);
    const opts = { poolSize: window, strides: stride, padding };
    const y = kind === 'max' ? sn.maxPool2d(t, opts) : sn.avgPool2d(t, opts);
    return channel(y.dataSync(), y.shape[1], y.shape[2], 0, 1);
  });
}

export function initPooling(): void {
  const x0 = [
    [0, 1, 2],
    [3, 4, 5],
    [6, 7, 8],
  ];
  const x1 = x0.map((r) => r.map((v) => v + 1));
  const k0 = [
    [0, 1],
    [2, 3],
  ];
  const k1 = k0.map((r) => r.map((v) => v + 1));

  const [y] = multiChannel([x0, x1], [[k0, k1]]);
  byId('ch-multi-in').append(
    fig('X channel 0', x0),
    fig('X channel 1', x1),
    sym('⋆'),
    fig('K channel 0', k0),
    fig('K channel 1', k1),
    sym('='),
    fig('Y (sum over channels)', y),
  );

  const plus = (k: number[][], d: number) => k.map((r) => r.map((v) => v + d));
  const kernels = [0, 1, 2].map((d) => [plus(k0, d), plus(k1, d)]);
  const ys = multiChannel([x0, x1], kernels);
  byId('ch-multi-out').append(
    ...ys.map((m, c) => fig(`Y channel ${c} (K + ${c})`, m)),
    el('p', { class: 'muted', text: 'Weights: 2×2×2×3 (kernel rows, columns, input channels, output channels).' }),
  );

  const planes = [0, 1, 2].map((c) => x0.map((r) => r.map((v) => v + c * 9)));
  const k1x1 = [
    [[[1]], [[0]], [[-1]]],
    [[[0.5]], [[0.5]], [[0.5]]],
  ];
  const y1 = multiChannel(planes, k1x1);
  byId('ch-1x1').append(
    ...planes.map((p, c) => fig(`X channel ${c}`, p)),
    sym('→'),
    fig('Y0 = X0 − X2', y1[0]),
    fig('Y1 = (X0 + X1 + X2) / 2', y1[1]),
  );

  const inputs = {
    size: byId<HTMLInputElement>('pl-size'),
    window: byId<HTMLInputElement>('pl-window'),
    stride: byId<HTMLInputElement>('pl-stride'),
  };
  const padding = byId<HTMLSelectElement>('pl-padding');
  const host = byId('pl-grids');
  const render = () => {
    const n = intValue(inputs.size);
    const win = intValue(inputs.window);
    const s = intValue(inputs.stride);
    const pad = padding.value as 'valid' | 'same';
    const x = range(n).map((i) => range(n).map((j) => i * n + j));
    host.replaceChildren(fig(`X (${n}×${n})`, x));
    if (pad === 'valid' && win > n) {
      host.append(el('p', { text: `The ${win}×${win} window does not fit in the ${n}×${n} input: no output.` }));
      return;
    }
    try {
      const mx = pool(x, 'max', win, s, pad);
      const av = pool(x, 'avg', win, s, pad);
      const shape = `${mx.length}×${mx[0].length}`;
      host.append(fig(`Max pooling ${win}×${win}, stride ${s} → ${shape}`, mx), fig(`Average pooling → ${shape}`, av));
    } catch (e) {
      const p = el('p');
      host.append(p);
      showError(p, e);
    }
  };
  for (const i of Object.values(inputs)) i.addEventListener('input', render);
  padding.addEventListener('change', render);
  render();
}
