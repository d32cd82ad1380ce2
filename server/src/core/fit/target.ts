// Questions about an allocation beyond "the best use of a compute budget": the least compute that
// reaches a target loss (`optimize L for L = 2.0`), and allocations that also pay for inference
// (`…, inference = 2T`; Sardana et al. 2024): cost = k·N·D (the `compute` product) + 2·N·I for I
// inference tokens, N being the product's size variable. Both are 1-D searches over ln N: for a
// target, D follows from L(N, D) = target (closed form for E + A/N^a + B/D^b, else bisection on
// ln D); for a budget, D follows from the cost equation.
import type { ComputeDef } from '../model';
import type { Interval, OptimumResult } from '../results';
import { evalScalar, type Node } from './compile';
import { dataRanges, intervalOf } from './answers';
import { inlineComputes, optimizeAllocation, powerSumForm, productForm } from './optimize';
import type { LawFit } from './types';
import { goldenMinimum } from './golden';

/** FLOPs per parameter per inference token (a forward pass), Sardana et al. 2024. */
export const INFERENCE_FLOPS_PER_PARAM_TOKEN = 2;

/** The question an `optimize` line asks, read from its budget. */
export interface AllocationQuestion {
  /** `for L = 2.0`: the target value of the law's target. */
  target?: number;
  /** `for C = X`: the compute budget. */
  compute?: { name: string; value: number };
  /** `inference = I`: inference tokens (0 when not given). */
  inference: number;
}

/** Reads an `optimize` budget: the law's target, `inference`, or a compute variable. */
export function questionOf(budget: Record<string, number>, target: string): AllocationQuestion {
  const q: AllocationQuestion = { inference: budget.inference ?? 0 };
  for (const [k, v] of Object.entries(budget)) {
    if (k === target) q.target = v;
    else if (k !== 'inference') q.compute = { name: k, value: v };
  }
  return q;
}

/** True when the question is not a plain compute budget (optimize.ts answers those). */
export function needsTargetEngine(budget: Record<string, number>, target: string): boolean {
  return target in budget || 'inference' in budget;
}

/** The law as a function of (size, other) with the cost product k·size·other. */
interface Setting {
  node: Node;
  computeName: string;
  k: number;
  size: string;
  other: string;
  /** Index of size and other among the law's variables. */
  si: number;
  oi: number;
  nvars: number;
  /** Parameter indices of E + A/size^a + B/other^b, when the law has that form. */
  form?: { offset: number | undefined; A: number; a: number; B: number; b: number };
  ranges: Record<string, [number, number]>;
}

function settingOf(fit: LawFit, computes: ComputeDef[], preferred?: string): Setting | string {
  const variables = fit.law.variables;
  const node = fit.node!;
  for (const c of computes) {
    if (preferred !== undefined && c.name !== preferred) continue;
    const prod = productForm({ ...c, formula: inlineComputes(c.formula, computes, variables) });
    if (!prod || !variables.includes(prod.x) || !variables.includes(prod.y)) continue;
    if (variables.length !== 2)
      return `law '${fit.law.name}' reads ${variables.join(', ')}: a target or inference allocation needs a law of exactly the two compute variables`;
    // The size variable: one called N, else the product's first.
    const size = prod.y === 'N' ? prod.y : prod.x;
    const other = size === prod.x ? prod.y : prod.x;
    const si = variables.indexOf(size);
    const oi = variables.indexOf(other);
    const ps = powerSumForm(node);
    const ts = ps?.terms.find((t) => t.variable === si);
    const to = ps?.terms.find((t) => t.variable === oi);
    const form =
      ps && ps.terms.length === 2 && ts && to
        ? { offset: ps.offset, A: ts.amp, a: ts.exponent, B: to.amp, b: to.exponent }
        : undefined;
    return { node, computeName: c.name, k: prod.k, size, other, si, oi, nvars: 2, form, ranges: dataRanges(fit.law) };
  }
  return preferred !== undefined
    ? `'${preferred}' is not a product k * X * Y of two of ${fit.law.name}'s variables (${variables.join(', ')}): inference needs one`
    : `no \`compute\` line is a product k * X * Y of ${fit.law.name}'s variables (${variables.join(', ')}): declare one, e.g. compute C = 6 * N * D`;
}

function lawAt(s: Setting, theta: ArrayLike<number>, x: number, y: number): number {
  const v = [0, 0];
  v[s.si] = x;
  v[s.oi] = y;
  return evalScalar(s.node, theta, v);
}

/** The law's value as both variables grow without bound (its floor). */
function floorOf(s: Setting, theta: ArrayLike<number>): number {
  if (s.form) return s.form.offset === undefined ? 0 : theta[s.form.offset];
  return lawAt(s, theta, Math.exp(250), Math.exp(250));
}

/** The `other` value at which the law reaches `target` for this size, NaN when it cannot. */
function otherFor(s: Setting, theta: ArrayLike<number>, x: number, target: number): number {
  const f = s.form;
  if (f && theta[f.A] > 0 && theta[f.B] > 0 && theta[f.a] > 0 && theta[f.b] > 0) {
    const E = f.offset === undefined ? 0 : theta[f.offset];
    const rest = target - E - theta[f.A] * Math.pow(x, -theta[f.a]);
    return rest > 0 ? Math.pow(theta[f.B] / rest, 1 / theta[f.b]) : NaN;
  }
  // Bisection on ln y, assuming the law falls as `other` grows.
  let lo = -30;
  let hi = 250;
  if (!(lawAt(s, theta, x, Math.exp(hi)) < target)) return NaN;
  if (lawAt(s, theta, x, Math.exp(lo)) <= target) return Math.exp(lo);
  for (let i = 0; i < 80 && hi - lo > 1e-13; i++) {
    const mid = (lo + hi) / 2;
    if (lawAt(s, theta, x, Math.exp(mid)) > target) lo = mid;
    else hi = mid;
  }
  return Math.exp((lo + hi) / 2);
}

/** Minimum of f over [t0, t1]: a log-spaced scan, then golden section around the best cell. */
function minimise1d(f: (t: number) => number, t0: number, t1: number, steps: number): { t: number; edge: boolean } {
  let bi = -1;
  let bv = Infinity;
  for (let i = 0; i <= steps; i++) {
    const v = f(t0 + ((t1 - t0) * i) / steps);
    if (v < bv) {
      bv = v;
      bi = i;
    }
  }
  if (bi < 0) return { t: NaN, edge: false };
  const a = t0 + ((t1 - t0) * Math.max(0, bi - 1)) / steps;
  const b = t0 + ((t1 - t0) * Math.min(steps, bi + 1)) / steps;
  const { lo, hi } = goldenMinimum(f, a, b, 90);
  return { t: (lo + hi) / 2, edge: bi === 0 || bi === steps };
}

interface Allocation {
  at: Record<string, number>;
  value: number;
  /** Training plus inference FLOPs. */
  total: number;
  edge: boolean;
}

function allocation(s: Setting, theta: ArrayLike<number>, x: number, y: number, inference: number): Allocation {
  const training = s.k * x * y;
  return {
    at: { [s.size]: x, [s.other]: y, [s.computeName]: training },
    value: lawAt(s, theta, x, y),
    total: training + INFERENCE_FLOPS_PER_PARAM_TOKEN * x * inference,
    edge: false,
  };
}

/** Search range of ln(size): well beyond the data on both sides. */
function sizeRange(s: Setting): [number, number] {
  const [lo, hi] = s.ranges[s.size] ?? [1, 1e12];
  return [Math.log(lo) - Math.log(1e4), Math.log(hi) + Math.log(1e12)];
}

/** The least training + inference compute reaching `target`. */
function reachTarget(s: Setting, theta: ArrayLike<number>, target: number, inference: number): Allocation | undefined {
  if (!(target > floorOf(s, theta))) return undefined;
  const cost = (t: number) => {
    const x = Math.exp(t);
    const y = otherFor(s, theta, x, target);
    const c = s.k * x * y + INFERENCE_FLOPS_PER_PARAM_TOKEN * x * inference;
    return Number.isFinite(c) ? Math.log(c) : Infinity;
  };
  const [t0, t1] = sizeRange(s);
  const { t, edge } = minimise1d(cost, t0, t1, 240);
  if (!Number.isFinite(t)) return undefined;
  const x = Math.exp(t);
  return { ...allocation(s, theta, x, otherFor(s, theta, x, target), inference), edge };
}

/** The least loss for training + inference compute = budget. */
function spendBudget(s: Setting, theta: ArrayLike<number>, budget: number, inference: number): Allocation | undefined {
  const ceiling = Math.log(budget / (INFERENCE_FLOPS_PER_PARAM_TOKEN * inference)); // all compute on inference
  const otherAt = (x: number) => (budget - INFERENCE_FLOPS_PER_PARAM_TOKEN * x * inference) / (s.k * x);
  const loss = (t: number) => {
    const x = Math.exp(t);
    const y = otherAt(x);
    const v = y > 0 ? lawAt(s, theta, x, y) : NaN;
    return Number.isFinite(v) ? v : Infinity;
  };
  const t1 = Math.min(sizeRange(s)[1], ceiling - 1e-9);
  const t0 = Math.min(sizeRange(s)[0], t1 - 30);
  const { t, edge } = minimise1d(loss, t0, t1, 400);
  if (!Number.isFinite(t)) return undefined;
  const x = Math.exp(t);
  return { ...allocation(s, theta, x, otherAt(x), inference), edge: edge && t < ceiling - 1 };
}

export interface TargetAnswer {
  result: OptimumResult;
  error?: string;
  /** Diagnostic code of the error. */
  code?: string;
  edge?: boolean;
}

/** Answers `optimize LAW for L = v[, inference = I]` and `for C = X, inference = I`. */
export function answerAllocation(fit: LawFit, budget: Record<string, number>, computes: ComputeDef[]): TargetAnswer {
  const base: OptimumResult = { law: fit.law.name, budget, at: {}, value: NaN, intervals: {} };
  if (!fit.theta || !fit.node) return { result: base, error: `law '${fit.law.name}' has no fit` };
  const q = questionOf(budget, fit.law.target);
  const s = settingOf(fit, computes, q.compute?.name);
  if (typeof s === 'string') return { result: base, error: s };
  const solve = (theta: ArrayLike<number>, inference: number): Allocation | undefined =>
    q.target !== undefined
      ? reachTarget(s, theta, q.target, inference)
      : q.compute
        ? spendBudget(s, theta, q.compute.value, inference)
        : undefined;
  const best = solve(fit.theta, q.inference);
  if (!best) {
    if (q.target !== undefined && !(q.target > floorOf(s, fit.theta)))
      return {
        result: base,
        code: 'scaling.target-below-floor',
        error: `${fit.law.target} = ${q.target} is at or below the law's floor (${fit.law.target} → ${floorOf(s, fit.theta).toPrecision(4)} as ${s.size} and ${s.other} grow): no allocation reaches it`,
      };
    return { result: base, error: 'no allocation in the searched range answers this question' };
  }
  // One solve per bootstrap draw (or perturbed theta), shared by every interval.
  const memo = new Map<string, Allocation | undefined>();
  const at = (theta: Float64Array) => {
    const key = Array.prototype.join.call(theta, ',');
    if (!memo.has(key)) memo.set(key, solve(theta, q.inference));
    return memo.get(key);
  };
  // As for `optimize … for C`: with uncertainty, a quantity the data cannot pin down gets null.
  const intervals: Record<string, Interval | null> = {};
  if (fit.level !== null) {
    for (const key of Object.keys(best.at)) intervals[key] = intervalOf(fit, (th) => at(th)?.at[key] ?? NaN);
    if (q.target === undefined) intervals[fit.law.target] = intervalOf(fit, (th) => at(th)?.value ?? NaN);
  }
  const result: OptimumResult = { ...base, at: best.at, value: best.value, intervals };
  if (q.inference > 0) {
    result.total_compute = best.total;
    // The training-only answer to the same question: how far inference moves N* and D*.
    const plain =
      q.target !== undefined
        ? reachTarget(s, fit.theta, q.target, 0)
        : optimizeAllocation(
            { node: fit.node, params: [], variables: fit.law.variables, computes, ranges: s.ranges },
            fit.theta,
            { [s.computeName]: q.compute!.value },
          );
    if (plain) {
      const trainingAt = { ...plain.at, [s.computeName]: s.k * plain.at[s.size] * plain.at[s.other] };
      result.training_only = { at: trainingAt, value: plain.value };
    }
  }
  return { result, edge: best.edge };
}
