// Section "Padding and stride": output shapes of a conv2d layer on an 8x8 input, with the textbook's four
// paddings and strides. PyTorch's `padding=p` / `(ph, pw)` are simdnet's `padding: p` / `[ph, pw]`.
// Prints 8x8, 8x8, 4x4 and 2x2.
//   node examples/tutorial/04-padding-and-stride.mjs
import * as sn from 'simdnet';

await sn.ready();

const X = sn.randomUniform([1, 8, 8, 1], { seed: 1 });

/** The output's height and width after one conv2d layer with these options. */
function compConv2d(options) {
  const layer = sn.layers.conv2d({ filters: 1, ...options });
  const [, h, w] = layer.apply(X).shape;
  layer.dispose();
  return `${h}x${w}`;
}

console.log('3x3 kernel, padding 1:', compConv2d({ kernelSize: 3, padding: 1 }));
console.log('5x3 kernel, padding [2, 1]:', compConv2d({ kernelSize: [5, 3], padding: [2, 1] }));
console.log('3x3 kernel, padding 1, stride 2:', compConv2d({ kernelSize: 3, padding: 1, strides: 2 }));
console.log(
  '3x5 kernel, padding [0, 1], strides [3, 4]:',
  compConv2d({ kernelSize: [3, 5], padding: [0, 1], strides: [3, 4] }),
);
