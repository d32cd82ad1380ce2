// The bootstrap view: a histogram of each parameter's draws with the estimate and the interval.
import type { PlotModel } from '../../../protocol/plot';
import type { ViewState } from '../../../protocol/webview';
import type { ChartSpec, DatasetSpec } from '../charts';
import { formatExact, formatNumber } from '../format';
import { type Palette, withAlpha } from '../theme';
import { fin, heldOutColor, lawColor, levelText } from './shared';

function histogram(values: number[], bins: number): { x: number[]; y: number[]; width: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(lo <= hi)) return { x: [], y: [], width: 0 };
  if (lo === hi) return { x: [lo], y: [values.length], width: Math.abs(lo) * 0.01 || 1 };
  const width = (hi - lo) / bins;
  const y = new Array<number>(bins).fill(0);
  for (const v of values) if (Number.isFinite(v)) y[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  return { x: y.map((_, i) => lo + width * (i + 0.5)), y, width };
}

function histRange(h: { x: number[]; width: number }, est: number | undefined, iv: [number, number] | undefined) {
  const xs = [...h.x.map((x) => x - h.width), ...h.x.map((x) => x + h.width)];
  if (fin(est)) xs.push(est);
  if (iv) xs.push(iv[0], iv[1]);
  return { min: Math.min(...xs), max: Math.max(...xs) };
}

export function bootstrapView(model: PlotModel, _state: ViewState, pal: Palette): ChartSpec[] {
  const specs: ChartSpec[] = [];
  model.laws.forEach((law, li) => {
    if (!law.draws) return;
    const color = lawColor(pal, li);
    for (const [param, draws] of Object.entries(law.draws)) {
      if (draws.length === 0) continue;
      const bins = Math.max(8, Math.min(40, Math.round(Math.sqrt(draws.length))));
      const h = histogram(draws, bins);
      const top = Math.max(1, ...h.y);
      const datasets: DatasetSpec[] = [
        {
          key: 'hist',
          role: 'hist',
          label: `${param} draws`,
          law: law.name,
          legend: false,
          type: 'bar',
          data: h.x.map((x, i) => ({ x, y: h.y[i], i })),
          color: withAlpha(color, 0.9),
          fill: withAlpha(color, 0.45),
          borderWidth: 1,
          tooltip: (pt) => [
            `${param} ∈ [${formatNumber(pt.x - h.width / 2)}, ${formatNumber(pt.x + h.width / 2)}]`,
            `${pt.y} draws`,
          ],
        },
      ];
      const est = law.params[param];
      if (fin(est)) {
        datasets.push({
          key: 'estimate',
          role: 'marker',
          label: 'estimate',
          legend: false,
          type: 'line',
          data: [
            { x: est, y: 0 },
            { x: est, y: top },
          ],
          color: pal.foreground,
          borderWidth: 2,
          tooltip: () => [`${param} = ${formatExact(est)} (fit)`],
        });
      }
      const iv = law.intervals?.[param];
      if (iv) {
        for (const [k, v] of [
          ['lo', iv[0]],
          ['hi', iv[1]],
        ] as const) {
          datasets.push({
            key: `interval-${k}`,
            role: 'marker',
            label: `interval ${k}`,
            legend: false,
            type: 'line',
            data: [
              { x: v, y: 0 },
              { x: v, y: top },
            ],
            color: heldOutColor(pal),
            borderWidth: 1.5,
            dash: [5, 4],
            tooltip: () => [`${levelText(law.level)}: [${formatExact(iv[0])}, ${formatExact(iv[1])}]`],
          });
        }
      }
      specs.push({
        id: `bootstrap:${law.name}:${param}`,
        title: `${law.name}: ${param}`,
        small: true,
        type: 'bar',
        x: { type: 'linear', title: param, ...histRange(h, est, iv) },
        y: { type: 'linear', title: 'draws', min: 0 },
        datasets,
        legend: false,
      });
    }
  });
  return specs;
}
