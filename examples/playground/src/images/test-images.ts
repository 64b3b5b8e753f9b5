// Fashion-MNIST test images for the page itself (a built-in picture to filter, a sample to classify):
// the embedded subset's test split, fetched from the server once and decoded by simdnet.
import * as sn from 'simdnet';

export const CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

export interface TestImages {
  count: number;
  /** Image i's 784 pixels in [0, 1]. */
  image(i: number): Float32Array;
  label(i: number): number;
}

let loading: Promise<TestImages> | null = null;

async function fetchBytes(name: string): Promise<Uint8Array> {
  const url = new URL(`data/fashion-mnist-subset/${name}`, document.baseURI);
  const r = await fetch(url);
  if (!r.ok) throw new Error(`could not fetch ${url.pathname}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

export function testImages(): Promise<TestImages> {
  loading ??= (async () => {
    const [testImages, testLabels] = await Promise.all([
      fetchBytes('t10k-images-idx3-ubyte.gz'),
      fetchBytes('t10k-labels-idx1-ubyte.gz'),
    ]);
    const ds = await sn.datasets.fashionMnist.fromBytes({ testImages, testLabels });
    const pixels = ds.test!.images.dataSync() as Float32Array;
    const labels = ds.test!.labels.dataSync();
    ds.dispose();
    return {
      count: labels.length,
      image: (i: number) => pixels.slice(i * 784, (i + 1) * 784),
      label: (i: number) => labels[i],
    };
  })();
  return loading;
}
