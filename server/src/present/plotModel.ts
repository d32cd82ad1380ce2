// The plot model for the webview: the webview team's buildPlotModel over the fit results, with the
// run tables of each law and a CurveSampler that evaluates the fitted formula (bands from the
// bootstrap draws when there are any).
import {
  buildPlotModel,
  type CurveRequest,
  type CurveSampler,
  type IsoflopRuns,
  type LawRuns,
  type PlotModel,
  type SweepRuns,
} from '../../../protocol/plot';
import { rowsByRun } from '../core/data/curves';
import { mapOrigins } from '../core/data/origins';
import { dataRanges } from '../core/fit/answers';
import { toNode } from '../core/fit/compile';
import { optimizeAllocation } from '../core/fit/optimize';
import type { BoundIsoflop } from '../core/model';
import { quantile } from '../../../protocol/numbers';
import type { StudyResults } from '../core/results';
import type { Analysis } from '../core/study';
import { evaluateColumns, evaluateConstant, namesIn, type Column } from '../core/semantics/evaluate';
import type { Expr } from '../core/syntax/ast';

function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v[Math.floor(v.length / 2)];
}

export function plotModel(analysis: Analysis, results: StudyResults, source?: string): PlotModel {
  const m = analysis.model;
  const plot = m.plots[0];
  const runs: Record<string, LawRuns> = {};
  const ids = new Map<object, string>();
  // The value a group's curve is drawn at (its label may be a rounded or binned name).
  const groupValue = new Map<string, number>();
  // A `per` law's column groups the plot (its curves are per group), over a plot's own `by`.
  const perColumn = m.laws.find((l) => l.per)?.per?.column;
  for (const law of m.laws) {
    const columns: Record<string, number[]> = {};
    for (const v of new Set([...law.variables, law.target, ...m.computes.map((c) => c.name)])) {
      const col = law.data.numeric.get(v);
      if (col) columns[v] = Array.from(col);
    }
    const labels = mapOrigins(law.data.origin, (o, i) => ('file' in o ? `line ${o.line}` : `row ${i + 1}`));
    // The legend shows this id: the dataset's name (`sweep`, or `sweep + pilot` for several sources).
    const taken = new Set(ids.values());
    const base = datasetNames(analysis, law.name) || 'runs';
    let id = ids.get(law.data) ?? base;
    for (let k = 2; !ids.has(law.data) && taken.has(id); k++) id = `${base} (${k})`;
    ids.set(law.data, id);
    const r: LawRuns = { id, labels, columns };
    const by = perColumn ?? plot?.by;
    const byValues = by ? law.data.numeric.get(by) : undefined;
    if (law.per && law.per.column === by) {
      // A `per` law's runs are coloured by its groups, named by their values as written.
      r.groups = perGroups(law.per.groups, law.data.rowCount);
      r.id = `${id} per ${by}`;
    } else if (byValues) r.groups = groupLabels(byValues, groupValue);
    else if (by && law.data.text.get(by)) r.groups = law.data.text.get(by)!.slice();
    runs[law.name] = r;
  }
  // A published law has no runs of its own: its curve is drawn over the first fitted law's runs (the
  // rows `compare` evaluates it on), so `plot hoffmann` shows it beside the data.
  const withRows = m.laws.find((l) => !l.published && l.data.rowCount > 0);
  for (const law of m.laws)
    if (law.published && law.data.rowCount === 0 && withRows) runs[law.name] = runs[withRows.name];
  const sampler: CurveSampler = {
    sample(req: CurveRequest) {
      const law = m.laws.find((l) => l.name === req.law.name);
      if (!law) return null;
      const n = req.x.length;
      // Along a computed variable (L vs C): hold all law variables but one, and solve the compute
      // formula for that one at each x (D = C / 6N for C = 6ND).
      const compute = law.variables.includes(req.along) ? undefined : m.computes.find((c) => c.name === req.along);
      if (!law.variables.includes(req.along) && !compute) return null;
      const solveFor = compute ? law.variables.find((v) => v !== req.by && namesIn(compute.formula).has(v)) : undefined;
      if (compute && !solveFor) return null;
      const fixed: Record<string, number> = {};
      for (const v of law.variables) {
        if (v === req.along || v === solveFor) continue;
        // A `per` law's group curve is held at its own runs' values.
        const own = law.per && req.group !== null && req.runs.groups;
        const values = (req.runs.columns[v] ?? []).filter((_, i) => !own || req.runs.groups?.[i] === req.group);
        if (req.fixed && Number.isFinite(req.fixed[v])) fixed[v] = req.fixed[v];
        else if (req.group !== null && req.runs.groups && req.by === v)
          fixed[v] = groupValue.get(req.group) ?? Number(req.group);
        else fixed[v] = median(values);
      }
      const along = Float64Array.from(req.x);
      const solved = compute && solveFor ? solveCompute(compute.formula, solveFor, fixed, req.x) : undefined;
      const evalWith = (params: Record<string, number>): number[] => {
        const lookup = (name: string): Column | undefined => {
          if (name === req.along) return { kind: 'number', values: along };
          if (solved && name === solveFor) return { kind: 'number', values: solved };
          if (name in fixed) return { kind: 'number', values: new Float64Array(n).fill(fixed[name]) };
          if (name in params) return { kind: 'number', values: new Float64Array(n).fill(params[name]) };
          return undefined;
        };
        return Array.from(evaluateColumns(law.formula, n, lookup));
      };
      const y = evalWith(req.law.params);
      const at = fixed; // named in the legend: "chinchilla (D = 20B)"
      const draws = req.law.draws;
      if (!draws) return { y, at };
      const names = Object.keys(draws);
      // Every draw, and the quantile of the inlay hints and intervals (protocol/numbers.ts): the band
      // at a predict point is the prediction's interval when the law has that one variable.
      const count = Math.min(...names.map((k) => draws[k].length));
      if (!(count > 1)) return { y, at };
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
      return { y, lo, hi, at };
    },
  };
  sampler.allocation = (result, variable, budgets) => {
    const law = m.laws.find((l) => l.name === result.name);
    if (!law) return null;
    const names = law.params.map((p) => p.name);
    const theta = names.map((k) => result.params[k] ?? NaN);
    if (!theta.every(Number.isFinite)) return null;
    const ctx = {
      node: toNode(law.formula, names, law.variables),
      params: names,
      variables: law.variables,
      computes: m.computes,
      ranges: dataRanges(law),
    };
    const at: Record<string, number[]> = {};
    const value: number[] = [];
    budgets.forEach((c, i) => {
      const alloc = optimizeAllocation(ctx, theta, { [variable]: c });
      value.push(alloc?.value ?? NaN);
      for (const [k, v] of Object.entries(alloc?.at ?? {})) (at[k] ??= new Array(budgets.length).fill(NaN))[i] = v;
    });
    return value.some(Number.isFinite) ? { at, value } : null;
  };
  const isoflopRuns: Record<string, IsoflopRuns> = {};
  for (const iso of m.isoflops) {
    if (iso.method === 'envelope') continue; // its curves are drawn from envelopeCurves
    const column = (v: string) => Array.from(iso.data.numeric.get(v) ?? []);
    isoflopRuns[iso.name] = {
      budgetVar: iso.budget,
      sizeVar: iso.size,
      labels: mapOrigins(iso.data.origin, (o, i) => ('file' in o ? `line ${o.line}` : `row ${i + 1}`)),
      budget: column(iso.budget),
      size: column(iso.size),
      value: column(iso.target),
      ...(iso.per ? { groups: perGroups(iso.per.groups, iso.data.rowCount) } : {}),
    };
  }
  const envelopeCurves: NonNullable<Parameters<typeof buildPlotModel>[1]['envelopeCurves']> = {};
  for (const iso of m.isoflops) if (iso.method === 'envelope') envelopeCurves[iso.name] = envelopeCurvesOf(iso);
  const sweepRuns: Record<string, SweepRuns> = {};
  for (const sw of m.sweeps) {
    const column = (v: string) => Array.from(sw.data.numeric.get(v) ?? []);
    sweepRuns[sw.name] = { over: column(sw.over), per: column(sw.per), value: column(sw.target) };
  }
  return buildPlotModel(results, {
    title: results.study ?? m.title ?? null,
    source: source ?? null,
    target: m.laws[0]?.target ?? 'L',
    by: perColumn ?? plot?.by ?? null,
    x: plot?.x ?? null,
    runs,
    isoflopRuns,
    envelopeCurves,
    sweepRuns,
    sampler,
  });
}

/** At most this many curves, of this many points each: enough to see Figure 2's fan, light to send. */
const MAX_CURVES = 200;
const MAX_CURVE_POINTS = 60;

/** Each run's curve (target over budget), thinned evenly; with many runs, an even pick of them by size. */
function envelopeCurvesOf(iso: BoundIsoflop) {
  const C = iso.data.numeric.get(iso.budget);
  const L = iso.data.numeric.get(iso.target);
  const N = iso.data.numeric.get(iso.size);
  const names = iso.run ? (iso.data.text.get(iso.run) ?? Array.from(iso.data.numeric.get(iso.run) ?? [], String)) : [];
  const curves: { run: string; size: number; x: number[]; y: number[] }[] = [];
  if (C && L && N && names.length === iso.data.rowCount) {
    for (const [run, rows] of rowsByRun(names)) {
      const step = Math.max(1, Math.ceil(rows.length / MAX_CURVE_POINTS));
      const picked = rows.filter((_, k) => k % step === 0 || k === rows.length - 1);
      curves.push({ run, size: N[rows[rows.length - 1]], x: picked.map((r) => C[r]), y: picked.map((r) => L[r]) });
    }
  }
  curves.sort((a, b) => a.size - b.size);
  const every = Math.max(1, Math.ceil(curves.length / MAX_CURVES));
  return {
    budgetVar: iso.budget,
    sizeVar: iso.size,
    curves: curves.filter((_, k) => k % every === 0 || k === curves.length - 1),
  };
}

/** The datasets a law fits, as its `fit` line names them: `sweep`, or `sweep + pilot`. */
function datasetNames(analysis: Analysis, lawName: string): string {
  const decl = analysis.parsed.file.statements.find((s) => s.kind === 'Law' && s.name?.text === lawName);
  const fit = decl?.kind === 'Law' ? decl.body.find((b) => b.kind === 'Fit') : undefined;
  return fit?.kind === 'Fit' ? fit.sources.map((n) => n.text).join(' + ') : '';
}

/** Each row's `per` group as String(value) (rows in no group get ''). */
function perGroups(groups: { value: string | number; rows: number[] }[], rowCount: number): string[] {
  const out = new Array<string>(rowCount).fill('');
  for (const g of groups) for (const i of g.rows) out[i] = String(g.value);
  return out;
}

/** At most this many curves for a numeric `by`; more distinct values are binned on a log scale. */
const MAX_GROUPS = 8;

/** Group labels per row: the values themselves when few, else log-spaced bins named by their centre. */
function groupLabels(values: Float64Array, groupValue: Map<string, number>): string[] {
  const distinct = [...new Set(values)].filter(Number.isFinite).sort((a, b) => a - b);
  const label = (v: number) => {
    const text = Number(v.toPrecision(3)).toExponential().replace('e+', 'e');
    groupValue.set(text, v);
    return text;
  };
  if (distinct.length <= MAX_GROUPS || !(distinct[0] > 0)) return Array.from(values, label);
  const lo = Math.log(distinct[0]);
  const width = (Math.log(distinct[distinct.length - 1]) - lo) / MAX_GROUPS || 1;
  return Array.from(values, (v) => {
    const bin = Math.min(MAX_GROUPS - 1, Math.floor((Math.log(v) - lo) / width));
    return label(Math.exp(lo + (bin + 0.5) * width));
  });
}

/** For each x, the value of `variable` that makes `formula` (with the other inputs fixed) equal x. */
function solveCompute(formula: Expr, variable: string, fixed: Record<string, number>, xs: number[]): Float64Array {
  const f = (v: number) => evaluateConstant(formula, { ...fixed, [variable]: v });
  return Float64Array.from(xs, (x) => {
    // Bisection in log space: compute conventions grow with each input (6ND, 6N + 12 L d D, …).
    let lo = Math.log(1e-12);
    let hi = Math.log(1e30);
    if (!(f(Math.exp(lo)) < x && f(Math.exp(hi)) > x)) return NaN;
    for (let i = 0; i < 100 && hi - lo > 1e-12; i++) {
      const mid = (lo + hi) / 2;
      if (f(Math.exp(mid)) < x) lo = mid;
      else hi = mid;
    }
    return Math.exp((lo + hi) / 2);
  });
}
