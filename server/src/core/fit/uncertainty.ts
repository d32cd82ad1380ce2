// The uncertainty stage of a law's fit: asymptotic intervals from the Jacobian at the optimum, or
// percentile intervals from bootstrap refits (in worker threads, optionally resampling groups).
import { diagnostic, type Diagnostic } from '../diagnostics';
import type { BoundLaw, ParamSpec, UncertaintySpec } from '../model';
import type { Interval } from '../results';
import type { AtOptimum } from './checks';
import { DrawStatus } from './bootstrap';
import { WEAK_COMPONENT } from './diagnose';
import { scaledInverse } from './linalg';
import { bootstrapParallel, FitCancelled, type BootstrapRun } from './pool';
import { lossOf } from './loss';
import { profileIntervals } from './profile';
import { devianceOf, quantityProfiler, type QuantityProfiler } from './profileQuantity';
import type { LawRows } from './rows';
import type { Search, Starts } from './searchStage';
import { percentileInterval, studentQuantile } from './stats';
import { cancelled, type FitOptions, type IntervalBasis } from './types';

interface Uncertainty {
  /** Per free parameter; null where the data cannot pin the parameter down. */
  intervals: Record<string, Interval | null> | null;
  /** Covariance of theta (user space, P×P), for `asymptotic`. */
  covariance?: Float64Array;
  /** Bootstrap draws, K×P row-major. */
  draws?: Float64Array;
  level: number | null;
  /** Each free parameter's bootstrap draws, for the results document. */
  drawRecord?: Record<string, number[]>;
  /** Bootstrap refits that did not converge, and resamples left unrun by the time budget. */
  bootstrap?: { resamples: number; failed: number; skipped: number };
  /** The parameters' intervals are profile-likelihood ones (a Huber fit with no row inside δ keeps asymptotic ones). */
  profiled?: boolean;
  /** Profile intervals of predictions and optima, with `uncertainty profile`. */
  profiler?: QuantityProfiler;
  basis: IntervalBasis;
}

/** Above this share of failed bootstrap refits the percentile interval is withheld: the survivors are a biased sample. */
export const MAX_FAILED_SHARE = 0.1;

export async function estimateUncertainty(
  law: BoundLaw,
  starts: Starts,
  found: Search,
  theta: Float64Array,
  atOptimum: AtOptimum,
  rows: LawRows,
  opts: FitOptions,
  diags: Diagnostic[],
): Promise<Uncertainty> {
  const u = law.uncertainty;
  const basis = basisOf(law, starts, atOptimum);
  if (u.method === 'asymptotic') return asymptotic(law, starts, found, theta, atOptimum, u.level, basis, diags);
  if (u.method === 'profile') {
    opts.onProgress?.({ law: law.name, phase: 'uncertainty' });
    return profile(law, starts, found, theta, atOptimum, rows, u.level, basis, opts, diags);
  }
  if (u.method === 'bootstrap') {
    opts.onProgress?.({ law: law.name, phase: 'uncertainty' });
    return bootstrap(law, u, starts, theta, rows, opts, diags, basis);
  }
  return { intervals: null, level: null, basis };
}

function basisOf(law: BoundLaw, { prob }: Starts, { r, weakDirs, scale }: AtOptimum): IntervalBasis {
  const n = prob.rows;
  const dof = n - prob.free.length;
  let s2: number;
  if (law.objective.loss === 'huber') {
    // Huber down-weights outliers; their squares would inflate the noise. 1.4826·MAD is the
    // normal-consistent robust scale.
    const abs = Array.from(r, Math.abs).sort((a, b) => a - b);
    const mad = abs.length ? abs[Math.floor((abs.length - 1) / 2)] : NaN;
    s2 = (1.4826 * mad) ** 2 * (dof > 0 ? n / dof : NaN);
  } else {
    let rss = 0;
    for (let i = 0; i < n; i++) rss += r[i] * r[i];
    s2 = dof > 0 ? rss / dof : NaN;
  }
  return {
    dof,
    s2,
    onLog: law.objective.onLog,
    residuals: Float64Array.from(r),
    weakDirs,
    scale,
    free: prob.free,
    logParam: prob.logParam,
  };
}

/**
 * Whether a quantity with gradient `gradTheta` (user space, all P parameters) at `theta` moves along
 * a direction the data cannot pin down: then it has no honest interval.
 */
export function dependsOnWeak(basis: IntervalBasis, theta: ArrayLike<number>, gradTheta: ArrayLike<number>): boolean {
  if (basis.weakDirs.length === 0) return false;
  const gx = basis.free.map((j, a) => gradTheta[j] * (basis.logParam[j] ? theta[j] : 1) * basis.scale[a]);
  const norm = Math.hypot(...gx);
  if (!(norm > 0)) return false;
  return basis.weakDirs.some((v) => Math.abs(gx.reduce((acc, g, a) => acc + g * v[a], 0)) > WEAK_COMPONENT * norm);
}

/** Free parameters (indices into law.params) that a weak direction involves. */
function unidentified(basis: IntervalBasis): Set<number> {
  const out = new Set<number>();
  basis.free.forEach((j, a) => {
    if (basis.weakDirs.some((v) => Math.abs(v[a]) > WEAK_COMPONENT)) out.add(j);
  });
  return out;
}

/** Whether theta_j sits on a bound of its spec (the test checkBounds uses). */
function onBound(spec: ParamSpec, v: number, logParam: boolean): 'lower' | 'upper' | undefined {
  const at = (b: number) => Number.isFinite(b) && Math.abs(v - b) <= 1e-6 * Math.max(1, Math.abs(b));
  if (at(spec.lower) || (logParam && spec.lower === 0 && v < 1e-200)) return 'lower';
  if (at(spec.upper)) return 'upper';
  return undefined;
}

/**
 * Covariance of the optimizer's coordinates. Squares: s²(JᵀJ)⁻¹. Huber: the sandwich
 * n/(n−p)·H⁻¹BH⁻¹ with H = Σ ψ'(rᵢ) JᵢJᵢᵀ and B = Σ ψ(rᵢ)² JᵢJᵢᵀ (ψ = ρ', the clipped residual):
 * the M-estimator's robust covariance. Undefined when the rows inside δ cannot identify the
 * parameters (H singular).
 */
function coordinateCovariance(
  law: BoundLaw,
  prob: Starts['prob'],
  { r, J, inverse, weakDirs }: AtOptimum,
  basis: IntervalBasis,
): Float64Array | undefined {
  const n = prob.rows;
  const p = prob.free.length;
  const o = law.objective;
  if (o.loss === 'squares') {
    let rss = 0;
    for (let i = 0; i < n; i++) rss += r[i] * r[i];
    return Float64Array.from(inverse, (v) => (v * rss) / basis.dof);
  }
  const H = new Float64Array(p * p);
  const B = new Float64Array(p * p);
  for (let i = 0; i < n; i++) {
    const inside = Math.abs(r[i]) <= o.delta;
    const psi = inside ? r[i] : Math.sign(r[i]) * o.delta;
    for (let a = 0; a < p; a++)
      for (let b = 0; b < p; b++) {
        const jj = J[i * p + a] * J[i * p + b];
        if (inside) H[a * p + b] += jj;
        B[a * p + b] += psi * psi * jj;
      }
  }
  const h = scaledInverse(H, p);
  if (h.weakDirs.length > weakDirs.length) return undefined;
  const HiB = new Float64Array(p * p);
  for (let a = 0; a < p; a++)
    for (let b = 0; b < p; b++) {
      let acc = 0;
      for (let k = 0; k < p; k++) acc += h.inverse[a * p + k] * B[k * p + b];
      HiB[a * p + b] = acc;
    }
  const cov = new Float64Array(p * p);
  for (let a = 0; a < p; a++)
    for (let b = 0; b < p; b++) {
      let acc = 0;
      for (let k = 0; k < p; k++) acc += HiB[a * p + k] * h.inverse[k * p + b];
      cov[a * p + b] = (acc * n) / basis.dof;
    }
  return cov;
}

function asymptotic(
  law: BoundLaw,
  { prob }: Starts,
  { best }: Search,
  theta: Float64Array,
  atOptimum: AtOptimum,
  level: number,
  basis: IntervalBasis,
  diags: Diagnostic[],
): Uncertainty {
  const names = law.params.map((p) => p.name);
  const p = prob.free.length;
  if (!(basis.dof > 0)) {
    diags.push(
      diagnostic(
        'warning',
        'scaling.no-residual-dof',
        `${prob.rows} fitted rows for ${p} free parameters leave no residual degrees of freedom: no noise estimate, so no asymptotic intervals`,
        law.range,
      ),
    );
    return { intervals: null, level, basis };
  }
  const covU = coordinateCovariance(law, prob, atOptimum, basis);
  if (!covU) {
    diags.push(
      diagnostic(
        'warning',
        'scaling.huber-asymptotic',
        `too few rows fall inside the Huber δ = ${law.objective.loss === 'huber' ? law.objective.delta : ''} to estimate the robust (sandwich) covariance: no asymptotic intervals; use \`uncertainty bootstrap\``,
        law.range,
      ),
    );
    return { intervals: null, level, basis };
  }
  const P = names.length;
  const covariance = new Float64Array(P * P);
  // Student's t with the residual degrees of freedom: the noise scale is estimated, not known.
  const twoSided = studentQuantile((1 + level) / 2, basis.dof);
  const oneSided = studentQuantile(level, basis.dof);
  const weak = unidentified(basis);
  const intervals: Record<string, Interval | null> = {};
  for (let a = 0; a < p; a++) {
    const ja = prob.free[a];
    const ca = prob.logParam[ja] ? theta[ja] : 1;
    for (let b = 0; b < p; b++) {
      const jb = prob.free[b];
      const cb = prob.logParam[jb] ? theta[jb] : 1;
      covariance[ja * P + jb] = covU[a * p + b] * ca * cb;
    }
    if (weak.has(ja)) {
      intervals[names[ja]] = null;
      continue;
    }
    const spec = law.params[ja];
    const sd = Math.sqrt(covU[a * p + a]);
    const ui = best.u[a];
    // Log-parametrised scales get intervals symmetric in ln(param): positive, like the parameter.
    const back = (x: number) => (prob.logParam[ja] ? Math.exp(x) : x);
    // On a bound the estimate's distribution is cut there: a one-sided interval from the bound.
    const bound = onBound(spec, theta[ja], prob.logParam[ja]);
    let iv: Interval =
      bound === 'lower'
        ? [spec.lower, back(ui + oneSided * sd)]
        : bound === 'upper'
          ? [back(ui - oneSided * sd), spec.upper]
          : [back(ui - twoSided * sd), back(ui + twoSided * sd)];
    iv = [Math.max(spec.lower, iv[0]), Math.min(spec.upper, iv[1])];
    intervals[names[ja]] = iv;
  }
  return { intervals, covariance, level, basis };
}

/**
 * Profile-likelihood intervals. Parameters: `profileIntervals` (bisection on θⱼ) for `squares`, the
 * Lagrangian path of `profileQuantity.ts` for Huber's likelihood. Predictions and optima: the
 * returned `profiler`, which profiles each quantity itself. The asymptotic covariance is kept: it
 * gives the first steps, and the delta-method fallback when the time budget cuts a profile.
 */
function profile(
  law: BoundLaw,
  starts: Starts,
  found: Search,
  theta: Float64Array,
  atOptimum: AtOptimum,
  rows: LawRows,
  level: number,
  basis: IntervalBasis,
  opts: FitOptions,
  diags: Diagnostic[],
): Uncertainty {
  const asym = asymptotic(law, starts, found, theta, atOptimum, level, basis, diags);
  if (!asym.intervals || !asym.covariance) return asym;
  const loss = lossOf(law.objective);
  const sMin = atOptimum.r.reduce((a, v) => a + loss.value(v), 0);
  const deviance = devianceOf(law, atOptimum.r, sMin, level);
  if (!deviance) {
    diags.push(
      diagnostic(
        'info',
        'scaling.profile-huber',
        'no residual falls inside the Huber δ, so the Huber likelihood has no fitted scale: these are the asymptotic (sandwich) intervals; use `uncertainty bootstrap`',
        law.range,
      ),
    );
    return asym;
  }
  const { prob } = starts;
  const p = prob.free.length;
  const covU = coordinateCovariance(law, prob, atOptimum, basis)!;
  const params = prob.free
    .map((index, a) => ({ index, sd: Math.sqrt(covU[a * p + a]) }))
    .filter(({ index }) => asym.intervals![law.params[index].name] !== null);
  const budget = opts.timeBudgetMs ?? 60_000;
  const deadline = Date.now() + budget;
  const interrupt = () => cancelled(opts) || Date.now() > deadline;
  let profiled: Record<string, Interval | null>;
  if (law.objective.loss === 'squares') {
    profiled = profileIntervals(law, rows, theta, sMin, level, params, interrupt);
  } else {
    const byParam = quantityProfiler(law, rows, theta, deviance, interrupt);
    profiled = Object.fromEntries(
      params.map(({ index }) => [law.params[index].name, byParam((th) => th[index]) ?? null]),
    );
  }
  if (interrupt()) {
    diags.push(
      diagnostic(
        'warning',
        'scaling.profile-cut',
        'the profile intervals were cut by cancellation or the time budget: none are given',
        law.range,
      ),
    );
    return { ...asym, intervals: Object.fromEntries(Object.keys(asym.intervals).map((k) => [k, null])) };
  }
  // Predictions and optima are profiled later, within their own time budget from the first one.
  let answersDeadline: number | undefined;
  const answersInterrupt = () => {
    answersDeadline ??= Date.now() + budget;
    return cancelled(opts) || Date.now() > answersDeadline;
  };
  const profiler = quantityProfiler(law, rows, theta, deviance, answersInterrupt);
  return { ...asym, intervals: { ...asym.intervals, ...profiled }, profiled: true, profiler };
}

async function bootstrap(
  law: BoundLaw,
  u: Extract<UncertaintySpec, { method: 'bootstrap' }>,
  { prob }: Starts,
  theta: Float64Array,
  rows: LawRows,
  opts: FitOptions,
  diags: Diagnostic[],
  basis: IntervalBasis,
): Promise<Uncertainty> {
  const names = law.params.map((p) => p.name);
  const { groups, groupCount } = bootstrapGroups(law, u.by, rows, diags);
  let run: BootstrapRun | undefined;
  try {
    run = await bootstrapParallel(
      {
        formula: law.formula,
        params: law.params,
        variables: law.variables,
        objective: law.objective,
        columns: rows.columns,
        y: rows.y,
        weights: rows.weights,
        groups,
        groupCount,
        theta,
        seed: u.seed,
        deadline: Date.now() + (opts.timeBudgetMs ?? 60_000),
      },
      u.resamples,
      opts.workers ?? 2,
      opts.signal,
      opts.workerFile,
    );
  } catch (e) {
    if (opts.signal?.aborted || e instanceof FitCancelled)
      diags.push(diagnostic('info', 'scaling.fit-cancelled', 'the bootstrap was cancelled', law.range));
    else
      diags.push(
        diagnostic(
          'error',
          'scaling.bootstrap-error',
          `the bootstrap failed: ${e instanceof Error ? e.message : String(e)}`,
          law.range,
        ),
      );
  }
  if (!run) return { intervals: null, level: u.level, basis };
  for (const message of run.workerErrors)
    diags.push(
      diagnostic(
        'warning',
        'scaling.worker-failed',
        `a fit worker failed (${message}); its bootstrap refits ran on the main thread instead`,
        law.range,
      ),
    );
  const { draws, status } = run;
  const P = names.length;
  const K = u.resamples;
  const failed = status.filter((s) => s === DrawStatus.failed).length;
  const skipped = status.filter((s) => s === DrawStatus.skipped).length;
  const withheld = failed > MAX_FAILED_SHARE * (K - skipped);
  if (failed > 0)
    diags.push(
      diagnostic(
        'warning',
        'scaling.bootstrap-failures',
        `${failed} of ${K - skipped} bootstrap refits (${((100 * failed) / Math.max(1, K - skipped)).toFixed(0)}%) did not converge and are left out` +
          (withheld
            ? `; above ${100 * MAX_FAILED_SHARE}% the survivors are a biased sample, so no bootstrap intervals are given`
            : ''),
        law.range,
        { data: { failed, resamples: K - skipped } },
      ),
    );
  if (skipped > 0)
    diags.push(
      diagnostic(
        'warning',
        'scaling.bootstrap-time-budget',
        `${skipped} of ${K} bootstrap refits did not run within the time budget; the intervals rest on ${K - skipped - failed}`,
        law.range,
      ),
    );
  const weak = unidentified(basis);
  const intervals: Record<string, Interval | null> = {};
  const drawRecord: Record<string, number[]> = {};
  for (const j of prob.free) {
    const col = Array.from({ length: K }, (_, k) => draws[k * P + j]);
    // Failed and skipped resamples are not draws (and NaN has no JSON form).
    drawRecord[names[j]] = col.filter(Number.isFinite);
    // Refits start at the optimum, so an unidentified direction barely moves: a tight, false interval.
    intervals[names[j]] = withheld || weak.has(j) ? null : percentileInterval(col, u.level);
  }
  return {
    intervals,
    draws: withheld ? undefined : draws,
    level: u.level,
    drawRecord,
    bootstrap: { resamples: K, failed, skipped },
    basis,
  };
}

/** The fitted rows' group ids for `bootstrap … by COLUMN`: whole groups are resampled together. */
function bootstrapGroups(
  law: BoundLaw,
  by: string | undefined,
  { split, freeCount }: LawRows,
  diags: Diagnostic[],
): { groups: Int32Array | undefined; groupCount: number } {
  if (!by) return { groups: undefined, groupCount: 0 };
  const text = law.data.text.get(by);
  const num = law.data.numeric.get(by);
  if (!text && !num) {
    diags.push(
      diagnostic(
        'warning',
        'scaling.unknown-column',
        `no column '${by}' to group the bootstrap by; resampling rows`,
        law.range,
      ),
    );
    return { groups: undefined, groupCount: 0 };
  }
  const ids = new Map<string, number>();
  const groups = Int32Array.from(split.fit, (i) => {
    const key = text ? text[i] : String(num![i]);
    let id = ids.get(key);
    if (id === undefined) ids.set(key, (id = ids.size));
    return id;
  });
  const groupCount = ids.size;
  if (groupCount < freeCount + 2)
    diags.push(
      diagnostic(
        'warning',
        'scaling.few-groups',
        `only ${groupCount} groups in '${by}' for ${freeCount} parameters: bootstrap intervals will be unreliable`,
        law.range,
      ),
    );
  return { groups, groupCount };
}
