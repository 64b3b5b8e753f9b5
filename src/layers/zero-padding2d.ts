// ZeroPadding2D: zero rows and columns around NHWC images (Keras's layer).
import type { Tensor } from '../core/tensor.js';
import { pad } from '../ops/pad.js';
import { LAYER_ARG_KEYS, Layer, requireImageInput, type LayerArgs } from './layer.js';
import { checkKnownKeys, checkOneOf, checkOptionsObject, type Shape } from './options.js';
import { describe } from '../util/validate.js';

export interface ZeroPadding2DArgs extends LayerArgs {
  /** p (all sides), [ph, pw] (symmetric) or [[top, bottom], [left, right]]. Default 1. */
  padding?: number | [number, number] | [[number, number], [number, number]];
  dataFormat?: 'channelsLast';
}

function resolve(padding: unknown, fn: string): [[number, number], [number, number]] {
  const nonNeg = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (nonNeg(padding)) {
    const p = padding as number;
    return [
      [p, p],
      [p, p],
    ];
  }
  if (Array.isArray(padding) && padding.length === 2) {
    if (padding.every(nonNeg))
      return [
        [padding[0], padding[0]],
        [padding[1], padding[1]],
      ];
    if (padding.every((p) => Array.isArray(p) && p.length === 2 && p.every(nonNeg)))
      return [
        [padding[0][0], padding[0][1]],
        [padding[1][0], padding[1][1]],
      ];
  }
  throw new Error(
    `${fn}: option 'padding' must be a non-negative integer, [ph, pw] or [[top, bottom], [left, right]]; got ${Array.isArray(padding) ? JSON.stringify(padding) : describe(padding)}`,
  );
}

export class ZeroPadding2D extends Layer {
  readonly className = 'ZeroPadding2D';
  readonly padding: [[number, number], [number, number]];

  constructor(args?: ZeroPadding2DArgs) {
    const fn = 'layers.zeroPadding2d';
    const a = checkOptionsObject(args, fn) as ZeroPadding2DArgs;
    checkKnownKeys(a, [...LAYER_ARG_KEYS, 'padding', 'dataFormat'], fn);
    super(a, fn, 'zero_padding2d');
    this.padding = resolve(a.padding ?? 1, fn);
    if (a.dataFormat !== undefined) checkOneOf(a.dataFormat, ['channelsLast'], 'dataFormat', fn);
  }

  computeOutputShape(inputShape: Shape): Shape {
    const [h, w, c] = requireImageInput(this, inputShape);
    const [[t, b], [l, r]] = this.padding;
    return [inputShape[0], h + t + b, w + l + r, c];
  }

  protected call(x: Tensor): Tensor {
    const [[t, b], [l, r]] = this.padding;
    return pad(x, [
      [0, 0],
      [t, b],
      [l, r],
      [0, 0],
    ]);
  }

  protected layerConfig(): Record<string, unknown> {
    return { padding: this.padding.map((p) => p.slice()) };
  }
}
