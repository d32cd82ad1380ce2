// The envelope view (Chinchilla approach 1), Hoffmann et al.'s Figure 2: every run's curve over
// compute, coloured by size, with the envelope on top.
import type { PlotModel } from '../../../protocol/plot';
import type { ViewState } from '../../../protocol/webview';
import type { ChartSpec, DatasetSpec } from '../charts';
import { formatExact, formatNumber } from '../format';
import { withAlpha, type Palette } from '../theme';
import { pos, ramp } from './shared';

export function envelopeView(model: PlotModel, _state: ViewState, pal: Palette): ChartSpec[] {
  return (model.envelopes ?? [])
    .filter((env) => env.points.x.length > 0)
    .map((env) => {
      const colors = ramp(pal, env.curves.length);
      const datasets: DatasetSpec[] = env.curves.map((c, ci) => ({
        key: `curve:${c.run}`,
        role: 'curve' as const,
        label: `run ${c.run} (${env.sizeVar} = ${formatNumber(c.size)})`,
        legend: false,
        type: 'line' as const,
        data: c.x.map((x, i) => ({ x, y: c.y[i], i })).filter((p) => pos(p.x) && pos(p.y)),
        color: withAlpha(colors[ci], 0.55),
        pointRadius: 0,
        borderWidth: 1,
        csv: { label: () => c.run },
      }));
      const p = env.points;
      datasets.push({
        key: `envelope:${env.name}`,
        role: 'minimum',
        label: `${env.name}: envelope (hollow: smallest or largest model, left out of the frontier)`,
        legend: true,
        type: 'scatter',
        data: p.x.map((x, i) => ({ x, y: p.y[i], i })).filter((q) => pos(q.x) && pos(q.y)),
        color: pal.series[1],
        pointRadius: 3,
        pointColors: p.edge.map((e) => (e ? withAlpha(pal.series[1], 0.35) : pal.series[1])),
        tooltip: (pt) => [
          `${env.budgetVar} = ${formatNumber(pt.x)}`,
          `${model.target} = ${formatExact(pt.y)}`,
          `best run ${p.run[pt.i ?? -1] ?? '?'}${p.edge[pt.i ?? -1] ? ' (smallest or largest model: left out)' : ''}`,
        ],
        csv: { label: (pt) => p.run[pt.i ?? -1] ?? '' },
      });
      return {
        id: `envelope:${env.name}`,
        title: `${env.name}: ${model.target} vs ${env.budgetVar} per run, and the envelope`,
        type: 'scatter' as const,
        x: { type: 'logarithmic' as const, title: env.budgetVar },
        y: { type: 'logarithmic' as const, title: model.target },
        datasets,
      };
    });
}
