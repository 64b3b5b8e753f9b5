// Float64 references for batch normalisation and moments (textbook formulas, two passes).

/** Mean and biased variance over a contiguous run of axes [first, last] of x (shape), as flat [outer*inner]. */
export function momentsRef(x, shape, first, last) {
  const outer = shape.slice(0, first).reduce((a, b) => a * b, 1);
  const len = shape.slice(first, last + 1).reduce((a, b) => a * b, 1);
  const inner = shape.slice(last + 1).reduce((a, b) => a * b, 1);
  const mean = new Float64Array(outer * inner);
  const variance = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let s = 0;
      for (let l = 0; l < len; l++) s += x[(o * len + l) * inner + i];
      const m = s / len;
      let q = 0;
      for (let l = 0; l < len; l++) q += (x[(o * len + l) * inner + i] - m) ** 2;
      mean[o * inner + i] = m;
      variance[o * inner + i] = q / len;
    }
  return { mean, variance };
}

/** (x - mean)·scale/√(variance + eps) + offset over the last axis (c channels); scale/offset may be null. */
export function batchNormRef(x, c, mean, variance, offset, scale, eps) {
  const y = new Float64Array(x.length);
  for (let j = 0; j < x.length; j++) {
    const i = j % c;
    y[j] = ((x[j] - mean[i]) / Math.sqrt(variance[i] + eps)) * (scale ? scale[i] : 1) + (offset ? offset[i] : 0);
  }
  return y;
}

/** Training mode: the batch's statistics over every axis but the last. */
export function batchNormTrainingRef(x, shape, scale, offset, eps) {
  const { mean, variance } = momentsRef(x, shape, 0, shape.length - 2);
  return { y: batchNormRef(x, shape[shape.length - 1], mean, variance, offset, scale, eps), mean, variance };
}
