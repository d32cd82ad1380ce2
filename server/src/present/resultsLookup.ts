// Finds, in a fit's StudyResults, the entry for a law, a predict or an optimize line of the
// analysis it was fitted from. Hover, inlay hints, code lenses and reports all read through here.
import type { BoundFrontier, BoundOptimize, BoundPlan, BoundPredict } from '../core/model';
import type {
  FrontierResult,
  LawResult,
  OptimumResult,
  PlanResult,
  PredictionResult,
  StudyResults,
} from '../core/results';
import type { Analysis } from '../core/study';

export function lawResult(results: StudyResults | undefined, name: string): LawResult | undefined {
  return results?.laws.find((l) => l.name === name);
}

function close(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

function sameAt(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = Object.keys(b).filter((k) => k in a);
  return keys.length > 0 && keys.every((k) => close(a[k], b[k]));
}

export function predictionResult(
  analysis: Analysis,
  results: StudyResults | undefined,
  p: BoundPredict,
): PredictionResult | undefined {
  if (!results) return undefined;
  const i = analysis.model.predictions.indexOf(p);
  const byIndex = results.predictions[i];
  if (byIndex && byIndex.law === p.law && sameAt(p.at, byIndex.at)) return byIndex;
  return results.predictions.find((r) => r.law === p.law && sameAt(p.at, r.at));
}

/** Every entry of a predict line: one per group when its law is fitted `per` a column. */
export function predictionResults(
  analysis: Analysis,
  results: StudyResults | undefined,
  p: BoundPredict,
): PredictionResult[] {
  if (lawResult(results, p.law)?.groups === undefined) {
    const r = predictionResult(analysis, results, p);
    return r ? [r] : [];
  }
  return results!.predictions.filter((r) => r.law === p.law && sameAt(p.at, r.at));
}

/** The `per` column of a grouped law or isoflop (whose answers come one per group), else undefined. */
export function groupedBy(results: StudyResults | undefined, name: string): string | undefined {
  return lawResult(results, name)?.per ?? results?.isoflops.find((i) => i.name === name && i.groups)?.per;
}

/** Every entry of an optimize line: one per group when its law or isoflop is fitted `per` a column. */
export function optimumResults(
  analysis: Analysis,
  results: StudyResults | undefined,
  o: BoundOptimize,
): OptimumResult[] {
  if (groupedBy(results, o.law) === undefined) {
    const r = optimumResult(analysis, results, o);
    return r ? [r] : [];
  }
  return results!.optima.filter((r) => r.law === o.law && sameAt(o.budget, r.budget));
}

export function optimumResult(
  analysis: Analysis,
  results: StudyResults | undefined,
  o: BoundOptimize,
): OptimumResult | undefined {
  if (!results) return undefined;
  const i = analysis.model.optima.indexOf(o);
  const byIndex = results.optima[i];
  // The same keys too: `for L = 2` and `for L = 2, inference = 2T` are different questions.
  const same = (r: OptimumResult) =>
    r.law === o.law && Object.keys(r.budget).length === Object.keys(o.budget).length && sameAt(o.budget, r.budget);
  if (byIndex && same(byIndex)) return byIndex;
  return results.optima.find(same);
}

/** Every entry of a frontier line: one per group when its isoflop is fitted `per` a column. */
export function frontierResults(
  analysis: Analysis,
  results: StudyResults | undefined,
  f: BoundFrontier,
): FrontierResult[] {
  if (groupedBy(results, f.law) === undefined) {
    const r = frontierResult(analysis, results, f);
    return r ? [r] : [];
  }
  return (results?.frontiers ?? []).filter((r) => sameFrontier(r, f));
}

function sameFrontier(r: FrontierResult, f: BoundFrontier): boolean {
  const first = r.points[0]?.budget[f.variable];
  const last = r.points[r.points.length - 1]?.budget[f.variable];
  return (
    r.law === f.law &&
    r.variable === f.variable &&
    (r.points.length === 0 || (r.points.length === f.points && close(first, f.from) && close(last, f.to)))
  );
}

export function frontierResult(
  analysis: Analysis,
  results: StudyResults | undefined,
  f: BoundFrontier,
): FrontierResult | undefined {
  if (!results?.frontiers) return undefined;
  const same = (r: FrontierResult) => {
    const first = r.points[0]?.budget[f.variable];
    const last = r.points[r.points.length - 1]?.budget[f.variable];
    return (
      r.law === f.law &&
      r.variable === f.variable &&
      r.points.length === f.points &&
      close(first, f.from) &&
      close(last, f.to)
    );
  };
  const byIndex = results.frontiers[analysis.model.frontiers.indexOf(f)];
  if (byIndex && same(byIndex)) return byIndex;
  return results.frontiers.find(same);
}

/** What a plan asks, as one record: its target's point or budget, and its own budget. */
export function planQuestion(p: Pick<BoundPlan, 'target' | 'budget'>): Record<string, number> {
  return { ...(p.target.kind === 'predict' ? p.target.at : p.target.budget), '(budget)': p.budget };
}

/** The result computed for this plan line (same law, target, budget and pricing compute). */
export function planResult(results: StudyResults | undefined, p: BoundPlan): PlanResult | undefined {
  const key = (kind: string, q: Record<string, number>, cost: string) => JSON.stringify([kind, q, cost]);
  const want = key(p.target.kind, planQuestion(p), p.cost);
  return (results?.plans ?? []).find(
    (r) =>
      r.law === p.law &&
      key(
        r.target.kind,
        { ...(r.target.kind === 'predict' ? r.target.at : r.target.budget), '(budget)': r.budget },
        r.cost_variable,
      ) === want,
  );
}
