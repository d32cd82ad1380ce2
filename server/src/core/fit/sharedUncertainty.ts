// The intervals of a `shared` fit (issue 10.2, shared.ts): asymptotic ones from the joint
// covariance, or a bootstrap that resamples within each group (whole runs with `by COLUMN`) and
// refits jointly; `profile` gives the asymptotic ones, with an info saying so.
import { nowMs } from './clock';
import { diagnostic, type Diagnostic } from '../diagnostics';
import type { BoundLaw } from '../model';
import type { Interval, LawResult } from '../results';
import { scaledInverse } from './linalg';
import { toTheta } from './problem';
import type { Part } from './shared';
import { jointLM, type JointProblem } from './sharedLm';
import { mulberry32, percentileInterval, streamSeed, studentQuantile } from './stats';
import { MAX_FAILED_SHARE } from './uncertainty';
import { cancelled, type FitOptions, type IntervalBasis } from './types';

/** Above this many joint parameters the asymptotic covariance (a dense eigen-decomposition) is not formed. */
const MAX_COVARIANCE_SIZE = 150;

/** Each free parameter's finite bootstrap draws (K×P row-major), for the results document. */
export function drawRecord(
  law: BoundLaw,
  draws: Float64Array,
  keep: (name: string) => boolean,
): Record<string, number[]> {
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

export async function sharedUncertainty(
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
  const deadline = nowMs() + (opts.timeBudgetMs ?? 60_000);
  const own = parts.map((p) => p.rows.weights);
  // Run ids per fitted row (within each group), for `by COLUMN`.
  const runs = parts.map((p) => runIds(p, spec.by));
  const perGroup = parts.map(() => new Float64Array(K * P).fill(NaN));
  let failed = 0;
  let skipped = 0;
  for (let k = 0; k < K; k++) {
    if (cancelled(opts) || nowMs() > deadline) {
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
