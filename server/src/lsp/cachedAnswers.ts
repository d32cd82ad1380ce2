// Cheap questions don't refit: a `predict`, `optimize` or `frontier` line asked of a law whose inputs are
// unchanged is answered from the law's cached result — its parameters, and its bootstrap draws for
// the interval — in milliseconds, by the same answers module the fit uses.
import { predict, optimum } from '../core/fit/answers';
import { toNode } from '../core/fit/compile';
import { traceFrontier } from '../core/fit/frontier';
import { answerPlan } from '../core/fit/planAnswers';
import { answerAllocation, needsTargetEngine } from '../core/fit/target';
import type { AnswerBasis, LawFit } from '../core/fit/types';
import type { BoundFrontier, BoundLaw, BoundOptimize, BoundPlan, BoundPredict, ComputeDef } from '../core/model';
import type { FrontierResult, LawResult, OptimumResult, PlanResult, PredictionResult } from '../core/results';

/**
 * What the fit knew about noise, identifiability and the parameters' covariance, kept beside each
 * result (not part of the JSON): without it a cached answer would have a value but no interval.
 */
const bases = new WeakMap<LawResult, AnswerBasis>();
export function rememberBasis(result: LawResult, basis: AnswerBasis): void {
  bases.set(result, basis);
}

/** The fitted law rebuilt from its result (undefined when the result has no parameters). */
function cachedFit(law: BoundLaw, r: LawResult): LawFit | undefined {
  // A `per` law answers once per group from each group's fit: the editor refits it instead.
  if (law.per) return undefined;
  const names = law.params.map((p) => p.name);
  if (!names.every((n) => Number.isFinite(r.params[n]))) return undefined;
  const theta = Float64Array.from(names, (n) => r.params[n]);
  let node;
  try {
    node = toNode(law.formula, names, law.variables);
  } catch {
    return undefined;
  }
  // Draws are recorded for the free parameters only; a fixed one keeps its value in every draw.
  let draws: Float64Array | undefined;
  const K = r.draws ? Math.max(0, ...Object.values(r.draws).map((d) => d.length)) : 0;
  if (r.draws && K > 0) {
    const P = names.length;
    draws = new Float64Array(K * P);
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < P; j++) draws[k * P + j] = r.draws[names[j]]?.[k] ?? theta[j];
    }
  }
  const level = r.level ?? null;
  return {
    result: r,
    diagnostics: [],
    theta,
    node,
    law,
    covariance: bases.get(r)?.covariance,
    draws,
    level,
    basis: bases.get(r)?.basis,
  };
}

const fits = new WeakMap<LawResult, LawFit | null>();
function fitOf(law: BoundLaw, r: LawResult): LawFit | undefined {
  if (!fits.has(r)) fits.set(r, cachedFit(law, r) ?? null);
  return fits.get(r) ?? undefined;
}

/** The answer to a predict line from the cached result of its law; undefined when it cannot be given. */
export function cachedPrediction(
  law: BoundLaw,
  r: LawResult,
  p: BoundPredict,
  computes: ComputeDef[],
): PredictionResult | undefined {
  const fit = fitOf(law, r);
  if (!fit) return undefined;
  const { result, error } = predict(fit, p.at, computes);
  return error || !Number.isFinite(result.value) ? undefined : result;
}

export function cachedOptimum(
  law: BoundLaw,
  r: LawResult,
  o: BoundOptimize,
  computes: ComputeDef[],
): OptimumResult | undefined {
  const fit = fitOf(law, r);
  if (!fit) return undefined;
  // The same engine the fit uses for this question (core/fit/index.ts): a target or inference budget
  // goes to the allocation engine.
  const { result, error } = needsTargetEngine(o.budget, law.target)
    ? answerAllocation(fit, o.budget, computes)
    : optimum(fit, o.budget, computes);
  return error || !Number.isFinite(result.value) ? undefined : result;
}

/** A frontier line's points from the cached result, each what `optimize` answers at its budget. */
export function cachedFrontier(
  law: BoundLaw,
  r: LawResult,
  f: BoundFrontier,
  computes: ComputeDef[],
): FrontierResult | undefined {
  const fit = fitOf(law, r);
  if (!fit) return undefined;
  const { result, error } = traceFrontier(f, (budget) => optimum(fit, { [f.variable]: budget }, computes));
  return error ? undefined : result;
}

/** A plan line's proposed runs from the cached result of its law (a few hundred candidates: milliseconds). */
export function cachedPlan(law: BoundLaw, r: LawResult, p: BoundPlan, computes: ComputeDef[]): PlanResult | undefined {
  const fit = fitOf(law, r);
  if (!fit?.basis) return undefined;
  const { result, error } = answerPlan(fit, p, computes);
  return error ? undefined : result;
}
