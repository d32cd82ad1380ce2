// The residuals view: ln(observed / fitted) per run against the fitted value or a variable.
import type { PlotModel } from '../../../protocol/plot';
import type { ViewState } from '../../../protocol/webview';
import type { ChartSpec, DatasetSpec, Pt } from '../charts';
import { formatExact } from '../format';
import { type Palette, withAlpha } from '../theme';
import { lawColor, pos, runTooltip } from './shared';

export function residualsView(model: PlotModel, state: ViewState, pal: Palette): ChartSpec[] {
  const xKey =
    state.residualX && (state.residualX === 'fitted' || model.variables.includes(state.residualX))
      ? state.residualX
      : 'fitted';
  const datasets: DatasetSpec[] = [];
  let xmin = Infinity;
  let xmax = -Infinity;
  model.laws.forEach((law, li) => {
    const set = model.runSets.find((s) => s.id === law.runSet);
    if (!set) return;
    const color = lawColor(pal, li);
    const fitPts: Pt[] = [];
    const hoPts: Pt[] = [];
    for (let i = 0; i < law.fitted.length; i++) {
      const f = law.fitted[i];
      const o = set.observed[i];
      const x = xKey === 'fitted' ? f : set.columns[xKey]?.[i];
      if (!pos(f) || !pos(o) || !pos(x)) continue;
      const pt = { x, y: Math.log(o) - Math.log(f), i };
      (law.heldOut[i] ? hoPts : fitPts).push(pt);
      xmin = Math.min(xmin, x);
      xmax = Math.max(xmax, x);
    }
    const tooltip = (pt: Pt) => [
      ...runTooltip(model, set, [law])(pt),
      `ln(${model.target} / fitted) = ${formatExact(pt.y)}`,
    ];
    datasets.push({
      key: `residuals:${law.name}`,
      role: 'residuals',
      label: law.name,
      law: law.name,
      legend: true,
      legendGroup: `law:${law.name}`,
      type: 'scatter',
      data: fitPts,
      color: withAlpha(color, 0.8),
      pointRadius: fitPts.length > 2000 ? 1.5 : 3,
      tooltip,
      csv: { label: (pt) => set.labels[pt.i ?? -1] ?? '' },
    });
    if (law.heldOut.some(Boolean)) {
      datasets.push({
        key: `residuals-heldout:${law.name}`,
        role: 'heldout',
        label: `${law.name}: held out`,
        law: law.name,
        legend: true,
        legendGroup: `law-heldout:${law.name}`,
        type: 'scatter',
        data: hoPts,
        color,
        pointStyle: 'triangle',
        pointRadius: 5,
        hollow: true,
        tooltip,
        csv: { label: (pt) => set.labels[pt.i ?? -1] ?? '' },
      });
    }
  });
  if (xmin <= xmax) {
    datasets.push({
      key: 'zero',
      role: 'zero',
      label: 'zero',
      legend: false,
      type: 'line',
      data: [
        { x: xmin, y: 0 },
        { x: xmax, y: 0 },
      ],
      color: withAlpha(pal.foreground, 0.6),
      borderWidth: 1,
      dash: [4, 4],
    });
  }
  const xTitle = xKey === 'fitted' ? `fitted ${model.target}` : xKey;
  return [
    {
      id: 'residuals',
      title: `Residuals vs ${xTitle}`,
      type: 'scatter',
      x: { type: 'logarithmic', title: xTitle },
      y: { type: 'linear', title: `ln(${model.target} / fitted)` },
      datasets,
    },
  ];
}
