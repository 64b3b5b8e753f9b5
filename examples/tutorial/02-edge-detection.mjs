// Section "Convolutions for images", object edge detection: a 6x8 image of ones with a black (zero) band in
// columns 2..5. The kernel [[1, -1]] gives 1 where white turns black, -1 where black turns white, 0
// elsewhere; on the transposed image (only horizontal edges) the same kernel sees nothing: all zeros.
//   node examples/tutorial/02-edge-detection.mjs
import * as sn from 'simdnet';

await sn.ready();

const rows = Array.from({ length: 6 }, () => [1, 1, 0, 0, 0, 0, 1, 1]);
const transpose = (m) => m[0].map((_, j) => m.map((row) => row[j]));
const asImage = (m) => sn.tensor(m.flat(), [1, m.length, m[0].length, 1]);
const K = sn.tensor([1, -1], [1, 2, 1, 1]);

/** X ⋆ K as a matrix of rows. */
const correlate = (m) => {
  const y = sn.conv2d(asImage(m), K);
  return sn.reshape(y, [y.shape[1], y.shape[2]]).array();
};
const show = (m) => m.forEach((row) => console.log('  ' + row.map((v) => String(v).padStart(2)).join(' ')));

console.log('X:');
show(rows);
console.log('Y = X ⋆ [[1, -1]]:');
show(correlate(rows));
console.log('Xᵀ ⋆ [[1, -1]]:');
show(correlate(transpose(rows)));
