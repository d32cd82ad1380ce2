// The bootstrap view: a histogram of each parameter's draws with the estimate and the interval.
import type { PlotModel } from '../../../protocol/plot';
import type { ViewState } from '../../../protocol/webview';
import type { ChartSpec, DatasetSpec } from '../charts';
import { formatExact, formatNumber } from '../format';
import { type Palette, withAlpha } from '../theme';
import { fin, heldOutColor, lawColor, levelText } from './shared';

interface Histogram {
  x: number[];
  y: number[];
  /** Each bin's edges (the tooltip's range; the axis' extent). */
  lo: number[];
  hi: number[];
}

/** Equal-width bins over the values, or over their logarithm when `log` (geometric bins). */
function histogram(values: number[], bins: number, log: boolean): Histogram {
  const t = log ? Math.log : (v: number) => v;
  const back = log ? Math.exp : (v: number) => v;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(lo <= hi)) return { x: [], y: [], lo: [], hi: [] };
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.01 || 1;
    return { x: [lo], y: [values.length], lo: [lo - pad], hi: [lo + pad] };
  }
  const [a, b] = [t(lo), t(hi)];
  const width = (b - a) / bins;
  const y = new Array<number>(bins).fill(0);
  for (const v of values) if (Number.isFinite(v)) y[Math.min(bins - 1, Math.floor((t(v) - a) / width))]++;
  return {
    x: y.map((_, i) => back(a + width * (i + 0.5))),
    y,
    lo: y.map((_, i) => back(a + width * i)),
    hi: y.map((_, i) => back(a + width * (i + 1))),
  };
}

/**
 * A positive parameter whose draws span a decade or more (a scale such as A or B) is read on a log
 * axis: its spread is multiplicative, and linear bins would crowd most draws into one bar.
 */
export function drawsSpanDecades(draws: readonly number[]): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of draws) {
    if (!Number.isFinite(v)) continue;
    if (v <= 0) return false;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi && hi / lo >= 10;
}

function histRange(h: Histogram, est: number | undefined, iv: [number, number] | undefined, log: boolean) {
  const xs = [...h.lo, ...h.hi];
  if (fin(est)) xs.push(est);
  if (iv) xs.push(iv[0], iv[1]);
  const shown = log ? xs.filter((v) => v > 0) : xs;
  return { min: Math.min(...shown), max: Math.max(...shown) };
}

export function bootstrapView(model: PlotModel, _state: ViewState, pal: Palette): ChartSpec[] {
  const specs: ChartSpec[] = [];
  model.laws.forEach((law, li) => {
    if (!law.draws) return;
    const color = lawColor(pal, li);
    for (const [param, draws] of Object.entries(law.draws)) {
      if (draws.length === 0) continue;
      const bins = Math.max(8, Math.min(40, Math.round(Math.sqrt(draws.length))));
      const log = drawsSpanDecades(draws);
      const h = histogram(draws, bins, log);
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
            `${param} ∈ [${formatNumber(h.lo[pt.i ?? 0])}, ${formatNumber(h.hi[pt.i ?? 0])}]`,
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
        x: {
          type: log ? 'logarithmic' : 'linear',
          title: log ? `${param} (log axis)` : param,
          ...histRange(h, est, iv, log),
        },
        y: { type: 'linear', title: 'draws', min: 0 },
        datasets,
        legend: false,
      });
    }
  });
  return specs;
}
