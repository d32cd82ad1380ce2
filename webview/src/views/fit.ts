// The fit view: runs (by group), fitted curves with their bands, predictions and optima, and the
// runs a `plan` line proposes (hollow markers where the law puts them now).
import { type PlotModel, sortGroups } from '../../../protocol/plot';
import type { ViewState } from '../../../protocol/webview';
import type { ChartSpec, DatasetSpec, ErrorBar, Pt } from '../charts';
import { formatExact, formatInterval, formatNumber, formatValue } from '../format';
import { type Palette, withAlpha } from '../theme';
import { curveDatasets, heldOutColor, lawColor, levelText, pos, ramp, runTooltip } from './shared';

/** A group value as shown: numbers in compact form (49560000 → 49.6M). */
function groupText(g: string): string {
  const v = Number(g);
  return g.trim() !== '' && Number.isFinite(v) ? formatNumber(v) : g;
}

/** Above this many `by` groups the runs are one dataset coloured point by point (the legend would not fit). */
const MAX_GROUP_DATASETS = 12;

export function fitView(model: PlotModel, state: ViewState, pal: Palette): ChartSpec[] {
  const xVar = state.x && model.variables.includes(state.x) ? state.x : (model.variables[0] ?? 'N');
  const datasets: DatasetSpec[] = [];
  const byGroups = model.by ? sortGroups(model.runSets.flatMap((s) => s.groups ?? [])) : [];
  const colors = ramp(pal, byGroups.length);
  const groupColor = new Map(byGroups.map((g, i) => [g, colors[i]]));
  const runColor = withAlpha(pal.foreground, 0.55);
  const manyGroups = byGroups.length > MAX_GROUP_DATASETS;

  for (const set of model.runSets) {
    const laws = model.laws.filter((l) => l.runSet === set.id);
    const col = set.columns[xVar];
    if (!col) continue;
    const tooltip = runTooltip(model, set, laws);
    const groups = model.by && set.groups && !manyGroups ? byGroups : [null];
    // Many groups: one dataset, each point in its group's colour.
    const perPoint = model.by && set.groups && manyGroups ? set.groups : null;
    for (const g of groups) {
      const fitPts: Pt[] = [];
      const hoPts: Pt[] = [];
      for (let i = 0; i < set.labels.length; i++) {
        if (g !== null && set.groups?.[i] !== g) continue;
        const x = col[i];
        const y = set.observed[i];
        if (!pos(x) || !pos(y)) continue;
        (laws.some((l) => l.heldOut[i]) ? hoPts : fitPts).push({ x, y, i });
      }
      const suffix = model.runSets.length > 1 ? ` (${set.id})` : '';
      const gLabel =
        g !== null
          ? `${model.by} = ${groupText(g)}`
          : perPoint
            ? `runs (colour: ${model.by} ${groupText(byGroups[0])} → ${groupText(byGroups[byGroups.length - 1])})`
            : 'runs';
      const color = g !== null ? withAlpha(groupColor.get(g) ?? runColor, 0.75) : runColor;
      const key = `${set.id}:${g ?? ''}`;
      datasets.push({
        key: `runs:${key}`,
        role: 'runs',
        label: gLabel + suffix,
        legend: true,
        type: 'scatter',
        data: fitPts,
        color,
        pointColors: perPoint
          ? fitPts.map((p) => withAlpha(groupColor.get(perPoint[p.i ?? -1]) ?? runColor, 0.8))
          : undefined,
        legendColor: perPoint ? colors[Math.floor(colors.length / 2)] : undefined,
        pointRadius: fitPts.length > 2000 ? 1.5 : 3,
        tooltip,
        csv: { label: (pt) => set.labels[pt.i ?? -1] ?? '' },
      });
      if (hoPts.length > 0 || laws.some((l) => l.heldOut.some(Boolean))) {
        datasets.push({
          key: `heldout:${key}`,
          role: 'heldout',
          label: `held out${g !== null ? ` (${gLabel})` : ''}${suffix}`,
          legendLabel: `held out${suffix}`,
          legend: g === null || g === byGroups[0],
          legendGroup: `heldout:${set.id}`,
          type: 'scatter',
          data: hoPts,
          color: heldOutColor(pal),
          pointStyle: 'triangle',
          pointRadius: 5,
          hollow: true,
          tooltip,
          csv: { label: (pt) => set.labels[pt.i ?? -1] ?? '' },
        });
      }
    }
  }

  model.laws.forEach((law, li) => {
    const color = lawColor(pal, li);
    const curves = law.curves.filter((c) => c.along === xVar);
    const lt = levelText(law.level);
    curves.forEach((c, ci) => {
      const gColor = c.group !== null && groupColor.has(c.group) ? (groupColor.get(c.group) as string) : color;
      const label = c.group !== null ? `${law.name} (${model.by} = ${groupText(c.group)})` : law.name;
      datasets.push(
        ...curveDatasets(
          `curve:${law.name}:${c.group ?? ''}`,
          label,
          c.points,
          c.group !== null ? gColor : color,
          pal,
          {
            legend: ci === 0,
            legendLabel: law.name,
            // a law drawn in its groups' colours: a neutral swatch, dashed for the second law on
            legendColor: c.group !== null ? pal.foreground : undefined,
            legendGroup: `law:${law.name}`,
            law: law.name,
            dash: c.group !== null && li > 0 ? [6, 4] : undefined,
            levelText: lt,
            bandAlpha: c.group !== null ? 0.06 : undefined,
          },
        ),
      );
    });
    // Predictions and optima on this axis, with their intervals.
    const preds = model.predictions.filter((p) => p.law === law.name && pos(p.at[xVar]) && pos(p.value));
    if (preds.length > 0) {
      datasets.push({
        key: `prediction:${law.name}`,
        role: 'prediction',
        label: `${law.name}: predict`,
        law: law.name,
        legend: false,
        legendGroup: `law:${law.name}`,
        type: 'scatter',
        data: preds.map((p, i) => ({ x: p.at[xVar], y: p.value, i })),
        color,
        pointStyle: 'rectRot',
        pointRadius: 6,
        errorBars: preds.map((p) => (p.interval ? { yMin: p.interval[0], yMax: p.interval[1] } : {})),
        tooltip: (pt) => {
          const p = preds[pt.i ?? 0];
          const at = Object.entries(p.at)
            .map(([k, v]) => `${k} = ${formatNumber(v)}`)
            .join(', ');
          const iv = p.interval
            ? ` [${formatExact(p.interval[0])}, ${formatExact(p.interval[1])}] (${levelText(p.level)})`
            : '';
          return [`predict ${law.name} at ${at}`, `${model.target} = ${formatExact(p.value)}${iv}`];
        },
        csv: {
          lo: (pt) => preds[pt.i ?? 0].interval?.[0] ?? null,
          hi: (pt) => preds[pt.i ?? 0].interval?.[1] ?? null,
        },
      });
    }
    const opts = model.optima.filter((o) => o.law === law.name && pos(o.at[xVar]) && pos(o.value));
    if (opts.length > 0) {
      const yKey = (o: (typeof opts)[number]) => o.intervals[model.target] ?? o.intervals[`${model.target}*`];
      datasets.push({
        key: `optimum:${law.name}`,
        role: 'optimum',
        label: `${law.name}: optimum`,
        law: law.name,
        legend: false,
        legendGroup: `law:${law.name}`,
        type: 'scatter',
        data: opts.map((o, i) => ({ x: o.at[xVar], y: o.value, i })),
        color,
        pointStyle: 'star',
        pointRadius: 9,
        borderWidth: 2,
        errorBars: opts.map((o): ErrorBar => {
          const xi = o.intervals[xVar];
          const yi = yKey(o);
          return { xMin: xi?.[0], xMax: xi?.[1], yMin: yi?.[0], yMax: yi?.[1] };
        }),
        tooltip: (pt) => {
          const o = opts[pt.i ?? 0];
          const lines = [`optimum of ${law.name}`];
          for (const [k, v] of Object.entries(o.at)) {
            const iv = o.intervals[k];
            lines.push(`${k} = ${formatValue(v)}${iv ? ` ${formatInterval(iv)}` : ''}`);
          }
          const yi = yKey(o);
          lines.push(
            `${model.target}* = ${formatExact(o.value)}${yi ? ` [${formatExact(yi[0])}, ${formatExact(yi[1])}]` : ''}`,
          );
          return lines;
        },
      });
    }
    const planned = (model.plans ?? [])
      .filter((p) => p.law === law.name)
      .flatMap((p) => p.runs)
      .filter((r) => pos(r.at[xVar]) && pos(r.value));
    if (planned.length > 0) {
      datasets.push({
        key: `planned:${law.name}`,
        role: 'planned',
        label: 'planned runs',
        law: law.name,
        legend: true,
        type: 'scatter',
        data: planned.map((r, i) => ({ x: r.at[xVar], y: r.value, i })),
        color,
        pointStyle: 'crossRot',
        pointRadius: 6,
        borderWidth: 2,
        tooltip: (pt) => {
          const r = planned[pt.i ?? 0];
          const at = Object.entries(r.at)
            .map(([k, v]) => `${k} = ${formatNumber(v)}`)
            .join(', ');
          return [
            `planned run of ${law.name}: ${at}`,
            `cost ${formatValue(r.cost)}`,
            `${model.target} ≈ ${formatValue(r.value)} (the law now)`,
          ];
        },
      });
    }
  });

  return [
    {
      id: 'fit',
      title: `${model.target} vs ${xVar}`,
      type: 'scatter',
      x: { type: 'logarithmic', title: xVar },
      y: { type: 'logarithmic', title: model.target },
      datasets,
    },
  ];
}
