// Section "Pooling": 2x2 max and average pooling on 0..8, then padding and stride on 0..15 as PyTorch writes
// them (nn.MaxPool2d(3, padding=1, stride=2) is maxPool2d with poolSize 3, padding 1, strides 2), and
// pooling each channel of a two-channel input separately.
//   node examples/tutorial/08-pooling.mjs
import * as sn from 'simdnet';

await sn.ready();

const matrix = (y) => sn.reshape(y, [y.shape[1], y.shape[2]]).array();
const show = (label, y) => console.log(label, JSON.stringify(matrix(y)));

const X9 = sn.tensor([0, 1, 2, 3, 4, 5, 6, 7, 8], [1, 3, 3, 1]);
show('max 2x2:', sn.maxPool2d(X9, { poolSize: 2, strides: 1 }));
show('avg 2x2:', sn.avgPool2d(X9, { poolSize: 2, strides: 1 }));

const X = sn.tensor(
  Array.from({ length: 16 }, (_, i) => i),
  [1, 4, 4, 1],
);
show('max 3x3 (stride 3):', sn.maxPool2d(X, { poolSize: 3 }));
show('max 3x3, padding 1, stride 2:', sn.maxPool2d(X, { poolSize: 3, padding: 1, strides: 2 }));
show(
  'max 2x3, padding [0, 1], strides [2, 3]:',
  sn.maxPool2d(X, { poolSize: [2, 3], padding: [0, 1], strides: [2, 3] }),
);
// PyTorch's average counts the padded zeros (count_include_pad=True): the corner window is (0+1+4+5)/9.
const avg = matrix(sn.avgPool2d(X, { poolSize: 3, padding: 1, strides: 2 }));
console.log('avg 3x3, padding 1, stride 2:', JSON.stringify(avg.map((r) => r.map((v) => +v.toFixed(4)))));

// Two channels, X and X + 1 (channels last): pooling keeps them apart.
const X2 = sn.tensor(
  Array.from({ length: 32 }, (_, i) => (i >> 1) + (i & 1)),
  [1, 4, 4, 2],
);
const Y2 = sn.maxPool2d(X2, { poolSize: 3, padding: 1, strides: 2 });
const [c0, c1] = sn.reshape(sn.transpose(Y2, [0, 3, 1, 2]), [2, 2, 2]).array();
console.log('two channels, max 3x3, padding 1, stride 2:', JSON.stringify(c0), JSON.stringify(c1));
