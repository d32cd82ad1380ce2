// The uncertainty stage of a law's fit: asymptotic intervals from the Jacobian at the optimum, or
// percentile intervals from bootstrap refits (in worker threads, optionally resampling groups).
import { diagnostic, type Diagnostic } from '../diagnostics';
import type { BoundLaw, UncertaintySpec } from '../model';
import type { Interval } from '../results';
import type { AtOptimum } from './checks';
import { bootstrapParallel } from './pool';
import type { LawRows } from './rows';
import type { Search, Starts } from './searchStage';
import { normalQuantile, percentileInterval } from './stats';
import type { FitOptions } from './types';

interface Uncertainty {
  intervals: Record<string, Interval> | null;
  /** Covariance of theta (user space, P×P), for `asymptotic`. */
  covariance?: Float64Array;
  /** Bootstrap draws, K×P row-major. */
  draws?: Float64Array;
  level: number | null;
  /** Each free parameter's bootstrap draws, for the results document. */
  drawRecord?: Record<string, number[]>;
}

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
  if (u.method === 'asymptotic') return asymptotic(law, starts, found, theta, atOptimum, u.level);
  if (u.method === 'bootstrap') {
    opts.onProgress?.({ law: law.name, phase: 'uncertainty' });
    return bootstrap(law, u, starts, theta, rows, opts, diags);
  }
  return { intervals: null, level: null };
}

function asymptotic(
  law: BoundLaw,
  { prob }: Starts,
  { best }: Search,
  theta: Float64Array,
  { r, inverse }: AtOptimum,
  level: number,
): Uncertainty {
  const names = law.params.map((p) => p.name);
  const n = prob.rows;
  const p = prob.free.length;
  let rss = 0;
  for (let i = 0; i < n; i++) rss += r[i] * r[i];
  const s2 = n > p ? rss / (n - p) : NaN;
  const P = names.length;
  const covariance = new Float64Array(P * P);
  const z = normalQuantile((1 + level) / 2);
  const intervals: Record<string, Interval> = {};
  for (let a = 0; a < p; a++) {
    const ja = prob.free[a];
    const ca = prob.logParam[ja] ? theta[ja] : 1;
    for (let b = 0; b < p; b++) {
      const jb = prob.free[b];
      const cb = prob.logParam[jb] ? theta[jb] : 1;
      covariance[ja * P + jb] = s2 * inverse[a * p + b] * ca * cb;
    }
    const sdInternal = Math.sqrt(s2 * inverse[a * p + a]);
    const ui = best.u[a];
    // Log-parametrised scales get intervals symmetric in ln(param): positive, like the parameter.
    intervals[names[ja]] = prob.logParam[ja]
      ? [Math.exp(ui - z * sdInternal), Math.exp(ui + z * sdInternal)]
      : [ui - z * sdInternal, ui + z * sdInternal];
  }
  return { intervals, covariance, level };
}

async function bootstrap(
  law: BoundLaw,
  u: Extract<UncertaintySpec, { method: 'bootstrap' }>,
  { prob }: Starts,
  theta: Float64Array,
  rows: LawRows,
  opts: FitOptions,
  diags: Diagnostic[],
): Promise<Uncertainty> {
  const names = law.params.map((p) => p.name);
  const { groups, groupCount } = bootstrapGroups(law, u.by, rows, diags);
  let draws: Float64Array | undefined;
  try {
    draws = await bootstrapParallel(
      {
        formula: law.formula,
        params: law.params,
        variables: law.variables,
        objective: law.objective,
        columns: rows.columns,
        y: rows.y,
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
  } catch {
    diags.push(diagnostic('info', 'scaling.fit-cancelled', 'the bootstrap was cancelled', law.range));
  }
  if (!draws) return { intervals: null, level: u.level };
  const P = names.length;
  const K = u.resamples;
  const intervals: Record<string, Interval> = {};
  const drawRecord: Record<string, number[]> = {};
  let failed = 0;
  for (let k = 0; k < K; k++) if (!Number.isFinite(draws[k * P])) failed++;
  if (failed > 0)
    diags.push(
      diagnostic(
        'warning',
        'scaling.bootstrap-failures',
        `${failed} of ${K} bootstrap refits failed and are left out`,
        law.range,
      ),
    );
  for (const j of prob.free) {
    const col = Array.from({ length: K }, (_, k) => draws[k * P + j]);
    drawRecord[names[j]] = col;
    const iv = percentileInterval(col, u.level);
    if (iv) intervals[names[j]] = iv;
  }
  return { intervals, draws, level: u.level, drawRecord };
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
