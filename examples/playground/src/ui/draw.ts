// Drawing on a canvas with a mouse, a pen or a finger (pointer events), in white on black. The brush is
// sized in canvas pixels, so it suits both a 28×28 and a 280×280 canvas. Keyboard users get the
// sections' other inputs (built-in and uploaded images) instead.
export function makeDrawable(canvas: HTMLCanvasElement, brush: () => number, onChange: () => void): void {
  let drawing = false;
  let last: [number, number] | null = null;
  const at = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * canvas.width, ((e.clientY - r.top) / r.height) * canvas.height];
  };
  const stroke = (to: [number, number]) => {
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.strokeStyle = ctx.fillStyle = '#fff';
    ctx.lineWidth = brush();
    ctx.lineCap = 'round';
    ctx.beginPath();
    const from = last ?? to;
    ctx.moveTo(from[0], from[1]);
    ctx.lineTo(to[0], to[1]);
    ctx.stroke();
    last = to;
    onChange();
  };
  canvas.addEventListener('pointerdown', (e) => {
    drawing = true;
    last = null;
    canvas.setPointerCapture(e.pointerId);
    stroke(at(e));
  });
  canvas.addEventListener('pointermove', (e) => {
    if (drawing) stroke(at(e));
  });
  const end = () => {
    drawing = false;
    last = null;
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
}

/** Calls `f` at most once per animation frame however often it is asked. */
export function perFrame(f: () => void): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      f();
    });
  };
}
