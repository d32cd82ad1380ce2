// Planning the next runs (issue 12.4, engine only): which candidate runs, priced by the study's
// compute, shrink the interval of a target quantity g(θ) most per FLOP. From the Fisher
// information of the current fit, I = Σᵢ jᵢjᵢᵀ / s² over the fitted runs (jᵢ the gradient of the
// model in the objective's space, ln f for `on log`; s² the residual variance), Var g = ∇gᵀI⁻¹∇g.
// A run at x adds j(x)j(x)ᵀ/s²; its reduction of Var g is (∇gᵀΣj)² / (s² + jᵀΣj) (Sherman–Morrison),
// so a greedy pass picks, while the budget lasts, the affordable unused candidate with the
// largest reduction per unit cost, and updates Σ by the same rank-one formula.
import { gradientOf } from './answers';
import { choleskySolve } from './linalg';
import { evalScalar } from './compile';
import { studentQuantile } from './stats';
import type { LawFit } from './types';

export interface PlannedRun {
  /** The run's variables (the law's, in its order). */
  at: number[];
  cost: number;
  /** The target's expected interval width once this run and the ones before it are added. */
  expectedWidth: number;
}

export interface Plan {
  runs: PlannedRun[];
  widthBefore: number;
  widthAfter: number;
  cost: number;
}

/** Central-difference gradient over the free parameters (user space). */
function gradient(g: (theta: Float64Array) => number, theta: Float64Array, free: number[]): Float64Array {
  const all = gradientOf(g, theta);
  return Float64Array.from(free, (j) => all[j]);
}

/** The inverse of a symmetric positive definite p×p matrix, or undefined. */
function inverse(a: Float64Array, p: number): Float64Array | undefined {
  const out = new Float64Array(p * p);
  const e = new Float64Array(p);
  const x = new Float64Array(p);
  for (let k = 0; k < p; k++) {
    e.fill(0);
    e[k] = 1;
    if (!choleskySolve(a, e, x, p)) return undefined;
    for (let i = 0; i < p; i++) out[i * p + k] = x[i];
  }
  return out;
}

/**
 * Greedy plan of runs among `candidates` (points in the law's variables) costing `cost(x)` each,
 * within `budget`, to shrink g's interval at the fit's level. A string says why there is none.
 */
export function planRuns(
  fit: LawFit,
  g: (theta: Float64Array) => number,
  candidates: number[][],
  cost: (x: number[]) => number,
  budget: number,
): Plan | string {
  const { theta, node, basis, law } = fit;
  if (!theta || !node || !basis) return `law '${law.name}' has no fit`;
  if (!(basis.dof > 0) || !(basis.s2 > 0)) return 'the fit leaves no residual degrees of freedom to estimate the noise';
  const free = basis.free;
  const p = free.length;
  const s2 = basis.s2;
  const model = (x: ArrayLike<number>) => (th: Float64Array) => {
    const f = evalScalar(node, th, x);
    return basis.onLog ? Math.log(f) : f;
  };
  // Fisher information of the fitted runs.
  const info = new Float64Array(p * p);
  const cols = law.variables.map((v) => law.data.numeric.get(v));
  const y = law.data.numeric.get(law.target);
  if (cols.some((c) => !c) || !y) return 'the law has no data columns to plan from';
  const x = new Float64Array(cols.length);
  for (let i = 0; i < law.data.rowCount; i++) {
    if (law.heldOut[i] || !Number.isFinite(y[i])) continue;
    cols.forEach((c, k) => (x[k] = c![i]));
    if (!x.every(Number.isFinite)) continue;
    const j = gradient(model(x), theta, free);
    if (!j.every(Number.isFinite)) continue;
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) info[a * p + b] += (j[a] * j[b]) / s2;
  }
  const sigma = inverse(info, p);
  if (!sigma) return 'the data cannot pin the parameters down: no information to plan from';
  const dg = gradient(g, theta, free);
  if (!dg.every(Number.isFinite)) return 'the target has no finite gradient at the fit';
  const t = studentQuantile((1 + (fit.level ?? 0.9)) / 2, basis.dof);
  const varOf = () => {
    let v = 0;
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) v += dg[a] * sigma[a * p + b] * dg[b];
    return Math.max(0, v);
  };
  const width = () => 2 * t * Math.sqrt(varOf());
  const rows = candidates
    .map((at) => ({ at, cost: cost(at), j: gradient(model(at), theta, free) }))
    .filter((c) => c.cost > 0 && Number.isFinite(c.cost) && c.j.every(Number.isFinite));
  const widthBefore = width();
  const runs: PlannedRun[] = [];
  let left = budget;
  const sj = new Float64Array(p);
  // Each candidate at most once: a plan proposes distinct runs (repeating the cheapest run
  // thousands of times is what per-FLOP information alone would ask for).
  const used = new Set<number>();
  for (;;) {
    let best: { k: number; gain: number } | undefined;
    rows.forEach((c, k) => {
      if (c.cost > left || used.has(k)) return;
      // Σj, jᵀΣj and ∇gᵀΣj for the rank-one update.
      let jsj = 0;
      let gsj = 0;
      for (let a = 0; a < p; a++) {
        let acc = 0;
        for (let b = 0; b < p; b++) acc += sigma[a * p + b] * c.j[b];
        jsj += c.j[a] * acc;
        gsj += dg[a] * acc;
      }
      const gain = (gsj * gsj) / (s2 + jsj) / c.cost;
      if (!best || gain > best.gain) best = { k, gain };
    });
    if (!best || !(best.gain > 0)) break;
    const c = rows[best.k];
    for (let a = 0; a < p; a++) {
      let acc = 0;
      for (let b = 0; b < p; b++) acc += sigma[a * p + b] * c.j[b];
      sj[a] = acc;
    }
    const denom = s2 + c.j.reduce((acc, v, a) => acc + v * sj[a], 0);
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) sigma[a * p + b] -= (sj[a] * sj[b]) / denom;
    left -= c.cost;
    used.add(best.k);
    runs.push({ at: c.at, cost: c.cost, expectedWidth: width() });
  }
  return { runs, widthBefore, widthAfter: width(), cost: budget - left };
}

/**
 * Candidate runs: a log-spaced grid per variable from half the data's smallest value to 30× its
 * largest (within and beyond the data), `perAxis` values each.
 */
export function candidateGrid(ranges: [number, number][], perAxis: number): number[][] {
  const axes = ranges.map(([lo, hi]) => {
    const a = Math.log(lo / 2);
    const b = Math.log(hi * 30);
    return Array.from({ length: perAxis }, (_, i) => Math.exp(a + ((b - a) * i) / (perAxis - 1)));
  });
  return axes.reduce<number[][]>((acc, axis) => acc.flatMap((pt) => axis.map((v) => [...pt, v])), [[]]);
}
