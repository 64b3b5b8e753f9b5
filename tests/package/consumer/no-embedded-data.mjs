// The npm package leaves the embedded Fashion-MNIST subset out: asking for it must say so and what to do.
import * as sn from 'simdnet';

await sn.ready();
try {
  await sn.datasets.fashionMnist.load({ embedded: true });
  console.log('loaded');
} catch (e) {
  console.log(e.message);
}
