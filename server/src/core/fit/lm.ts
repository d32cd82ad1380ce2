// Bounded Levenberg–Marquardt on exact Jacobians. For Huber the normal matrix uses IRLS weights
// rho'(r)/r (a majoriser of the Huber curvature) while the gradient stays exact, so a fixed point is
// a true stationary point of the summed Huber objective. Bounds: variables on a bound whose
// gradient points outward are frozen for the step, the rest solved and clamped.
import { choleskySolve } from './linalg';
import type { Loss } from './loss';

/** What the LM minimises: sum_i w_i rho(r_i(u)) over a box. */
export interface LmTarget {
  readonly n: number;
  readonly p: number;
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly loss: Loss;
  readonly weights: Float64Array | undefined;
  /** Fills r (and J, n×p) at u; returns the objective, NaN when invalid. */
  eval(u: ArrayLike<number>, r: Float64Array, J?: Float64Array): number;
}

export interface LmOptions {
  maxIterations?: number;
  /** Stop when the relative objective decrease stays below this for two accepted steps. */
  ftol?: number;
  /** Called after each accepted step; return true to stop (the start joined a known optimum). */
  join?: (u: Float64Array, value: number) => boolean;
  /** Checked every iteration; return true to stop (cancellation or time budget). */
  interrupt?: () => boolean;
}

export interface LmResult {
  u: Float64Array;
  value: number;
  iterations: number;
  stop: 'converged' | 'no-progress' | 'max-iterations' | 'joined' | 'dominated' | 'interrupted' | 'nonfinite-start';
  converged: boolean;
}

/** Reusable scratch space for one evaluator. */
export class LmWorkspace {
  readonly r: Float64Array;
  readonly J: Float64Array;
  readonly rTrial: Float64Array;
  readonly JTrial: Float64Array;
  readonly H: Float64Array;
  readonly g: Float64Array;
  constructor(
    readonly n: number,
    readonly p: number,
  ) {
    this.r = new Float64Array(n);
    this.J = new Float64Array(n * p);
    this.rTrial = new Float64Array(n);
    this.JTrial = new Float64Array(n * p);
    this.H = new Float64Array(p * p);
    this.g = new Float64Array(p);
  }
}

export function levenbergMarquardt(
  ev: LmTarget,
  u0: ArrayLike<number>,
  opts: LmOptions = {},
  ws = new LmWorkspace(ev.n, ev.p),
): LmResult {
  const { n, p } = ev;
  const { lo, hi, loss, weights } = ev;
  const maxIterations = opts.maxIterations ?? 200;
  const ftol = opts.ftol ?? 1e-13;
  const { H, g } = ws;
  // Two (r, J) buffers: a trial is evaluated with its Jacobian and swapped in when accepted.
  let r = ws.r;
  let J = ws.J;
  let rT = ws.rTrial;
  let JT = ws.JTrial;
  const u = Float64Array.from(u0);
  for (let k = 0; k < p; k++) u[k] = Math.min(hi[k], Math.max(lo[k], u[k]));
  let value = ev.eval(u, r, J);
  if (!Number.isFinite(value)) return { u, value: NaN, iterations: 0, stop: 'nonfinite-start', converged: false };
  let lambda = 1e-3;
  let small = 0;
  const trial = new Float64Array(p);
  const step = new Float64Array(p);
  const active = new Uint8Array(p);
  const A = new Float64Array(p * p);
  const b = new Float64Array(p);
  const x = new Float64Array(p);
  let it = 0;
  for (; it < maxIterations; it++) {
    if (opts.interrupt?.()) return { u, value, iterations: it, stop: 'interrupted', converged: false };
    // Normal matrix with IRLS weights and the exact gradient.
    H.fill(0);
    g.fill(0);
    for (let i = 0; i < n; i++) {
      const w = weights ? weights[i] : 1;
      if (w === 0) continue;
      const ri = r[i];
      const s = w * loss.slope(ri);
      const c = w * loss.curvature(ri);
      const row = i * p;
      for (let a = 0; a < p; a++) {
        const ja = J[row + a];
        g[a] += s * ja;
        const cja = c * ja;
        for (let bb = 0; bb <= a; bb++) H[a * p + bb] += cja * J[row + bb];
      }
    }
    for (let a = 0; a < p; a++) for (let bb = 0; bb < a; bb++) H[bb * p + a] = H[a * p + bb];
    let freeCount = 0;
    for (let k = 0; k < p; k++) {
      active[k] = (u[k] <= lo[k] && g[k] > 0) || (u[k] >= hi[k] && g[k] < 0) ? 1 : 0;
      if (!active[k]) freeCount++;
    }
    if (freeCount === 0) return { u, value, iterations: it, stop: 'converged', converged: true };
    let accepted = false;
    while (!accepted) {
      // Solve the damped system over the free variables.
      const idx: number[] = [];
      for (let k = 0; k < p; k++) if (!active[k]) idx.push(k);
      const m = idx.length;
      for (let a = 0; a < m; a++) {
        for (let bb = 0; bb < m; bb++) A[a * m + bb] = H[idx[a] * p + idx[bb]];
        const d = H[idx[a] * p + idx[a]];
        A[a * m + a] = d + lambda * (d + 1e-12);
        b[a] = -g[idx[a]];
      }
      if (!choleskySolve(A, b, x, m)) {
        lambda = lambda * 10 + 1e-6;
        if (lambda > 1e20) return { u, value, iterations: it, stop: 'no-progress', converged: true };
        continue;
      }
      step.fill(0);
      for (let a = 0; a < m; a++) step[idx[a]] = x[a];
      let moved = false;
      for (let k = 0; k < p; k++) {
        trial[k] = Math.min(hi[k], Math.max(lo[k], u[k] + step[k]));
        if (trial[k] !== u[k]) moved = true;
      }
      if (!moved) return { u, value, iterations: it, stop: 'converged', converged: true };
      const tv = ev.eval(trial, rT, JT);
      if (tv < value) {
        const decrease = (value - tv) / Math.max(value, 1e-300);
        u.set(trial);
        value = tv;
        [r, rT] = [rT, r];
        [J, JT] = [JT, J];
        lambda = Math.max(lambda / 5, 1e-15);
        accepted = true;
        small = decrease < ftol ? small + 1 : 0;
        if (small >= 2) return { u, value, iterations: it + 1, stop: 'converged', converged: true };
        if (opts.join?.(u, value)) return { u, value, iterations: it + 1, stop: 'joined', converged: true };
      } else {
        lambda *= 4;
        // No descent even with a tiny step: a (numerically) stationary point.
        if (lambda > 1e16) return { u, value, iterations: it, stop: 'no-progress', converged: true };
      }
    }
  }
  return { u, value, iterations: it, stop: 'max-iterations', converged: false };
}
