// The smoke test every runtime runs (Node, Deno, Bun, headless Chromium): the same file, importing the
// package by its name, so each runtime resolves `simdnet` its own way (package.json `exports` for
// Node/Deno/Bun, an import map in the browser) and loads the one bundle, both WASM builds inlined.
// It uses nothing but the language and simdnet (no `node:` modules, no test framework), and it never
// throws: each check reports pass or fail, so an op that is missing or wrong is a failed check, not a
// crash of the runtime.
import * as sn from 'simdnet';
import { probeRelaxedSimd } from './relaxed-probe.mjs';

/** Norm-wise relative error max|a-e| / max|e|, as in tests/helpers/compare.mjs. */
export function maxRelError(actual, expected) {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    if (!Number.isFinite(actual[i]) && actual[i] !== expected[i]) return Infinity;
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / Math.max(scale, 1e-6);
}

function check(ok, message) {
  if (!ok) throw new Error(message);
}

function checkClose(t, expected, tol, what) {
  check(
    JSON.stringify(t.shape) === JSON.stringify(expected.shape),
    `${what}: shape [${t.shape}], expected [${expected.shape}]`,
  );
  const err = maxRelError(t.dataSync(), expected.data);
  check(err <= tol, `${what}: relative error ${err.toExponential(3)} > ${tol}`);
  return err;
}

function checkThrows(fn, pattern, what) {
  try {
    fn();
  } catch (e) {
    check(pattern.test(e.message), `${what}: threw "${e.message}", expected a message matching ${pattern}`);
    return;
  }
  throw new Error(`${what}: did not throw`);
}

const fromFixture = (t) => sn.tensor(Float32Array.from(t.data), t.shape);
const describe = ({ params: { strides, padding, dilation, poolSize } }) =>
  JSON.stringify({ poolSize, strides, padding, dilation }).replace(/"/g, '');

/**
 * Runs every check against the bundle and returns { label, info, total, passed, results }.
 * config: { label, simd?: 'relaxed' | 'plain' (passed to ready; absent = the runtime's default),
 *           expect: { simd, runtime, relaxedValidates? }, tolerance,
 *           cases: { conv2d: [...], maxPool2d: [...], dense: [...] } }
 * log receives one line per check, uvu-style ("✓ name" / "✘ name — reason").
 */
export async function runSmoke(config, log = (line) => console.log(line)) {
  const tol = config.tolerance ?? 1e-4;
  const results = [];
  let info = null;
  const test = async (name, fn) => {
    const t0 = Date.now();
    try {
      const note = await fn();
      results.push({ name, ok: true });
      log(`  ✓ ${name}${note ? ` (${note})` : ''} [${Date.now() - t0} ms]`);
    } catch (e) {
      const message = e && e.message ? e.message : String(e);
      results.push({ name, ok: false, message });
      log(`  ✘ ${name} — ${message}`);
    }
  };

  log(`${config.label}:`);
  const readyOptions = {
    ...(config.simd ? { simd: config.simd } : {}),
    ...(config.threads ? { threads: config.threads } : {}),
  };
  await test(`ready(${JSON.stringify(readyOptions).replace(/"/g, "'")})`, async () => {
    await sn.ready(readyOptions);
  });
  const start = liveTensors();

  await test(`backendInfo reports simd '${config.expect.simd}' on runtime '${config.expect.runtime}'`, () => {
    info = sn.backendInfo();
    check(info.simd === config.expect.simd, `simd is '${info.simd}'`);
    check(info.runtime === config.expect.runtime, `runtime is '${info.runtime}'`);
    check(info.wasmBytes > 0 && info.wasmBytes % 65536 === 0, `wasmBytes is ${info.wasmBytes}`);
    return `simd ${info.simd}, runtime ${info.runtime}`;
  });

  if (config.expect.threads !== undefined) {
    await test(`backendInfo reports ${config.expect.threads} thread(s)`, () => {
      const { threads, threadsUnavailable } = sn.backendInfo();
      check(threads === config.expect.threads, `threads is ${threads} (threadsUnavailable: ${threadsUnavailable})`);
      const why = config.expect.threadsUnavailable;
      if (why) check(new RegExp(why).test(threadsUnavailable ?? ''), `threadsUnavailable is ${threadsUnavailable}`);
      else check(threadsUnavailable === undefined, `threadsUnavailable is ${threadsUnavailable}`);
      return threadsUnavailable ? `threadsUnavailable: ${threadsUnavailable}` : '';
    });
  }
  if (config.expect.threads > 1) {
    await test(`conv2d forward and backward split over ${config.expect.threads} threads = 1 thread, bit for bit`, async () => {
      const run = () =>
        sn.tidy(() => {
          const x = sn.randomNormal([6, 14, 14, 8], { seed: 1 });
          const w = sn.randomNormal([3, 3, 8, 20], { seed: 2 });
          const b = sn.randomNormal([20], { seed: 3 });
          const f = (x, w, b) => sn.conv2d(x, w, { padding: 'same', bias: b, activation: 'relu' });
          return [f(x, w, b), ...sn.grads(f)([x, w, b])].map((t) => new Uint32Array(t.dataSync().buffer));
        });
      const many = run();
      await sn.ready({ threads: 1 });
      const one = run();
      await sn.ready({ threads: config.expect.threads });
      check(sn.backendInfo().threads === config.expect.threads, 'threads did not come back');
      ['y', 'dx', 'dw', 'db'].forEach((name, i) => {
        const at = many[i].findIndex((v, j) => v !== one[i][j]);
        check(many[i].length === one[i].length && at < 0, `${name} differs at ${at}`);
      });
    });
  }

  // The runtime's own answer, whatever instructions simdnet's relaxed build happens to contain.
  if (config.expect.relaxedValidates !== undefined) {
    await test(`the runtime ${config.expect.relaxedValidates ? 'validates' : 'rejects'} relaxed SIMD`, async () => {
      const probe = await probeRelaxedSimd();
      check(probe.validates === config.expect.relaxedValidates, `WebAssembly.validate said ${probe.validates}`);
      if (info) info.relaxedMaddFuses = probe.fuses;
      return probe.validates ? `relaxed_madd ${probe.fuses ? 'fuses' : 'does not fuse'}` : '';
    });
  }

  await test('tensor round trip, reshape', () => {
    sn.tidy(() => {
      const t = sn.tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      check(JSON.stringify(t.array()) === '[[1,2,3],[4,5,6]]', `array() is ${JSON.stringify(t.array())}`);
      const r = t.reshape([3, -1]);
      check(JSON.stringify(r.shape) === '[3,2]', `reshape shape [${r.shape}]`);
      check(JSON.stringify(Array.from(r.dataSync())) === '[1,2,3,4,5,6]', 'reshape changed the data');
    });
  });

  for (const c of config.cases.conv2d) {
    await test(`conv2d = PyTorch: x [${c.x.shape}], w [${c.w.shape}]${c.b ? ' + bias' : ''}, ${describe(c)}`, () =>
      sn.tidy(() => {
        const options = { strides: c.params.strides, padding: c.params.padding, dilation: c.params.dilation };
        if (c.b) options.bias = fromFixture(c.b);
        return `error ${checkClose(sn.conv2d(fromFixture(c.x), fromFixture(c.w), options), c.y, tol, 'conv2d').toExponential(1)}`;
      }));
  }
  for (const c of config.cases.maxPool2d) {
    await test(`maxPool2d = PyTorch: x [${c.x.shape}], ${describe(c)}`, () =>
      sn.tidy(() => {
        const y = sn.maxPool2d(fromFixture(c.x), {
          poolSize: c.params.poolSize,
          strides: c.params.strides,
          padding: c.params.padding,
        });
        return `error ${checkClose(y, c.y, tol, 'maxPool2d').toExponential(1)}`;
      }));
  }
  for (const c of config.cases.dense) {
    await test(`dense = PyTorch: x [${c.x.shape}], w [${c.w.shape}], b [${c.b.shape}]`, () =>
      sn.tidy(() => {
        const y = sn.dense(fromFixture(c.x), fromFixture(c.w), fromFixture(c.b));
        return `error ${checkClose(y, c.y, tol, 'dense').toExponential(1)}`;
      }));
  }

  await test('tidy disposes what it made except its result; numTensors returns to its start', () => {
    const before = sn.memory().numTensors;
    const kept = sn.tidy(() => {
      const a = sn.ones([4, 3]);
      const b = a.reshape([2, 6]);
      sn.flatten(b.reshape([2, 2, 3]));
      return b;
    });
    check(
      sn.memory().numTensors === before + 1,
      `after tidy: ${sn.memory().numTensors} tensors, expected ${before + 1}`,
    );
    check(!kept.isDisposed && kept.dataSync().every((v) => v === 1), 'the returned tensor lost its data');
    kept.dispose();
    check(sn.memory().numTensors === before, `after dispose: ${sn.memory().numTensors} tensors, expected ${before}`);
  });

  await test('a disposed tensor throws when used', () => {
    const t = sn.tensor([1, 2, 3]);
    t.dispose();
    check(t.isDisposed, 'isDisposed is false after dispose()');
    checkThrows(() => t.dataSync(), /disposed/, 'dataSync on a disposed tensor');
    checkThrows(() => sn.flatten(t), /disposed/, 'flatten of a disposed tensor');
  });

  // Last: every check above, passing or failing, must have released what it allocated.
  await test('no tensor leaked by the checks above', () => {
    const now = sn.memory().numTensors;
    check(now === start, `${now} live tensors, ${start} at the start`);
  });

  const passed = results.filter((r) => r.ok).length;
  return { label: config.label, info, total: results.length, passed, results };
}

// 0 before ready() succeeded, so that a failed ready reports as a failed check rather than a crash.
function liveTensors() {
  try {
    return sn.memory().numTensors;
  } catch {
    return 0;
  }
}
