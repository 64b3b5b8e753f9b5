// Section "Convolutions for images": the cross-correlation of the 3x3 input 0..8 with the 2x2 kernel 0..3,
// first as the op, then as a conv2d layer whose weights we set (the textbook's Conv2D class).
// Prints: X ⋆ K = [[19,25],[37,43]]
//   node examples/tutorial/01-cross-correlation.mjs
import * as sn from 'simdnet';

await sn.ready();

// NHWC: one image, 3x3 pixels, one channel. Kernels are [kh, kw, cin, cout].
const X = sn.tensor([0, 1, 2, 3, 4, 5, 6, 7, 8], [1, 3, 3, 1]);
const K = sn.tensor([0, 1, 2, 3], [2, 2, 1, 1]);
console.log('X ⋆ K =', JSON.stringify(sn.reshape(sn.conv2d(X, K), [2, 2]).array()));

// The same as a layer: a 2x2 kernel and a bias, here set to K and 0.
const layer = sn.layers.conv2d({ filters: 1, kernelSize: 2 });
layer.build([null, 3, 3, 1]);
layer.setWeights([K, sn.zeros([1])]);
console.log('conv2d layer:', JSON.stringify(sn.reshape(layer.apply(X), [2, 2]).array()));
