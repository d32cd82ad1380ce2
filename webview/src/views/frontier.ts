// The frontier view: the compute-optimal N*(C) and D*(C) power laws through the isoflop minima, the
// traced frontiers of `frontier LAW over C = a..b` (N*, D* here; L* on a chart of its own, since a
// loss and a size share no axis), and the optima of `optimize` lines.
import type { PlotLawFrontier, PlotModel, Series } from '../../../protocol/plot';
import type { ViewState } from '../../../protocol/webview';
import type { ChartSpec, DatasetSpec } from '../charts';
import { formatInterval, formatNumber, formatValue } from '../format';
import type { Palette } from '../theme';
import { curveDatasets, fin, lawColor, levelText, pos } from './shared';

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
    const name = iso.group ? `${iso.name} (${iso.group.column} = ${iso.group.value})` : iso.name;
    const prefix = model.isoflops.length > 1 ? `${name}: ` : '';
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
  const values: DatasetSpec[] = [];
  const targets = new Set<string>();
  // Each law's allocation over the study's budgets: the frontier as a curve, not only its points.
  const allocations = (model.allocations ?? []).filter((f) => f.curves.length > 0);
  allocations.forEach((f, fi) => {
    budgetVar = f.variable;
    for (const { quantity, curve } of f.curves) {
      const isTarget = quantity === f.target;
      if (isTarget) targets.add(quantity);
      const label = `${f.law}: ${quantity}* over ${f.variable}`;
      const key = `allocation:${f.law}:${quantity}`;
      (isTarget ? values : datasets).push(
        ...curveDatasets(key, label, curve, isTarget ? lawColor(pal, fi) : colorFor(quantity), pal, {
          legend: true,
          legendGroup: key,
          law: f.law,
          xName: f.variable,
          yName: `${quantity}*`,
        }).map((d) => ({ ...d, role: d.role === 'curve' ? ('frontier' as const) : d.role })),
      );
    }
  });
  // Traced frontiers: the allocation's quantities beside the isoflop lines, the law's value apart (dashed, with the
  // points' intervals as their band, over the allocation curve when the law has one).
  const traced = (model.frontiers ?? []).filter((f) => f.curves.length > 0);
  traced.forEach((f, fi) => {
    budgetVar = f.variable;
    const name = traced.length > 1 ? `${f.law} (${fi + 1})` : f.law;
    for (const { quantity, curve } of f.curves) {
      const isTarget = quantity === f.target;
      if (isTarget) targets.add(quantity);
      const color = isTarget ? lawColor(pal, fi) : colorFor(quantity);
      const into = isTarget ? values : datasets;
      into.push(...tracedDatasets(f, name, fi, quantity, curve, color, pal));
    }
  });
  if (datasets.length === 0 && values.length === 0) return [];
  const charts: ChartSpec[] = [];
  if (datasets.length > 0)
    charts.push({
      id: 'frontier',
      title: `Compute-optimal frontier: ${[...varColor.keys()].map((v) => `${v}*(${budgetVar})`).join(', ')}`,
      type: 'scatter',
      x: { type: 'logarithmic', title: budgetVar },
      y: { type: 'logarithmic', title: [...varColor.keys()].map((v) => `${v}*`).join(', ') },
      datasets,
    });
  if (values.length > 0) {
    const t = [...targets].join(', ');
    charts.push({
      id: 'frontier-value',
      title: `Loss on the frontier: ${[...targets].map((v) => `${v}*(${budgetVar})`).join(', ')}`,
      type: 'scatter',
      x: { type: 'logarithmic', title: budgetVar },
      y: { type: 'linear', title: `${t}*` },
      datasets: values,
    });
  }
  return charts;
}

/** One traced quantity: the curve through the frontier's points with its band, and the points themselves. */
function tracedDatasets(
  f: PlotLawFrontier,
  name: string,
  index: number,
  quantity: string,
  curve: Series,
  color: string,
  pal: Palette,
): DatasetSpec[] {
  const key = `traced:${f.law}:${index}:${quantity}`;
  const label = `${name}: ${quantity}*(${f.variable})`;
  const at = (q: string, x: number) => {
    const c = f.curves.find((k) => k.quantity === q)?.curve;
    const i = c ? c.x.indexOf(x) : -1;
    return c && i >= 0 ? c.y[i] : undefined;
  };
  return [
    ...curveDatasets(key, label, curve, color, pal, {
      legend: true,
      legendGroup: key,
      law: f.law,
      dash: [6, 3],
      levelText: levelText(f.level),
    }).map((d) => ({ ...d, role: d.role === 'curve' ? ('frontier' as const) : d.role })),
    {
      key: `${key}:points`,
      role: 'frontier-point',
      label: `${label} points`,
      law: f.law,
      legend: false,
      legendGroup: key,
      type: 'scatter',
      data: curve.x.map((x, i) => ({ x, y: curve.y[i], i })).filter((p) => pos(p.x) && fin(p.y)),
      color,
      pointRadius: 3,
      tooltip: (pt) => {
        const i = pt.i ?? 0;
        const iv: [number, number] | undefined = curve.lo && curve.hi ? [curve.lo[i], curve.hi[i]] : undefined;
        // The allocation ratio (D*/N*) when the allocation has two quantities.
        const [a, b] = f.curves.filter((c) => c.quantity !== f.target).map((c) => c.quantity);
        const ya = a !== undefined ? at(a, pt.x) : undefined;
        const yb = b !== undefined ? at(b, pt.x) : undefined;
        return [
          `frontier of ${f.law} at ${f.variable} = ${formatNumber(pt.x)}`,
          `${quantity}* = ${formatValue(pt.y)}${iv ? ` ${formatInterval(iv)} (${levelText(f.level)})` : ''}`,
          ...(ya !== undefined && yb !== undefined && ya > 0 ? [`${b}*/${a}* = ${formatValue(yb / ya)}`] : []),
        ];
      },
      csv:
        curve.lo && curve.hi
          ? { lo: (pt) => curve.lo?.[pt.i ?? -1] ?? null, hi: (pt) => curve.hi?.[pt.i ?? -1] ?? null }
          : undefined,
    },
  ];
}
