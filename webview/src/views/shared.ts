// Helpers the views share: law and budget colours, run tooltips, curves with their bands.
import type { PlotLaw, PlotModel, RunSet, Series } from '../../../protocol/plot';
import type { DatasetSpec, Pt } from '../charts';
import { formatExact, formatNumber } from '../format';
import { normalizeColor, type Palette, withAlpha } from '../theme';

/** Law colours: blue, green, purple, orange, yellow (red is kept for held-out runs). */
export function lawColor(pal: Palette, i: number): string {
  const order = [0, 2, 4, 1, 5];
  return pal.series[order[i % order.length]];
}
export const heldOutColor = (pal: Palette) => pal.series[3];

function hexToRgb(c: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(c);
  if (m) return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
  // The first three numbers of `rgb(r, g, b)` (a global match of digit runs: linear, no backtracking).
  const r = c.match(/\d+/g);
  return r && r.length >= 3 ? [Number(r[0]), Number(r[1]), Number(r[2])] : [128, 128, 128];
}

/** n colours along blue → green → orange → red: budgets read small to large. */
export function ramp(pal: Palette, n: number): string[] {
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

export const pos = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
export const fin = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** A group value as shown: numbers in compact form (49560000 → 49.6M). */
export function groupText(g: string): string {
  const v = Number(g);
  return g.trim() !== '' && Number.isFinite(v) ? formatNumber(v) : g;
}

/** Held values as the legend names them: "D = 20B, C = 1e21". */
export function atText(at: Record<string, number> | undefined): string {
  return Object.entries(at ?? {})
    .map(([k, v]) => `${k} = ${formatNumber(v)}`)
    .join(', ');
}

export function runTooltip(model: PlotModel, set: RunSet, laws: PlotLaw[]) {
  const vars = Object.keys(set.columns);
  return (pt: Pt): string[] => {
    const i = pt.i ?? -1;
    const lines = [`run ${set.labels[i] ?? '?'}`];
    // Each variable once: the group (an N bin) goes on its variable's line, not on a line of its own.
    const group = set.groups?.[i];
    for (const v of vars) {
      const value = formatNumber(set.columns[v][i]);
      const bin = group !== undefined && v === model.by ? groupText(group) : value;
      lines.push(`${v} = ${value}${bin !== value ? ` (group ${bin})` : ''}`);
    }
    lines.push(`${model.target} = ${formatExact(set.observed[i])}`);
    if (group !== undefined && (model.by === null || !vars.includes(model.by)))
      lines.push(`${model.by ?? 'group'} = ${groupText(group)}`);
    for (const l of laws) {
      const f = l.fitted[i];
      if (f !== null && f !== undefined)
        lines.push(`${l.name}: fitted ${formatExact(f)}${l.heldOut[i] ? ' (held out)' : ''}`);
    }
    return lines;
  };
}

export function curveDatasets(
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
    legendColors?: string[];
    bandAlpha?: number;
    /** Axis names for the tooltip ("N = 2B", "L = 2.07"); without them the point is "value at x". */
    xName?: string;
    yName?: string;
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
    legendColors: opts.legendColors,
    law: opts.law,
    legend: opts.legend,
    legendGroup: opts.legendGroup,
    type: 'line',
    data: pts(s.y),
    color,
    dash: opts.dash,
    tooltip: (pt) => {
      const lines =
        opts.xName && opts.yName
          ? [label, `${opts.xName} = ${formatNumber(pt.x)}`, `${opts.yName} = ${formatExact(pt.y)}`]
          : [`${label}: ${formatExact(pt.y)} at ${formatNumber(pt.x)}`];
      if (lo && hi && pt.i !== undefined)
        lines.push(`${opts.levelText ?? 'interval'} [${formatExact(lo[pt.i])}, ${formatExact(hi[pt.i])}]`);
      return lines;
    },
    csv: lo && hi ? { lo: (pt) => lo[pt.i ?? -1] ?? null, hi: (pt) => hi[pt.i ?? -1] ?? null } : undefined,
  });
  return out;
}

export const levelText = (level: number | null) => (level ? `${Math.round(level * 100)}% interval` : 'interval');
