// A `plan` line's answer (issue 12.4): the target quantity as a function of the parameters, the
// candidate runs on a log grid within and beyond the data, each priced by the study's compute,
// and the greedy Fisher-information plan of plan.ts over them.
import type { BoundPlan, ComputeDef } from '../model';
import type { PlanResult } from '../results';
import { dataRanges } from './answers';
import { evalScalar, toNode } from './compile';
import { optimizeAllocation, type OptimizeContext } from './optimize';
import { candidateGrid, planRuns } from './plan';
import type { LawFit } from './types';
import { formatNumber } from '../text';

/** At most this many candidate runs: the grid has ⌊200^(1/k)⌋ values per variable for a law of k variables. */
export const MAX_PLAN_CANDIDATES = 200;

/** The level of a plan's widths when the law declares no uncertainty. */
const DEFAULT_LEVEL = 0.9;

/** Values per axis so that the grid over `k` variables has at most MAX_PLAN_CANDIDATES points. */
export function perAxis(k: number): number {
  let n = Math.max(2, Math.floor(MAX_PLAN_CANDIDATES ** (1 / k)));
  while (n > 2 && n ** k > MAX_PLAN_CANDIDATES) n--;
  return n;
}

/** The plan for `p` from the fitted law `fit`; `error` says why there is none (result widths null). */
export function answerPlan(fit: LawFit, p: BoundPlan, computes: ComputeDef[]): { result: PlanResult; error?: string } {
  const law = fit.law;
  const level = fit.level ?? DEFAULT_LEVEL;
  const base = {
    law: law.name,
    budget: p.budget,
    cost_variable: p.cost,
    candidates: 0,
    runs: [],
    width_before: null,
    width_after: null,
    spent: 0,
    level,
  };
  const fail = (target: PlanResult['target'], error: string) => ({ result: { ...base, target }, error });
  const { node, theta } = fit;
  let target: PlanResult['target'];
  let g: (th: Float64Array) => number;
  if (p.target.kind === 'predict') {
    const at = p.target.at;
    const point = law.variables.map((v) => at[v]);
    target = { kind: 'predict', at, value: null };
    if (!node || !theta) return fail(target, `law '${law.name}' has no fit`);
    g = (th) => evalScalar(node, th, point);
  } else {
    const budget = p.target.budget;
    const empty = { kind: 'optimum' as const, budget, quantity: law.variables[0], value: null };
    if (!node || !theta) return fail(empty, `law '${law.name}' has no fit`);
    const ctx: OptimizeContext = {
      node,
      params: law.params.map((q) => q.name),
      variables: law.variables,
      computes,
      ranges: dataRanges(law),
    };
    const alloc = optimizeAllocation(ctx, theta, budget);
    if (!alloc) return fail(empty, `no optimum of law '${law.name}' for ${Object.keys(budget).join(', ')}`);
    // The optimum's first variable (N*), or the law's value for a law of the budget alone (kaplan_c).
    const quantity = Object.keys(alloc.at)[0];
    target = { ...empty, quantity: quantity ?? law.target };
    g = quantity
      ? (th) => optimizeAllocation(ctx, th, budget)?.at[quantity] ?? NaN
      : (th) => optimizeAllocation(ctx, th, budget)?.value ?? NaN;
  }
  const value = g(theta);
  target.value = Number.isFinite(value) ? value : null;
  if (target.value === null) return fail(target, 'the target has no finite value at the fit');

  const ranges = dataRanges(law);
  if (law.variables.some((v) => !ranges[v]))
    return fail(
      target,
      `the data have no positive values of ${law.variables.filter((v) => !ranges[v]).join(', ')} to plan around`,
    );
  const candidates = candidateGrid(
    law.variables.map((v) => ranges[v]),
    perAxis(law.variables.length),
  );
  const pricing = computes.find((c) => c.name === p.cost);
  if (!pricing) return fail(target, `no \`compute ${p.cost}\` to price the runs`);
  const costNode = toNode(pricing.formula, [], law.variables);
  const cost = (x: number[]) => evalScalar(costNode, [], x);
  const plan = planRuns({ ...fit, level }, g, candidates, cost, p.budget);
  if (typeof plan === 'string') return fail(target, plan);
  const named = (x: number[]) => Object.fromEntries(law.variables.map((v, k) => [v, x[k]]));
  const result: PlanResult = {
    ...base,
    target,
    candidates: candidates.length,
    runs: plan.runs.map((r) => {
      const predicted = evalScalar(node, theta, r.at);
      return {
        at: named(r.at),
        cost: r.cost,
        expected_width: r.expectedWidth,
        predicted: Number.isFinite(predicted) ? predicted : null,
      };
    }),
    width_before: plan.widthBefore,
    width_after: plan.widthAfter,
    spent: plan.cost,
  };
  if (plan.runs.length === 0)
    return {
      result,
      error: `no candidate run fits within the budget (the cheapest costs ${formatNumber(Math.min(...candidates.map(cost)))})`,
    };
  return { result };
}
