// The sweep view: per group (one value of `per`), the target against the swept variable with the
// fitted profile and its minimum (hollow when at the edge of the sweep); then the minima against
// `per` with the power law over* = k·per^a through them.
import type { PlotModel } from '../../../protocol/plot';
import type { ViewState } from '../../../protocol/webview';
import type { ChartSpec, DatasetSpec } from '../charts';
import { formatExact, formatNumber, formatValue } from '../format';
import type { Palette } from '../theme';
import { curveDatasets, fin, pos, ramp } from './shared';

export function sweepView(model: PlotModel, _state: ViewState, pal: Palette): ChartSpec[] {
  const charts: ChartSpec[] = [];
  for (const sw of model.sweeps ?? []) {
    if (sw.groups.length === 0) continue;
    const colors = ramp(pal, sw.groups.length);
    const profiles: DatasetSpec[] = [];
    sw.groups.forEach((g, gi) => {
      const color = colors[gi];
      const name = `${sw.per} = ${formatNumber(g.value)}`;
      const group = `group:${sw.name}:${g.value}`;
      profiles.push({
        key: `sweep-runs:${sw.name}:${g.value}`,
        role: 'runs',
        label: name,
        legend: true,
        legendGroup: group,
        type: 'scatter',
        data: g.runs.x.map((x, i) => ({ x, y: g.runs.y[i], i })).filter((p) => pos(p.x) && fin(p.y)),
        color,
        pointRadius: 3.5,
        tooltip: (pt) => [name, `${sw.over} = ${formatNumber(pt.x)}`, `${sw.target} = ${formatExact(pt.y)}`],
      });
      if (g.curve)
        profiles.push(
          ...curveDatasets(`sweep-curve:${sw.name}:${g.value}`, `${name}: profile`, g.curve, color, pal, {
            legend: false,
            legendGroup: group,
          }).map((d) => ({ ...d, role: d.role === 'curve' ? ('parabola' as const) : d.role })),
        );
      profiles.push({
        key: `sweep-minimum:${sw.name}:${g.value}`,
        role: 'minimum',
        label: `${name}: minimum`,
        legend: false,
        legendGroup: group,
        type: 'scatter',
        data: [{ x: g.minimum.x, y: g.minimum.y, i: 0 }],
        color,
        pointStyle: 'star',
        pointRadius: 9,
        borderWidth: 2,
        hollow: g.edge,
        tooltip: () => [
          `minimum at ${name}${g.edge ? ' (at the edge of the sweep: left out of the law)' : ''}`,
          `${sw.over}* = ${formatValue(g.minimum.x)}`,
          `${sw.target} = ${formatExact(g.minimum.y)}`,
        ],
      });
    });
    charts.push({
      id: `sweep:${sw.name}`,
      title: `${sw.name}: ${sw.target} vs ${sw.over} per ${sw.per}`,
      type: 'scatter',
      x: { type: 'logarithmic', title: sw.over },
      y: { type: 'linear', title: sw.target },
      datasets: profiles,
    });
    const law: DatasetSpec[] = [];
    if (sw.law) {
      const label = `${sw.over}*(${sw.per}) = ${formatValue(sw.law.coefficient)} · ${sw.per}^${formatValue(sw.law.exponent)}`;
      law.push(
        ...curveDatasets(`sweep-law:${sw.name}`, label, sw.law.curve, pal.series[0], pal, {
          legend: true,
          legendGroup: `sweep-law:${sw.name}`,
        }).map((d) => ({ ...d, role: d.role === 'curve' ? ('frontier' as const) : d.role })),
      );
    }
    law.push({
      key: `sweep-minima:${sw.name}`,
      role: 'frontier-minima',
      label: `${sw.over}* per ${sw.per}`,
      legend: true,
      legendGroup: `sweep-minima:${sw.name}`,
      type: 'scatter',
      data: sw.groups.map((g, i) => ({ x: g.value, y: g.minimum.x, i })).filter((p) => pos(p.x) && pos(p.y)),
      color: pal.series[2],
      pointRadius: 5,
      pointColors: sw.groups.map((_, i) => colors[i]),
      tooltip: (pt) => {
        const g = sw.groups[pt.i ?? 0];
        return [
          `${sw.per} = ${formatNumber(pt.x)}`,
          `${sw.over}* = ${formatValue(pt.y)}${g?.edge ? ' (edge: not in the law)' : ''}`,
        ];
      },
    });
    charts.push({
      id: `sweep-law:${sw.name}`,
      title: `${sw.name}: best ${sw.over} against ${sw.per}`,
      type: 'scatter',
      x: { type: 'logarithmic', title: sw.per },
      y: { type: 'logarithmic', title: `${sw.over}*` },
      datasets: law,
    });
  }
  return charts;
}
