// The seed's first worked example: cross-correlating the 3x3 input 0..8 with the 2x2 kernel 0..3.
// Expected: [[19, 25], [37, 43]].
import * as sn from 'simdnet';

await sn.ready();

// NHWC: one image, 3x3 pixels, one channel. Weights [kh, kw, cin, cout].
const x = sn.tensor([0, 1, 2, 3, 4, 5, 6, 7, 8], [1, 3, 3, 1]);
const k = sn.tensor([0, 1, 2, 3], [2, 2, 1, 1]);
const y = sn.conv2d(x, k);

const result = sn.reshape(y, [2, 2]).array();
console.log('X ⋆ K =', JSON.stringify(result));
export { result };
