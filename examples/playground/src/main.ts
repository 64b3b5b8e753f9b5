// The playground page: starts simdnet on the page's thread (for the small, instant sections), the
// training worker (for sections 5-7), and a page timer whose steady ticking shows the page stays
// responsive while the worker trains.
import * as sn from 'simdnet';
import { byId, showError } from './ui/dom.js';
import { initXcorr } from './sections/xcorr.js';
import { initEdges } from './sections/edges.js';
import { initLearnKernel } from './sections/learn-kernel.js';
import { initPooling } from './sections/pooling.js';
import { initTrain } from './sections/train.js';
import { initClassify } from './sections/classify.js';
import { initKeep } from './sections/keep.js';
import { Trainer } from './worker/client.js';
import type { BackendSummary } from './worker/protocol.js';

declare global {
  interface Window {
    /** For tests and the curious: ticks of the page timer and the longest gap between two (ms). */
    playground?: { ticks: number; maxGapMs: number; longGaps: number[]; ready: boolean };
  }
}

function startClock(): void {
  const clock = byId('clock');
  const gap = byId('clock-gap');
  const state = (window.playground ??= { ticks: 0, maxGapMs: 0, longGaps: [], ready: false });
  const t0 = performance.now();
  let last = t0;
  setInterval(() => {
    const now = performance.now();
    state.maxGapMs = Math.max(state.maxGapMs, now - last);
    if (now - last > 250) state.longGaps.push(Math.round(now - last));
    last = now;
    state.ticks++;
    clock.textContent = `${((now - t0) / 1000).toFixed(1)} s`;
    gap.textContent = `(longest pause ${Math.round(state.maxGapMs)} ms)`;
  }, 100);
}

async function main(): Promise<void> {
  startClock();
  const trainer = new Trainer(new URL('worker.js', document.baseURI));
  const threads = byId('tr-threads');
  const backend = byId('backend');
  await sn.ready();
  backend.textContent = `WebAssembly ${sn.backendInfo().simd === 'relaxed' ? 'relaxed SIMD' : 'SIMD'}`;
  for (const init of [initXcorr, initEdges, initLearnKernel, initPooling]) init();
  initTrain(trainer);
  initClassify(trainer);
  initKeep(trainer);
  try {
    const info = await trainer.request<BackendSummary>({ kind: 'init' });
    threads.textContent = String(info.threads);
  } catch (e) {
    showError(threads, e);
  }
  window.playground!.ready = true;
}

main().catch((e) => {
  const p = document.createElement('p');
  p.setAttribute('role', 'alert');
  document.body.prepend(p);
  showError(p, e);
});
