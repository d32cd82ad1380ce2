// `frontier LAW over C = a..b points K`: the compute-optimal allocation at K log-spaced budgets,
// both ends included. Each point is exactly what `optimize LAW for C = budget` answers (the caller
// passes the same function: optimum() for a law, isoflopOptimum() for an isoflop), so a frontier
// and an optimize line at the same budget agree to the last digit.
import type { BoundFrontier } from '../model';
import type { FrontierResult, OptimumResult } from '../results';

/** K log-spaced budgets from `from` to `to`, the ends exactly as written. */
export function frontierBudgets(from: number, to: number, points: number): number[] {
  const a = Math.log(from);
  const step = (Math.log(to) - a) / (points - 1);
  return Array.from({ length: points }, (_, i) => (i === 0 ? from : i === points - 1 ? to : Math.exp(a + i * step)));
}

export function traceFrontier(
  f: BoundFrontier,
  answer: (budget: number) => { result: OptimumResult; error?: string; edge?: boolean },
): { result: FrontierResult; error?: string; edges: number[] } {
  const result: FrontierResult = { law: f.law, variable: f.variable, points: [] };
  const edges: number[] = [];
  for (const budget of frontierBudgets(f.from, f.to, f.points)) {
    const { result: o, error, edge } = answer(budget);
    if (error) return { result: { ...result, points: [] }, error, edges };
    if (edge) edges.push(budget);
    result.points.push({
      budget: o.budget,
      at: o.at,
      value: o.value !== null && Number.isFinite(o.value) ? o.value : null,
      intervals: o.intervals,
    });
  }
  return { result, edges };
}
