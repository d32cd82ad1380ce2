// Profile-likelihood intervals of parameters (issue 12.2). For a `squares` objective the Gaussian
// likelihood with σ profiled out gives the deviance n·ln(RSS_θ / RSS_min); the interval of θⱼ is
// where the constrained minimum over the other parameters keeps it below χ²₁(P). Each end is found
// by bracketing then bisection on θⱼ (in the optimizer's coordinate: ln θ for scales), every
// constrained refit warm-started from the previous one.
import type { BoundLaw } from '../model';
import type { Interval } from '../results';
import { levenbergMarquardt, LmWorkspace } from './lm';
import { buildProblem, Evaluator, toInternal } from './problem';
import type { LawRows } from './rows';
import { chiSquare1Quantile } from './stats';

/** Bisection steps per end: the bracket shrinks 2^-40, far below the 1%-of-width target. */
const BISECTIONS = 40;
/** Bracket doublings before an end is declared unbounded (the interval is then open: null). */
const EXPANSIONS = 30;

/**
 * Profile interval of each free parameter in `names` (indices into law.params). `sd` is a first
 * step per parameter in the optimizer's coordinate (the asymptotic standard error). An end that
 * reaches a bound stops there; an end that never crosses the threshold makes the interval null.
 */
export function profileIntervals(
  law: BoundLaw,
  rows: LawRows,
  theta: Float64Array,
  rssMin: number,
  level: number,
  params: { index: number; sd: number }[],
  interrupt: () => boolean,
): Record<string, Interval | null> {
  const n = rows.y.length;
  const target = rssMin * Math.exp(chiSquare1Quantile(level) / n);
  const out: Record<string, Interval | null> = {};
  for (const { index, sd } of params) {
    const spec = law.params[index];
    const fixedLaw = { ...law, params: law.params.map((p, j) => (j === index ? { ...p, fixed: theta[j] } : p)) };
    const prob = buildProblem(fixedLaw, rows.columns, rows.y);
    const ws = new LmWorkspace(prob.rows, prob.free.length);
    const full = buildProblem(law, rows.columns, rows.y);
    const k = full.free.indexOf(index);
    const log = full.logParam[index];
    const u0 = toInternal(full, theta)[k];
    const [lo, hi] = [full.lo[k], full.hi[k]];
    const toUser = (u: number) => (log ? Math.exp(u) : u);
    let warm = toInternal(prob, theta);
    /** Minimum RSS with the parameter's coordinate held at u. */
    const rssAt = (u: number): number => {
      prob.base[index] = toUser(u);
      // The evaluator copies the fixed values when it is made: a new one per held value (cheap).
      const res = levenbergMarquardt(new Evaluator(prob), warm, { maxIterations: 200, ftol: 1e-12, interrupt }, ws);
      if (Number.isFinite(res.value)) warm = res.u;
      return res.value;
    };
    const end = (dir: 1 | -1): number | null => {
      warm = toInternal(prob, theta);
      const limit = dir > 0 ? hi : lo;
      let inside = u0;
      let step = Math.max(Math.abs(sd), 1e-8 * Math.max(1, Math.abs(u0)));
      let outside: number | undefined;
      for (let e = 0; e < EXPANSIONS && !interrupt(); e++) {
        const u = u0 + dir * step;
        if (dir * (u - limit) >= 0) {
          // The bound comes first: if the deviance there is still below the threshold, it is the end.
          if (!(rssAt(limit) > target)) return toUser(limit);
          outside = limit;
          break;
        }
        if (rssAt(u) > target) {
          outside = u;
          break;
        }
        inside = u;
        step *= 2;
      }
      if (outside === undefined) return null;
      let out: number = outside;
      for (let b = 0; b < BISECTIONS && !interrupt(); b++) {
        const mid: number = 0.5 * (inside + out);
        if (rssAt(mid) > target) out = mid;
        else inside = mid;
      }
      return toUser(0.5 * (inside + out));
    };
    const a = end(-1);
    const b = end(1);
    out[spec.name] = a === null || b === null ? null : [a, b];
  }
  return out;
}
