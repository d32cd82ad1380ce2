// The isoflop view: per budget, the runs and the parabola in log N through them, with its minimum.
// A budget whose minimum is at an edge (left out of the frontier) has a hollow star, and the stars
// of all such budgets share one legend entry, "edge (excluded)", that shows or hides them.
import type { PlotModel } from '../../../protocol/plot';
import type { ViewState } from '../../../protocol/webview';
import type { ChartSpec, DatasetSpec } from '../charts';
import { formatExact, formatNumber } from '../format';
import type { Palette } from '../theme';
import { curveDatasets, fin, pos, ramp } from './shared';

/** The legend group of the edge budgets' minima. */
const EDGE_GROUP = 'edge';

export function isoflopView(model: PlotModel, _state: ViewState, pal: Palette): ChartSpec[] {
  return model.isoflops
    .filter((iso) => iso.budgets.length > 0)
    .map((iso) => {
      const colors = ramp(pal, iso.budgets.length);
      const datasets: DatasetSpec[] = [];
      iso.budgets.forEach((b, bi) => {
        const color = colors[bi];
        const group = `budget:${b.budget}`;
        const name = `${iso.budgetVar} = ${formatNumber(b.budget)}`;
        datasets.push({
          key: `runs:${b.budget}`,
          role: 'runs',
          label: name,
          legend: true,
          legendGroup: group,
          type: 'scatter',
          data: b.runs.size.map((x, i) => ({ x, y: b.runs.value[i], i })).filter((p) => pos(p.x) && fin(p.y)),
          color,
          pointRadius: 3.5,
          tooltip: (pt) => [
            `run ${b.runs.labels[pt.i ?? -1] ?? '?'}`,
            `${iso.sizeVar} = ${formatNumber(pt.x)}`,
            `${model.target} = ${formatExact(pt.y)}`,
            name,
          ],
          csv: { label: (pt) => b.runs.labels[pt.i ?? -1] ?? '' },
        });
        if (b.parabola) {
          datasets.push(
            ...curveDatasets(`parabola:${b.budget}`, `${name}: parabola`, b.parabola, color, pal, {
              legend: false,
              legendGroup: group,
            }).map((d) => ({ ...d, role: d.role === 'curve' ? ('parabola' as const) : d.role })),
          );
        }
        if (pos(b.minimum.size) && fin(b.minimum.value)) {
          datasets.push({
            key: `minimum:${b.budget}`,
            role: 'minimum',
            label: `${name}: minimum`,
            legend: false,
            legendGroup: b.edge ? EDGE_GROUP : group,
            type: 'scatter',
            data: [{ x: b.minimum.size, y: b.minimum.value, i: 0 }],
            color,
            pointStyle: 'star',
            pointRadius: 9,
            borderWidth: 2,
            hollow: b.edge,
            tooltip: () => [
              `minimum at ${name}${b.edge ? ' (on the edge of the sampled sizes)' : ''}`,
              ...Object.entries(b.minimum.at).map(([k, v]) => `${k}* = ${formatNumber(v)}`),
              `${model.target} = ${formatExact(b.minimum.value)}`,
            ],
          });
        }
      });
      if (iso.budgets.some((b) => b.edge))
        datasets.push({
          key: `edge:${iso.name}`,
          role: 'marker',
          label: 'edge (excluded)',
          legend: true,
          legendGroup: EDGE_GROUP,
          type: 'scatter',
          data: [],
          color: pal.foreground,
          pointStyle: 'star',
          pointRadius: 9,
          borderWidth: 2,
          hollow: true,
        });
      // One group of a `per` isoflop is a chart of its own, named by the group's value.
      const group = iso.group ? ` (${iso.group.column} = ${iso.group.value})` : '';
      return {
        id: `isoflop:${iso.name}${iso.group ? `:${iso.group.value}` : ''}`,
        title: `${iso.name}${group}: ${model.target} vs ${iso.sizeVar} per ${iso.budgetVar} budget`,
        type: 'scatter' as const,
        x: { type: 'logarithmic' as const, title: iso.sizeVar },
        y: { type: 'linear' as const, title: model.target },
        datasets,
      };
    });
}
