// The simdnet rows. `sn` is bench/out/simdnet-internals.js: the public API plus withTape.
//
// Backward ops are timed "directly": the forward runs once under a tape, and the bench then times that
// op's recorded backward alone, so the number is the backward's cost and not forward + backward (which
// is what sn.grads would time). The tape tells a backward which inputs need a gradient: conv2d then
// skips dx when only dW is needed (a first layer), which gives the dW row; dW is always computed, so
// the dx row is derived in bench/run.mjs as (dx+dW) − dW and marked so.
import { instantiate, makeBatch, concatGradients, BATCH } from '../models.mjs';
import { simdnetLayerOps } from '../layer-ops.mjs';

let uid = 0;

export function simdnetImpl(sn, { label = 'simdnet' } = {}) {
  const t = (data, shape, dtype) => sn.tensor(data, shape, dtype);
  const disposeAll = (xs) => {
    for (const x of xs) if (x && typeof x.dispose === 'function') x.dispose();
  };

  /** Runs `forward` under a tape and returns its output and the tape entry that produced it. */
  function record(forward) {
    let entry = null;
    const y = sn.withTape(forward, (out, entries) => {
      entry = entries.find((e) => e.outputs.includes(out)) ?? null;
      return out;
    });
    if (!entry) {
      y.dispose();
      throw new Error('the op recorded no tape entry');
    }
    return { y, entry };
  }

  /** A case whose timed call makes one tensor and disposes it. */
  function single(inputs, make) {
    return {
      run: () => make().dispose(),
      output: () => {
        const y = make();
        const out = y.dataSync();
        y.dispose();
        return [out];
      },
      dispose: () => disposeAll(inputs),
    };
  }

  /**
   * A case timing a recorded backward; `needs` says which inputs want a gradient (as the tape would),
   * `pick` which of the returned gradients are checked.
   */
  function backward(inputs, forward, dyData, needs, pick, extraDys = []) {
    const dy = t(dyData.data, dyData.shape);
    // Gradients for an op's further outputs (batchNormTraining's mean and variance), made once.
    const extra = extraDys.map((e) => t(e.data, e.shape));
    const dys = [dy, ...extra];
    let rec;
    try {
      rec = record(forward);
    } catch (e) {
      disposeAll([...inputs, ...dys]);
      throw e;
    }
    const { y, entry } = rec;
    return {
      run: () => disposeAll(entry.backward(dys, needs)),
      output: () => {
        const gs = entry.backward(dys, needs);
        const out = pick.map((i) => gs[i].dataSync());
        disposeAll(gs);
        return out;
      },
      dispose: () => disposeAll([...inputs, ...dys, y]),
    };
  }

  const convOptions = (s) => ({ padding: s.padding, strides: 1 });

  return {
    name: 'simdnet',
    label,
    leakCount: () => sn.memory().numTensors,
    // A recorded op may save tensors for its backward (maxPool2d's argmax) that only a tidy around the
    // recording frees; the leak check cannot see inside these cases (the unit tests check those ops).
    scopedMethods: ['convBackward', 'poolBackward', 'bnBackward', 'dwBackward', 'conv1dBackward'],
    scope: (fn) => sn.tidy(fn),
    convForward(s, d) {
      const x = t(d.x, d.xShape);
      const w = t(d.w, d.wShape);
      return single([x, w], () => sn.conv2d(x, w, convOptions(s)));
    },
    convBackward(s, d, which) {
      if (which === 'dx') return { na: 'dW is always computed', deriveDx: true };
      const x = t(d.x, d.xShape);
      const w = t(d.w, d.wShape);
      const [needs, pick] =
        which === 'dw'
          ? [[false, true], [1]]
          : [
              [true, true],
              [0, 1],
            ];
      return backward([x, w], () => sn.conv2d(x, w, convOptions(s)), { data: d.dy, shape: d.dyShape }, needs, pick);
    },
    poolForward(s, d) {
      const x = t(d.x, d.xShape);
      return single([x], () => sn.maxPool2d(x, { poolSize: s.size, strides: s.stride }));
    },
    poolBackward(s, d) {
      const x = t(d.x, d.xShape);
      return backward(
        [x],
        () => sn.maxPool2d(x, { poolSize: s.size, strides: s.stride }),
        { data: d.dy, shape: d.dyShape },
        [true],
        [0],
      );
    },
    matMul(s, d) {
      const a = t(d.a, [s.m, s.k]);
      const b = t(d.b, [s.k, s.n]);
      return single([a, b], () => sn.matMul(a, b));
    },
    train: (model) => trainStep(sn, model),
    ...simdnetLayerOps(sn, { t, single, backward }),
  };
}

/**
 * A training step of `model`: through sn.sequential + model.trainOnBatch when simdnet has them, else
 * written with ops, sn.variableGrads and an sn.train optimizer (the same computation by hand).
 */
function trainStep(sn, model) {
  const errors = [];
  if (typeof sn.sequential === 'function') {
    try {
      return trainWithSequential(sn, model);
    } catch (e) {
      errors.push(`sequential: ${e.message}`);
    }
  }
  try {
    const step = trainWithOps(sn, model);
    if (errors.length) step.note = `ops path (${errors[0]})`;
    return step;
  } catch (e) {
    throw new Error([...errors, e.message].join('; '));
  }
}

function makeOptimizer(sn, spec) {
  if (spec.type === 'adam') {
    return sn.train.adam({
      learningRate: spec.learningRate,
      beta1: spec.beta1,
      beta2: spec.beta2,
      epsilon: spec.epsilon,
    });
  }
  return sn.train.sgd({ learningRate: spec.learningRate, momentum: spec.momentum });
}

function trainWithOps(sn, model) {
  const { layers, params } = instantiate(model);
  const batch = makeBatch(model);
  const tag = `bench${++uid}_${model.id}`;
  const vars = new Map();
  const created = [];
  try {
    for (const p of params) {
      const init = sn.tensor(p.data, p.shape);
      vars.set(p.name, sn.variable(init, { name: `${tag}_${p.name}` }));
      init.dispose();
    }
    const x = sn.tensor(batch.x, batch.xShape);
    const y = sn.tensor(batch.y, [BATCH], 'int32');
    created.push(x, y);
    const v = (p) => vars.get(p.name);
    const logits = () => {
      let h = x;
      for (const l of layers) {
        if (l.type === 'conv') h = sn.conv2d(h, v(l.w), { bias: v(l.b), activation: l.activation });
        else if (l.type === 'pool') h = sn.maxPool2d(h, { poolSize: l.size });
        else if (l.type === 'flatten') h = sn.flatten(h);
        else h = sn.dense(h, v(l.w), v(l.b), l.activation);
      }
      return h;
    };
    const loss = () => sn.softmaxCrossEntropy(logits(), y);
    const varList = [...vars.values()];
    const optimizer = makeOptimizer(sn, model.optimizer);
    created.push(optimizer);
    const step = (read) => {
      const { value, grads } = sn.variableGrads(loss, varList);
      optimizer.applyGradients(grads);
      const l = read ? value.dataSync()[0] : 0;
      value.dispose();
      for (const g of Object.values(grads)) g.dispose();
      return l;
    };
    return {
      run: () => step(false),
      output: () => {
        const { value, grads } = sn.variableGrads(loss, varList);
        const g = concatGradients(
          params,
          varList.map((w) => grads[w.name].dataSync()),
        );
        value.dispose();
        for (const t of Object.values(grads)) t.dispose();
        return [g, Float32Array.from([step(true), step(true), step(true)])];
      },
      dispose: () => {
        for (const c of created) c.dispose();
        for (const w of vars.values()) w.dispose();
      },
      note: 'ops + sn.variableGrads + sn.train',
    };
  } catch (e) {
    for (const c of created) c.dispose();
    for (const w of vars.values()) w.dispose();
    throw e;
  }
}

/**
 * The Keras-like path: sn.layers, sn.sequential, compile with an sn.train optimizer and sparse
 * cross-entropy from logits, trainOnBatch. It loads the shared initial weights (setWeights, layer by
 * layer: kernel then bias, the order of instantiate's params) so its losses compare with TF.js's.
 */
function trainWithSequential(sn, model) {
  const { layers, params } = instantiate(model);
  const batch = makeBatch(model);
  const L = sn.layers;
  const built = [];
  layers.forEach((l, i) => {
    const first = i === 0 ? { inputShape: model.input } : {};
    if (l.type === 'conv')
      built.push(L.conv2d({ filters: l.filters, kernelSize: l.kernel, activation: l.activation, ...first }));
    else if (l.type === 'pool') built.push(L.maxPooling2d({ poolSize: l.size, ...first }));
    else if (l.type === 'flatten') built.push(L.flatten(first));
    else built.push(L.dense({ units: l.units, activation: l.activation, ...first }));
  });
  const m = sn.sequential({ layers: built });
  const x = sn.tensor(batch.x, batch.xShape);
  const y = sn.tensor(batch.y, [BATCH], 'int32');
  let optimizer = null;
  const disposeAll = () => {
    x.dispose();
    y.dispose();
    m.dispose?.();
    optimizer?.dispose(); // the model does not own an optimizer it was given
  };
  try {
    optimizer = makeOptimizer(sn, model.optimizer);
    m.compile({ optimizer, loss: sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }) });
    if (typeof m.setWeights === 'function') {
      const ws = params.map((p) => sn.tensor(p.data, p.shape));
      m.setWeights(ws);
      for (const w of ws) w.dispose();
    }
    const lossOf = (r) =>
      typeof r === 'number' ? r : r?.dataSync ? r.dataSync()[0] : Array.isArray(r) ? Number(r[0]) : NaN;
    const step = () => {
      const r = m.trainOnBatch(x, y);
      const l = lossOf(r);
      if (r && typeof r.dispose === 'function') r.dispose();
      return l;
    };
    return {
      run: step,
      output: () => {
        // The gradients of the model's own forward pass (trainOnBatch's tape is internal), then its steps.
        const weights = m.trainableWeights;
        const { value, grads } = sn.variableGrads(
          () => sn.softmaxCrossEntropy(m.apply(x, { training: true }), y),
          weights,
        );
        const g = concatGradients(
          params,
          weights.map((w) => grads[w.name].dataSync()),
        );
        value.dispose();
        for (const t of Object.values(grads)) t.dispose();
        return [g, Float32Array.from([step(), step(), step()])];
      },
      dispose: disposeAll,
      note: 'sn.sequential + trainOnBatch',
    };
  } catch (e) {
    disposeAll();
    throw e;
  }
}
