// Section 3: the tutorial's experiment, one gradient step at a time. X is the 6×8 edge image, Y = X ⋆ [[1, −1]];
// a 1×2 kernel starting uniform in ±1/√2 (PyTorch's default for this layer) follows the gradient of the
// summed squared error. Each step is a simdnet variableGrads + SGD update; the page redraws between steps.
import * as sn from 'simdnet';
import { byId, fmt, intValue } from '../ui/dom.js';
import { lineChartSvg } from '../ui/line-chart.js';

export function initLearnKernel(): void {
  const out = {
    kernel: byId('lk-kernel'),
    step: byId('lk-step'),
    loss: byId('lk-loss'),
    chart: byId('lk-chart'),
    values: byId('lk-values'),
  };
  const run = byId<HTMLButtonElement>('lk-run');
  const lrInput = byId<HTMLInputElement>('lk-lr');
  let generation = 0; // a new run abandons the old one

  const chart = (losses: [number, number][], k0: [number, number][], k1: [number, number][], steps: number) => {
    out.chart.innerHTML = lineChartSvg({
      title: 'Loss while learning the kernel',
      xLabel: 'gradient step',
      yLabel: 'loss (sum of squared errors)',
      series: [{ name: 'loss', points: losses, colour: '#0b63c5' }],
      xMin: 0,
      xMax: steps,
    });
    const target = (v: number): [number, number][] => [
      [0, v],
      [steps, v],
    ];
    out.values.innerHTML = lineChartSvg({
      title: 'Kernel values (targets dashed)',
      xLabel: 'gradient step',
      yLabel: 'weight (no unit)',
      series: [
        { name: 'K[0]', points: k0, colour: '#0b63c5' },
        { name: 'K[1]', points: k1, colour: '#c2410c' },
        { name: 'target 1', points: target(1), colour: '#0b63c5', dashed: true },
        { name: 'target −1', points: target(-1), colour: '#c2410c', dashed: true },
      ],
      yRange: [-1.5, 1.5],
      xMin: 0,
      xMax: steps,
    });
  };

  async function learn(): Promise<void> {
    const mine = ++generation;
    const lr = Math.max(1e-4, Math.min(1, Number(lrInput.value) || 0.03));
    const steps = intValue(byId<HTMLInputElement>('lk-steps'));
    const seed = intValue(byId<HTMLInputElement>('lk-seed'));
    const row = [1, 1, 0, 0, 0, 0, 1, 1];
    const X = sn.tensor(Array.from({ length: 6 }, () => row).flat(), [1, 6, 8, 1]);
    const Y = sn.tidy(() => sn.conv2d(X, sn.tensor([1, -1], [1, 2, 1, 1])));
    const kernel = sn.tidy(() =>
      sn.variable(sn.randomUniform([1, 2, 1, 1], { seed, minval: -Math.SQRT1_2, maxval: Math.SQRT1_2 })),
    );
    const optimizer = sn.train.sgd({ learningRate: lr });
    const losses: [number, number][] = [];
    const k0: [number, number][] = [];
    const k1: [number, number][] = [];
    const showKernel = (step: number) => {
      const k = kernel.dataSync();
      out.kernel.textContent = `[${fmt(k[0], 4)}, ${fmt(k[1], 4)}]`;
      k0.push([step, k[0]]);
      k1.push([step, k[1]]);
    };
    try {
      showKernel(0);
      for (let step = 1; step <= steps && mine === generation; step++) {
        const loss = sn.tidy(() => {
          const { value, grads } = sn.variableGrads(() => {
            const diff = sn.sub(sn.conv2d(X, kernel), Y);
            return sn.sum(sn.mul(diff, diff));
          }, [kernel]);
          optimizer.applyGradients(grads);
          return value.dataSync()[0];
        });
        losses.push([step, loss]);
        showKernel(step);
        out.step.textContent = String(step);
        out.loss.textContent = fmt(loss, 4);
        chart(losses, k0, k1, steps);
        await new Promise((r) => setTimeout(r, 60));
      }
    } finally {
      for (const t of [X, Y, kernel]) t.dispose();
      optimizer.dispose();
    }
  }

  run.addEventListener('click', () => void learn());
  chart([], [], [], intValue(byId<HTMLInputElement>('lk-steps')));
}
