// `shared alpha, beta` in a `per` law (issue 10.2): one optimisation over all groups, whose
// objective is the sum of the groups' objectives; the shared parameters are one value for every
// group, the others one value per group. Starts: each group screens the declared grid; the best
// shared starts by the groups' summed best screens get each group's own parameters optimized with
// the shared ones held (newtonLM per group, so the cost grows linearly with the groups); the best
// few candidates are then polished jointly (sharedLm.ts polishShared: Newton steps on the shared
// parameters with the own ones re-fitted per group). Intervals: asymptotic (the joint covariance),
// or bootstrap resampling within each group (whole runs with `by COLUMN`, refits by jointLM);
// profile intervals fall back to asymptotic ones.
import { nowMs } from './clock';
import { diagnostic, type Diagnostic } from '../diagnostics';
import type { BoundLaw, ParamSpec } from '../model';
import type { GroupResult, LawResult } from '../results';
import { checkBounds } from './checks';
import { evalScalar } from './compile';
import { groupLabel, groupLaw, type GroupFit } from './groups';
import { holdoutMetrics } from './holdout';
import { emptyResult } from './law';
import { declaredStarts, yielder } from './multistart';
import { NewtonWorkspace } from './newton';
import { gridOf, screenGrid } from './search';
import { buildProblem, toTheta, type FitProblem } from './problem';
import { prepareRows, type LawRows } from './rows';
import { EXACT_BELOW, jointLM, JointGroup, JointProblem, polishShared } from './sharedLm';
import { drawRecord, sharedUncertainty } from './sharedUncertainty';
import { cancelled, type FitOptions, type LawFit } from './types';

/** Candidates (best screened shared starts) polished jointly. */
const POLISH = 3;
/** Relative decrease at which the fits of the groups' own parameters (before the joint polish) stop. */
const OWN_FTOL = 1e-10;
/** A polish this close (relative, per internal coordinate) to the best optimum so far, and not below it, joins it. */
const JOIN_TOL = 1e-2;
/** Shared starts (best by their screened score) whose groups' own parameters are optimized. */
const SHARED_KEEP = 4;
export interface Part {
  value: string | number;
  law: BoundLaw;
  rows: LawRows;
  group: JointGroup;
}

/** The law with the shared parameters fixed at `values` (user space): what a group's own search fits. */
function withShared(law: BoundLaw, shared: string[], values: ArrayLike<number>): BoundLaw {
  return {
    ...law,
    params: law.params.map((p): ParamSpec => {
      const a = shared.indexOf(p.name);
      return a < 0 ? p : { ...p, fixed: values[a] };
    }),
  };
}

type SharedFit = LawFit & { groupFits: GroupFit[] };

export async function fitSharedLaw(law: BoundLaw, opts: FitOptions = {}): Promise<SharedFit> {
  const t0 = nowMs();
  const per = law.per!;
  const shared = law.shared!;
  const diags: Diagnostic[] = [];
  const seconds = () => (nowMs() - t0) / 1000;
  const prefixed = (value: string | number, ds: Diagnostic[]) =>
    ds.map((d) => ({ ...d, message: `${groupLabel(per.column, value)}: ${d.message}` }));
  // Rows per group; a group too small for its own parameters is left out (and says so).
  const parts: Part[] = [];
  const failed = new Map<string | number, LawResult>();
  for (const g of per.groups) {
    const gl = groupLaw(law, g);
    const gd: Diagnostic[] = [];
    // Shared parameters fixed (at a placeholder) so the row checks count only the group's own ones.
    const rows = prepareRows(
      withShared(
        gl,
        shared,
        shared.map(() => 1),
      ),
      gd,
    );
    diags.push(...prefixed(g.value, gd));
    if ('failed' in rows) {
      failed.set(g.value, emptyResult(gl, rows.failed, 0, rows.points ?? { fit: 0, holdout: 0, dropped: 0 }));
      continue;
    }
    const prob = buildProblem(gl, rows.columns, rows.y, rows.weights);
    parts.push({ value: g.value, law: gl, rows, group: new JointGroup(prob, shared, rows.columns) });
  }
  const fail = (stop: string): SharedFit => {
    const points = { fit: 0, holdout: 0, dropped: 0 };
    const groups = per.groups.map((g): GroupResult => ({
      value: g.value,
      ...(failed.get(g.value) ?? emptyResult(groupLaw(law, g), stop, 0, points)),
    }));
    return {
      result: { ...emptyResult(law, stop, seconds(), points), per: per.column, shared, groups },
      diagnostics: diags,
      theta: undefined,
      node: undefined,
      law,
      covariance: undefined,
      draws: undefined,
      level: null,
      groupFits: [],
    };
  };
  if (parts.length === 0) return fail('too-few-rows');
  const jp = new JointProblem(
    parts.map((p) => p.group),
    shared.length,
  );
  const fitRows = parts.reduce((s, p) => s + p.rows.points.fit, 0);
  if (fitRows < jp.size) {
    diags.push(
      diagnostic(
        'error',
        'scaling.too-few-rows',
        `${fitRows} usable rows over the groups for ${jp.size} joint parameters (${shared.length} shared + ${jp.q} per group × ${parts.length}): nothing to fit`,
        law.range,
      ),
    );
    return fail('too-few-rows');
  }
  const deadline = nowMs() + (opts.timeBudgetMs ?? 60_000);
  let timedOut = false;
  const interrupt = () => {
    if (cancelled(opts)) return true;
    if (nowMs() > deadline) timedOut = true;
    return timedOut;
  };
  opts.onProgress?.({ law: law.name, phase: 'fit' });
  const search = await searchStarts(law, shared, parts, jp, interrupt);
  if (cancelled(opts)) {
    diags.push(diagnostic('info', 'scaling.fit-cancelled', 'the fit was cancelled', law.range));
    return fail('cancelled');
  }
  const { best, starts } = search;
  if (!best || !Number.isFinite(best.value)) {
    diags.push(
      diagnostic(
        'error',
        'scaling.fit-diverged',
        'no start gave a finite joint objective: the formula produces NaN, infinite or (on log) non-positive predictions',
        law.range,
      ),
    );
    return fail('diverged');
  }
  if (timedOut)
    diags.push(
      diagnostic(
        'warning',
        'scaling.fit-time-budget',
        'the time budget ran out during the shared search; the best so far is shown',
        law.range,
      ),
    );
  if (!best.converged)
    diags.push(
      diagnostic(
        'warning',
        'scaling.fit-not-converged',
        `the joint fit stopped without converging (${best.stop})`,
        law.range,
      ),
    );
  const thetas = parts.map((p) => toTheta(p.group.prob, p.group.take(best.u, new Float64Array(p.group.ev.p))));
  // Parameters that ended on a bound: the shared ones once, each group's own with its name.
  const only = (part: Part, ks: number[]) => ({ ...part.group.prob, free: ks.map((k) => part.group.prob.free[k]) });
  checkBounds(law, only(parts[0], parts[0].group.sharedK), thetas[0], diags);
  parts.forEach((part, i) => {
    const bd: Diagnostic[] = [];
    checkBounds(part.law, only(part, part.group.ownK), thetas[i], bd);
    diags.push(...prefixed(part.value, bd));
  });
  const groupValues = jp.evalGroups(best.u, false);
  const unc = await sharedUncertainty(law, parts, jp, best.u, thetas, opts, diags);
  // The entry's own params: the shared values; each group's: its whole curve.
  const params: Record<string, number> = {};
  for (const n of shared) params[n] = thetas[0][law.params.findIndex((p) => p.name === n)];
  const groupFits: GroupFit[] = [];
  const groups: GroupResult[] = [];
  const gdiags: Diagnostic[] = [];
  for (const g of per.groups) {
    const i = parts.findIndex((p) => p.value === g.value);
    if (i < 0) {
      groups.push({ value: g.value, ...failed.get(g.value)! });
      continue;
    }
    const part = parts[i];
    const theta = thetas[i];
    const gp: Record<string, number> = {};
    part.law.params.forEach((spec, j) => (gp[spec.name] = theta[j]));
    const hd: Diagnostic[] = [];
    const result: LawResult = {
      ...emptyResult(part.law, best.stop, seconds(), part.rows.points),
      params: gp,
      intervals: unc.groupIntervals[i],
      objective: { ...emptyResult(part.law, '', 0, part.rows.points).objective, value: groupValues[i] },
      holdout: holdoutMetrics(part.law, part.rows, theta, hd),
      starts: { ...starts, search: 'screened' },
      converged: best.converged && !timedOut,
      interval_method: unc.method,
      residuals: residualsOf(part, theta),
      level: unc.level,
    };
    if (law.weightText) result.weight = law.weightText;
    if (unc.groupDraws[i]) result.draws = drawRecord(part.law, unc.groupDraws[i]!, () => true);
    if (unc.bootstrap) result.bootstrap = unc.bootstrap;
    gdiags.push(...prefixed(g.value, hd));
    groups.push({ value: g.value, ...result });
    groupFits.push({
      value: g.value,
      result,
      diagnostics: [],
      theta,
      node: part.rows.node,
      law: part.law,
      covariance: unc.groupCovariance[i],
      draws: unc.groupDraws[i],
      level: unc.level,
      basis: unc.basis[i],
    });
  }
  diags.push(...gdiags);
  const sum = (pick: (r: LawResult) => number) => groups.reduce((s, r) => s + pick(r), 0);
  const result: LawResult = {
    ...emptyResult(law, timedOut ? 'time-budget' : best.stop, seconds(), {
      fit: sum((r) => r.points.fit),
      holdout: sum((r) => r.points.holdout),
      dropped: sum((r) => r.points.dropped),
    }),
    params,
    intervals: unc.sharedIntervals,
    objective: { ...emptyResult(law, '', 0, { fit: 0, holdout: 0, dropped: 0 }).objective, value: best.value },
    starts: { ...starts, search: 'screened' },
    converged: best.converged && !timedOut,
    interval_method: unc.method,
    level: unc.level,
    ...(law.weightText ? { weight: law.weightText } : {}),
    per: per.column,
    shared,
    groups,
  };
  const firstDraws = unc.groupDraws.find((d) => d);
  if (firstDraws) result.draws = drawRecord(law, firstDraws, (n) => shared.includes(n));
  if (unc.bootstrap) result.bootstrap = unc.bootstrap;
  if (failed.size > 0) result.stop_reason = `${failed.size} of ${per.groups.length} groups left out`;
  opts.onProgress?.({ law: law.name, phase: 'done' });
  return {
    result,
    diagnostics: diags,
    theta: undefined,
    node: parts[0].rows.node,
    law,
    covariance: undefined,
    draws: undefined,
    level: unc.level,
    groupFits,
  };
}

/** Cartesian product of the declared starts of the parameters at `ks` (positions in prob.free). */
function startsOf(prob: FitProblem, law: BoundLaw, ks: number[]): Float64Array[] {
  const sub = {
    ...prob,
    free: ks.map((k) => prob.free[k]),
    lo: Float64Array.from(ks, (k) => prob.lo[k]),
    hi: Float64Array.from(ks, (k) => prob.hi[k]),
  };
  return declaredStarts(
    sub,
    law.params.map((p) => p.starts),
  );
}

interface SharedSearch {
  best: ReturnType<typeof polishShared> | undefined;
  starts: Omit<LawResult['starts'], 'search'>;
}

/**
 * The declared grid over all free parameters is screened in each group (its objective at every
 * start, as a single fit screens; cheap: shared sub-formulas are cached); a shared start's score
 * is the sum over groups of each group's best own start for it. For the best few shared starts,
 * every group's own parameters are optimized from that best start with the shared ones held (one
 * newtonLM run per group); the best few of those candidates are then polished jointly
 * (polishShared). Every step is linear in the number of groups.
 */
async function searchStarts(
  law: BoundLaw,
  shared: string[],
  parts: Part[],
  jp: JointProblem,
  interrupt: () => boolean,
): Promise<SharedSearch> {
  const pause = yielder();
  const first = parts[0].group;
  const full = startsOf(
    first.prob,
    law,
    first.prob.free.map((_, k) => k),
  );
  const sharedStarts = startsOf(first.prob, law, first.sharedK);
  const sharedIndex = new Map(sharedStarts.map((u, i) => [u.join(','), i]));
  const sharedOf = full.map((t) => sharedIndex.get(first.sharedK.map((k) => t[k]).join(','))!);
  const lists = gridOf(full);
  // score[i]: Σ over groups of the best screened objective among the full starts with shared start i;
  // bestStart[g][i]: that start.
  const score = new Float64Array(sharedStarts.length);
  const bestStart: Int32Array[] = [];
  for (const part of parts) {
    if (interrupt()) break;
    await pause();
    const { prob, so } = part.group;
    const values = lists
      ? screenGrid(so, prob, part.rows.columns, lists).values
      : Float64Array.from(full, (u) => so.value(u));
    const best = new Float64Array(sharedStarts.length).fill(Infinity);
    const at = new Int32Array(sharedStarts.length).fill(-1);
    values.forEach((v, t) => {
      if (v < best[sharedOf[t]]) {
        best[sharedOf[t]] = v;
        at[sharedOf[t]] = t;
      }
    });
    best.forEach((v, i) => (score[i] += v));
    bestStart.push(at);
  }
  const order = [...score.keys()].filter((i) => Number.isFinite(score[i])).sort((a, b) => score[a] - score[b]);
  // For the best shared starts: every group's own parameters optimized from its best screened
  // start with the shared ones held (the groups are independent then: one solve per group).
  const candidates: { u: Float64Array; value: number }[] = [];
  const ws = new NewtonWorkspace(first.so.p);
  let optimized = 0;
  for (const i of order.slice(0, SHARED_KEEP)) {
    if (interrupt()) break;
    await pause();
    const u = new Float64Array(jp.size);
    u.set(sharedStarts[i], 0);
    for (const [g, part] of parts.entries()) {
      const { ownK, offset } = part.group;
      ownK.forEach((k, b) => (u[offset + b] = full[bestStart[g][i]][k]));
      if (jp.q === 0) continue;
      part.group.fitOwn(u, { interrupt, ftol: OWN_FTOL, exact: false, exactBelow: EXACT_BELOW }, ws);
      optimized++;
    }
    const value = jp.objective(u);
    if (Number.isFinite(value)) candidates.push({ u, value });
  }
  candidates.sort((a, b) => a.value - b.value);
  // The best candidates polished jointly; a run that walks into the best optimum so far stops there.
  let best: SharedSearch['best'];
  const ends: number[] = [];
  const join = (u: Float64Array, value: number) => !!best && value >= best.value && near(u, best.u, JOIN_TOL);
  for (const c of candidates.slice(0, POLISH)) {
    if (interrupt()) break;
    await pause();
    // With every parameter shared there is nothing to re-fit per group, and Newton steps from a
    // raw grid start crawl on a Huber objective: the IRLS joint LM polishes, as a single fit's phase 1 would start.
    const res =
      jp.q > 0
        ? polishShared(jp, c.u, { interrupt, join, bestKnown: best?.value }, ws)
        : jointLM(jp, c.u, { interrupt });
    optimized++;
    if (!Number.isFinite(res.value)) continue;
    ends.push(res.stop === 'joined' ? best!.value : res.value);
    if (!best || res.value < best.value) best = res;
  }
  const agreed = best ? ends.filter((v) => v <= best!.value * (1 + 1e-6) + 1e-300).length : 0;
  return {
    best,
    starts: { declared: full.length * parts.length, screened: full.length * parts.length, optimized, agreed },
  };
}

function near(a: Float64Array, b: Float64Array, tol: number): boolean {
  for (let k = 0; k < a.length; k++) if (Math.abs(a[k] - b[k]) > tol * (1 + Math.abs(b[k]))) return false;
  return true;
}

/** Observed and fitted values of every row of a group, held-out ones marked. */
function residualsOf(part: Part, theta: Float64Array): LawResult['residuals'] {
  const { columnsAll, yAll, node } = part.rows;
  const vars = new Float64Array(columnsAll.length);
  return Array.from(yAll, (y, i) => {
    columnsAll.forEach((c, k) => (vars[k] = c[i]));
    return { observed: y, fitted: evalScalar(node, theta, vars), heldOut: !!part.law.heldOut[i] };
  });
}
