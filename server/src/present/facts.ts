// Results turned into displayable facts, once: per-law summaries, intervals with their method and
// level, optima with the allocation ratio of the study's compute line, isoflop budgets and
// frontiers, and the fit's problems. Hover, inlay hints, lenses, the CLI table and the reports all
// read these strings, so a number reads the same wherever it is shown.
import type { ComputeDef } from '../core/model';
import type {
  EnvelopeResult,
  IsoflopResult,
  JsonDiagnostic,
  LawResult,
  OptimumResult,
  PredictionResult,
  StudyResults,
} from '../core/results';
import { namesIn } from '../core/semantics/evaluate';
import {
  formatExact,
  formatInterval,
  formatLevel,
  formatPercent,
  formatSize,
  formatValue,
  intervalOrWhy,
  NOT_IDENTIFIABLE,
} from './numbers';

type Method = 'bootstrap' | 'asymptotic' | 'profile';

export interface IntervalMethod {
  method: Method;
  level: number;
  /** "90% bootstrap", "90% asymptotic" or "90% profile". */
  label: string;
}

function method(m: Method, level: number | null | undefined): IntervalMethod | null {
  return level === null || level === undefined ? null : { method: m, level, label: `${formatLevel(level)} ${m}` };
}

/**
 * How a law's parameter intervals were made, as the engine records it; results without the record
 * (older JSON): bootstrap when the law has a seed, else the asymptotic (delta) method.
 */
export function lawIntervalMethod(r: LawResult): IntervalMethod | null {
  return method(r.interval_method ?? (r.seed !== null ? 'bootstrap' : 'asymptotic'), r.level);
}

export interface ParamFacts {
  name: string;
  value: string;
  /** '[lo, hi]', NOT_IDENTIFIABLE when withheld, or '' without one. */
  interval: string;
  /** The engine withheld the interval: the data cannot pin the parameter down. */
  withheld: boolean;
}

export interface LawSummary {
  name: string;
  formula: string;
  /** "huber(0.001) on log". */
  objectiveKind: string;
  /** Every digit the JSON has; '—' when the fit failed. */
  objectiveValue: string;
  /** "50 fitted, 6 held out, 0 dropped". */
  rows: string;
  /** The `weight EXPR` each run's term is multiplied by; null when unweighted. */
  weight: string | null;
  /** "4500 declared, 25 optimized" (+ the extra seeds, when the engine added some). */
  starts: string;
  converged: boolean;
  /** "converged (small-step)" or "NOT converged (max-iterations)". */
  convergence: string;
  /** "MAPE 1.23%, RMSE(log) 0.01234", or "— (no runs held out)". */
  holdout: string;
  intervals: IntervalMethod | null;
  params: ParamFacts[];
  time: string;
}

export function objectiveKind(o: LawResult['objective']): string {
  return `${o.kind}${o.delta !== null ? `(${formatValue(o.delta)})` : ''}${o.space === 'log' ? ' on log' : ''}`;
}

export function lawSummary(r: LawResult): LawSummary {
  const seeds = r.starts.seeds ?? 0;
  return {
    name: r.name,
    formula: r.formula,
    objectiveKind: objectiveKind(r.objective),
    objectiveValue: formatExact(r.objective.value),
    rows: `${r.points.fit} fitted, ${r.points.holdout} held out, ${r.points.dropped} dropped`,
    weight: r.weight ?? null,
    starts:
      `${r.starts.declared} declared, ${r.starts.optimized} optimized` +
      (seeds > 0 ? ` (${seeds} of them extra seeds from the linear parameters)` : '') +
      (r.starts.search === 'exhaustive' ? ', search exhaustive' : `, ${r.starts.screened} screened`) +
      `, ${r.starts.agreed} agreed on the best`,
    converged: r.converged,
    convergence: `${r.converged ? 'converged' : 'NOT converged'} (${r.stop_reason})`,
    holdout: r.holdout
      ? `MAPE ${formatPercent(r.holdout.mape)}, RMSE(log) ${formatValue(r.holdout.rmse_log)}`
      : '— (no runs held out)',
    intervals: lawIntervalMethod(r),
    params: Object.entries(r.params).map(([name, value]) => ({
      name,
      value: formatValue(value),
      interval: intervalOrWhy(r.intervals?.[name]),
      withheld: r.intervals?.[name] === null,
    })),
    time: `${Math.round(r.seconds * 1000)} ms`,
  };
}

/** A `per COLUMN` law: one row per group, its value as written in the data and its curve's parameters. */
export interface GroupFacts {
  per: string;
  /** `shared alpha, beta`: the jointly fitted values, shown once (empty without `shared`). */
  shared: { name: string; value: string }[];
  /** Every parameter any group has that is not shared, in first-seen order. */
  params: string[];
  groups: { value: string; params: Record<string, string>; objectiveValue: string; fitted: number }[];
}

export function groupFacts(r: LawResult): GroupFacts | null {
  if (!r.groups || r.per === undefined) return null;
  const shared = r.shared ?? [];
  return {
    per: r.per,
    shared: shared.filter((n) => n in r.params).map((name) => ({ name, value: formatValue(r.params[name]) })),
    params: [...new Set(r.groups.flatMap((g) => Object.keys(g.params)))].filter((n) => !shared.includes(n)),
    groups: r.groups.map((g) => ({
      value: String(g.value),
      params: Object.fromEntries(Object.entries(g.params).map(([k, v]) => [k, formatValue(v)])),
      objectiveValue: formatValue(g.objective.value),
      fitted: g.points.fit,
    })),
  };
}

/** "alpha = 0.34, beta = 0.28": a shared fit's joint values, as every view writes them. */
export function sharedLine(f: GroupFacts): string {
  return f.shared.map((p) => `${p.name} = ${p.value}`).join(', ');
}

/** "N = 3B, D = 60B": a point as the study writes it. */
export function pointText(at: Record<string, number>, separator = ' = '): string {
  return Object.entries(at)
    .map(([k, v]) => `${k}${separator}${formatSize(v)}`)
    .join(', ');
}

/** `config = "small"`: the group a per-group answer is for, as a `where` would name it. */
export function groupText(per: string | undefined, value: string | number): string {
  return `${per ?? 'group'} = ${typeof value === 'string' ? JSON.stringify(value) : value}`;
}

export interface PredictionFacts {
  law: string;
  /** On a `per` law: `config = "small"`; else null. */
  group: string | null;
  at: string;
  failed: boolean;
  value: string;
  /** The law's mean at the point: '[lo, hi]', NOT_IDENTIFIABLE when withheld, or '' without uncertainty. */
  interval: string;
  /** One new run's observed value (the mean's uncertainty plus the residual noise): '[lo, hi]' or ''. */
  observationInterval: string;
  /** "90% bootstrap", or null without an interval. */
  intervalMethod: IntervalMethod | null;
}

export function predictionFacts(p: PredictionResult, law: LawResult | undefined): PredictionFacts {
  const failed = p.value === null || !Number.isFinite(p.value);
  return {
    law: p.law,
    group: p.group === undefined ? null : groupText(law?.per, p.group),
    at: pointText(p.at),
    failed,
    value: formatValue(p.value),
    interval: p.interval ? formatInterval(p.interval) : p.level !== null && !failed ? NOT_IDENTIFIABLE : '',
    observationInterval: formatInterval(p.observation_interval),
    intervalMethod: p.interval
      ? method(p.interval_method ?? (law && law.seed === null ? 'asymptotic' : 'bootstrap'), p.level)
      : null,
  };
}

export interface AllocationRatio {
  /** "D*\/N*": named after the compute line's variables. */
  label: string;
  value: string;
}

/**
 * The allocation ratio of an optimum (tokens per parameter, D* over N*): the second variable of the
 * budget's `compute` line over the first (C = 6 * N * D gives D* over N*; C = 6 * P * T gives T* over P*).
 * A target-loss optimum (`for L = 2`) has its compute variable in `at` instead of the budget.
 */
export function allocationRatio(
  computes: readonly ComputeDef[],
  o: Pick<OptimumResult, 'budget' | 'at'>,
): AllocationRatio | null {
  for (const budgetVar of [...Object.keys(o.budget), ...Object.keys(o.at)]) {
    const compute = computes.find((c) => c.name === budgetVar);
    if (!compute) continue;
    const vars = [...namesIn(compute.formula).keys()].filter((v) => Number.isFinite(o.at[v]) && o.at[v] !== 0);
    if (vars.length < 2) continue;
    const [first, second] = vars;
    return { label: `${second}*/${first}*`, value: formatValue(o.at[second] / o.at[first]) };
  }
  return null;
}

export interface OptimumFacts {
  law: string;
  /** On a `per` law: `config = "small"`; else null. */
  group: string | null;
  budget: string;
  failed: boolean;
  at: { name: string; value: string; interval: string }[];
  ratio: AllocationRatio | null;
  target: string;
  value: string;
  valueInterval: string;
}

export function optimumFacts(
  o: OptimumResult,
  computes: readonly ComputeDef[],
  target: string,
  per?: string,
): OptimumFacts {
  const failed = o.value === null || !Number.isFinite(o.value) || !Object.values(o.at).every(Number.isFinite);
  return {
    law: o.law,
    group: o.group === undefined ? null : groupText(per, o.group),
    budget: pointText(o.budget),
    failed,
    at: Object.entries(o.at).map(([name, v]) => ({
      name,
      value: formatValue(v),
      interval: intervalOrWhy(o.intervals[name]),
    })),
    ratio: failed ? null : allocationRatio(computes, o),
    target,
    value: formatValue(o.value),
    valueInterval: intervalOrWhy(o.intervals[target]),
  };
}

/** "N* = 7.063e+10 [6.5e+10, 7.7e+10], D* = …, ratio, , L* = 1.94". */
export function optimumLine(f: OptimumFacts): string {
  const parts = f.at.map((a) => `${a.name}* = ${a.value}${a.interval ? ` ${a.interval}` : ''}`);
  if (f.ratio) parts.push(`${f.ratio.label} = ${f.ratio.value}`);
  parts.push(`${f.target}* = ${f.value}${f.valueInterval ? ` ${f.valueInterval}` : ''}`);
  return parts.join(', ');
}

/**
 * A prediction's two intervals, named: "mean [1.92, 1.97]; one new run [1.90, 1.99] (90% bootstrap)";
 * NOT_IDENTIFIABLE when withheld, '' without uncertainty.
 */
export function predictionIntervals(f: PredictionFacts): string {
  if (!f.intervalMethod) return f.interval;
  const run = f.observationInterval ? `; one new run ${f.observationInterval}` : '';
  return `mean ${f.interval}${run} (${f.intervalMethod.label})`;
}

/** "1.94 mean [1.92, 1.97]; one new run [1.90, 1.99] (90% bootstrap)". */
export function predictionLine(f: PredictionFacts): string {
  const intervals = predictionIntervals(f);
  return `${f.value}${intervals ? ` ${intervals}` : ''}`;
}

export interface IsoflopFacts {
  name: string;
  sizeVar: string;
  tokensVar: string;
  budgets: {
    budget: string;
    runs: number;
    at: string;
    value: string;
    /** Kept for the frontier, or excluded (its minimum is on the edge of the sampled sizes). */
    kept: boolean;
  }[];
  intervals: IntervalMethod | null;
  /** "N*(C) = 0.1234 · C^0.4987 [0.47, 0.52]" per frontier line. */
  frontier: { variable: string; coefficient: string; exponent: string; interval: string }[];
  /** How each budget's minimum was found: "akima of ln L along ln N (dense grid, interior argmin)". */
  method: string;
  /** The budgets left out of the frontier because their minimum is at an edge ("1.25e16"). */
  edges: string[];
}

/** "parabola along ln N", "parabola through the 5 runs nearest the lowest, along ln D", "akima …". */
export function isoflopMethod(m: IsoflopResult['minimum'], target = 'L', sizeVar = 'N'): string {
  const along = m?.along ?? sizeVar;
  if (m?.method === 'akima')
    return `akima spline of ln ${target} in ln ${along}, its argmin on a dense grid (Porian et al. 2024)`;
  if (m?.window) return `parabola through the ${m.window} runs nearest the lowest ${target}, in ln ${along}`;
  return `parabola through all runs of a budget, in ln ${along}`;
}

/** The frontier lines of an isoflop or an envelope, named by the study's size and tokens variables. */
function frontierFacts(
  r: Pick<IsoflopResult, 'frontier' | 'intervals'>,
  sizeVar: string,
  tokensVar: string,
  budgetVar: string,
): IsoflopFacts['frontier'] {
  const frontier: IsoflopFacts['frontier'] = [];
  if (r.frontier) {
    for (const [variable, line] of [
      [sizeVar, r.frontier.N],
      [tokensVar, r.frontier.D],
    ] as const) {
      frontier.push({
        variable: `${variable}*(${budgetVar})`,
        coefficient: formatValue(line.coefficient),
        exponent: formatValue(line.exponent),
        interval: formatInterval(r.intervals?.[`${variable}_exponent`]),
      });
    }
  }
  return frontier;
}

export function isoflopFacts(iso: IsoflopResult, budgetVar = 'C', target = 'L'): IsoflopFacts {
  const [sizeVar = 'N', tokensVar = 'D'] = Object.keys(iso.budgets[0]?.at ?? {});
  const frontier = frontierFacts(iso, sizeVar, tokensVar, budgetVar);
  return {
    name: iso.name,
    sizeVar,
    tokensVar,
    budgets: iso.budgets.map((b) => ({
      budget: formatSize(b.budget),
      runs: b.runs,
      at: Object.entries(b.at)
        .map(([k, v]) => `${k}* = ${formatValue(v)}`)
        .join(', '),
      value: formatValue(b.value),
      kept: !b.edge,
    })),
    intervals: iso.uncertainty ? method(iso.uncertainty.method, iso.uncertainty.level) : null,
    frontier,
    method: isoflopMethod(iso.minimum, target, sizeVar),
    edges: iso.budgets.filter((b) => b.edge).map((b) => formatSize(b.budget)),
  };
}

export interface EnvelopeFacts {
  name: string;
  /** "250 compute values, 180 with an interior best run (of 12 runs)". */
  points: string;
  intervals: IntervalMethod | null;
  frontier: IsoflopFacts['frontier'];
}

/** Approach 1: how many compute values the envelope has, how many say something, and the frontier. */
export function envelopeFacts(env: EnvelopeResult, budgetVar = 'C'): EnvelopeFacts {
  const [sizeVar = 'N', tokensVar = 'D'] = Object.keys(env.points[0]?.at ?? {});
  const inside = env.points.filter((p) => !p.edge);
  return {
    name: env.name,
    points: `${env.points.length} compute values, ${inside.length} with an interior best run (of ${new Set(inside.map((p) => p.run)).size} runs)`,
    intervals: env.uncertainty ? method(env.uncertainty.method, env.uncertainty.level) : null,
    frontier: frontierFacts(env, sizeVar, tokensVar, budgetVar),
  };
}

/** "N*(C) = 0.1234 · C^0.4987, exponent [0.47, 0.52] (90% bootstrap)". */
export function frontierLine(f: IsoflopFacts['frontier'][number], budgetVar: string, m: IntervalMethod | null): string {
  return `${f.variable} = ${f.coefficient} · ${budgetVar}^${f.exponent}${f.interval ? `, exponent ${f.interval}${m ? ` (${m.label})` : ''}` : ''}`;
}

/** The errors and warnings of a fit, each as `fit --json` has it. */
export function problems(results: StudyResults): JsonDiagnostic[] {
  return results.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning');
}

/** `FILE:LINE:COL: severity code: message`, as `check` prints it. */
export function problemLine(d: JsonDiagnostic, file: string): string {
  return `${file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`;
}
