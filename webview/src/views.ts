// Each view turns the PlotModel into chart specs (plain data + palette colours). No chart.js here.

import { sortGroups, type PlotLaw, type PlotModel, type PlotView, type RunSet, type Series } from '../../protocol/plot';
import type { ViewState } from '../../protocol/webview';
import type { ChartSpec, DatasetSpec, ErrorBar, Pt } from './charts';
import { formatExact, formatNumber } from './format';
import { normalizeColor, withAlpha, type Palette } from './theme';

export const VIEW_LABELS: Record<PlotView, string> = {
  fit: 'Fit',
  residuals: 'Residuals',
  isoflop: 'IsoFLOP',
  envelope: 'Envelope',
  frontier: 'Frontier',
  bootstrap: 'Bootstrap',
};

/** Law colours: blue, green, purple, orange, yellow (red is kept for held-out runs). */
function lawColor(pal: Palette, i: number): string {
  const order = [0, 2, 4, 1, 5];
  return pal.series[order[i % order.length]];
}
const heldOutColor = (pal: Palette) => pal.series[3];

function hexToRgb(c: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(c);
  if (m) return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
  const r = /(\d+)\D+(\d+)\D+(\d+)/.exec(c);
  return r ? [Number(r[1]), Number(r[2]), Number(r[3])] : [128, 128, 128];
}

/** n colours along blue → green → orange → red: budgets read small to large. */
function ramp(pal: Palette, n: number): string[] {
  const stops = [pal.series[0], pal.series[2], pal.series[1], pal.series[3]].map(hexToRgb);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = n === 1 ? 0 : (i / (n - 1)) * (stops.length - 1);
    const k = Math.min(stops.length - 2, Math.floor(t));
    const f = t - k;
    const c = stops[k].map((v, j) => Math.round(v + (stops[k + 1][j] - v) * f));
    out.push(normalizeColor(`rgb(${c[0]}, ${c[1]}, ${c[2]})`, pal.foreground));
  }
  return out;
}

const pos = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
const fin = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

function runTooltip(model: PlotModel, set: RunSet, laws: PlotLaw[]) {
  const vars = Object.keys(set.columns);
  return (pt: Pt): string[] => {
    const i = pt.i ?? -1;
    const lines = [`run ${set.labels[i] ?? '?'}`];
    for (const v of vars) lines.push(`${v} = ${formatNumber(set.columns[v][i])}`);
    lines.push(`${model.target} = ${formatExact(set.observed[i])}`);
    if (set.groups) lines.push(`${model.by ?? 'group'} = ${set.groups[i]}`);
    for (const l of laws) {
      const f = l.fitted[i];
      if (f !== null && f !== undefined)
        lines.push(`${l.name}: fitted ${formatExact(f)}${l.heldOut[i] ? ' (held out)' : ''}`);
    }
    return lines;
  };
}

function curveDatasets(
  key: string,
  label: string,
  s: Series,
  color: string,
  pal: Palette,
  opts: {
    legend: boolean;
    legendGroup: string;
    law?: string;
    dash?: number[];
    levelText?: string;
    legendLabel?: string;
    legendColor?: string;
    bandAlpha?: number;
  },
): DatasetSpec[] {
  const out: DatasetSpec[] = [];
  const pts = (ys: number[]) => {
    const p: Pt[] = [];
    for (let i = 0; i < s.x.length; i++) if (pos(s.x[i]) && fin(ys[i])) p.push({ x: s.x[i], y: ys[i], i });
    return p;
  };
  if (s.lo && s.hi) {
    const band = withAlpha(color, opts.bandAlpha ?? (pal.kind.startsWith('high-contrast') ? 0.3 : 0.18));
    const common = { legend: false, legendGroup: opts.legendGroup, law: opts.law, type: 'line' as const, color: band };
    out.push({ ...common, key: `${key}:lo`, role: 'band-lo', label: `${label} lo`, data: pts(s.lo), borderWidth: 0 });
    out.push({
      ...common,
      key: `${key}:hi`,
      role: 'band-hi',
      label: `${label} hi`,
      data: pts(s.hi),
      borderWidth: 0,
      fill: band,
    });
  }
  const lo = s.lo;
  const hi = s.hi;
  out.push({
    key,
    role: 'curve',
    label,
    legendLabel: opts.legendLabel,
    legendColor: opts.legendColor,
    law: opts.law,
    legend: opts.legend,
    legendGroup: opts.legendGroup,
    type: 'line',
    data: pts(s.y),
    color,
    dash: opts.dash,
    tooltip: (pt) => {
      const lines = [`${label}: ${formatExact(pt.y)} at ${formatNumber(pt.x)}`];
      if (lo && hi && pt.i !== undefined)
        lines.push(`${opts.levelText ?? 'interval'} [${formatExact(lo[pt.i])}, ${formatExact(hi[pt.i])}]`);
      return lines;
    },
    csv: lo && hi ? { lo: (pt) => lo[pt.i ?? -1] ?? null, hi: (pt) => hi[pt.i ?? -1] ?? null } : undefined,
  });
  return out;
}

/** A group value as shown: numbers in compact form (49560000 → 49.6M). */
export function groupText(g: string): string {
  const v = Number(g);
  return g.trim() !== '' && Number.isFinite(v) ? formatNumber(v) : g;
}

/** Above this many `by` groups the runs are one dataset coloured point by point (the legend would not fit). */
const MAX_GROUP_DATASETS = 12;

const levelText = (level: number | null) => (level ? `${Math.round(level * 100)}% interval` : 'interval');

// --- fit ----------------------------------------------------------------------------------------------------------

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
            lines.push(`${k} = ${formatNumber(v)}${iv ? ` [${formatNumber(iv[0])}, ${formatNumber(iv[1])}]` : ''}`);
          }
          const yi = yKey(o);
          lines.push(
            `${model.target}* = ${formatExact(o.value)}${yi ? ` [${formatExact(yi[0])}, ${formatExact(yi[1])}]` : ''}`,
          );
          return lines;
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

// --- residuals ----------------------------------------------------------------------------------------------------

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

// --- isoflop ------------------------------------------------------------------------------------------------------

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
            legendGroup: group,
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
      return {
        id: `isoflop:${iso.name}`,
        title: `${iso.name}: ${model.target} vs ${iso.sizeVar} per ${iso.budgetVar} budget`,
        type: 'scatter' as const,
        x: { type: 'logarithmic' as const, title: iso.sizeVar },
        y: { type: 'linear' as const, title: model.target },
        datasets,
      };
    });
}

// --- envelope (approach 1) ----------------------------------------------------------------------------------------

/** Hoffmann et al.'s Figure 2: every run's curve over compute, coloured by size, with the envelope on top. */
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

// --- frontier -----------------------------------------------------------------------------------------------------

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
      const label = `${prefix}${f.variable}*(${iso.budgetVar}) ∝ ${iso.budgetVar}^${formatNumber(f.exponent)}`;
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
            `${v}* = ${formatNumber(pt.y)}${iv ? ` [${formatNumber(iv[0])}, ${formatNumber(iv[1])}]` : ''}`,
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

// --- bootstrap ----------------------------------------------------------------------------------------------------

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

/** Axis bounds from everything drawn (points and error bars), padded so no marker sits on the frame. */
export function padAxes(spec: ChartSpec, yFrom?: string[]): ChartSpec {
  if (spec.type === 'bar') return spec;
  for (const id of ['x', 'y'] as const) {
    const axis = spec[id];
    if (axis.min !== undefined || axis.max !== undefined) continue;
    const log = axis.type === 'logarithmic';
    let lo = Infinity;
    let hi = -Infinity;
    const see = (v: number | undefined) => {
      if (v === undefined || !Number.isFinite(v) || (log && v <= 0)) return;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    };
    // The y range can follow the measured points only (curves then leave the frame rather than squash the runs).
    const focus = id === 'y' && yFrom && spec.datasets.some((d) => yFrom.includes(d.role) && d.data.length > 0);
    for (const d of spec.datasets) {
      if (focus && !yFrom?.includes(d.role)) continue;
      for (const p of d.data) see(p[id]);
      for (const e of d.errorBars ?? []) {
        see(id === 'x' ? e.xMin : e.yMin);
        see(id === 'x' ? e.xMax : e.yMax);
      }
    }
    if (!(lo < hi)) continue;
    if (log) {
      const f = Math.max((hi / lo) ** (focus ? 0.08 : 0.03), focus ? 1.05 : 1);
      axis.min = lo / f;
      axis.max = hi * f;
    } else {
      const pad = (hi - lo) * 0.04;
      axis.min = lo - pad;
      axis.max = hi + pad;
    }
  }
  return spec;
}

const padded =
  (f: (m: PlotModel, s: ViewState, p: Palette) => ChartSpec[], yFrom?: string[]) =>
  (m: PlotModel, s: ViewState, p: Palette): ChartSpec[] =>
    f(m, s, p).map((spec) => padAxes(spec, yFrom));

export const VIEWS: Record<PlotView, (m: PlotModel, s: ViewState, p: Palette) => ChartSpec[]> = {
  fit: padded(fitView, ['runs', 'heldout', 'prediction', 'optimum']),
  residuals: padded(residualsView),
  isoflop: padded(isoflopView),
  envelope: padded(envelopeView),
  frontier: padded(frontierView),
  bootstrap: bootstrapView,
};

// --- CSV of what is plotted ---------------------------------------------------------------------------------------

function csvCell(s: string): string {
  // Quote when needed; neutralise spreadsheet formulas in text cells.
  const t = /^[=+@\t\r-]/.test(s) && !/^-?[\d.]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

export function specsToCsv(specs: ChartSpec[]): string {
  const rows = ['chart,series,x_name,x,y_name,y,lo,hi,run'];
  for (const spec of specs) {
    for (const d of spec.datasets) {
      if (d.role === 'band-lo' || d.role === 'band-hi' || d.role === 'zero') continue;
      for (const pt of d.data) {
        const lo = d.csv?.lo?.(pt);
        const hi = d.csv?.hi?.(pt);
        rows.push(
          [
            csvCell(spec.title),
            csvCell(d.label),
            csvCell(spec.x.title),
            formatExact(pt.x),
            csvCell(spec.y.title),
            formatExact(pt.y),
            lo != null ? formatExact(lo) : '',
            hi != null ? formatExact(hi) : '',
            csvCell(d.csv?.label?.(pt) ?? ''),
          ].join(','),
        );
      }
    }
  }
  return rows.join('\n') + '\n';
}
