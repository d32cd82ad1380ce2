// The plot model: everything the chart webview draws, as plain JSON.
//
// `buildPlotModel(results, sources)` turns fit results (server/src/core/results.ts) plus the run tables into a
// PlotModel. The only part that needs to evaluate a law (the fitted curves and their bands) sits behind
// `CurveSampler`, which the server implements with its formula compiler and bootstrap draws; everything else here
// is pure arithmetic on the results. The webview never evaluates a law: it draws arrays.

import type {
  EnvelopeResult,
  FrontierResult,
  Interval,
  IsoflopResult,
  LawResult,
  StudyResults,
  SweepResult,
} from '../server/src/core/results';

const PLOT_MODEL_VERSION = 1;

export type PlotView = 'fit' | 'residuals' | 'isoflop' | 'envelope' | 'frontier' | 'sweep' | 'bootstrap';
export const PLOT_VIEWS: readonly PlotView[] = [
  'fit',
  'residuals',
  'isoflop',
  'envelope',
  'frontier',
  'sweep',
  'bootstrap',
];

/** A sampled curve: y over x, with an optional pointwise interval band [lo, hi]. Arrays have equal lengths. */
export interface Series {
  x: number[];
  y: number[];
  lo?: number[];
  hi?: number[];
}

/** Runs of one data table, column-wise (10,000 runs stay compact and cheap to clone). */
export interface RunSet {
  id: string;
  /** Run labels for tooltips (the `run` column, or `row N`). */
  labels: string[];
  /** Variable columns (N, D, C, ...), each as long as `labels`. */
  columns: Record<string, number[]>;
  /** The observed target for each run. */
  observed: number[];
  /** Group value of each run when the study plots `by VAR`. */
  groups?: string[];
}

export interface PlotCurve {
  /** The x variable this curve runs along (N, D, C ...). */
  along: string;
  /** The `by` group this curve belongs to; null for the single curve of a law. */
  group: string | null;
  points: Series;
  /** The values the other variables are held at (D = 20B for a curve along N), for the legend. */
  at?: Record<string, number>;
  /** The `predict` (index into `predictions`) or `optimize` (into `optima`) point this curve runs through. */
  through?: { kind: 'predict' | 'optimum'; index: number };
}

export interface PlotLaw {
  name: string;
  formula: string;
  params: Record<string, number>;
  intervals: Record<string, Interval> | null;
  level: number | null;
  /** Id of the RunSet the law was fitted on. */
  runSet: string;
  /** Per run of that set: the fitted value (null when dropped or unknown) and whether it was held out. */
  fitted: (number | null)[];
  heldOut: boolean[];
  holdout: { mape: number; rmse_log: number } | null;
  curves: PlotCurve[];
  /** `per COLUMN`: the law is fitted per group, each curve from its group's own params. */
  per?: string;
  /** Bootstrap draws of each parameter, when bootstrapped. */
  draws?: Record<string, number[]>;
}

interface PlotPrediction {
  law: string;
  at: Record<string, number>;
  value: number;
  interval: Interval | null;
  level: number | null;
  /** On a `per` law: the group (String(value)) this prediction is for. */
  group?: string;
}

interface PlotOptimum {
  law: string;
  /** Budget and optimum coordinates together (C, N*, D* ...). */
  at: Record<string, number>;
  value: number;
  /** Intervals by variable name; the target's interval (L*) under the target's name. */
  intervals: Record<string, Interval>;
  /** On a `per` law: the group (String(value)) this optimum is for. */
  group?: string;
}

/** A `plan` line's proposed runs, each where the law puts it now (the fit view draws them over the runs). */
export interface PlotPlan {
  law: string;
  runs: { at: Record<string, number>; value: number; cost: number }[];
}

interface PlotIsoflopBudget {
  budget: number;
  edge: boolean;
  runs: { labels: string[]; size: number[]; value: number[] };
  /** The fitted parabola sampled over the budget's sizes; null when the results carry no coefficients. */
  parabola: Series | null;
  minimum: { size: number; value: number; at: Record<string, number> };
}

interface PlotFrontierLine {
  variable: string;
  exponent: number;
  coefficient: number;
  /** x = budget, y = coefficient * budget^exponent, with a band when the server can give one. */
  curve: Series;
  /** The per-budget minima this line was fitted through. */
  minima: { x: number[]; y: number[] };
}

/** `frontier LAW over C = a..b`: each quantity of the allocation (N*, D*, and the target L*) over the budgets. */
export interface PlotLawFrontier {
  /** The law (or isoflop) whose optimum is traced. */
  law: string;
  /** The budget variable (C); every curve's x is its value at each point. */
  variable: string;
  /** Which quantity is the law's value (L*): it is drawn on its own chart, on a linear scale. */
  target: string;
  level: number | null;
  /** One curve per quantity, with the points' intervals as its band when every point has one. */
  curves: { quantity: string; curve: Series }[];
}

/** `sweep`: per group the target against the swept variable, its minimum; the power law through the minima. */
export interface PlotSweep {
  name: string;
  over: string;
  per: string;
  target: string;
  groups: {
    value: number;
    edge: boolean;
    runs: { x: number[]; y: number[] };
    /** The fitted parabola over the group's runs, or (akima) the profile's mean per value joined. */
    curve: Series | null;
    minimum: { x: number; y: number };
  }[];
  /** over* = coefficient · per^exponent, sampled over the groups' values; null without a law. */
  law: { exponent: number; coefficient: number; curve: Series } | null;
}

/** The runs of a sweep, column-wise. */
export interface SweepRuns {
  over: number[];
  per: number[];
  value: number[];
}

interface PlotIsoflop {
  name: string;
  budgetVar: string;
  sizeVar: string;
  budgets: PlotIsoflopBudget[];
  frontier: PlotFrontierLine[];
  /** One group of a `per` isoflop: the column and the group's value (the chart and legend name it). */
  group?: { column: string; value: string };
}

/** Approach 1: the training curves (target over budget, one line per run) and the envelope drawn over them. */
export interface PlotEnvelope {
  name: string;
  budgetVar: string;
  sizeVar: string;
  curves: { run: string; size: number; x: number[]; y: number[] }[];
  /** The envelope: at each budget, the best run's value; `edge` points are left out of the frontier. */
  points: { x: number[]; y: number[]; run: string[]; edge: boolean[] };
}

export interface PlotModel {
  version: typeof PLOT_MODEL_VERSION;
  title: string;
  /** The study file, for display only. */
  source: string | null;
  target: string;
  /** Variables that can be put on the x axis of the fit view, first = default. */
  variables: string[];
  by: string | null;
  runSets: RunSet[];
  laws: PlotLaw[];
  predictions: PlotPrediction[];
  optima: PlotOptimum[];
  isoflops: PlotIsoflop[];
  /** Envelopes (approach 1); their frontier lines are in `isoflops` too, with no budgets. */
  envelopes?: PlotEnvelope[];
  /** Absent in models from before law frontiers were drawn (a restored panel's saved state). */
  frontiers?: PlotLawFrontier[];
  /** Absent in models from before sweeps were drawn. */
  sweeps?: PlotSweep[];
  /** Absent in models from before plans were drawn. */
  plans?: PlotPlan[];
  /**
   * Each law's compute-optimal allocation (N*, D*, L*) as dense curves over the study's budgets (its runs' and
   * every `optimize` and `frontier` budget), for laws with an `optimize` or `frontier` line. No bands (level null).
   */
  allocations?: PlotLawFrontier[];
}

// ---------------------------------------------------------------------------------------------------------------
// Building it

/** The run table a law was fitted on, in the order of the law's data rows (= the order of `residuals`). */
export interface LawRuns {
  /** Laws fitted on the same rows share an id, so the runs are drawn once. */
  id: string;
  labels: string[];
  columns: Record<string, number[]>;
  groups?: string[];
}

export interface IsoflopRuns {
  budgetVar: string;
  sizeVar: string;
  labels: string[];
  budget: number[];
  size: number[];
  value: number[];
  /** A `per` isoflop's group of each run, as String(value). */
  groups?: string[];
}

export interface CurveRequest {
  law: LawResult;
  along: string;
  /** Log-spaced grid over the runs, extended to the predict/optimize points. */
  x: number[];
  by: string | null;
  group: string | null;
  runs: LawRuns;
  /** Values to hold the other variables at (a predict or optimize point's coordinates); the sampler's choice otherwise. */
  fixed?: Record<string, number>;
}

/** What the server implements: evaluating a fitted law (and its band) along one variable. */
export interface CurveSampler {
  /**
   * The law along `req.along` at `req.x`; the other variables are the sampler's choice (a representative value of the
   * runs, or the group's value). `lo`/`hi`: the pointwise interval (bootstrap draws or asymptotic). Return null when
   * the law does not depend on `along`.
   */
  sample(req: CurveRequest): { y: number[]; lo?: number[]; hi?: number[]; at?: Record<string, number> } | null;
  /**
   * Optional: the law's compute-optimal allocation at each budget of `variable` (C): each quantity (N*, D*) and the
   * law's value there. Lets the frontier view draw the frontier as a curve over the budgets, not only its points.
   */
  allocation?(
    law: LawResult,
    variable: string,
    budgets: number[],
  ): { at: Record<string, number[]>; value: number[] } | null;
  /** Optional band of a frontier line N*(C) or D*(C) over `budgets`. */
  frontierBand?(isoflop: IsoflopResult, variable: string, budgets: number[]): { lo: number[]; hi: number[] } | null;
}

export interface PlotSources {
  /** Overrides results.study. */
  title?: string | null;
  source?: string | null;
  target: string;
  /** The plot's x variable (`plot law: L vs C`): listed first, so the fit view opens on it. */
  x?: string | null;
  by?: string | null;
  /** Run tables keyed by law name. */
  runs: Record<string, LawRuns>;
  isoflopRuns?: Record<string, IsoflopRuns>;
  /** The curves behind each envelope, by envelope name (already thinned for drawing). */
  envelopeCurves?: Record<string, Pick<PlotEnvelope, 'budgetVar' | 'sizeVar' | 'curves'>>;
  sweepRuns?: Record<string, SweepRuns>;
  sampler: CurveSampler;
  /** Points per sampled curve (default 64). */
  gridPoints?: number;
}

/** A log-spaced grid from lo to hi (both > 0), n points. */
export function logGrid(lo: number, hi: number, n: number): number[] {
  if (!(lo > 0) || !(hi > 0) || n < 2) return [];
  if (hi === lo) return [lo];
  const a = Math.log(lo);
  const b = Math.log(hi);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.exp(a + ((b - a) * i) / (n - 1)));
  return out;
}

function positiveRange(values: Iterable<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (Number.isFinite(v) && v > 0) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

const PREFERRED_X = ['N', 'D', 'C'];

/** At most this many `by` groups get their own curve (evenly spread over the sorted groups); all runs keep their group. */
const MAX_GROUP_CURVES = 8;

/** Group values in reading order: numerically when they are all numbers, else as first seen. */
export function sortGroups(groups: string[]): string[] {
  const u = unique(groups);
  const nums = u.map(Number);
  return nums.every((v, i) => u[i].trim() !== '' && Number.isFinite(v))
    ? u.slice().sort((a, b) => Number(a) - Number(b))
    : u;
}

function spread<T>(xs: T[], k: number): T[] {
  if (xs.length <= k) return xs;
  return Array.from({ length: k }, (_, i) => xs[Math.round((i * (xs.length - 1)) / (k - 1))]);
}

// The model travels as JSON (postMessage, setState, the report), where NaN and Infinity become null: the builder
// keeps only finite numbers, dropping runs, points, budgets or entries that have none.
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function finiteRecord(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => finite(v)));
}

/** Drawable intervals only: an unidentifiable quantity (null) gets no error bar. */
function finiteIntervals(r: Record<string, Interval | null> | null | undefined): Record<string, Interval> {
  return Object.fromEntries(
    Object.entries(r ?? {}).filter((e): e is [string, Interval] => e[1] !== null && finite(e[1][0]) && finite(e[1][1])),
  );
}

/** Keeps the points where x, y (and lo, hi when given) are all finite. */
function finiteSeries(x: number[], y: number[], lo?: number[], hi?: number[]): Series {
  const band = lo !== undefined && hi !== undefined && lo.length === x.length && hi.length === x.length;
  const out: Series = { x: [], y: [] };
  if (band) {
    out.lo = [];
    out.hi = [];
  }
  for (let i = 0; i < x.length; i++) {
    if (!finite(x[i]) || !finite(y[i])) continue;
    if (band && (!finite(lo[i]) || !finite(hi[i]))) {
      // one missing band value: drop the band rather than the curve point
      delete out.lo;
      delete out.hi;
      return finiteSeries(x, y);
    }
    out.x.push(x[i]);
    out.y.push(y[i]);
    if (band) {
      out.lo?.push(lo[i]);
      out.hi?.push(hi[i]);
    }
  }
  return out;
}

export function buildPlotModel(results: StudyResults, sources: PlotSources): PlotModel {
  const n = sources.gridPoints ?? 64;
  const by = sources.by ?? null;
  const target = sources.target;

  // Run sets, deduplicated by id; `kept` maps each set's runs back to the rows of the law's table.
  const runSets: RunSet[] = [];
  const setById = new Map<string, RunSet>();
  const kept = new Map<string, number[]>();
  for (const law of results.laws) {
    const r = sources.runs[law.name];
    if (!r || setById.has(r.id)) continue;
    const observed = r.columns[target] ?? law.residuals?.map((x) => x.observed) ?? [];
    const others = Object.entries(r.columns).filter(([k]) => k !== target);
    const rows: number[] = [];
    for (let i = 0; i < r.labels.length; i++) {
      if (finite(observed[i]) && others.every(([, col]) => finite(col[i]))) rows.push(i);
    }
    const columns: Record<string, number[]> = {};
    for (const [k, v] of others) columns[k] = rows.map((i) => v[i]);
    const set: RunSet = {
      id: r.id,
      labels: rows.map((i) => String(r.labels[i])),
      columns,
      observed: rows.map((i) => observed[i]),
    };
    if (r.groups) set.groups = rows.map((i) => String(r.groups?.[i]));
    runSets.push(set);
    setById.set(r.id, set);
    kept.set(r.id, rows);
  }

  const allVars = unique(runSets.flatMap((s) => Object.keys(s.columns)));
  const first = sources.x && allVars.includes(sources.x) ? [sources.x] : [];
  const variables = unique([
    ...first,
    ...PREFERRED_X.filter((v) => allVars.includes(v)),
    ...allVars.filter((v) => !PREFERRED_X.includes(v)),
  ]);

  const predictions: PlotPrediction[] = results.predictions.flatMap((p) =>
    finite(p.value)
      ? [
          {
            law: p.law,
            at: finiteRecord(p.at),
            value: p.value,
            interval: p.interval && finite(p.interval[0]) && finite(p.interval[1]) ? p.interval : null,
            level: finite(p.level) ? p.level : null,
            ...(p.group !== undefined ? { group: String(p.group) } : {}),
          },
        ]
      : [],
  );
  const optima: PlotOptimum[] = results.optima.flatMap((o) =>
    finite(o.value)
      ? [
          {
            law: o.law,
            at: finiteRecord({ ...o.budget, ...o.at }),
            value: o.value,
            intervals: finiteIntervals(o.intervals),
            ...(o.group !== undefined ? { group: String(o.group) } : {}),
          },
        ]
      : [],
  );

  const laws: PlotLaw[] = results.laws.map((law) => {
    const r = sources.runs[law.name];
    const set = r ? setById.get(r.id) : undefined;
    const rows = set ? (kept.get(set.id) ?? []) : [];
    const count = set?.labels.length ?? 0;
    const res = r && law.residuals && law.residuals.length === r.labels.length ? law.residuals : null;
    const curves: PlotCurve[] = [];
    if (r && set) {
      const allGroups = by && set.groups ? sortGroups(set.groups) : [];
      for (const along of variables) {
        // Along the grouping variable itself every group gives the same curve: draw one.
        const groups: (string | null)[] =
          allGroups.length > 0 && along !== by ? spread(allGroups, MAX_GROUP_CURVES) : [null];
        const extra = [
          ...predictions.filter((p) => p.law === law.name).map((p) => p.at[along]),
          ...optima.filter((o) => o.law === law.name).map((o) => o.at[along]),
        ];
        const range = positiveRange([...(set.columns[along] ?? []), ...extra.filter((v): v is number => v != null)]);
        if (!range) continue;
        // A little margin on a log scale so the curve reaches past the outermost points, and the
        // predict/optimize points themselves, so the curve and its band pass through them.
        const x = withPoints(
          logGrid(range[0] / 1.25, range[1] * 1.25, n),
          extra.filter((v): v is number => v != null && v > 0),
        );
        if (law.per && law.groups) {
          // A `per` law: one curve per group, from the group's own params, over the group's runs.
          for (const g of law.groups) {
            const group = String(g.value);
            const own = groupRange(set, along, group);
            if (!own) continue;
            const gx = logGrid(own[0] / 1.25, own[1] * 1.25, n);
            const s = sources.sampler.sample({ law: { ...g, name: law.name }, along, x: gx, by, group, runs: r });
            if (!s || s.y.length !== gx.length) continue;
            const points = finiteSeries(gx, s.y, s.lo, s.hi);
            if (points.x.length >= 2) curves.push({ along, group, points, ...atOf(s.at, along) });
          }
        }
        for (const group of law.per && law.groups ? [] : groups) {
          // A group's curve spans its own runs (a 30B model's curve at 1e18 FLOPs is an extrapolation
          // nobody ran); the ungrouped curve spans all runs and the predict/optimize points.
          const own = group === null ? null : groupRange(set, along, group);
          const gx = own ? logGrid(own[0] / 1.25, own[1] * 1.25, n) : x;
          const s = sources.sampler.sample({ law, along, x: gx, by, group, runs: r });
          if (!s || s.y.length !== gx.length) continue;
          const points = finiteSeries(gx, s.y, s.lo, s.hi);
          if (points.x.length >= 2) curves.push({ along, group, points, ...atOf(s.at, along) });
        }
        // Through each predict/optimize point: the law along this axis with the other variables held at the
        // point's own values, from the runs out to the point, so the curve and its band reach it.
        type Through = [CurveThrough, Record<string, number>, string | undefined];
        const points: Through[] = [
          ...predictions.flatMap((p, index): Through[] =>
            p.law === law.name ? [[{ kind: 'predict', index }, p.at, p.group]] : [],
          ),
          ...optima.flatMap((o, index): Through[] =>
            o.law === law.name ? [[{ kind: 'optimum', index }, o.at, o.group]] : [],
          ),
        ];
        for (const [through, at, group] of points) {
          // A `per` law's point is on its group's curve.
          const g = group !== undefined ? law.groups?.find((k) => String(k.value) === group) : undefined;
          const fitted: LawResult = g ? { ...g, name: law.name } : law;
          const v = at[along];
          if (!(v > 0)) continue;
          const span = positiveRange([...(set.columns[along] ?? []), v]);
          if (!span) continue;
          const px = withPoints(logGrid(span[0] / 1.25, span[1] * 1.25, n), [v]);
          const s = sources.sampler.sample({ law: fitted, along, x: px, by, group: null, runs: r, fixed: at });
          if (!s || s.y.length !== px.length) continue;
          const series = finiteSeries(px, s.y, s.lo, s.hi);
          if (series.x.length >= 2) curves.push({ along, group: null, points: series, ...atOf(s.at, along), through });
        }
      }
    }
    const out: PlotLaw = {
      name: law.name,
      formula: law.formula,
      params: finiteRecord(law.params),
      intervals: law.intervals ? finiteIntervals(law.intervals) : null,
      level: finite(law.level) ? law.level : null,
      runSet: set?.id ?? '',
      fitted: res ? rows.map((i) => (finite(res[i].fitted) ? res[i].fitted : null)) : new Array(count).fill(null),
      heldOut: res ? rows.map((i) => res[i].heldOut === true) : new Array(count).fill(false),
      holdout: law.holdout && finite(law.holdout.mape) && finite(law.holdout.rmse_log) ? law.holdout : null,
      curves,
    };
    if (law.per && law.groups) out.per = law.per;
    const draws = Object.entries(law.draws ?? {})
      .map(([k, v]): [string, number[]] => [k, v.filter(finite)])
      .filter(([, v]) => v.length > 0);
    if (draws.length > 0) out.draws = Object.fromEntries(draws);
    return out;
  });

  const isoflops: PlotIsoflop[] = results.isoflops.map((iso) => {
    const budgetVar = sources.isoflopRuns?.[iso.name]?.budgetVar ?? 'C';
    const optBudgets = optima.map((o) => o.at[budgetVar]).filter((v): v is number => v !== undefined);
    return buildIsoflop(iso, sources, n, optBudgets);
  });
  // A `per` isoflop: each group is drawn as an isoflop of its own, named by its group.
  for (const iso of results.isoflops) {
    for (const g of iso.per && iso.groups ? iso.groups : []) {
      const budgetVar = sources.isoflopRuns?.[iso.name]?.budgetVar ?? 'C';
      const optBudgets = optima.map((o) => o.at[budgetVar]).filter((v): v is number => v !== undefined);
      const built = buildIsoflop({ ...g, name: iso.name }, sources, n, optBudgets, String(g.value));
      isoflops.push({ ...built, group: { column: iso.per ?? '', value: String(g.value) } });
    }
  }
  const envelopes = (results.envelopes ?? []).map((env) => buildEnvelope(env, sources));
  for (const env of results.envelopes ?? []) {
    // The frontier view draws an envelope's N*(C) and D*(C) like an isoflop's, through its interior points.
    const budgetVar = sources.envelopeCurves?.[env.name]?.budgetVar ?? 'C';
    const optBudgets = optima.map((o) => o.at[budgetVar]).filter((v): v is number => v !== undefined);
    const interior = env.points.filter((p) => !p.edge);
    const asIsoflop: IsoflopResult = {
      name: env.name,
      budgets: interior.map((p) => ({ budget: p.budget, runs: 1, at: p.at, value: p.value, edge: false })),
      frontier: env.frontier,
      intervals: env.intervals,
    };
    const built = buildIsoflop(asIsoflop, sources, n, optBudgets);
    if (built.frontier.length > 0) isoflops.push({ ...built, budgetVar, budgets: [] });
  }

  const frontiers = (results.frontiers ?? []).map((f) => buildLawFrontier(f, results, sources.target));
  const plans: PlotPlan[] = (results.plans ?? []).map((p) => ({
    law: p.law,
    runs: p.runs.flatMap((r) =>
      finite(r.predicted) && finite(r.cost) ? [{ at: finiteRecord(r.at), value: r.predicted, cost: r.cost }] : [],
    ),
  }));
  const allocations = results.laws.flatMap((law) => buildAllocation(law, results, sources, n));
  const sweeps = (results.sweeps ?? []).map((sw) => buildSweep(sw, sources.sweepRuns?.[sw.name], n));

  return {
    version: PLOT_MODEL_VERSION,
    title: sources.title ?? results.study ?? 'Scaling study',
    source: sources.source ?? null,
    target,
    variables,
    by,
    runSets,
    laws,
    predictions,
    optima,
    isoflops,
    ...(envelopes.length > 0 ? { envelopes } : {}),
    frontiers,
    sweeps,
    ...(plans.length > 0 ? { plans } : {}),
    ...(allocations.length > 0 ? { allocations } : {}),
  };
}

/**
 * A law's compute-optimal frontier as curves: N*(C), D*(C) and L*(C) over the range of the study's budgets (the
 * runs' C, every `optimize` budget and `frontier` point of the law), for a law with an `optimize` or `frontier` line.
 */
function buildAllocation(law: LawResult, results: StudyResults, sources: PlotSources, n: number): PlotLawFrontier[] {
  if (!sources.sampler.allocation) return [];
  const optima = results.optima.filter((o) => o.law === law.name);
  const traced = (results.frontiers ?? []).filter((f) => f.law === law.name);
  const variable = traced[0]?.variable ?? Object.keys(optima[0]?.budget ?? {})[0];
  if (variable === undefined) return [];
  const budgets = [
    ...optima.map((o) => o.budget[variable]),
    ...traced.flatMap((f) => f.points.map((p) => p.budget[variable])),
    ...(sources.runs[law.name]?.columns[variable] ?? []),
  ];
  const range = positiveRange(budgets);
  if (!range) return [];
  // The `optimize` budgets themselves are on the grid: the curve passes through their stars.
  const x = withPoints(
    range[1] > range[0] ? logGrid(range[0], range[1], n) : logGrid(range[0] / 10, range[1] * 10, n),
    optima.map((o) => o.budget[variable]).filter((v) => v > 0),
  );
  const a = sources.sampler.allocation(law, variable, x);
  if (!a) return [];
  const curves: PlotLawFrontier['curves'] = [];
  for (const [quantity, y] of [...Object.entries(a.at), [sources.target, a.value] as const]) {
    if (y.length !== x.length) continue;
    const curve = finiteSeries(x, y);
    if (curve.x.length >= 2) curves.push({ quantity, curve });
  }
  return curves.length > 0 ? [{ law: law.name, variable, target: sources.target, level: null, curves }] : [];
}

function buildEnvelope(env: EnvelopeResult, sources: PlotSources): PlotEnvelope {
  const given = sources.envelopeCurves?.[env.name];
  const sizeVar = given?.sizeVar ?? Object.keys(env.points[0]?.at ?? {})[0] ?? 'N';
  const points = env.points.filter((p) => finite(p.budget) && finite(p.value));
  return {
    name: env.name,
    budgetVar: given?.budgetVar ?? 'C',
    sizeVar,
    curves: (given?.curves ?? []).map((c) => finiteSeriesOf(c)),
    points: {
      x: points.map((p) => p.budget),
      y: points.map((p) => p.value),
      run: points.map((p) => p.run),
      edge: points.map((p) => p.edge),
    },
  };
}

function finiteSeriesOf<T extends { x: number[]; y: number[] }>(c: T): T {
  const keep = c.x.map((x, i) => finite(x) && finite(c.y[i]));
  return { ...c, x: c.x.filter((_, i) => keep[i]), y: c.y.filter((_, i) => keep[i]) };
}

/** A sweep's groups with their runs (each run to the nearest group value), curves and minima, and its law. */
function buildSweep(sw: SweepResult, runs: SweepRuns | undefined, n: number): PlotSweep {
  const groups: PlotSweep['groups'] = [];
  for (const g of sw.groups) {
    const best = g.at[sw.over];
    if (!finite(g.value) || !finite(best) || !(best > 0) || !finite(g.value_min)) continue;
    const own = { x: [] as number[], y: [] as number[] };
    for (let i = 0; i < (runs?.per.length ?? 0); i++) {
      const r = runs!;
      if (!(r.over[i] > 0) || !finite(r.value[i]) || !(r.per[i] > 0)) continue;
      const nearest = sw.groups.reduce((a, b) =>
        Math.abs(Math.log(r.per[i] / b.value)) < Math.abs(Math.log(r.per[i] / a.value)) ? b : a,
      );
      if (nearest !== g || Math.abs(Math.log(r.per[i] / g.value)) > Math.log(1.06)) continue;
      own.x.push(r.over[i]);
      own.y.push(r.value[i]);
    }
    const range = positiveRange([...own.x, best]);
    let curve: Series | null = null;
    if (g.parabola && g.parabola.every(finite) && range) {
      const x = logGrid(range[0] / 1.1, range[1] * 1.1, Math.max(16, Math.round(n / 2)));
      const [c0, c1, c2] = g.parabola;
      curve = finiteSeries(
        x,
        x.map((v) => c0 + c1 * Math.log(v) + c2 * Math.log(v) ** 2),
      );
    } else if (own.x.length > 1) {
      // No parabola (akima): the mean of the runs at each value, joined.
      const byX = new Map<number, number[]>();
      own.x.forEach((x, i) => byX.set(x, [...(byX.get(x) ?? []), own.y[i]]));
      const xs = [...byX.keys()].sort((a, b) => a - b);
      curve = finiteSeries(
        xs,
        xs.map((x) => byX.get(x)!.reduce((a, b) => a + b, 0) / byX.get(x)!.length),
      );
    }
    groups.push({ value: g.value, edge: g.edge, runs: own, curve, minimum: { x: best, y: g.value_min } });
  }
  let law: PlotSweep['law'] = null;
  const span = positiveRange(groups.map((g) => g.value));
  if (sw.law && finite(sw.law.exponent) && finite(sw.law.coefficient) && span) {
    const { exponent, coefficient } = sw.law;
    const x = logGrid(span[0] / 1.5, span[1] * 1.5, n);
    law = {
      exponent,
      coefficient,
      curve: finiteSeries(
        x,
        x.map((v) => coefficient * v ** exponent),
      ),
    };
  }
  return { name: sw.name, over: sw.over, per: sw.per, target: sw.target, groups, law };
}

/** A frontier's points as curves over the budget: N*(C), D*(C) from `at`, L*(C) from `value`. */
function buildLawFrontier(f: FrontierResult, results: StudyResults, fallbackTarget: string): PlotLawFrontier {
  const law = results.laws.find((l) => l.name === f.law);
  const iso = results.isoflops.find((i) => i.name === f.law);
  const level = law?.level ?? iso?.uncertainty?.level ?? null;
  // The target is the one interval key that is not a variable of the allocation.
  const quantities = [...new Set(f.points.flatMap((p) => Object.keys(p.at)))];
  const target =
    [...new Set(f.points.flatMap((p) => Object.keys(p.intervals)))].find((k) => !quantities.includes(k)) ??
    fallbackTarget;
  const x = f.points.map((p) => p.budget[f.variable]);
  const bandOf = (k: string) => {
    const iv = f.points.map((p) => p.intervals[k]);
    return iv.every((v) => v)
      ? { lo: iv.map((v) => (v as Interval)[0]), hi: iv.map((v) => (v as Interval)[1]) }
      : { lo: undefined, hi: undefined };
  };
  const curves: PlotLawFrontier['curves'] = [];
  for (const quantity of [...quantities, target]) {
    const y = f.points.map((p) => (quantity === target ? (p.value ?? NaN) : (p.at[quantity] ?? NaN)));
    const band = bandOf(quantity);
    const curve = finiteSeries(x, y, band.lo, band.hi);
    if (curve.x.length > 0) curves.push({ quantity, curve });
  }
  return { law: f.law, variable: f.variable, target, level: finite(level) ? level : null, curves };
}

type CurveThrough = NonNullable<PlotCurve['through']>;

/** The sampler's held values as a curve's `at` (finite ones, the axis variable left out). */
function atOf(at: Record<string, number> | undefined, along: string): { at?: Record<string, number> } {
  if (!at) return {};
  const kept = Object.fromEntries(Object.entries(at).filter(([k, v]) => k !== along && finite(v)));
  return Object.keys(kept).length > 0 ? { at: kept } : {};
}

/** A sorted grid with the given points added (those not already on it). */
function withPoints(grid: number[], points: number[]): number[] {
  const missing = points.filter((p) => !grid.includes(p));
  return missing.length === 0 ? grid : [...grid, ...missing].sort((a, b) => a - b);
}

/** The range of `along` over one group's runs, when it has two or more distinct positive values. */
function groupRange(set: RunSet, along: string, group: string): [number, number] | null {
  const values = (set.columns[along] ?? []).filter((v, i) => set.groups?.[i] === group && v > 0);
  const range = positiveRange(values);
  return range && range[1] > range[0] ? range : null;
}

function buildIsoflop(
  iso: IsoflopResult,
  sources: PlotSources,
  n: number,
  extraBudgets?: number[],
  group?: string,
): PlotIsoflop {
  const runs = sources.isoflopRuns?.[iso.name];
  const sizeVar = runs?.sizeVar ?? Object.keys(iso.budgets[0]?.at ?? {})[0] ?? 'N';
  const budgetVar = runs?.budgetVar ?? 'C';
  const budgets: PlotIsoflopBudget[] = [];
  for (const b of iso.budgets) {
    const size = b.at[sizeVar];
    if (!finite(b.budget) || !finite(b.value) || !finite(size)) continue; // no minimum: nothing to draw
    const own = { labels: [] as string[], size: [] as number[], value: [] as number[] };
    if (runs) {
      for (let i = 0; i < runs.labels.length; i++) {
        if (!finite(runs.size[i]) || !finite(runs.value[i])) continue;
        if (group !== undefined && runs.groups?.[i] !== group) continue;
        if (nearestBudget(runs.budget[i], iso) !== b.budget) continue;
        own.labels.push(String(runs.labels[i]));
        own.size.push(runs.size[i]);
        own.value.push(runs.value[i]);
      }
    }
    let parabola: Series | null = null;
    if (b.parabola && b.parabola.every(finite)) {
      // Over the budget's runs; without runs, a decade either side of the minimum.
      const range = own.size.length > 0 ? positiveRange([...own.size, size]) : positiveRange([size / 10, size * 10]);
      if (range) {
        const x = logGrid(range[0] / 1.15, range[1] * 1.15, Math.max(16, Math.round(n / 2)));
        const [c0, c1, c2] = b.parabola;
        parabola = finiteSeries(
          x,
          x.map((s) => c0 + c1 * Math.log(s) + c2 * Math.log(s) ** 2),
        );
      }
    }
    budgets.push({
      budget: b.budget,
      edge: b.edge,
      runs: own,
      parabola,
      minimum: { size, value: b.value, at: finiteRecord(b.at) },
    });
  }
  const frontier: PlotFrontierLine[] = [];
  // Budgets of the isoflop, extended to the budgets of `optimize` statements so the line reaches their optima.
  const range = positiveRange([...budgets.map((b) => b.budget), ...(extraBudgets ?? [])]);
  if (iso.frontier && range) {
    for (const [variable, f] of Object.entries(iso.frontier)) {
      if (!finite(f.exponent) || !finite(f.coefficient)) continue;
      const x = logGrid(range[0] / 2, range[1] * 2, n);
      const band = sources.sampler.frontierBand?.(iso, variable, x);
      const curve = finiteSeries(
        x,
        x.map((c) => f.coefficient * c ** f.exponent),
        band?.lo,
        band?.hi,
      );
      const withVar = budgets.filter((b) => finite(b.minimum.at[variable]));
      frontier.push({
        variable,
        exponent: f.exponent,
        coefficient: f.coefficient,
        curve,
        minima: { x: withVar.map((b) => b.budget), y: withVar.map((b) => b.minimum.at[variable]) },
      });
    }
  }
  return { name: iso.name, budgetVar, sizeVar, budgets, frontier };
}

function nearestBudget(value: number, iso: IsoflopResult): number | null {
  let best: number | null = null;
  let dist = Infinity;
  for (const b of iso.budgets) {
    const d = Math.abs(Math.log(value / b.budget));
    if (d < dist) {
      dist = d;
      best = b.budget;
    }
  }
  return dist < Math.log(1.5) ? best : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation (the webview checks every model it receives; a malformed one is reported, never drawn)

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr = (x: unknown): x is string => typeof x === 'string';
const isNum = (x: unknown): x is number => typeof x === 'number'; // NaN/Infinity cannot travel as JSON anyway
const isBool = (x: unknown): x is boolean => typeof x === 'boolean';

function numArr(x: unknown, len?: number): boolean {
  if (!Array.isArray(x) || (len !== undefined && x.length !== len)) return false;
  for (let i = 0; i < x.length; i++) if (typeof x[i] !== 'number') return false;
  return true;
}
function strArr(x: unknown, len?: number): boolean {
  if (!Array.isArray(x) || (len !== undefined && x.length !== len)) return false;
  for (let i = 0; i < x.length; i++) if (typeof x[i] !== 'string') return false;
  return true;
}
function numRecord(x: unknown): boolean {
  return isObj(x) && Object.values(x).every(isNum);
}
function isInterval(x: unknown): x is Interval {
  return Array.isArray(x) && x.length === 2 && isNum(x[0]) && isNum(x[1]);
}
function intervalRecord(x: unknown): boolean {
  return isObj(x) && Object.values(x).every(isInterval);
}
function isSeries(x: unknown): x is Series {
  if (!isObj(x) || !numArr(x.x) || !numArr(x.y, (x.x as number[]).length)) return false;
  const n = (x.x as number[]).length;
  if (x.lo !== undefined && !numArr(x.lo, n)) return false;
  if (x.hi !== undefined && !numArr(x.hi, n)) return false;
  return (x.lo === undefined) === (x.hi === undefined);
}
function isRunSet(x: unknown): x is RunSet {
  if (!isObj(x) || !isStr(x.id) || !strArr(x.labels)) return false;
  const n = (x.labels as string[]).length;
  if (!isObj(x.columns) || !Object.values(x.columns).every((c) => numArr(c, n))) return false;
  if (!numArr(x.observed, n)) return false;
  return x.groups === undefined || strArr(x.groups, n);
}
function isPlotLaw(x: unknown, sets: Map<string, number>): x is PlotLaw {
  if (!isObj(x) || !isStr(x.name) || !isStr(x.formula) || !numRecord(x.params)) return false;
  if (x.intervals !== null && !intervalRecord(x.intervals)) return false;
  if (x.level !== null && !isNum(x.level)) return false;
  if (!isStr(x.runSet)) return false;
  const n = sets.get(x.runSet) ?? 0;
  if (!Array.isArray(x.fitted) || x.fitted.length !== n || !x.fitted.every((v) => v === null || isNum(v))) return false;
  if (!Array.isArray(x.heldOut) || x.heldOut.length !== n || !x.heldOut.every(isBool)) return false;
  if (x.holdout !== null && !(isObj(x.holdout) && isNum(x.holdout.mape) && isNum(x.holdout.rmse_log))) return false;
  if (!Array.isArray(x.curves)) return false;
  for (const c of x.curves) {
    if (!isObj(c) || !isStr(c.along) || !(c.group === null || isStr(c.group)) || !isSeries(c.points)) return false;
    if (c.at !== undefined && !numRecord(c.at)) return false;
    const t = c.through;
    if (t !== undefined && !(isObj(t) && (t.kind === 'predict' || t.kind === 'optimum') && isNum(t.index)))
      return false;
  }
  if (x.draws !== undefined && !(isObj(x.draws) && Object.values(x.draws).every((d) => numArr(d)))) return false;
  return true;
}
function isIsoflop(x: unknown): x is PlotIsoflop {
  if (!isObj(x) || !isStr(x.name) || !isStr(x.budgetVar) || !isStr(x.sizeVar) || !Array.isArray(x.budgets))
    return false;
  for (const b of x.budgets) {
    if (!isObj(b) || !isNum(b.budget) || !isBool(b.edge)) return false;
    const r = b.runs;
    if (!isObj(r) || !strArr(r.labels) || !numArr(r.size, (r.labels as string[]).length)) return false;
    if (!numArr(r.value, (r.labels as string[]).length)) return false;
    if (b.parabola !== null && !isSeries(b.parabola)) return false;
    const m = b.minimum;
    if (!isObj(m) || !isNum(m.size) || !isNum(m.value) || !numRecord(m.at)) return false;
  }
  if (!Array.isArray(x.frontier)) return false;
  for (const f of x.frontier) {
    if (!isObj(f) || !isStr(f.variable) || !isNum(f.exponent) || !isNum(f.coefficient) || !isSeries(f.curve))
      return false;
    if (!isObj(f.minima) || !numArr(f.minima.x) || !numArr(f.minima.y, (f.minima.x as number[]).length)) return false;
  }
  return true;
}

function isLawFrontier(x: unknown): x is PlotLawFrontier {
  if (!isObj(x) || !isStr(x.law) || !isStr(x.variable) || !isStr(x.target)) return false;
  if (!(x.level === null || isNum(x.level)) || !Array.isArray(x.curves)) return false;
  return x.curves.every((c) => isObj(c) && isStr(c.quantity) && isSeries(c.curve));
}

function isSweep(x: unknown): x is PlotSweep {
  if (!isObj(x) || !isStr(x.name) || !isStr(x.over) || !isStr(x.per) || !isStr(x.target)) return false;
  if (!Array.isArray(x.groups)) return false;
  for (const g of x.groups) {
    if (!isObj(g) || !isNum(g.value) || !isBool(g.edge)) return false;
    if (!isObj(g.runs) || !numArr(g.runs.x) || !numArr(g.runs.y, (g.runs.x as number[]).length)) return false;
    if (g.curve !== null && !isSeries(g.curve)) return false;
    if (!isObj(g.minimum) || !isNum(g.minimum.x) || !isNum(g.minimum.y)) return false;
  }
  const l = x.law;
  return l === null || (isObj(l) && isNum(l.exponent) && isNum(l.coefficient) && isSeries(l.curve));
}

/** Checks every field of a PlotModel (shape, types and array lengths). */
export function isPlotModel(x: unknown): x is PlotModel {
  if (!isObj(x) || x.version !== PLOT_MODEL_VERSION) return false;
  if (!isStr(x.title) || !(x.source === null || isStr(x.source)) || !isStr(x.target)) return false;
  if (!strArr(x.variables) || !(x.by === null || isStr(x.by))) return false;
  if (!Array.isArray(x.runSets) || !x.runSets.every(isRunSet)) return false;
  const sets = new Map((x.runSets as RunSet[]).map((s) => [s.id, s.labels.length]));
  if (!Array.isArray(x.laws) || !x.laws.every((l) => isPlotLaw(l, sets))) return false;
  if (!Array.isArray(x.predictions)) return false;
  for (const p of x.predictions) {
    if (!isObj(p) || !isStr(p.law) || !numRecord(p.at) || !isNum(p.value)) return false;
    if (!(p.interval === null || isInterval(p.interval)) || !(p.level === null || isNum(p.level))) return false;
  }
  if (!Array.isArray(x.optima)) return false;
  for (const o of x.optima) {
    if (!isObj(o) || !isStr(o.law) || !numRecord(o.at) || !isNum(o.value) || !intervalRecord(o.intervals)) return false;
  }
  if (x.envelopes !== undefined && !(Array.isArray(x.envelopes) && x.envelopes.every(isEnvelope))) return false;
  if (x.frontiers !== undefined && !(Array.isArray(x.frontiers) && x.frontiers.every(isLawFrontier))) return false;
  if (x.sweeps !== undefined && !(Array.isArray(x.sweeps) && x.sweeps.every(isSweep))) return false;
  if (x.plans !== undefined && !(Array.isArray(x.plans) && x.plans.every(isPlan))) return false;
  if (x.allocations !== undefined && !(Array.isArray(x.allocations) && x.allocations.every(isLawFrontier)))
    return false;
  return Array.isArray(x.isoflops) && x.isoflops.every(isIsoflop);
}

function isPlan(x: unknown): x is PlotPlan {
  if (!isObj(x) || !isStr(x.law) || !Array.isArray(x.runs)) return false;
  return x.runs.every((r) => isObj(r) && numRecord(r.at) && isNum(r.value) && isNum(r.cost));
}

function isEnvelope(x: unknown): x is PlotEnvelope {
  if (!isObj(x) || !isStr(x.name) || !isStr(x.budgetVar) || !isStr(x.sizeVar) || !Array.isArray(x.curves)) return false;
  for (const c of x.curves) {
    if (!isObj(c) || !isStr(c.run) || !isNum(c.size) || !numArr(c.x) || !numArr(c.y, (c.x as number[]).length))
      return false;
  }
  const p = x.points;
  if (!isObj(p) || !numArr(p.x)) return false;
  const n = (p.x as number[]).length;
  return numArr(p.y, n) && strArr(p.run, n) && Array.isArray(p.edge) && p.edge.length === n && p.edge.every(isBool);
}

/** Which views have something to show for this model. */
export function availableViews(model: PlotModel): PlotView[] {
  const out: PlotView[] = [];
  if (model.laws.length > 0 || model.runSets.length > 0) out.push('fit');
  if (model.laws.some((l) => l.fitted.some((v) => v !== null))) out.push('residuals');
  if (model.isoflops.some((i) => i.budgets.length > 0)) out.push('isoflop');
  if (model.envelopes?.some((e) => e.points.x.length > 0)) out.push('envelope');
  // One optimum alone is a point, not a frontier; with the law's allocation over the budgets it is a curve.
  const traced =
    (model.frontiers?.some((f) => f.curves.length > 0) ?? false) ||
    (model.allocations?.some((f) => f.curves.length > 0) ?? false);
  if (traced || model.isoflops.some((i) => i.frontier.length > 0) || model.optima.length > 1) out.push('frontier');
  if (model.sweeps?.some((s) => s.groups.length > 0)) out.push('sweep');
  if (model.laws.some((l) => l.draws && Object.keys(l.draws).length > 0)) out.push('bootstrap');
  return out;
}
