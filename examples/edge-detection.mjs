// The seed's edge-detection example: a 6x8 image of ones with a black (zero) band in columns 2..5.
// The kernel [[1, -1]] gives 1 where white turns black, -1 where black turns white, 0 elsewhere; on the
// transposed image (horizontal edges) the same kernel sees nothing.
import * as sn from 'simdnet';

await sn.ready();

export function edgeImage() {
  const rows = [];
  for (let i = 0; i < 6; i++) rows.push([1, 1, 0, 0, 0, 0, 1, 1]);
  return rows;
}

const transpose = (m) => m[0].map((_, j) => m.map((row) => row[j]));
const asImage = (m) => sn.tensor(m.flat(), [1, m.length, m[0].length, 1]);
const kernel = sn.tensor([1, -1], [1, 2, 1, 1]);

const image = edgeImage();
const edges = sn.tidy(() => {
  const y = sn.conv2d(asImage(image), kernel);
  return sn.reshape(y, [y.shape[1], y.shape[2]]).array();
});
const none = sn.tidy(() => {
  const y = sn.conv2d(asImage(transpose(image)), kernel);
  return sn.reshape(y, [y.shape[1], y.shape[2]]).array();
});

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log('image:');
  for (const row of image) console.log('  ' + row.join(' '));
  console.log('edges (kernel [[1, -1]]):');
  for (const row of edges) console.log('  ' + row.map((v) => String(v).padStart(2)).join(' '));
  console.log('transposed image, same kernel:');
  for (const row of none) console.log('  ' + row.map((v) => String(v).padStart(2)).join(' '));
}
export { edges, none };
