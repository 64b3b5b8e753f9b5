// Times one function with benchmark.js, after a warm-up of our own.
//
// Why the warm-up: V8 compiles wasm with Liftoff first and tiers hot functions up to TurboFan while they
// run, and JavaScript (the naive kernels, TF.js's op dispatch) goes through Ignition → Sparkplug →
// Maglev → TurboFan over the first calls. Timing before that settles would measure the compilers.
//
// Why the median: benchmark.js collects samples (each the mean time per call over one timed cycle of one
// or more calls). On a shared, noisy machine a few samples land on a busy moment; the median ignores
// them where the mean would not. The relative margin of error (benchmark.js's rme, 95% confidence on
// the mean) is reported alongside so a reader can see how steady the run was.
//
// Calls that take seconds (TF.js cpu's Conv2DBackpropFilter, naive JS on the big shapes) get fewer
// samples, and past `directAbove` seconds benchmark.js is skipped: it would add a calibration call of
// many seconds and nothing else; those rows say how many calls they timed.
import Benchmark from 'benchmark';

/** Sampling budgets, in seconds. `quick` is for checking a change; `full` is for the published table. */
export const BUDGETS = {
  full: { warmupTime: 0.5, warmupCalls: 5, maxTime: 2.5, minSamples: 8, slowAbove: 1, directAbove: 4, directCalls: 1 },
  quick: {
    warmupTime: 0.1,
    warmupCalls: 2,
    maxTime: 0.25,
    minSamples: 3,
    slowAbove: 0.2,
    directAbove: 0.5,
    directCalls: 1,
  },
};

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function seconds(fn) {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
}

/** Warms `fn` up, then times it; returns milliseconds per call and how they were sampled. */
export function measure(fn, budget) {
  const first = seconds(fn);
  if (first > budget.directAbove) {
    const times = Array.from({ length: budget.directCalls }, () => seconds(fn));
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    return {
      medianMs: median(times) * 1000,
      meanMs: mean * 1000,
      rme: NaN,
      samples: times.length,
      callsPerSample: 1,
      warmupCalls: 1,
      method: 'direct',
    };
  }
  let calls = 1;
  let elapsed = first;
  while (first <= budget.slowAbove && calls < 10000 && (elapsed < budget.warmupTime || calls < budget.warmupCalls)) {
    elapsed += seconds(fn);
    calls++;
  }
  const bench = new Benchmark({
    fn,
    maxTime: first > budget.slowAbove ? 0 : budget.maxTime,
    minSamples: first > budget.slowAbove ? 2 : budget.minSamples,
  });
  bench.run({ async: false });
  if (bench.error) throw bench.error;
  const sample = bench.stats.sample;
  return {
    medianMs: median(sample) * 1000,
    meanMs: bench.stats.mean * 1000,
    rme: bench.stats.rme,
    samples: sample.length,
    callsPerSample: bench.count,
    warmupCalls: calls,
    method: 'benchmark.js',
  };
}
