// Grey pixels in and out of canvases, and the conversion of any picture to a Fashion-MNIST-like input.

/** The canvas's pixels as grey values in [0, 1] (Rec. 601 luma), row-major. */
export function canvasGrey(canvas: HTMLCanvasElement): Float32Array {
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  const out = new Float32Array(canvas.width * canvas.height);
  for (let i = 0; i < out.length; i++) {
    const a = data[i * 4 + 3] / 255; // transparent pixels count as black, like the canvas background
    out[i] = ((0.299 * data[i * 4] + 0.587 * data[i * 4 + 1] + 0.114 * data[i * 4 + 2]) / 255) * a;
  }
  return out;
}

/** Paints grey values in [0, 1] into the canvas, resizing it to w×h. */
export function paintGrey(canvas: HTMLCanvasElement, grey: ArrayLike<number>, h: number, w: number): void {
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const img = ctx.createImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    const g = Math.round(Math.max(0, Math.min(1, grey[i])) * 255);
    img.data[i * 4] = img.data[i * 4 + 1] = img.data[i * 4 + 2] = g;
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** Decodes an image file (PNG, JPEG, …) into a bitmap. */
export async function fileToBitmap(file: Blob): Promise<ImageBitmap> {
  try {
    return await createImageBitmap(file);
  } catch {
    throw new Error('that file is not an image this browser can decode');
  }
}

/** Mean of the outermost ring of pixels: the background's brightness. */
export function borderMean(grey: ArrayLike<number>, h: number, w: number): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++)
      if (i === 0 || j === 0 || i === h - 1 || j === w - 1) {
        sum += grey[i * w + j];
        n++;
      }
  return n ? sum / n : 0;
}

/**
 * Any picture as Fashion-MNIST sees it: fitted (aspect kept) into 28×28 on a background of its own border
 * colour, grey in [0, 1], inverted when the background is light (the data set has light objects on black).
 */
export function toFashionInput(source: CanvasImageSource, width: number, height: number): Float32Array {
  const c = document.createElement('canvas');
  c.width = c.height = 28;
  const ctx = c.getContext('2d', { willReadFrequently: true })!;
  // The background is estimated from the source first, so that letterboxing uses the same colour.
  const probe = document.createElement('canvas');
  probe.width = Math.min(width, 64);
  probe.height = Math.min(height, 64);
  probe.getContext('2d')!.drawImage(source, 0, 0, probe.width, probe.height);
  const bg = borderMean(canvasGrey(probe), probe.height, probe.width);
  const v = Math.round(bg * 255);
  ctx.fillStyle = `rgb(${v},${v},${v})`;
  ctx.fillRect(0, 0, 28, 28);
  const scale = Math.min(28 / width, 28 / height);
  const w = width * scale;
  const h = height * scale;
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, (28 - w) / 2, (28 - h) / 2, w, h);
  const grey = canvasGrey(c);
  if (bg > 0.5) for (let i = 0; i < grey.length; i++) grey[i] = 1 - grey[i];
  return grey;
}
