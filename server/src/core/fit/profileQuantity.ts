// Profile-likelihood intervals of any quantity g(θ) the fit answers (issue 12.2): a prediction,
// an optimum's N*, D* or L*, or a parameter of a Huber fit. The interval is
// {v : min over θ with g(θ) = v of D(θ) ≤ χ²₁(P)}, D the deviance of the objective (below). Its ends
// are the constrained optima met by the Lagrangian path θ(λ) = argmin S(θ) + λ·g(θ): every point
// of that path minimises S among the θ with the same g, so one 1-D root search in λ per end (each
// inner solve warm-started from the previous one) lands on the end without a nested bisection.
//
// Deviance. `squares`: the Gaussian likelihood with σ profiled out, D = n·ln(S/S_min).
// `huber`: the Huber density p(r) ∝ exp(−ρ_δ(r)/τ) with its scale fitted at the optimum,
// τ = Σψ(r̂)² / (2·Σψ'(r̂)) (ψ = ρ', the clipped residual; ψ' = 1 inside δ): D = (S − S_min)/τ.
// This is the robust likelihood-ratio ("drop-in-dispersion") test of Schrader & Hettmansperger
// (1980), χ²₁ under any symmetric noise, and the same robust variance as the sandwich covariance;
// with δ = ∞ it is the first-order squares deviance n·ΔS/S_min.
import type { BoundLaw } from '../model';
import type { Interval } from '../results';
import { choleskySolve } from './linalg';
import { buildProblem, Evaluator, toInternal, toTheta, type FitProblem } from './problem';
import type { LawRows } from './rows';
import { chiSquare1Quantile } from './stats';

/** Doublings of λ before an end is declared at the edge of what the parameters' bounds allow. */
const EXPANSIONS = 30;
/** Root-search steps in λ per end; each shrinks the bracket, |D − χ²| < 1e-6·χ² stops early. */
const ROOT_STEPS = 60;
const INNER_ITERATIONS = 200;

export interface Deviance {
  /** χ²₁(P). */
  threshold: number;
  /** D for an objective value S. */
  of(S: number): number;
  /** dD/dS at the optimum (the first-order scale), for the first step in λ. */
  slope: number;
}

/** The deviance of the law's objective; undefined when a Huber fit has no rows inside δ. */
export function devianceOf(
  law: BoundLaw,
  residuals: ArrayLike<number>,
  sMin: number,
  level: number,
): Deviance | undefined {
  const threshold = chiSquare1Quantile(level);
  const n = residuals.length;
  const o = law.objective;
  if (o.loss === 'squares') {
    if (!(sMin > 0)) return undefined;
    return { threshold, of: (S) => n * Math.log(S / sMin), slope: n / sMin };
  }
  let inside = 0;
  let psi2 = 0;
  for (let i = 0; i < n; i++) {
    const r = residuals[i];
    if (Math.abs(r) <= o.delta) inside++;
    psi2 += Math.min(r * r, o.delta * o.delta);
  }
  if (inside === 0 || !(psi2 > 0)) return undefined;
  const tau = psi2 / (2 * inside);
  return { threshold, of: (S) => (S - sMin) / tau, slope: 1 / tau };
}

/** Solves min S(u) + λ·g(u) over the box by damped Gauss–Newton on S (the exact gradient of both). */
class Lagrangian {
  private readonly ev: Evaluator;
  private readonly r: Float64Array;
  private readonly J: Float64Array;
  constructor(
    private readonly prob: FitProblem,
    private readonly gOfU: (u: Float64Array) => number,
  ) {
    this.ev = new Evaluator(prob);
    this.r = new Float64Array(prob.rows);
    this.J = new Float64Array(prob.rows * prob.free.length);
  }

  objective(u: Float64Array): number {
    return this.ev.eval(u, this.r);
  }

  /** Central-difference gradient of g in the optimizer's coordinates. */
  gradG(u: Float64Array): Float64Array {
    const p = u.length;
    const out = new Float64Array(p);
    const w = Float64Array.from(u);
    for (let k = 0; k < p; k++) {
      const h = 1e-6 * Math.max(1, Math.abs(u[k]));
      w[k] = u[k] + h;
      const up = this.gOfU(w);
      w[k] = u[k] - h;
      const down = this.gOfU(w);
      w[k] = u[k];
      out[k] = (up - down) / (2 * h);
    }
    return out;
  }

  /** The objective's gradient and Gauss–Newton (IRLS) matrix at u; S, or NaN. */
  normal(u: Float64Array, grad: Float64Array, H: Float64Array): number {
    const { prob, r, J } = this;
    const p = prob.free.length;
    const S = this.ev.eval(u, r, J);
    grad.fill(0);
    H.fill(0);
    for (let i = 0; i < prob.rows; i++) {
      const s = prob.loss.slope(r[i]);
      const c = prob.loss.curvature(r[i]);
      for (let a = 0; a < p; a++) {
        const ja = J[i * p + a];
        grad[a] += s * ja;
        for (let b = 0; b < p; b++) H[a * p + b] += c * ja * J[i * p + b];
      }
    }
    return S;
  }

  solve(u0: Float64Array, lambda: number, interrupt: () => boolean): { u: Float64Array; S: number; ok: boolean } {
    const { prob } = this;
    const p = prob.free.length;
    const { lo, hi } = prob;
    const u = Float64Array.from(u0);
    const grad = new Float64Array(p);
    const H = new Float64Array(p * p);
    const A = new Float64Array(p * p);
    const b = new Float64Array(p);
    const x = new Float64Array(p);
    const trial = new Float64Array(p);
    let S = this.normal(u, grad, H);
    let F = S + lambda * this.gOfU(u);
    if (!Number.isFinite(F)) return { u, S, ok: false };
    let mu = 1e-3;
    let small = 0;
    for (let it = 0; it < INNER_ITERATIONS && !interrupt(); it++) {
      const gg = this.gradG(u);
      for (let k = 0; k < p; k++) grad[k] += lambda * gg[k];
      // Coordinates on a bound whose gradient points outward stay there this step.
      const idx: number[] = [];
      for (let k = 0; k < p; k++) if (!((u[k] <= lo[k] && grad[k] > 0) || (u[k] >= hi[k] && grad[k] < 0))) idx.push(k);
      if (idx.length === 0) return { u, S, ok: true };
      let accepted = false;
      while (!accepted) {
        const m = idx.length;
        for (let a = 0; a < m; a++) {
          for (let c = 0; c < m; c++) A[a * m + c] = H[idx[a] * p + idx[c]];
          const d = H[idx[a] * p + idx[a]];
          A[a * m + a] = d + mu * (d + 1e-12);
          b[a] = -grad[idx[a]];
        }
        if (!choleskySolve(A, b, x, m)) {
          mu = mu * 10 + 1e-6;
          if (mu > 1e20) return { u, S, ok: true };
          continue;
        }
        trial.set(u);
        let moved = false;
        for (let a = 0; a < m; a++) {
          const k = idx[a];
          trial[k] = Math.min(hi[k], Math.max(lo[k], u[k] + x[a]));
          if (trial[k] !== u[k]) moved = true;
        }
        if (!moved) return { u, S, ok: true };
        const St = this.objective(trial);
        const Ft = St + lambda * this.gOfU(trial);
        if (Ft < F) {
          const decrease = (F - Ft) / Math.max(Math.abs(S) + Math.abs(F - S), 1e-300);
          u.set(trial);
          F = Ft;
          S = this.normal(u, grad, H);
          mu = Math.max(mu / 5, 1e-15);
          accepted = true;
          small = decrease < 1e-15 ? small + 1 : 0;
          if (small >= 2) return { u, S, ok: true };
        } else {
          mu *= 4;
          // No descent even with a tiny step: a (numerically) stationary point.
          if (mu > 1e16) return { u, S, ok: true };
        }
      }
    }
    return { u, S, ok: false };
  }
}

export interface QuantityProfiler {
  /**
   * The profile interval of g; null when an end is open (the data allow g to run off without
   * bound), undefined when cancellation or the time budget cut the search.
   */
  (g: (theta: Float64Array) => number): Interval | null | undefined;
}

/** A profiler for quantities of the fitted law at theta (the optimum), with objective value sMin. */
export function quantityProfiler(
  law: BoundLaw,
  rows: LawRows,
  theta: Float64Array,
  deviance: Deviance,
  interrupt: () => boolean,
): QuantityProfiler {
  const prob = buildProblem(law, rows.columns, rows.y);
  const uHat = toInternal(prob, theta);
  const p = prob.free.length;
  return (g) => {
    const th = new Float64Array(prob.base);
    const gOfU = (u: Float64Array) => g(toTheta(prob, u, th));
    const solver = new Lagrangian(prob, gOfU);
    const g0 = gOfU(uHat);
    if (!Number.isFinite(g0)) return null;
    // First step in λ from the quadratic approximation: D ≈ slope·λ²·gᵀH⁻¹g/2.
    const grad = new Float64Array(p);
    const H = new Float64Array(p * p);
    const sHat = solver.normal(uHat, grad, H);
    const gg = solver.gradG(uHat);
    const x = new Float64Array(p);
    if (!choleskySolve(Float64Array.from(H), Float64Array.from(gg), x, p)) return null;
    const q = gg.reduce((acc, v, k) => acc + v * x[k], 0);
    if (!(q > 0)) return [g0, g0];
    const lambda0 = Math.sqrt((2 * deviance.threshold) / (deviance.slope * q));
    const end = (sign: 1 | -1): number | null | undefined => {
      // λ > 0 pulls g down (the lower end), λ < 0 pushes it up.
      const at = (lambda: number, warm: Float64Array) => {
        const s = solver.solve(warm, sign * lambda, interrupt);
        return { ...s, D: deviance.of(s.S) - (deviance.of(sHat) || 0), lambda };
      };
      let inside = { u: uHat, S: sHat, ok: true, D: 0, lambda: 0 };
      let outside: ReturnType<typeof at> | undefined;
      let lambda = lambda0;
      for (let e = 0; e < EXPANSIONS; e++) {
        if (interrupt()) return undefined;
        const s = at(lambda, inside.u);
        if (!Number.isFinite(s.D)) return null;
        if (s.D > deviance.threshold) {
          outside = s;
          break;
        }
        inside = s;
        lambda *= 2;
      }
      // λ grew 2^30-fold without the deviance reaching χ²: g stops at what the bounds allow, or runs off.
      if (!outside) return inside.ok ? gOfU(inside.u) : null;
      // Root of √D − √χ² (close to linear in λ) by regula falsi, Illinois-weighted, bisection-guarded.
      const root = Math.sqrt(deviance.threshold);
      let [a, b] = [inside, outside];
      let fa = Math.sqrt(Math.max(0, a.D)) - root;
      let fb = Math.sqrt(b.D) - root;
      let best = b;
      let side = 0;
      for (let k = 0; k < ROOT_STEPS; k++) {
        if (interrupt()) return undefined;
        let l = b.lambda - (fb * (b.lambda - a.lambda)) / (fb - fa);
        if (!(l > Math.min(a.lambda, b.lambda) && l < Math.max(a.lambda, b.lambda))) l = 0.5 * (a.lambda + b.lambda);
        const s = at(l, a.u);
        if (!Number.isFinite(s.D)) return null;
        best = s;
        if (Math.abs(s.D - deviance.threshold) < 1e-6 * deviance.threshold) break;
        const fs = Math.sqrt(Math.max(0, s.D)) - root;
        // Illinois: when the same end moves twice, halve the other end's value so it moves too.
        if (fs < 0) {
          if (side === -1) fb /= 2;
          a = s;
          fa = fs;
          side = -1;
        } else {
          if (side === 1) fa /= 2;
          b = s;
          fb = fs;
          side = 1;
        }
      }
      return gOfU(best.u);
    };
    const lo = end(1);
    const hi = end(-1);
    if (lo === undefined || hi === undefined) return undefined;
    if (lo === null || hi === null) return null;
    return [Math.min(lo, g0), Math.max(hi, g0)];
  };
}
