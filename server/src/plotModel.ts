// The plot model for the webview: the webview team's buildPlotModel over the fit results, with the
// run tables of each law and a CurveSampler that evaluates the fitted formula (bands from the
// bootstrap draws when there are any).
import {
  buildPlotModel,
  type CurveRequest,
  type CurveSampler,
  type LawRuns,
  type PlotModel,
} from '../../protocol/plot';
import type { StudyResults } from './core/results';
import type { Analysis } from './core/study';
import { evaluateColumns, type Column } from './core/semantics/evaluate';

function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v[Math.floor(v.length / 2)];
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i];
}

export function plotModel(analysis: Analysis, results: StudyResults, source?: string): PlotModel {
  const m = analysis.model;
  const plot = m.plots[0];
  const runs: Record<string, LawRuns> = {};
  const ids = new Map<object, string>();
  for (const law of m.laws) {
    const columns: Record<string, number[]> = {};
    for (const v of new Set([...law.variables, law.target, ...m.computes.map((c) => c.name)])) {
      const col = law.data.numeric.get(v);
      if (col) columns[v] = Array.from(col);
    }
    const labels = law.data.origin.map((o, i) => ('file' in o ? `line ${o.line}` : `row ${i + 1}`));
    const id = ids.get(law.data) ?? `runs${ids.size + 1}`;
    ids.set(law.data, id);
    const r: LawRuns = { id, labels, columns };
    const by = plot?.by;
    if (by && law.data.numeric.get(by)) r.groups = Array.from(law.data.numeric.get(by)!, (v) => String(v));
    runs[law.name] = r;
  }
  const sampler: CurveSampler = {
    sample(req: CurveRequest) {
      const law = m.laws.find((l) => l.name === req.law.name);
      if (!law || !law.variables.includes(req.along)) return null;
      const n = req.x.length;
      const fixed: Record<string, number> = {};
      for (const v of law.variables) {
        if (v === req.along) continue;
        const values = req.runs.columns[v] ?? [];
        if (req.group !== null && req.runs.groups && req.by === v) fixed[v] = Number(req.group);
        else fixed[v] = median(values);
      }
      const evalWith = (params: Record<string, number>): number[] => {
        const lookup = (name: string): Column | undefined => {
          if (name === req.along) return { kind: 'number', values: Float64Array.from(req.x) };
          if (name in fixed) return { kind: 'number', values: new Float64Array(n).fill(fixed[name]) };
          if (name in params) return { kind: 'number', values: new Float64Array(n).fill(params[name]) };
          return undefined;
        };
        return Array.from(evaluateColumns(law.formula, n, lookup));
      };
      const y = evalWith(req.law.params);
      const draws = req.law.draws;
      if (!draws) return { y };
      const names = Object.keys(draws);
      const count = Math.min(200, ...names.map((k) => draws[k].length));
      if (!(count > 1)) return { y };
      const samples: number[][] = [];
      for (let i = 0; i < count; i++) {
        const p: Record<string, number> = { ...req.law.params };
        for (const k of names) p[k] = draws[k][i];
        samples.push(evalWith(p));
      }
      const level = req.law.level ?? 0.9;
      const lo: number[] = [];
      const hi: number[] = [];
      for (let j = 0; j < n; j++) {
        const col = samples
          .map((s) => s[j])
          .filter(Number.isFinite)
          .sort((a, b) => a - b);
        lo.push(quantile(col, (1 - level) / 2));
        hi.push(quantile(col, 1 - (1 - level) / 2));
      }
      return { y, lo, hi };
    },
  };
  return buildPlotModel(results, {
    title: results.study ?? m.title ?? null,
    source: source ?? null,
    target: m.laws[0]?.target ?? 'L',
    by: plot?.by ?? null,
    runs,
    sampler,
  });
}
