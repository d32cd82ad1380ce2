// The frontier view: the compute-optimal N*(C) and D*(C) power laws through the isoflop minima.
import type { PlotModel } from '../../../protocol/plot';
import type { ViewState } from '../../../protocol/webview';
import type { ChartSpec, DatasetSpec } from '../charts';
import { formatInterval, formatNumber, formatValue } from '../format';
import type { Palette } from '../theme';
import { curveDatasets, pos } from './shared';

export function frontierView(model: PlotModel, _state: ViewState, pal: Palette): ChartSpec[] {
  const datasets: DatasetSpec[] = [];
  const varColor = new Map<string, string>();
  const colorFor = (v: string) => {
    if (!varColor.has(v)) varColor.set(v, pal.series[[0, 2, 4, 1][varColor.size % 4]]);
    return varColor.get(v) as string;
  };
  let budgetVar = 'C';
  for (const iso of model.isoflops) {
    budgetVar = iso.budgetVar;
    const prefix = model.isoflops.length > 1 ? `${iso.name}: ` : '';
    for (const f of iso.frontier) {
      const color = colorFor(f.variable);
      const label = `${prefix}${f.variable}*(${iso.budgetVar}) ∝ ${iso.budgetVar}^${formatValue(f.exponent)}`;
      const group = `frontier:${iso.name}:${f.variable}`;
      datasets.push(
        ...curveDatasets(`frontier:${iso.name}:${f.variable}`, label, f.curve, color, pal, {
          legend: true,
          legendGroup: group,
        }).map((d) => ({
          ...d,
          role: d.role === 'curve' ? ('frontier' as const) : d.role,
        })),
      );
      datasets.push({
        key: `frontier-minima:${iso.name}:${f.variable}`,
        role: 'frontier-minima',
        label: `${prefix}${f.variable}* per budget`,
        legend: false,
        legendGroup: group,
        type: 'scatter',
        data: f.minima.x.map((x, i) => ({ x, y: f.minima.y[i], i })).filter((p) => pos(p.x) && pos(p.y)),
        color,
        pointRadius: 4.5,
        tooltip: (pt) => [
          `${iso.budgetVar} = ${formatNumber(pt.x)}`,
          `${f.variable}* = ${formatNumber(pt.y)} (isoFLOP minimum)`,
        ],
      });
    }
  }
  // Optima of `optimize` statements: N*, D* at the budget, with their intervals.
  const lawNames = [...new Set(model.optima.map((o) => o.law))];
  for (const law of lawNames) {
    const os = model.optima.filter((o) => o.law === law);
    const budgetKey = Object.keys(os[0].at).find((k) => k === budgetVar) ?? Object.keys(os[0].at)[0];
    const vars = [...new Set(os.flatMap((o) => Object.keys(o.at)))].filter((k) => k !== budgetKey);
    for (const v of vars) {
      const pts = os.filter((o) => pos(o.at[budgetKey]) && pos(o.at[v]));
      if (pts.length === 0) continue;
      datasets.push({
        key: `optimum:${law}:${v}`,
        role: 'optimum',
        label: `${law}: ${v}*`,
        law,
        legend: true,
        legendGroup: `optimum:${law}:${v}`,
        type: 'scatter',
        data: pts.map((o, i) => ({ x: o.at[budgetKey], y: o.at[v], i })),
        color: colorFor(v),
        pointStyle: 'star',
        pointRadius: 10,
        borderWidth: 2,
        errorBars: pts.map((o) => {
          const iv = o.intervals[v];
          return iv ? { yMin: iv[0], yMax: iv[1] } : {};
        }),
        tooltip: (pt) => {
          const o = pts[pt.i ?? 0];
          const iv = o.intervals[v];
          return [
            `optimum of ${law} at ${budgetKey} = ${formatNumber(pt.x)}`,
            `${v}* = ${formatValue(pt.y)}${iv ? ` ${formatInterval(iv)}` : ''}`,
          ];
        },
        csv: {
          lo: (pt) => pts[pt.i ?? 0].intervals[v]?.[0] ?? null,
          hi: (pt) => pts[pt.i ?? 0].intervals[v]?.[1] ?? null,
        },
      });
    }
  }
  if (datasets.length === 0) return [];
  return [
    {
      id: 'frontier',
      title: `Compute-optimal frontier: ${[...varColor.keys()].map((v) => `${v}*(${budgetVar})`).join(', ')}`,
      type: 'scatter',
      x: { type: 'logarithmic', title: budgetVar },
      y: { type: 'logarithmic', title: [...varColor.keys()].map((v) => `${v}*`).join(', ') },
      datasets,
    },
  ];
}
