// Augmentation layers: random flips and translations of NHWC images, drawn per sample, active only in
// training (fit, trainOnBatch, apply with training: true); at inference they pass their input through.
// Each is a gather y[i] = x[src[i]] (or the fill value where src[i] < 0) with its own seeded generator, so
// a seeded model augments the same way every run. The gather is recorded on the tape, so gradients reach
// layers before an augmentation layer too.
import { Tensor, empty } from '../core/tensor.js';
import { isRecording, record } from '../core/engine.js';
import { f32 } from '../backend/views.js';
import { Random } from '../util/random.js';
import { describe } from '../util/validate.js';
import { LAYER_ARG_KEYS, Layer, requireImageInput, type LayerArgs } from './layer.js';
import { checkKnownKeys, checkOneOf, checkOptionsObject, type Shape } from './options.js';

/** y[i] = x[src[i]], or `fill` where src[i] < 0; the gradient scatters dy back through src. */
function gather(x: Tensor, src: Int32Array, fill: number): Tensor {
  const y = empty(x.shape);
  const v = f32();
  for (let i = 0; i < src.length; i++) v[y.index + i] = src[i] >= 0 ? v[x.index + src[i]] : fill;
  if (isRecording()) {
    record({
      name: 'augmentGather',
      inputs: [x],
      outputs: [y],
      backward: ([dy]: Tensor[]) => {
        const dx = empty(x.shape);
        const w = f32();
        w.fill(0, dx.index, dx.index + dx.size);
        for (let i = 0; i < src.length; i++) if (src[i] >= 0) w[dx.index + src[i]] += w[dy.index + i];
        return [dx];
      },
    });
  }
  return y;
}

function checkSeed(seed: unknown, fn: string): number | undefined {
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isInteger(seed)))
    throw new Error(`${fn}: option 'seed' must be an integer; got ${describe(seed)}`);
  return seed as number | undefined;
}

abstract class Augmentation extends Layer {
  readonly seed: number | undefined;
  private rng: Random | null = null;

  protected constructor(a: LayerArgs & { seed?: number }, fn: string, prefix: string) {
    super(a, fn, prefix);
    this.seed = checkSeed(a.seed, fn);
  }

  computeOutputShape(inputShape: Shape): Shape {
    requireImageInput(this, inputShape);
    return inputShape.slice();
  }

  protected override buildWeights(_inputShape: Shape, seed: number | undefined): void {
    // A model-level seed makes an unseeded augmentation repeatable too (as for dropout).
    this.rng = new Random(this.seed ?? seed);
  }

  protected get random(): Random {
    return (this.rng ??= new Random(this.seed));
  }

  protected call(x: Tensor, training: boolean): Tensor {
    if (!training) return x;
    const [n, h, w, c] = x.shape;
    const src = new Int32Array(x.size);
    for (let s = 0; s < n; s++) {
      const map = this.sampleMap(h, w);
      // map[p] is the source pixel (row-major in h x w) of output pixel p, or -1 for the fill value.
      for (let p = 0; p < h * w; p++) {
        const base = (s * h * w + p) * c;
        const from = map[p] < 0 ? -1 : (s * h * w + map[p]) * c;
        for (let k = 0; k < c; k++) src[base + k] = from < 0 ? -1 : from + k;
      }
    }
    return gather(x, src, this.fillValue);
  }

  protected get fillValue(): number {
    return 0;
  }

  /** The source pixel of each output pixel for one sample. */
  protected abstract sampleMap(h: number, w: number): Int32Array;
}

export type FlipMode = 'horizontal' | 'vertical' | 'horizontal_and_vertical';

export interface RandomFlipArgs extends LayerArgs {
  /** Default 'horizontal_and_vertical' (as Keras): each axis is flipped with probability 1/2. */
  mode?: FlipMode;
  seed?: number;
}

export class RandomFlip extends Augmentation {
  readonly className = 'RandomFlip';
  readonly mode: FlipMode;

  constructor(args?: RandomFlipArgs) {
    const fn = 'layers.randomFlip';
    const a = checkOptionsObject(args, fn) as RandomFlipArgs;
    checkKnownKeys(a, [...LAYER_ARG_KEYS, 'mode', 'seed'], fn);
    super(a, fn, 'random_flip');
    this.mode = checkOneOf(
      a.mode ?? 'horizontal_and_vertical',
      ['horizontal', 'vertical', 'horizontal_and_vertical'],
      'mode',
      fn,
    );
  }

  protected sampleMap(h: number, w: number): Int32Array {
    const flipX = this.mode !== 'vertical' && this.random.uniform() < 0.5;
    const flipY = this.mode !== 'horizontal' && this.random.uniform() < 0.5;
    const map = new Int32Array(h * w);
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) map[i * w + j] = (flipY ? h - 1 - i : i) * w + (flipX ? w - 1 - j : j);
    return map;
  }

  protected layerConfig(): Record<string, unknown> {
    return { mode: this.mode, ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}

export type FillMode = 'reflect' | 'constant' | 'nearest' | 'wrap';

export interface RandomTranslationArgs extends LayerArgs {
  /** A fraction of the height: a number f for shifts in [-f, f], or [lower, upper]; positive moves down. */
  heightFactor: number | [number, number];
  /** A fraction of the width, likewise; positive moves right. */
  widthFactor: number | [number, number];
  /** How pixels shifted in from outside are filled; default 'reflect' (as Keras). */
  fillMode?: FillMode;
  /** The value for fillMode 'constant'; default 0. */
  fillValue?: number;
  /** Only 'nearest': shifts are rounded to whole pixels. */
  interpolation?: 'nearest';
  seed?: number;
}

function checkFactor(value: unknown, arg: string, fn: string): [number, number] {
  const pair = typeof value === 'number' ? [-Math.abs(value), Math.abs(value)] : value;
  if (
    !Array.isArray(pair) ||
    pair.length !== 2 ||
    pair.some((f) => typeof f !== 'number' || !(Math.abs(f) <= 1)) ||
    pair[0] > pair[1]
  )
    throw new Error(
      `${fn}: option '${arg}' must be a fraction in [-1, 1] or [lower, upper] with lower <= upper; got ${describe(value)}`,
    );
  return [pair[0], pair[1]];
}

/** Where index i (possibly outside [0, n)) reads from under a fill mode, or -1 for the fill value. */
function fillIndex(i: number, n: number, mode: FillMode): number {
  if (i >= 0 && i < n) return i;
  if (mode === 'constant') return -1;
  if (mode === 'nearest') return i < 0 ? 0 : n - 1;
  if (mode === 'wrap') return ((i % n) + n) % n;
  // 'reflect' as Keras: d c b a | a b c d | d c b a (the edge pixel repeated).
  const m = ((i % (2 * n)) + 2 * n) % (2 * n);
  return m < n ? m : 2 * n - 1 - m;
}

export class RandomTranslation extends Augmentation {
  readonly className = 'RandomTranslation';
  readonly heightFactor: [number, number];
  readonly widthFactor: [number, number];
  readonly fillMode: FillMode;
  readonly fill: number;

  constructor(args: RandomTranslationArgs) {
    const fn = 'layers.randomTranslation';
    const a = checkOptionsObject(args, fn) as RandomTranslationArgs;
    checkKnownKeys(
      a,
      [...LAYER_ARG_KEYS, 'heightFactor', 'widthFactor', 'fillMode', 'fillValue', 'interpolation', 'seed'],
      fn,
    );
    super(a, fn, 'random_translation');
    if (a.heightFactor === undefined) throw new Error(`${fn}: option 'heightFactor' is required, e.g. 0.1`);
    if (a.widthFactor === undefined) throw new Error(`${fn}: option 'widthFactor' is required, e.g. 0.1`);
    this.heightFactor = checkFactor(a.heightFactor, 'heightFactor', fn);
    this.widthFactor = checkFactor(a.widthFactor, 'widthFactor', fn);
    this.fillMode = checkOneOf(a.fillMode ?? 'reflect', ['reflect', 'constant', 'nearest', 'wrap'], 'fillMode', fn);
    if (a.fillValue !== undefined && (typeof a.fillValue !== 'number' || !Number.isFinite(a.fillValue)))
      throw new Error(`${fn}: option 'fillValue' must be a finite number; got ${describe(a.fillValue)}`);
    this.fill = a.fillValue ?? 0;
    if (a.interpolation !== undefined) checkOneOf(a.interpolation, ['nearest'], 'interpolation', fn);
  }

  protected override get fillValue(): number {
    return this.fill;
  }

  protected sampleMap(h: number, w: number): Int32Array {
    const [hl, hu] = this.heightFactor;
    const [wl, wu] = this.widthFactor;
    const dy = Math.round((hl + (hu - hl) * this.random.uniform()) * h);
    const dx = Math.round((wl + (wu - wl) * this.random.uniform()) * w);
    const map = new Int32Array(h * w);
    for (let i = 0; i < h; i++) {
      const si = fillIndex(i - dy, h, this.fillMode);
      for (let j = 0; j < w; j++) {
        const sj = fillIndex(j - dx, w, this.fillMode);
        map[i * w + j] = si < 0 || sj < 0 ? -1 : si * w + sj;
      }
    }
    return map;
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      heightFactor: this.heightFactor.slice(),
      widthFactor: this.widthFactor.slice(),
      fillMode: this.fillMode,
      fillValue: this.fill,
      ...(this.seed === undefined ? {} : { seed: this.seed }),
    };
  }
}
