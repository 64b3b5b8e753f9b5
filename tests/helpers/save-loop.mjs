// Child process for the save/kill test: saves a model into argv[2] over and over, with different weights
// each time, until it is killed. Prints "ready" once, after its first save began.
import * as sn from '../../dist/simdnet.js';

await sn.ready();
const dir = process.argv[2];
const model = sn.sequential({
  seed: Number(process.argv[3] ?? 1),
  layers: [
    sn.layers.conv2d({ filters: 8, kernelSize: 3, inputShape: [12, 12, 3] }),
    sn.layers.flatten(),
    sn.layers.dense({ units: 512 }),
    sn.layers.dense({ units: 4 }),
  ],
});
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
const x = sn.randomNormal([4, 12, 12, 3], { seed: 2 });
const y = sn.tensor([0, 1, 2, 3], [4], 'int32');
let first = true;
for (;;) {
  model.trainOnBatch(x, y);
  const saving = model.save(dir);
  if (first) process.stdout.write('ready\n');
  first = false;
  await saving;
}
