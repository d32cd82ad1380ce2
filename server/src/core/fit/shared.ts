// `shared alpha, beta` in a `per` law (issue 10.2): one optimisation over all groups, whose
// objective is the sum of the groups' objectives; the shared parameters are one value for every
// group, the others one value per group. Starts: each group screens the declared grid; the best
// shared starts by the groups' summed best screens get each group's own parameters optimized with
// the shared ones fixed (so the cost grows linearly with the groups); the best few candidates are
// then polished jointly (sharedLm.ts). Intervals: asymptotic (the joint covariance), or bootstrap resampling within
// each group (whole runs with `by COLUMN`); profile intervals fall back to asymptotic ones.
import { diagnostic, type Diagnostic } from '../diagnostics';
import type { BoundLaw, ParamSpec } from '../model';
import type { GroupResult, Interval, LawResult } from '../results';
import { checkBounds } from './checks';
import { evalScalar } from './compile';
import { groupLabel, groupLaw, type GroupFit } from './groups';
import { holdoutMetrics } from './holdout';
import { emptyResult } from './law';
import { scaledInverse } from './linalg';
import { levenbergMarquardt } from './lm';
import { declaredStarts, yielder } from './multistart';
import { SecondOrder } from './newton';
import { gridOf, screenGrid } from './search';
import { buildProblem, Evaluator, toTheta, type FitProblem } from './problem';
import { prepareRows, type LawRows } from './rows';
import { jointLM, JointGroup, JointProblem } from './sharedLm';
import { mulberry32, percentileInterval, streamSeed, studentQuantile } from './stats';
import { MAX_FAILED_SHARE } from './uncertainty';
import { cancelled, type FitOptions, type IntervalBasis, type LawFit } from './types';

/** Candidates (best screened shared starts) polished jointly. */
const POLISH = 3;
/** Shared starts (best by their screened score) whose groups' own parameters are optimized. */
const SHARED_KEEP = 4;
/** Above this many joint parameters the asymptotic covariance (a dense eigen-decomposition) is not formed. */
const MAX_COVARIANCE_SIZE = 150;

interface Part {
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
  const t0 = performance.now();
  const per = law.per!;
  const shared = law.shared!;
  const diags: Diagnostic[] = [];
  const seconds = () => (performance.now() - t0) / 1000;
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
    parts.push({ value: g.value, law: gl, rows, group: new JointGroup(prob, shared) });
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
  const deadline = performance.now() + (opts.timeBudgetMs ?? 60_000);
  let timedOut = false;
  const interrupt = () => {
    if (cancelled(opts)) return true;
    if (performance.now() > deadline) timedOut = true;
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
  best: ReturnType<typeof jointLM> | undefined;
  starts: Omit<LawResult['starts'], 'search'>;
}

/**
 * The declared grid over all free parameters is screened in each group (its objective at every
 * start, as a single fit screens; cheap: shared sub-formulas are cached); a shared start's score
 * is the sum over groups of each group's best own start for it. For the best few shared starts,
 * every group's own parameters are optimized with the shared ones fixed (the ordinary multi-start
 * over the own grid); the best few of those candidates are then polished jointly. Every step is
 * linear in the number of groups.
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
    const { prob } = part.group;
    const so = new SecondOrder(prob, part.rows.columns);
    const values = lists ? screenGrid(so, prob, part.rows.columns, lists) : Float64Array.from(full, (u) => so.value(u));
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
  // For the best shared starts: each group's own parameters optimized from its best screened
  // start with the shared ones fixed (a small LM per group).
  const candidates: { u: Float64Array; value: number }[] = [];
  let optimized = 0;
  for (const i of order.slice(0, SHARED_KEEP)) {
    if (interrupt()) break;
    await pause();
    const su = sharedStarts[i];
    const u = new Float64Array(jp.size);
    u.set(su, 0);
    const values = toTheta({ ...first.prob, free: first.sharedK.map((k) => first.prob.free[k]) }, su);
    const sharedValues = shared.map((n) => values[first.prob.names.indexOf(n)]);
    parts.forEach((part, g) => {
      if (jp.q === 0) return;
      const start = Float64Array.from(part.group.ownK, (k) => full[bestStart[g][i]][k]);
      const fixed = buildProblem(
        withShared(part.law, shared, sharedValues),
        part.rows.columns,
        part.rows.y,
        part.rows.weights,
      );
      const res = levenbergMarquardt(new Evaluator(fixed), start, { interrupt });
      optimized++;
      u.set(Number.isFinite(res.value) ? res.u : start, part.group.offset);
    });
    const value = jp.value(u);
    if (Number.isFinite(value)) candidates.push({ u, value });
  }
  candidates.sort((a, b) => a.value - b.value);
  let best: SharedSearch['best'];
  const ends: number[] = [];
  for (const c of candidates.slice(0, POLISH)) {
    if (interrupt()) break;
    await pause();
    const res = jointLM(jp, c.u, { interrupt });
    optimized++;
    if (!Number.isFinite(res.value)) continue;
    ends.push(res.value);
    if (!best || res.value < best.value) best = res;
  }
  const agreed = best ? ends.filter((v) => v <= best!.value * (1 + 1e-6) + 1e-300).length : 0;
  return {
    best,
    starts: { declared: full.length * parts.length, screened: full.length * parts.length, optimized, agreed },
  };
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

/** Each free parameter's finite bootstrap draws (K×P row-major), for the results document. */
function drawRecord(law: BoundLaw, draws: Float64Array, keep: (name: string) => boolean): Record<string, number[]> {
  const P = law.params.length;
  const out: Record<string, number[]> = {};
  law.params.forEach((p, j) => {
    if (p.fixed !== undefined || !keep(p.name)) return;
    out[p.name] = Array.from({ length: draws.length / P }, (_, k) => draws[k * P + j]).filter(Number.isFinite);
  });
  return out;
}

interface SharedUncertainty {
  /** Bootstrap refits: how many, failed, skipped (with `uncertainty bootstrap`). */
  bootstrap?: { resamples: number; failed: number; skipped: number };
  method: LawResult['interval_method'];
  level: number | null;
  sharedIntervals: Record<string, Interval | null> | null;
  groupIntervals: (Record<string, Interval | null> | null)[];
  groupCovariance: (Float64Array | undefined)[];
  groupDraws: (Float64Array | undefined)[];
  basis: (IntervalBasis | undefined)[];
}

async function sharedUncertainty(
  law: BoundLaw,
  parts: Part[],
  jp: JointProblem,
  u: Float64Array,
  thetas: Float64Array[],
  opts: FitOptions,
  diags: Diagnostic[],
): Promise<SharedUncertainty> {
  const none: SharedUncertainty = {
    method: null,
    level: null,
    sharedIntervals: null,
    groupIntervals: parts.map(() => null),
    groupCovariance: parts.map(() => undefined),
    groupDraws: parts.map(() => undefined),
    basis: parts.map(() => undefined),
  };
  const spec = law.uncertainty;
  if (spec.method === 'none') return none;
  opts.onProgress?.({ law: law.name, phase: 'uncertainty' });
  const { r, dof, s2 } = noiseOf(law, jp, u);
  const basis = parts.map((p): IntervalBasis => ({
    dof,
    s2,
    onLog: law.objective.onLog,
    residuals: r,
    weakDirs: [],
    scale: new Float64Array(p.group.ev.p).fill(1),
    free: p.group.prob.free,
    logParam: p.group.prob.logParam,
  }));
  if (spec.method === 'bootstrap') {
    const draws = bootstrapShared(law, parts, jp, u, opts);
    const P = law.params.length;
    const names = law.params.map((p) => p.name);
    const K = spec.resamples;
    const ran = K - draws.skipped;
    const withheld = draws.failed > MAX_FAILED_SHARE * ran;
    if (draws.failed > 0)
      diags.push(
        diagnostic(
          'warning',
          'scaling.bootstrap-failures',
          `${draws.failed} of ${ran} joint bootstrap refits did not converge and are left out` +
            (withheld
              ? `; above ${100 * MAX_FAILED_SHARE}% the survivors are a biased sample, so no bootstrap intervals are given`
              : ''),
          law.range,
        ),
      );
    if (draws.skipped > 0)
      diags.push(
        diagnostic(
          'warning',
          'scaling.bootstrap-time-budget',
          `${draws.skipped} of ${K} bootstrap refits did not run within the time budget; the intervals rest on ${ran - draws.failed}`,
          law.range,
        ),
      );
    const intervalsOf = (d: Float64Array, j: number) =>
      percentileInterval(
        Array.from({ length: d.length / P }, (_, k) => d[k * P + j]),
        spec.level,
      );
    const groupIntervals = draws.perGroup.map((d) => {
      if (withheld) return null;
      const out: Record<string, Interval | null> = {};
      law.params.forEach((p, j) => p.fixed === undefined && (out[names[j]] = intervalsOf(d, j)));
      return out;
    });
    const sharedIntervals = withheld
      ? null
      : Object.fromEntries(law.shared!.map((n) => [n, intervalsOf(draws.perGroup[0], names.indexOf(n))]));
    return {
      method: withheld ? null : 'bootstrap',
      level: spec.level,
      sharedIntervals,
      groupIntervals,
      groupCovariance: parts.map(() => undefined),
      groupDraws: draws.perGroup,
      basis,
      bootstrap: { resamples: K, failed: draws.failed, skipped: draws.skipped },
    };
  }
  if (spec.method === 'profile')
    diags.push(
      diagnostic(
        'info',
        'scaling.shared-profile',
        'profile intervals are not computed for a shared fit: asymptotic intervals (from the joint covariance) are given instead; `uncertainty bootstrap` resamples within each group',
        law.range,
      ),
    );
  const cov = jointCovariance(law, jp, u, dof);
  if (!cov) {
    diags.push(
      diagnostic(
        'warning',
        'scaling.shared-no-covariance',
        jp.size > MAX_COVARIANCE_SIZE
          ? `${jp.size} joint parameters are too many for the asymptotic covariance (at most ${MAX_COVARIANCE_SIZE}): use \`uncertainty bootstrap\``
          : `the joint fit has no residual degrees of freedom, or a direction the data cannot pin down: no asymptotic intervals`,
        law.range,
      ),
    );
    return { ...none, level: spec.level, basis };
  }
  const t = studentQuantile((1 + spec.level) / 2, dof);
  const P = law.params.length;
  const groupCovariance: Float64Array[] = [];
  const groupIntervals = parts.map((part, i) => {
    const g = part.group;
    const prob = g.prob;
    const joint = (k: number) => {
      const a = g.sharedK.indexOf(k);
      return a >= 0 ? a : g.offset + g.ownK.indexOf(k);
    };
    const theta = thetas[i];
    const chain = (k: number) => (prob.logParam[prob.free[k]] ? theta[prob.free[k]] : 1);
    const C = new Float64Array(P * P);
    const out: Record<string, Interval | null> = {};
    prob.free.forEach((ja, ka) => {
      prob.free.forEach((jb, kb) => {
        C[ja * P + jb] = cov[joint(ka) * jp.size + joint(kb)] * chain(ka) * chain(kb);
      });
      const sd = Math.sqrt(cov[joint(ka) * jp.size + joint(ka)]);
      const ui = u[joint(ka)];
      const back = (x: number) => (prob.logParam[ja] ? Math.exp(x) : x);
      out[prob.names[ja]] = Number.isFinite(sd) ? [back(ui - t * sd), back(ui + t * sd)] : null;
    });
    groupCovariance.push(C);
    return out;
  });
  const sharedIntervals = Object.fromEntries(law.shared!.map((n) => [n, groupIntervals[0][n] ?? null]));
  return {
    method: 'asymptotic',
    level: spec.level,
    sharedIntervals,
    groupIntervals,
    groupCovariance,
    groupDraws: parts.map(() => undefined),
    basis,
  };
}

/** Residuals at the optimum over every group, the residual degrees of freedom and the noise variance. */
function noiseOf(law: BoundLaw, jp: JointProblem, u: Float64Array): { r: Float64Array; dof: number; s2: number } {
  jp.evalGroups(u, false);
  const r = Float64Array.from(jp.groups.flatMap((g) => Array.from(g.rT)));
  const dof = r.length - jp.size;
  let s2: number;
  if (law.objective.loss === 'huber') {
    const abs = Array.from(r, Math.abs).sort((a, b) => a - b);
    const mad = abs.length ? abs[Math.floor((abs.length - 1) / 2)] : NaN;
    s2 = (1.4826 * mad) ** 2 * (dof > 0 ? r.length / dof : NaN);
  } else s2 = dof > 0 ? r.reduce((s, x) => s + x * x, 0) / dof : NaN;
  return { r, dof, s2 };
}

/**
 * Covariance of the joint internal vector: s²(JᵀWJ)⁻¹ for squares, the sandwich n/(n−p)·H⁻¹BH⁻¹
 * for Huber (as uncertainty.ts). The joint normal matrices are arrow-shaped but formed densely
 * here, once, up to MAX_COVARIANCE_SIZE parameters. Undefined without degrees of freedom or with
 * a direction the data cannot pin down.
 */
function jointCovariance(law: BoundLaw, jp: JointProblem, u: Float64Array, dof: number): Float64Array | undefined {
  const m = jp.size;
  if (!(dof > 0) || m > MAX_COVARIANCE_SIZE) return undefined;
  const H = new Float64Array(m * m);
  const B = new Float64Array(m * m);
  const o = law.objective;
  let rss = 0;
  let n = 0;
  for (const g of jp.groups) {
    g.ev.eval(g.take(u), g.r, g.J);
    const idx = [...g.sharedK.map((_, a) => a), ...g.ownK.map((_, b) => g.offset + b)];
    const cols = [...g.sharedK, ...g.ownK];
    const p = g.ev.p;
    const w = g.ev.weights;
    for (let i = 0; i < g.r.length; i++) {
      const wi = w ? w[i] : 1;
      const ri = g.r[i];
      rss += wi * ri * ri;
      n++;
      const inside = o.loss === 'squares' || Math.abs(ri) <= o.delta;
      const psi = o.loss === 'squares' ? ri : inside ? ri : Math.sign(ri) * o.delta;
      for (let a = 0; a < idx.length; a++)
        for (let b = 0; b < idx.length; b++) {
          const jj = g.J[i * p + cols[a]] * g.J[i * p + cols[b]] * wi;
          if (inside) H[idx[a] * m + idx[b]] += jj;
          if (o.loss === 'huber') B[idx[a] * m + idx[b]] += psi * psi * jj * wi;
        }
    }
  }
  const h = scaledInverse(H, m);
  if (h.weakDirs.length > 0) return undefined;
  if (o.loss === 'squares') return Float64Array.from(h.inverse, (v) => (v * rss) / dof);
  const HiB = new Float64Array(m * m);
  for (let a = 0; a < m; a++)
    for (let k = 0; k < m; k++) {
      const x = h.inverse[a * m + k];
      if (x !== 0) for (let b = 0; b < m; b++) HiB[a * m + b] += x * B[k * m + b];
    }
  const cov = new Float64Array(m * m);
  for (let a = 0; a < m; a++)
    for (let k = 0; k < m; k++) {
      const x = HiB[a * m + k];
      if (x !== 0) for (let b = 0; b < m; b++) cov[a * m + b] += (x * h.inverse[k * m + b] * n) / dof;
    }
  return cov;
}

/**
 * Joint bootstrap: each resample draws rows with replacement within each group (whole runs with
 * `by COLUMN`, still within each group), as weights on the rows, and refits jointly from the
 * optimum. Per group, K×P draws of its whole parameter vector (NaN rows for failed refits).
 */
function bootstrapShared(
  law: BoundLaw,
  parts: Part[],
  jp: JointProblem,
  u: Float64Array,
  opts: FitOptions,
): { perGroup: Float64Array[]; failed: number; skipped: number } {
  const spec = law.uncertainty as Extract<BoundLaw['uncertainty'], { method: 'bootstrap' }>;
  const K = spec.resamples;
  const P = law.params.length;
  const deadline = performance.now() + (opts.timeBudgetMs ?? 60_000);
  const own = parts.map((p) => p.rows.weights);
  // Run ids per fitted row (within each group), for `by COLUMN`.
  const runs = parts.map((p) => runIds(p, spec.by));
  const perGroup = parts.map(() => new Float64Array(K * P).fill(NaN));
  let failed = 0;
  let skipped = 0;
  for (let k = 0; k < K; k++) {
    if (cancelled(opts) || performance.now() > deadline) {
      skipped = K - k;
      break;
    }
    const rand = mulberry32(streamSeed(spec.seed, k));
    parts.forEach((p, gi) => {
      const n = p.rows.y.length;
      const w = new Float64Array(n);
      const ids = runs[gi];
      if (!ids) for (let i = 0; i < n; i++) w[Math.floor(rand() * n)]++;
      else {
        const count = ids.count;
        const gw = new Float64Array(count);
        for (let c = 0; c < count; c++) gw[Math.floor(rand() * count)]++;
        for (let i = 0; i < n; i++) w[i] = gw[ids.of[i]];
      }
      if (own[gi]) for (let i = 0; i < n; i++) w[i] *= own[gi]![i];
      p.group.prob.weights = w;
    });
    const res = jointLM(jp, u, { maxIterations: 200, ftol: 1e-10 });
    if (!(res.converged && Number.isFinite(res.value))) {
      failed++;
      continue;
    }
    parts.forEach((p, gi) =>
      perGroup[gi].set(toTheta(p.group.prob, p.group.take(res.u, new Float64Array(p.group.ev.p))), k * P),
    );
  }
  parts.forEach((p, gi) => (p.group.prob.weights = own[gi]));
  return { perGroup, failed, skipped };
}

/** Each fitted row's run (0..count−1) by the `by` column, within one group; undefined: rows. */
function runIds(part: Part, by: string | undefined): { of: Int32Array; count: number } | undefined {
  if (!by) return undefined;
  const data = part.law.data;
  const col = data.numeric.get(by) ?? data.text.get(by);
  if (!col) return undefined;
  const keys = new Map<string, number>();
  const of = Int32Array.from(part.rows.split.fit, (i) => {
    const key = String(col[i]);
    if (!keys.has(key)) keys.set(key, keys.size);
    return keys.get(key)!;
  });
  return { of, count: keys.size };
}
