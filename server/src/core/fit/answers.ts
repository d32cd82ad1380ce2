// What a fitted law answers: its value at a point (predict) and the best allocation of a budget
// (optimum), each with an interval from the bootstrap draws or the covariance.
import type { BoundLaw, ComputeDef } from '../model';
import type { Interval, OptimumResult, PredictionResult } from '../results';
import { evalScalar, toNode } from './compile';
import { optimizeAllocation, type OptimizeContext } from './optimize';
import { mulberry32, percentileInterval, studentQuantile } from './stats';
import type { LawFit } from './types';
import { dependsOnWeak } from './uncertainty';

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

/** Central difference gradient of g at theta (user space), one step per parameter. */
export function gradientOf(g: (theta: Float64Array) => number, theta: Float64Array): Float64Array {
  const th = Float64Array.from(theta);
  const grad = new Float64Array(th.length);
  for (let j = 0; j < th.length; j++) {
    const h = 1e-6 * Math.max(1e-8, Math.abs(th[j]));
    const keep = th[j];
    th[j] = keep + h;
    const up = g(th);
    th[j] = keep - h;
    const down = g(th);
    th[j] = keep;
    grad[j] = (up - down) / (2 * h);
  }
  return grad;
}

/**
 * Interval of g(theta) from bootstrap draws (percentiles) or the covariance (delta method, Student
 * t with the residual degrees of freedom). `observation` widens it to one new run's observed value:
 * the residual noise is added (resampled residuals for the bootstrap, s² for the delta method),
 * in the objective's space (multiplicative for `on log`). Null when g moves along a direction
 * the data cannot pin down.
 */
export function intervalOf(fit: LawFit, g: (theta: Float64Array) => number, observation = false): Interval | null {
  return answerInterval(fit, g, observation).interval;
}

type AnswerMethod = 'bootstrap' | 'asymptotic' | 'profile';

/**
 * intervalOf, and the method that made the interval: with `uncertainty profile` the mean's
 * interval is g's own profile-likelihood interval (profileQuantity.ts), and the observation
 * interval widens each side of it by the residual noise, t·s, in quadrature (in ln space for
 * `on log`); a profile the time budget cut falls back to the delta method, labelled `asymptotic`.
 */
export function answerInterval(
  fit: LawFit,
  g: (theta: Float64Array) => number,
  observation = false,
): { interval: Interval | null; method: AnswerMethod | null } {
  const method: AnswerMethod = fit.draws ? 'bootstrap' : 'asymptotic';
  const basis = fit.basis;
  if (!fit.theta || fit.level === null || !basis) return { interval: null, method: null };
  const needsGrad = !fit.draws || basis.weakDirs.length > 0;
  const grad = needsGrad ? gradientOf(g, fit.theta) : undefined;
  if (grad && dependsOnWeak(basis, fit.theta, grad)) return { interval: null, method: null };
  if (fit.profiler) {
    const profiled = fit.profiler(g);
    if (profiled !== undefined) {
      const interval = profiled && observation ? widenByNoise(fit, g(fit.theta), profiled) : profiled;
      return { interval, method: 'profile' };
    }
  }
  return { interval: deltaOrDraws(fit, g, grad, observation), method };
}

/** A mean's interval widened on each side by the residual noise (t·s, in the objective's space). */
function widenByNoise(fit: LawFit, g0: number, [lo, hi]: Interval): Interval | null {
  const basis = fit.basis!;
  const noise = studentQuantile((1 + fit.level!) / 2, basis.dof) * Math.sqrt(basis.s2);
  if (!Number.isFinite(noise)) return null;
  const out = (h: number) => Math.sqrt(h * h + noise * noise);
  if (basis.onLog) {
    if (!(lo > 0 && g0 > 0)) return null;
    return [g0 * Math.exp(-out(Math.log(g0 / lo))), g0 * Math.exp(out(Math.log(hi / g0)))];
  }
  return [g0 - out(g0 - lo), g0 + out(hi - g0)];
}

function deltaOrDraws(
  fit: LawFit,
  g: (theta: Float64Array) => number,
  grad: Float64Array | undefined,
  observation: boolean,
): Interval | null {
  const P = fit.law.params.length;
  const basis = fit.basis!;
  const theta = fit.theta!;
  if (fit.level === null) return null;
  const g0 = g(theta);
  const noise = observation ? Math.sqrt(basis.s2) : 0;
  if (observation && !Number.isFinite(noise)) return null;
  if (fit.draws) {
    const K = fit.draws.length / P;
    const vals: number[] = [];
    const res = basis.residuals;
    // Residuals shrink by fitting p parameters; sqrt(n/dof) restores the noise's scale.
    const inflate = Math.sqrt(res.length / Math.max(1, basis.dof));
    const rand = mulberry32(0x5eed);
    for (let k = 0; k < K; k++) {
      const th = fit.draws.subarray(k * P, (k + 1) * P);
      if (!Number.isFinite(th[0])) continue;
      const mean = g(th);
      if (!observation) vals.push(mean);
      else {
        const e = res[Math.floor(rand() * res.length)] * inflate;
        vals.push(basis.onLog ? mean * Math.exp(e) : mean + e);
      }
    }
    return percentileInterval(vals, fit.level);
  }
  if (fit.covariance && grad) {
    let v = 0;
    for (let a = 0; a < P; a++)
      for (let b = 0; b < P; b++) if (grad[a] && grad[b]) v += grad[a] * grad[b] * fit.covariance[a * P + b];
    const t = studentQuantile((1 + fit.level) / 2, basis.dof);
    const sd = Math.sqrt(Math.max(0, v));
    if (!Number.isFinite(sd) || !Number.isFinite(t)) return null;
    if (!observation) return [g0 - t * sd, g0 + t * sd];
    if (basis.onLog) {
      const sdLog = Math.sqrt((sd / g0) ** 2 + noise * noise);
      return [g0 * Math.exp(-t * sdLog), g0 * Math.exp(t * sdLog)];
    }
    const sdObs = Math.sqrt(sd * sd + noise * noise);
    return [g0 - t * sdObs, g0 + t * sdObs];
  }
  return null;
}

export function predict(
  fit: LawFit,
  at: Record<string, number>,
  computes: ComputeDef[],
): { result: PredictionResult; error?: string } {
  const base: PredictionResult = {
    law: fit.law.name,
    at,
    value: NaN,
    interval: null,
    observation_interval: null,
    level: fit.level,
  };
  if (!fit.theta || !fit.node) return { result: base, error: `law '${fit.law.name}' has no fit` };
  const point = resolvePoint(at, fit.law.variables, computes);
  if (typeof point === 'string') return { result: base, error: `a value for ${point} is needed` };
  const node = fit.node;
  const value = evalScalar(node, fit.theta, point);
  const mean = (th: Float64Array) => evalScalar(node, th, point);
  const meanInterval = answerInterval(fit, mean);
  // A profile is computed once: the observation interval widens it (answerInterval would redo it).
  const observation =
    meanInterval.method === 'profile'
      ? meanInterval.interval && widenByNoise(fit, value, meanInterval.interval)
      : intervalOf(fit, mean, true);
  const result: PredictionResult = {
    ...base,
    value,
    interval: meanInterval.interval,
    observation_interval: observation,
  };
  if (meanInterval.method) result.interval_method = meanInterval.method;
  return { result };
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
  const intervals: Record<string, Interval | null> = {};
  const methods = new Set<AnswerMethod>();
  const record = ({ interval, method }: ReturnType<typeof answerInterval>) => {
    if (method && interval) methods.add(method);
    return interval;
  };
  if (fit.level !== null) {
    for (const key of Object.keys(alloc.at))
      intervals[key] = record(answerInterval(fit, (th) => optimizeAllocation(ctx, th, budget)?.at[key] ?? NaN));
    intervals[fit.law.target] = record(answerInterval(fit, (th) => optimizeAllocation(ctx, th, budget)?.value ?? NaN));
  }
  const result: OptimumResult = { ...base, at: alloc.at, value: alloc.value, intervals };
  // One label for the optimum's intervals: a profile cut short for one of them is labelled `asymptotic`.
  if (methods.size > 0) result.interval_method = methods.has('asymptotic') ? 'asymptotic' : [...methods][0];
  return { result, edge: alloc.edge };
}
