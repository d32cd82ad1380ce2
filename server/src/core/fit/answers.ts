// What a fitted law answers: its value at a point (predict) and the best allocation of a budget
// (optimum), each with an interval from the bootstrap draws or the covariance.
import type { BoundLaw, ComputeDef } from '../model';
import type { Interval, OptimumResult, PredictionResult } from '../results';
import { evalScalar, toNode } from './compile';
import { optimizeAllocation, type OptimizeContext } from './optimize';
import { normalQuantile, percentileInterval } from './stats';
import type { LawFit } from './types';

/** Values of the law's variables at a point; missing ones come from `compute` definitions. */
function resolvePoint(at: Record<string, number>, variables: string[], computes: ComputeDef[]): Float64Array | string {
  const known: Record<string, number> = { ...at };
  for (const c of computes) {
    if (c.name in known) continue;
    try {
      const names = Object.keys(known);
      known[c.name] = evalScalar(
        toNode(c.formula, [], names),
        [],
        names.map((nm) => known[nm]),
      );
    } catch {
      // The compute reads a variable the point does not give; fine unless the law needs it.
    }
  }
  const missing = variables.filter((v) => !Number.isFinite(known[v]));
  if (missing.length > 0) return missing.join(', ');
  return Float64Array.from(variables, (v) => known[v]);
}

/** Interval of g(theta) from bootstrap draws (percentiles) or the covariance (delta method). */
export function intervalOf(fit: LawFit, g: (theta: Float64Array) => number): Interval | null {
  const P = fit.law.params.length;
  if (fit.draws && fit.level !== null) {
    const K = fit.draws.length / P;
    const vals: number[] = [];
    for (let k = 0; k < K; k++) {
      const th = fit.draws.subarray(k * P, (k + 1) * P);
      if (Number.isFinite(th[0])) vals.push(g(th));
    }
    return percentileInterval(vals, fit.level);
  }
  if (fit.covariance && fit.theta && fit.level !== null) {
    const th = Float64Array.from(fit.theta);
    const g0 = g(th);
    const grad = new Float64Array(P);
    for (let j = 0; j < P; j++) {
      const h = 1e-6 * Math.max(1e-8, Math.abs(th[j]));
      const keep = th[j];
      th[j] = keep + h;
      const up = g(th);
      th[j] = keep - h;
      const down = g(th);
      th[j] = keep;
      grad[j] = (up - down) / (2 * h);
    }
    let v = 0;
    for (let a = 0; a < P; a++)
      for (let b = 0; b < P; b++) if (grad[a] && grad[b]) v += grad[a] * grad[b] * fit.covariance[a * P + b];
    const z = normalQuantile((1 + fit.level) / 2);
    const sd = Math.sqrt(Math.max(0, v));
    return Number.isFinite(sd) ? [g0 - z * sd, g0 + z * sd] : null;
  }
  return null;
}

export function predict(
  fit: LawFit,
  at: Record<string, number>,
  computes: ComputeDef[],
): { result: PredictionResult; error?: string } {
  const base: PredictionResult = { law: fit.law.name, at, value: NaN, interval: null, level: fit.level };
  if (!fit.theta || !fit.node) return { result: base, error: `law '${fit.law.name}' has no fit` };
  const point = resolvePoint(at, fit.law.variables, computes);
  if (typeof point === 'string') return { result: base, error: `a value for ${point} is needed` };
  const node = fit.node;
  const value = evalScalar(node, fit.theta, point);
  return { result: { ...base, value, interval: intervalOf(fit, (th) => evalScalar(node, th, point)) } };
}

export function dataRanges(law: BoundLaw): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const v of law.variables) {
    const c = law.data.numeric.get(v);
    if (!c) continue;
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of c) {
      if (!(x > 0 && Number.isFinite(x))) continue;
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    if (lo <= hi) out[v] = [lo, hi];
  }
  return out;
}

export function optimum(
  fit: LawFit,
  budget: Record<string, number>,
  computes: ComputeDef[],
): { result: OptimumResult; error?: string; code?: string; edge?: boolean } {
  const base: OptimumResult = { law: fit.law.name, budget, at: {}, value: NaN, intervals: {} };
  if (!fit.theta || !fit.node) return { result: base, error: `law '${fit.law.name}' has no fit` };
  const ctx: OptimizeContext = {
    node: fit.node,
    params: fit.law.params.map((p) => p.name),
    variables: fit.law.variables,
    computes,
    ranges: dataRanges(fit.law),
  };
  const alloc = optimizeAllocation(ctx, fit.theta, budget);
  if (!alloc)
    return {
      result: base,
      error: `no compute definition ties two of ${fit.law.name}'s variables (${fit.law.variables.join(', ')}) to ${Object.keys(budget).join(', ')}`,
    };
  const intervals: Record<string, Interval> = {};
  for (const key of Object.keys(alloc.at)) {
    const iv = intervalOf(fit, (th) => optimizeAllocation(ctx, th, budget)?.at[key] ?? NaN);
    if (iv) intervals[key] = iv;
  }
  const iv = intervalOf(fit, (th) => optimizeAllocation(ctx, th, budget)?.value ?? NaN);
  if (iv) intervals[fit.law.target] = iv;
  return { result: { ...base, at: alloc.at, value: alloc.value, intervals }, edge: alloc.edge };
}
