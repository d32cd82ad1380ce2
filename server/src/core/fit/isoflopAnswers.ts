// Approach-2 (and approach-1) answers: `optimize ISOFLOP for C = X` and `frontier ISOFLOP over C = a..b` read the
// isoflop's (or envelope's) fitted frontier power laws, N*(C) = k_N·C^a and D*(C) = k_D·C^b, with intervals from
// its bootstrap (each resample's pair of power laws evaluated at C, percentiles). L*(C) is a power
// law through the budgets' minimum losses (least squares of ln L* on ln C, interior minima only).
import type { BoundIsoflop } from '../model';
import type { Interval, IsoflopResult, OptimumResult } from '../results';
import { percentileInterval } from './stats';

interface PowerLaw {
  exponent: number;
  coefficient: number;
}

/** One bootstrap resample's frontier (from fitIsoflop). */
export interface FrontierDraw {
  N: PowerLaw;
  D: PowerLaw;
}

const at = (p: PowerLaw, c: number) => p.coefficient * Math.pow(c, p.exponent);

/** What answers: an isoflop's result, or an envelope's frontier with its points as the budgets. */
interface Frontier {
  frontier: IsoflopResult['frontier'];
  budgets: readonly { budget: number; value: number; edge: boolean }[];
}

/** Least squares of ln L* on ln C over the budgets with an interior minimum. */
function lossFrontier(r: Frontier): PowerLaw | undefined {
  const pts = r.budgets.filter((b) => !b.edge && b.value > 0 && b.budget > 0);
  if (pts.length < 2) return undefined;
  const x = pts.map((b) => Math.log(b.budget));
  const y = pts.map((b) => Math.log(b.value));
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  const sxx = x.reduce((a, b) => a + (b - mx) ** 2, 0);
  if (!(sxx > 0)) return undefined;
  const slope = x.reduce((a, xi, i) => a + (xi - mx) * (y[i] - my), 0) / sxx;
  return { exponent: slope, coefficient: Math.exp(my - slope * mx) };
}

export function isoflopOptimum(
  iso: BoundIsoflop,
  r: Frontier,
  draws: FrontierDraw[] | undefined,
  budget: number,
): { result: OptimumResult; error?: string } {
  const base: OptimumResult = { law: iso.name, budget: { [iso.budget]: budget }, at: {}, value: NaN, intervals: {} };
  if (!r.frontier)
    return { result: base, error: `${iso.method ?? 'isoflop'} '${iso.name}' has no frontier (see its diagnostic)` };
  const { N, D } = r.frontier;
  const loss = lossFrontier(r);
  const result: OptimumResult = {
    ...base,
    at: { [iso.size]: at(N, budget), [iso.tokens]: at(D, budget), [iso.budget]: budget },
    value: loss ? at(loss, budget) : NaN,
  };
  const level = iso.uncertainty.method === 'bootstrap' ? iso.uncertainty.level : null;
  if (draws && draws.length > 1 && level !== null) {
    const iN = percentileInterval(
      draws.map((d) => at(d.N, budget)),
      level,
    );
    const iD = percentileInterval(
      draws.map((d) => at(d.D, budget)),
      level,
    );
    const intervals: Record<string, Interval> = {};
    if (iN) intervals[iso.size] = iN;
    if (iD) intervals[iso.tokens] = iD;
    result.intervals = intervals;
  }
  return { result };
}
