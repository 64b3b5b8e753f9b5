// The padding forms of conv2d and of the conv and pooling layers: p, [ph, pw] and [[top, bottom], [left,
// right]] beside 'valid' and 'same', output sizes against PyTorch's formulas, layer configs and saved models.
// (Pooling ops with padding: pool-padding.test.mjs; conv2d numerics for every form: conv2d.test.mjs.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertThrowsMessage } from '../helpers/compare.mjs';
import { rng } from '../helpers/random.mjs';

const L = sn.layers;
const values = (t) => Array.from(t.dataSync());

/** PyTorch's output size: floor((in + 2p - d(k-1) - 1) / s) + 1, or ceil with ceil_mode (window starts inside). */
function torchOut(size, k, s, before, after, d = 1, ceil = false) {
  const span = size + before + after - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= size + before) out--;
  return out;
}

test('conv2d: p and [ph, pw] are PyTorch shorthands for [[top, bottom], [left, right]]', () => {
  sn.tidy(() => {
    const x = sn.randomNormal([2, 7, 6, 3], { seed: 1 });
    const w = sn.randomNormal([3, 2, 3, 4], { seed: 2 });
    const full = (t, b, l, r, o = {}) =>
      sn.conv2d(x, w, {
        ...o,
        padding: [
          [t, b],
          [l, r],
        ],
      });
    assert.equal(values(sn.conv2d(x, w, { padding: 1 })), values(full(1, 1, 1, 1)));
    assert.equal(values(sn.conv2d(x, w, { padding: [2, 1] })), values(full(2, 2, 1, 1)));
    assert.equal(values(sn.conv2d(x, w, { padding: 0 })), values(sn.conv2d(x, w)));
    const o = { strides: [2, 3], dilation: [1, 2] };
    assert.equal(values(sn.conv2d(x, w, { ...o, padding: [1, 2] })), values(full(1, 1, 2, 2, o)));
    // The gradient of a shorthand is the gradient of its explicit form.
    const g = (padding) =>
      sn
        .grads((a, b) => sn.conv2d(a, b, { padding }))([x, w])
        .map(values);
    assert.equal(
      g(1),
      g([
        [1, 1],
        [1, 1],
      ]),
    );
  });
});

test('conv2d: 200 random explicit paddings give PyTorch output sizes', () => {
  const r = rng(12);
  for (let i = 0; i < 200; i++) {
    const [h, wd, kh, kw] = [r.int(1, 12), r.int(1, 12), r.int(1, 5), r.int(1, 5)];
    const [sh, sw, dh, dw] = [r.int(1, 3), r.int(1, 3), r.int(1, 3), r.int(1, 3)];
    const [t, b, l, rt] = [r.int(0, 3), r.int(0, 3), r.int(0, 3), r.int(0, 3)];
    const oh = torchOut(h, kh, sh, t, b, dh);
    const ow = torchOut(wd, kw, sw, l, rt, dw);
    const opts = {
      strides: [sh, sw],
      dilation: [dh, dw],
      padding: [
        [t, b],
        [l, rt],
      ],
    };
    sn.tidy(() => {
      const x = sn.zeros([1, h, wd, 2]);
      const w = sn.zeros([kh, kw, 2, 1]);
      if (oh < 1 || ow < 1) assertThrowsMessage(() => sn.conv2d(x, w, opts), /does not fit/);
      else assert.equal(sn.conv2d(x, w, opts).shape, [1, oh, ow, 1], JSON.stringify({ h, wd, kh, kw, ...opts }));
    });
  }
});

test('pooling: 200 random paddings and ceil modes give PyTorch output sizes', () => {
  const r = rng(13);
  for (let i = 0; i < 200; i++) {
    const [h, wd, kh, kw, sh, sw] = [r.int(1, 12), r.int(1, 12), r.int(1, 5), r.int(1, 5), r.int(1, 4), r.int(1, 4)];
    const [ph, pw] = [r.int(0, Math.floor(kh / 2)), r.int(0, Math.floor(kw / 2))];
    const ceilMode = r.next() < 0.5;
    const oh = torchOut(h, kh, sh, ph, ph, 1, ceilMode);
    const ow = torchOut(wd, kw, sw, pw, pw, 1, ceilMode);
    const opts = { poolSize: [kh, kw], strides: [sh, sw], padding: [ph, pw], ceilMode };
    sn.tidy(() => {
      const x = sn.zeros([1, h, wd, 3]);
      if (oh < 1 || ow < 1) assertThrowsMessage(() => sn.maxPool2d(x, opts), /does not fit/);
      else {
        assert.equal(sn.maxPool2d(x, opts).shape, [1, oh, ow, 3], JSON.stringify({ h, wd, ...opts }));
        const layer = L.maxPooling2d(opts);
        layer.build([null, h, wd, 3]);
        assert.equal(layer.outputShape, [null, oh, ow, 3]);
        layer.dispose();
      }
    });
  }
});

test('layers take every padding form, keep it as [[top, bottom], [left, right]], and run the op with it', () => {
  sn.tidy(() => {
    const x = sn.randomNormal([2, 7, 6, 3], { seed: 4 });
    const conv = L.conv2d({ filters: 4, kernelSize: [3, 2], padding: [1, 2] });
    assert.equal(conv.padding, [
      [1, 1],
      [2, 2],
    ]);
    const y = conv.apply(x);
    assert.equal(y.shape, [2, 7, 9, 4]);
    assert.equal(conv.outputShape, [null, 7, 9, 4]);
    const [kernel, bias] = conv.getWeights();
    assert.equal(values(y), values(sn.conv2d(x, kernel, { bias, padding: [1, 2] })));

    const max = L.maxPooling2d({ poolSize: 3, strides: 2, padding: 1, ceilMode: true });
    assert.equal(
      values(max.apply(x)),
      values(sn.maxPool2d(x, { poolSize: 3, strides: 2, padding: 1, ceilMode: true })),
    );
    assert.equal(max.outputShape, [null, 4, 4, 3]);
    const avg = L.averagePooling2d({ poolSize: 3, strides: 1, padding: 1 });
    assert.is(avg.countIncludePad, true);
    assert.equal(values(avg.apply(x)), values(sn.avgPool2d(x, { poolSize: 3, strides: 1, padding: 1 })));
    const avgEx = L.averagePooling2d({ poolSize: 3, strides: 1, padding: 1, countIncludePad: false });
    assert.equal(
      values(avgEx.apply(x)),
      values(sn.avgPool2d(x, { poolSize: 3, strides: 1, padding: 1, countIncludePad: false })),
    );
    assert.is(L.averagePooling2d({ padding: 'same' }).countIncludePad, false);
    for (const l of [conv, max, avg, avgEx]) l.dispose();
  });
});

test('layer configs keep padding, ceilMode and countIncludePad, and rebuild the same layer', () => {
  const layers = [
    L.conv2d({
      filters: 2,
      kernelSize: 3,
      padding: [
        [0, 1],
        [2, 0],
      ],
    }),
    L.maxPooling2d({ poolSize: [3, 2], padding: [1, 0], ceilMode: true }),
    L.averagePooling2d({ poolSize: 3, padding: 1, countIncludePad: false }),
  ];
  const expected = [
    {
      padding: [
        [0, 1],
        [2, 0],
      ],
    },
    {
      padding: [
        [1, 1],
        [0, 0],
      ],
      ceilMode: true,
    },
    {
      padding: [
        [1, 1],
        [1, 1],
      ],
      ceilMode: false,
      countIncludePad: false,
    },
  ];
  layers.forEach((layer, i) => {
    const config = JSON.parse(JSON.stringify(layer.getConfig()));
    for (const [k, v] of Object.entries(expected[i])) assert.equal(config[k], v, `${layer.className} ${k}`);
    const { name: _n, ...rest } = config;
    const copy = L.deserialize({ className: layer.className, config: rest });
    const { name: _m, ...copyConfig } = copy.getConfig();
    assert.equal(copyConfig, rest, layer.className);
  });
});

test('a model with padded conv and pooling layers saves and loads, predicting bit-identically', async () => {
  const model = sn.sequential({
    seed: 5,
    layers: [
      L.conv2d({ inputShape: [9, 9, 2], filters: 4, kernelSize: 3, padding: 1, activation: 'relu' }),
      L.maxPooling2d({ poolSize: 3, strides: 2, padding: 1, ceilMode: true }),
      L.averagePooling2d({
        poolSize: 2,
        padding: [
          [1, 0],
          [0, 1],
        ],
        countIncludePad: false,
      }),
      L.flatten(),
      L.dense({ units: 3 }),
    ],
  });
  const x = sn.randomNormal([3, 9, 9, 2], { seed: 6 });
  const artifacts = await model.save();
  const copy = await sn.loadModel(artifacts);
  assert.equal(values(copy.predict(x)), values(model.predict(x)));
  assert.equal(copy.layers[2].padding, [
    [1, 0],
    [0, 1],
  ]);
  x.dispose();
  model.dispose();
  copy.dispose();
});

test('layer padding options are checked with the option named', () => {
  assertThrowsMessage(
    () => L.conv2d({ filters: 2, kernelSize: 3, padding: [1, -1] }),
    /layers.conv2d: option 'padding' must be 'valid', 'same', p, \[ph, pw\] or \[\[top, bottom\], \[left, right\]\] \(non-negative integers\); got \[1,-1\]/,
  );
  assertThrowsMessage(
    () => L.maxPooling2d({ padding: 'full' }),
    /layers.maxPooling2d: option 'padding' must be .*; got "full"/,
  );
  assertThrowsMessage(
    () => L.maxPooling2d({ ceilMode: 'yes' }),
    /layers.maxPooling2d: option 'ceilMode' must be true or false; got "yes"/,
  );
  assertThrowsMessage(
    () => L.maxPooling2d({ countIncludePad: true }),
    /layers.maxPooling2d: unknown option 'countIncludePad'/,
  );
  assertThrowsMessage(
    () => L.averagePooling2d({ countIncludePad: 1 }),
    /layers.averagePooling2d: option 'countIncludePad' must be true or false; got 1/,
  );
  assertThrowsMessage(
    () => L.maxPooling2d({ poolSize: 2, padding: 2 }).build([null, 8, 8, 1]),
    /max_pooling2d.*option 'padding' must be at most half the pool window/,
  );
  assertThrowsMessage(
    () =>
      L.conv2d({
        filters: 1,
        kernelSize: 5,
        padding: [
          [0, 0],
          [1, 0],
        ],
      }).build([null, 4, 3, 1]),
    /the 5x5 kernel does not fit the 4x3 input with padding \[\[0,0\],\[1,0\]\] \(padded input 4x4\)/,
  );
});

test.run();
