// The fit view: runs (by group), fitted curves with their bands, predictions and optima, and the
// runs a `plan` line proposes (hollow markers where the law puts them now).
import { type PlotModel, type Series, sortGroups } from '../../../protocol/plot';
import type { ViewState } from '../../../protocol/webview';
import type { ChartSpec, ColorBar, DatasetSpec, ErrorBar, Pt } from '../charts';
import { formatExact, formatInterval, formatNumber, formatValue } from '../format';
import { type Palette, sequential, withAlpha } from '../theme';
import { atText, curveDatasets, groupText, heldOutColor, lawColor, levelText, pos, runTooltip } from './shared';

/** Categorical groups (text values): distinct hues, in the order of the palette. */
function categorical(pal: Palette, n: number): string[] {
  const order = [0, 2, 4, 1, 5, 3];
  return Array.from({ length: n }, (_, i) => pal.series[order[i % order.length]]);
}

const isNumeric = (groups: string[]) =>
  groups.length > 0 && groups.every((g) => g.trim() !== '' && Number.isFinite(Number(g)));

/** A value with its interval, as the label beside a point reads: "L = 2.07 [2.01, 2.13]". */
function valueText(name: string, value: number, iv: [number, number] | null | undefined): string {
  return `${name} = ${formatExact(value)}${iv ? ` ${formatInterval(iv)}` : ''}`;
}

/** Above this many `by` groups the runs are one dataset coloured point by point (the legend would not fit). */
const MAX_GROUP_DATASETS = 12;

export function fitView(model: PlotModel, state: ViewState, pal: Palette): ChartSpec[] {
  const xVar = state.x && model.variables.includes(state.x) ? state.x : (model.variables[0] ?? 'N');
  const datasets: DatasetSpec[] = [];
  const byGroups = model.by ? sortGroups(model.runSets.flatMap((s) => s.groups ?? [])) : [];
  // Numeric groups (N bins) read small → large: an ordered, sequential scale with a colour bar. Text groups: hues.
  const ordered = isNumeric(byGroups);
  const colors = ordered ? sequential(pal, byGroups.length) : categorical(pal, byGroups.length);
  const groupColor = new Map(byGroups.map((g, i) => [g, colors[i]]));
  const runColor = withAlpha(pal.foreground, 0.55);
  const manyGroups = byGroups.length > MAX_GROUP_DATASETS;
  const colorBar: ColorBar | undefined =
    ordered && model.by ? { title: model.by, colors, labels: byGroups.map(groupText) } : undefined;

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
      const range =
        byGroups.length > 0
          ? `${model.by} ${groupText(byGroups[0])} → ${groupText(byGroups[byGroups.length - 1])}`
          : '';
      const gLabel = g !== null ? `${model.by} = ${groupText(g)}` : perPoint ? `runs (colour: ${range})` : 'runs';
      const color = g !== null ? withAlpha(groupColor.get(g) ?? runColor, 0.75) : runColor;
      const key = `${set.id}:${g ?? ''}`;
      // With a colour bar the groups need no legend entry each: one "runs" entry with the scale as its swatch.
      const barred = colorBar !== undefined && g !== null;
      datasets.push({
        key: `runs:${key}`,
        role: 'runs',
        label: gLabel + suffix,
        legendLabel: barred ? `runs (colour: ${range})${suffix}` : undefined,
        legend: barred ? g === byGroups[0] : true,
        legendGroup: barred ? `runs:${set.id}` : undefined,
        type: 'scatter',
        data: fitPts,
        color,
        pointColors: perPoint
          ? fitPts.map((p) => withAlpha(groupColor.get(perPoint[p.i ?? -1]) ?? runColor, 0.8))
          : undefined,
        legendColors: perPoint || barred ? colors : undefined,
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
    const curves = law.curves.filter((c) => c.along === xVar && !c.through);
    const lt = levelText(law.level);
    const grouped = curves.filter((c) => c.group !== null && groupColor.has(c.group));
    // A `per` law: each group's own fit is its own legend entry, named by the group's value, in its colour.
    const perGroup = law.per !== undefined;
    curves.forEach((c, ci) => {
      const inGroup = c.group !== null && groupColor.has(c.group);
      // The legend names where the curve is drawn: its group, or the values the other variables are held at.
      const where = c.group !== null ? `${model.by} = ${groupText(c.group)}` : atText(c.at);
      const label = where ? `${law.name} (${where})` : law.name;
      datasets.push(
        ...curveDatasets(
          `curve:${law.name}:${c.group ?? ''}`,
          label,
          c.points,
          inGroup ? (groupColor.get(c.group as string) as string) : color,
          pal,
          {
            legend: perGroup || ci === 0,
            // a law drawn in its groups' colours: its swatch is the groups' scale, dashed for the second law on
            legendLabel: inGroup && !perGroup ? law.name : label,
            legendColors:
              inGroup && !perGroup ? grouped.map((k) => groupColor.get(k.group as string) as string) : undefined,
            legendGroup: perGroup ? `law:${law.name}:${c.group ?? ''}` : `law:${law.name}`,
            law: law.name,
            dash: inGroup && li > 0 ? [6, 4] : undefined,
            levelText: lt,
            bandAlpha: inGroup ? 0.06 : undefined,
            xName: xVar,
            yName: model.target,
          },
        ),
      );
    });
    // Each predict and optimize point: the law drawn through it (the other variables at the point's values) and
    // the point itself with its interval, a legend entry and a label.
    model.predictions.forEach((p, index) => {
      if (p.law !== law.name || !pos(p.at[xVar]) || !pos(p.value)) return;
      const through = law.curves.find(
        (c) => c.along === xVar && c.through?.kind === 'predict' && c.through.index === index,
      );
      const at = atText(p.at) + (p.group !== undefined ? ` (${model.by} = ${groupText(p.group)})` : '');
      const pColor = (p.group !== undefined && groupColor.get(p.group)) || color;
      const text = valueText(model.target, p.value, p.interval);
      const group = `predict:${law.name}:${index}`;
      if (through)
        datasets.push(
          ...throughDatasets(
            group,
            throughLabel(
              law.name,
              through.at,
              p.group !== undefined ? `${model.by} = ${groupText(p.group)}` : undefined,
            ),
            through.points,
            pColor,
            pal,
            lt,
            xVar,
            model.target,
          ),
        );
      datasets.push({
        key: group,
        role: 'prediction',
        label: `${law.name}: predict`,
        legendLabel: `predict ${at}: ${text}`,
        law: law.name,
        legend: true,
        legendGroup: group,
        type: 'scatter',
        data: [{ x: p.at[xVar], y: p.value, i: index }],
        color: pColor,
        pointStyle: 'rectRot',
        pointRadius: 6,
        errorBars: [p.interval ? { yMin: p.interval[0], yMax: p.interval[1] } : {}],
        pointLabels: [text],
        tooltip: () => [
          `predict ${law.name}`,
          ...Object.entries(p.at).map(([k, v]) => `${k} = ${formatNumber(v)}`),
          `${text}${p.interval ? ` (${levelText(p.level)})` : ''}`,
        ],
        csv: { lo: () => p.interval?.[0] ?? null, hi: () => p.interval?.[1] ?? null },
      });
    });
    const yKey = (o: PlotModel['optima'][number]) => o.intervals[model.target] ?? o.intervals[`${model.target}*`];
    model.optima.forEach((o, index) => {
      if (o.law !== law.name || !pos(o.at[xVar]) || !pos(o.value)) return;
      const through = law.curves.find(
        (c) => c.along === xVar && c.through?.kind === 'optimum' && c.through.index === index,
      );
      const budget = Object.keys(o.at)[0]; // the budget comes first ({ C, N*, D* })
      const yi = yKey(o);
      const oColor = (o.group !== undefined && groupColor.get(o.group)) || color;
      const of = o.group !== undefined ? ` (${model.by} = ${groupText(o.group)})` : '';
      const text = valueText(`${model.target}*`, o.value, yi);
      const group = `optimum:${law.name}:${index}`;
      if (through)
        datasets.push(
          ...throughDatasets(
            group,
            throughLabel(
              law.name,
              through.at,
              o.group !== undefined ? `${model.by} = ${groupText(o.group)}` : undefined,
            ),
            through.points,
            oColor,
            pal,
            lt,
            xVar,
            model.target,
          ),
        );
      const xi = o.intervals[xVar];
      datasets.push({
        key: group,
        role: 'optimum',
        label: `${law.name}: optimum`,
        legendLabel: `optimum${budget ? ` at ${budget} = ${formatNumber(o.at[budget])}` : ''}${of}: ${text}`,
        law: law.name,
        legend: true,
        legendGroup: group,
        type: 'scatter',
        data: [{ x: o.at[xVar], y: o.value, i: index }],
        color: oColor,
        pointStyle: 'star',
        pointRadius: 9,
        borderWidth: 2,
        errorBars: [{ xMin: xi?.[0], xMax: xi?.[1], yMin: yi?.[0], yMax: yi?.[1] } satisfies ErrorBar],
        pointLabels: [text],
        tooltip: () => [
          `optimum of ${law.name}`,
          ...Object.entries(o.at).map(
            ([k, v]) => `${k} = ${formatValue(v)}${o.intervals[k] ? ` ${formatInterval(o.intervals[k])}` : ''}`,
          ),
          text,
        ],
      });
    });
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
      ...(colorBar ? { colorBar } : {}),
    },
  ];
}

/** A curve through a point is named by the values it holds ("chinchilla (D = 1.4T)"), else as through the point. */
function throughLabel(law: string, at: Record<string, number> | undefined, group?: string): string {
  const where = [group, atText(at) || 'through the point'].filter(Boolean).join(', ');
  return `${law} (${where})`;
}

/** The law through a predict/optimize point: a dotted curve with its band, in the point's legend group. */
function throughDatasets(
  group: string,
  label: string,
  points: Series,
  color: string,
  pal: Palette,
  lt: string,
  xName: string,
  yName: string,
): DatasetSpec[] {
  return curveDatasets(`${group}:curve`, label, points, color, pal, {
    legend: true,
    legendGroup: group,
    law: group.split(':')[1],
    dash: [2, 3],
    levelText: lt,
    bandAlpha: 0.1,
    xName,
    yName,
  });
}
