// Section "Multiple input and output channels", multiple input channels: a 3x3 input with two channels
// (0..8 and 1..9) and a 2x2 kernel per channel (0..3 and 1..4). Each channel is cross-correlated with its
// own kernel and the results are summed: [[56,72],[104,120]].
//   node examples/tutorial/05-multiple-input-channels.mjs
import * as sn from 'simdnet';

await sn.ready();

// The textbook writes channels first, X[c][i][j]; simdnet's images are channels last (NHWC) and its
// kernels [kh, kw, cin, cout], so both are laid out from the textbook's arrays.
const channels = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8],
  [1, 2, 3, 4, 5, 6, 7, 8, 9],
];
const kernels = [
  [0, 1, 2, 3],
  [1, 2, 3, 4],
];
const X = sn.tensor(
  channels[0].flatMap((_, p) => channels.map((c) => c[p])),
  [1, 3, 3, 2],
);
const K = sn.tensor(
  kernels[0].flatMap((_, p) => kernels.map((k) => k[p])),
  [2, 2, 2, 1],
);
console.log('corr2d_multi_in(X, K) =', JSON.stringify(sn.reshape(sn.conv2d(X, K), [2, 2]).array()));
