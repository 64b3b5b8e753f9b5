// Weight initializers with Keras's names and formulas. Each can be seeded, so that building the same
// model twice gives the same weights; an unseeded one draws a fresh seed from Math.random.
//
// Fans: a dense kernel [in, out] has fanIn = in, fanOut = out; a conv kernel [kh, kw, cin, cout] has
// fanIn = kh*kw*cin, fanOut = kh*kw*cout (the receptive field times the channels, as Keras computes them).
//
// The normal variants (glorotNormal, heNormal) follow tf.keras (2.x and later): a normal truncated at two
// standard deviations (values beyond are redrawn), with the standard deviation divided by 0.8796...
// so that the truncated distribution still has the intended variance (2/(fanIn+fanOut) and 2/fanIn).
import { Tensor } from '../core/tensor.js';
import { fill } from '../core/creation.js';
import { f32 } from '../backend/views.js';
import { Random } from '../util/random.js';
import { checkShape, describe, lookupOwn } from '../util/validate.js';

// The standard deviation of a unit normal truncated to [-2, 2].
const TRUNCATED_STDDEV = 0.87962566103423978;

export interface InitializerConfig {
  className: string;
  config: { seed?: number; value?: number };
}

export interface Initializer {
  /** Keras's class name, e.g. 'GlorotUniform'. */
  readonly className: string;
  readonly seed: number | undefined;
  /** A new tensor of `shape`; `fallbackSeed` is used when the initializer has no seed of its own. */
  apply(shape: number[], fallbackSeed?: number): Tensor;
  getConfig(): InitializerConfig;
}

export interface SeedOptions {
  /** Makes the values repeatable. */
  seed?: number;
}

export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) {
    const n = shape.length === 1 ? shape[0] : 1;
    return { fanIn: n, fanOut: n };
  }
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: receptive * shape[shape.length - 2], fanOut: receptive * shape[shape.length - 1] };
}

function checkSeed(seed: unknown, fn: string): number | undefined {
  if (seed === undefined) return undefined;
  if (typeof seed !== 'number' || !Number.isInteger(seed))
    throw new Error(`${fn}: option 'seed' must be an integer; got ${describe(seed)}`);
  return seed;
}

function randomSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff);
}

type Sampler = (rng: Random, shape: number[]) => (i: number) => number;

function makeInitializer(
  className: string,
  fn: string,
  options: SeedOptions | undefined,
  sampler: Sampler,
): Initializer {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new Error(
      `initializers.${fn}: argument 'options' must be an object like { seed: 1 }; got ${describe(options)}`,
    );
  }
  const seed = checkSeed(options?.seed, `initializers.${fn}`);
  return {
    className,
    seed,
    apply(shape: number[], fallbackSeed?: number): Tensor {
      const s = checkShape(shape, 'shape', `initializers.${fn}`);
      const rng = new Random(seed ?? fallbackSeed ?? randomSeed());
      const draw = sampler(rng, s);
      const t = new Tensor(s);
      const values = new Float32Array(t.size);
      for (let i = 0; i < t.size; i++) values[i] = draw(i);
      f32().set(values, t.index);
      return t;
    },
    getConfig: () => ({ className, config: seed === undefined ? {} : { seed } }),
  };
}

function uniform(rng: Random, limit: number): number {
  return (2 * rng.uniform() - 1) * limit;
}

function truncatedNormal(rng: Random, stddev: number): number {
  for (;;) {
    const z = rng.normal();
    if (z >= -2 && z <= 2) return z * stddev;
  }
}

/** Uniform in [-limit, limit], limit = sqrt(6 / (fanIn + fanOut)). Keras's default for kernels. */
export function glorotUniform(options?: SeedOptions): Initializer {
  return makeInitializer('GlorotUniform', 'glorotUniform', options, (rng, shape) => {
    const { fanIn, fanOut } = fans(shape);
    const limit = Math.sqrt(6 / Math.max(1, fanIn + fanOut));
    return () => uniform(rng, limit);
  });
}

/** Truncated normal (see the file comment) with variance 2 / (fanIn + fanOut). */
export function glorotNormal(options?: SeedOptions): Initializer {
  return makeInitializer('GlorotNormal', 'glorotNormal', options, (rng, shape) => {
    const { fanIn, fanOut } = fans(shape);
    const stddev = Math.sqrt(2 / Math.max(1, fanIn + fanOut)) / TRUNCATED_STDDEV;
    return () => truncatedNormal(rng, stddev);
  });
}

/** Truncated normal (see the file comment) with variance 2 / fanIn. Suits ReLU networks. */
export function heNormal(options?: SeedOptions): Initializer {
  return makeInitializer('HeNormal', 'heNormal', options, (rng, shape) => {
    const stddev = Math.sqrt(2 / Math.max(1, fans(shape).fanIn)) / TRUNCATED_STDDEV;
    return () => truncatedNormal(rng, stddev);
  });
}

/** Uniform in [-limit, limit], limit = sqrt(6 / fanIn). */
export function heUniform(options?: SeedOptions): Initializer {
  return makeInitializer('HeUniform', 'heUniform', options, (rng, shape) => {
    const limit = Math.sqrt(6 / Math.max(1, fans(shape).fanIn));
    return () => uniform(rng, limit);
  });
}

function constant(className: string, value: number): Initializer {
  return {
    className,
    seed: undefined,
    apply: (shape: number[]) => fill(checkShape(shape, 'shape', `initializers.${className}`), value),
    getConfig: () => ({ className, config: {} }),
  };
}

export function zeros(): Initializer {
  return constant('Zeros', 0);
}

export function ones(): Initializer {
  return constant('Ones', 1);
}

const byName: Record<string, (options?: SeedOptions) => Initializer> = {
  glorotUniform,
  glorotNormal,
  heNormal,
  heUniform,
  zeros,
  ones,
};

// Keras's class names and Python spellings map to the same factories, so that saved configs load back.
const aliases: Record<string, string> = {
  GlorotUniform: 'glorotUniform',
  glorot_uniform: 'glorotUniform',
  GlorotNormal: 'glorotNormal',
  glorot_normal: 'glorotNormal',
  HeNormal: 'heNormal',
  he_normal: 'heNormal',
  HeUniform: 'heUniform',
  he_uniform: 'heUniform',
  Zeros: 'zeros',
  Ones: 'ones',
};

export type InitializerIdentifier = string | Initializer | InitializerConfig;

/** An initializer from a name ('glorotUniform'), a config ({ className, config }) or an initializer. */
export function getInitializer(id: InitializerIdentifier, arg: string, fn: string): Initializer {
  if (typeof id === 'string') {
    const factory = lookupOwn(byName, lookupOwn(aliases, id) ?? id);
    if (!factory)
      throw new Error(
        `${fn}: option '${arg}' must be one of ${Object.keys(byName)
          .map((k) => `'${k}'`)
          .join(', ')} or an initializer; got ${describe(id)}`,
      );
    return factory();
  }
  if (id && typeof id === 'object' && typeof (id as Initializer).apply === 'function') return id as Initializer;
  if (id && typeof id === 'object' && typeof (id as InitializerConfig).className === 'string') {
    const { className, config } = id as InitializerConfig;
    const factory = lookupOwn(byName, lookupOwn(aliases, className) ?? className);
    if (!factory) throw new Error(`${fn}: option '${arg}' names an unknown initializer class ${describe(className)}`);
    return factory(config?.seed === undefined ? {} : { seed: config.seed });
  }
  throw new Error(
    `${fn}: option '${arg}' must be an initializer name such as 'glorotUniform', or an initializer; got ${describe(id)}`,
  );
}

export const initializers = { glorotUniform, glorotNormal, heNormal, heUniform, zeros, ones };
