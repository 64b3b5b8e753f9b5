// Section "Multiple input and output channels", multiple output channels: the two-channel kernel K of the
// previous section stacked with K + 1 and K + 2 gives three output channels; the first is the previous
// result [[56,72],[104,120]].
//   node examples/tutorial/06-multiple-output-channels.mjs
import * as sn from 'simdnet';

await sn.ready();

const channels = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8],
  [1, 2, 3, 4, 5, 6, 7, 8, 9],
];
const K = [
  [0, 1, 2, 3],
  [1, 2, 3, 4],
];
// Output channel o uses K + o. Kernels are [kh, kw, cin, cout]: index ((i * 2 + j) * cin + c) * cout + o.
const X = sn.tensor(
  channels[0].flatMap((_, p) => channels.map((c) => c[p])),
  [1, 3, 3, 2],
);
const weights = [];
for (let p = 0; p < 4; p++) for (let c = 0; c < 2; c++) for (let o = 0; o < 3; o++) weights.push(K[c][p] + o);
const W = sn.tensor(weights, [2, 2, 2, 3]);
console.log('kernel shape [kh, kw, cin, cout]:', JSON.stringify(W.shape));

const Y = sn.conv2d(X, W); // [1, 2, 2, 3]
// Channels first, as the textbook prints them.
const perChannel = sn.reshape(sn.transpose(Y, [0, 3, 1, 2]), [3, 2, 2]).array();
perChannel.forEach((m, o) => console.log(`output channel ${o}:`, JSON.stringify(m)));
