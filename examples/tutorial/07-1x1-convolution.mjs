// Section "Multiple input and output channels", the 1x1 convolutional layer: with a 1x1 kernel, every pixel's
// output is its input channels times a [cin, cout] matrix, so the convolution equals a matMul of the pixels
// (as rows) with that matrix. Prints the largest difference between the two (below 1e-6).
//   node examples/tutorial/07-1x1-convolution.mjs
import * as sn from 'simdnet';

await sn.ready();

const [h, w, cin, cout] = [3, 3, 3, 2];
const X = sn.randomNormal([1, h, w, cin], { seed: 1 });
const K = sn.randomNormal([1, 1, cin, cout], { seed: 2 });

const byConv = sn.conv2d(X, K);
const byMatMul = sn.reshape(sn.matMul(sn.reshape(X, [h * w, cin]), sn.reshape(K, [cin, cout])), [1, h, w, cout]);

const a = byConv.dataSync();
const b = byMatMul.dataSync();
const diff = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
console.log('output shape:', JSON.stringify(byConv.shape));
console.log(`max |conv2d 1x1 - matMul| < 1e-6: ${diff < 1e-6}`);
