// The joint problem of a `shared` fit (issue 10.2): one internal vector holding the shared
// parameters once and every group's own parameters, u = [shared | group 1 own | group 2 own | …].
// Each group's residuals depend only on the shared block and its own block, so the Jacobian is an
// arrow: the normal matrix is solved by eliminating the groups' blocks (a Schur complement on the
// shared block), at a cost linear in the number of groups; no dense full Jacobian is built.
// polishShared takes those steps on the exact Hessians (newton.ts) and re-fits each group's own
// parameters at every trial; jointLM, on the IRLS matrices, refits the bootstrap resamples.
import { choleskySolve, luSolve } from './linalg';
import type { LmResult } from './lm';
import type { Loss } from './loss';
import { newtonLM, SecondOrder, type NewtonOptions, type NewtonWorkspace } from './newton';
import { Evaluator, type FitProblem } from './problem';

/** One group in the joint problem: its own evaluators over its rows (all parameters, shared ones free). */
export class JointGroup {
  readonly ev: Evaluator;
  /** The exact-Hessian kernel (fitOwn, polishShared), and scratch for its gradient and Hessian. */
  readonly so: SecondOrder;
  readonly g: Float64Array;
  readonly H: Float64Array;
  /** The declared bounds (fitOwn narrows prob's for a call). */
  private readonly box: [Float64Array, Float64Array];
  /** Positions (in the group problem's free list) of the shared parameters, in `shared` order. */
  readonly sharedK: number[];
  /** Positions of the group's own parameters. */
  readonly ownK: number[];
  /** Where the group's own block starts in the joint vector. */
  offset = 0;
  readonly ug: Float64Array;
  r: Float64Array;
  J: Float64Array;
  rT: Float64Array;
  JT: Float64Array;

  constructor(
    readonly prob: FitProblem,
    shared: string[],
    columns: readonly Float64Array[],
  ) {
    this.ev = new Evaluator(prob);
    this.so = new SecondOrder(prob, columns);
    this.box = [Float64Array.from(prob.lo), Float64Array.from(prob.hi)];
    this.sharedK = shared.map((n) => prob.free.indexOf(prob.names.indexOf(n)));
    this.ownK = prob.free.flatMap((_, k) => (this.sharedK.includes(k) ? [] : [k]));
    const n = prob.rows;
    const p = prob.free.length;
    this.ug = new Float64Array(p);
    this.r = new Float64Array(n);
    this.J = new Float64Array(n * p);
    this.rT = new Float64Array(n);
    this.JT = new Float64Array(n * p);
    this.g = new Float64Array(p);
    this.H = new Float64Array(p * p);
  }

  /**
   * Fits the group's own parameters with the shared ones held at the joint vector u's values
   * (newtonLM, as a separate fit's search runs, on the box narrowed to those values for the
   * call), and writes them back into u.
   */
  fitOwn(u: Float64Array, opts: NewtonOptions, ws: NewtonWorkspace): LmResult | undefined {
    if (this.ownK.length === 0) return undefined;
    const { lo, hi } = this.prob;
    this.sharedK.forEach((k, a) => (lo[k] = hi[k] = u[a]));
    try {
      const res = newtonLM(this.so, this.take(u), opts, ws);
      if (Number.isFinite(res.value)) this.ownK.forEach((k, b) => (u[this.offset + b] = res.u[k]));
      return res;
    } finally {
      this.sharedK.forEach((k) => ((lo[k] = this.box[0][k]), (hi[k] = this.box[1][k])));
    }
  }

  /** The group's internal vector from the joint one. */
  take(u: ArrayLike<number>, out = this.ug): Float64Array {
    this.sharedK.forEach((k, a) => (out[k] = u[a]));
    this.ownK.forEach((k, b) => (out[k] = u[this.offset + b]));
    return out;
  }
}

export class JointProblem {
  readonly s: number;
  readonly q: number;
  readonly size: number;
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly loss: Loss;

  constructor(
    readonly groups: JointGroup[],
    shared: number,
  ) {
    this.s = shared;
    const first = groups[0];
    this.q = first.ownK.length;
    groups.forEach((g, i) => (g.offset = this.s + i * this.q));
    this.size = this.s + groups.length * this.q;
    this.lo = new Float64Array(this.size);
    this.hi = new Float64Array(this.size);
    first.sharedK.forEach((k, a) => ((this.lo[a] = first.prob.lo[k]), (this.hi[a] = first.prob.hi[k])));
    for (const g of groups)
      g.ownK.forEach((k, b) => ((this.lo[g.offset + b] = g.prob.lo[k]), (this.hi[g.offset + b] = g.prob.hi[k])));
    this.loss = first.prob.loss;
  }

  /** Each group's objective at u (NaN where invalid); with `jacobian`, fills each group's trial r and J. */
  evalGroups(u: ArrayLike<number>, jacobian: boolean, out = new Float64Array(this.groups.length)): Float64Array {
    this.groups.forEach((g, i) => (out[i] = g.ev.eval(g.take(u), g.rT, jacobian ? g.JT : undefined)));
    return out;
  }

  /** The joint objective on the second-order kernels (each remembers u for its derivatives). */
  objective(u: ArrayLike<number>): number {
    let total = 0;
    for (const g of this.groups) total += g.so.value(g.take(u));
    return Number.isFinite(total) ? total : NaN;
  }
}

/** Per group, its normal matrix over [shared | own] (IRLS weights, as lm.ts) and exact gradient. */
function normalBlocks(g: JointGroup, loss: Loss, H: Float64Array, grad: Float64Array, p: number): void {
  const { r, J } = g;
  const w = g.ev.weights;
  const map = [...g.sharedK, ...g.ownK];
  H.fill(0);
  grad.fill(0);
  const pp = g.ev.p;
  for (let i = 0; i < r.length; i++) {
    const wi = w ? w[i] : 1;
    if (wi === 0) continue;
    const sl = wi * loss.slope(r[i]);
    const c = wi * loss.curvature(r[i]);
    const row = i * pp;
    for (let a = 0; a < p; a++) {
      const ja = J[row + map[a]];
      grad[a] += sl * ja;
      const cja = c * ja;
      for (let b = 0; b <= a; b++) H[a * p + b] += cja * J[row + map[b]];
    }
  }
  for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) H[b * p + a] = H[a * p + b];
}

/** Scratch space of the arrow solve for one joint problem (an LM iteration allocates nothing). */
class ArrowWorkspace {
  readonly S: Float64Array;
  readonly rhs: Float64Array;
  readonly ds: Float64Array;
  readonly D: Float64Array;
  /** A copy of the matrix being solved (luSolve works in place). */
  readonly A: Float64Array;
  readonly col: Float64Array;
  readonly x: Float64Array;
  /** Per group: D⁻¹ H_os (q×s) and D⁻¹ g_o. */
  readonly DinvHos: Float64Array[];
  readonly Dinvgo: Float64Array[];

  constructor(jp: JointProblem) {
    const { s, q } = jp;
    this.S = new Float64Array(s * s);
    this.rhs = new Float64Array(s);
    this.ds = new Float64Array(s);
    this.D = new Float64Array(q * q);
    this.A = new Float64Array(Math.max(q, s) ** 2);
    this.col = new Float64Array(q);
    this.x = new Float64Array(q);
    this.DinvHos = jp.groups.map(() => new Float64Array(q * s));
    this.Dinvgo = jp.groups.map(() => new Float64Array(q));
  }
}

type Solve = (A: Float64Array, b: Float64Array, x: Float64Array, m: number) => boolean;

/**
 * Solves the damped arrow system H δ = −g by eliminating each group's own block; `damping(d)` is
 * what is added to a diagonal entry d of the joint matrix, `solve` the dense solver of the blocks.
 * `frozen` marks joint coordinates held where they are for this step. False when a block is
 * singular (or, with Cholesky, not positive definite).
 */
function arrowStep(
  jp: JointProblem,
  Hs: Float64Array[],
  gs: Float64Array[],
  frozen: Uint8Array,
  damping: (d: number) => number,
  solve: Solve,
  ws: ArrowWorkspace,
  step: Float64Array,
): boolean {
  const { s, q } = jp;
  const p = s + q;
  const { S, rhs, ds, D, A, col, x, DinvHos, Dinvgo } = ws;
  const solveCopy = (M: Float64Array, b: Float64Array, out: Float64Array, m: number) => {
    A.set(M.subarray(0, m * m));
    return solve(A, b, out, m);
  };
  S.fill(0);
  rhs.fill(0);
  for (let gi = 0; gi < jp.groups.length; gi++) {
    const H = Hs[gi];
    const g = gs[gi];
    const off = jp.groups[gi].offset;
    for (let a = 0; a < s; a++) {
      rhs[a] -= g[a];
      for (let b = 0; b < s; b++) S[a * s + b] += H[a * p + b];
    }
    for (let a = 0; a < q; a++)
      for (let b = 0; b < q; b++) {
        const fa = frozen[off + a] || frozen[off + b];
        const h = H[(s + a) * p + s + b];
        D[a * q + b] = a === b ? (frozen[off + a] ? 1 : h + damping(h)) : fa ? 0 : h;
      }
    const M = DinvHos[gi];
    for (let c = 0; c < s; c++) {
      for (let a = 0; a < q; a++) col[a] = frozen[off + a] || frozen[c] ? 0 : H[(s + a) * p + c];
      if (q > 0 && !solveCopy(D, col, x, q)) return false;
      for (let a = 0; a < q; a++) M[a * s + c] = x[a];
    }
    for (let a = 0; a < q; a++) col[a] = frozen[off + a] ? 0 : g[s + a];
    const dg = Dinvgo[gi];
    if (q > 0 && !solveCopy(D, col, dg, q)) return false;
    // S −= H_so D⁻¹ H_os;  rhs += H_so D⁻¹ g_o.
    for (let a = 0; a < s; a++) {
      if (frozen[a]) continue;
      for (let k = 0; k < q; k++) {
        const hsk = frozen[off + k] ? 0 : H[a * p + s + k];
        if (hsk === 0) continue;
        rhs[a] += hsk * dg[k];
        for (let b = 0; b < s; b++) S[a * s + b] -= hsk * M[k * s + b];
      }
    }
  }
  // Freeze shared coordinates; damp the rest by the joint matrix's own diagonal.
  for (let a = 0; a < s; a++) {
    for (let b = 0; b < s; b++) if (a !== b && (frozen[a] || frozen[b])) S[a * s + b] = 0;
    if (frozen[a]) {
      S[a * s + a] = 1;
      rhs[a] = 0;
      continue;
    }
    let d = 0;
    for (const H of Hs) d += H[a * p + a];
    S[a * s + a] += damping(d);
  }
  if (s > 0 && !solveCopy(S, rhs, ds, s)) return false;
  step.fill(0);
  step.set(ds, 0);
  for (let gi = 0; gi < jp.groups.length; gi++) {
    const off = jp.groups[gi].offset;
    const M = DinvHos[gi];
    for (let a = 0; a < q; a++) {
      if (frozen[off + a]) continue;
      let v = -Dinvgo[gi][a];
      for (let c = 0; c < s; c++) v -= M[a * s + c] * ds[c];
      step[off + a] = v;
    }
  }
  return true;
}

export interface JointLmOptions {
  maxIterations?: number;
  ftol?: number;
  interrupt?: () => boolean;
}

/** Bounded Levenberg–Marquardt on the joint problem (the rules of lm.ts, the arrow solve above). */
export function jointLM(jp: JointProblem, u0: ArrayLike<number>, opts: JointLmOptions = {}): LmResult {
  const { lo, hi, size, loss, s, q } = jp;
  const p = s + q;
  const maxIterations = opts.maxIterations ?? 300;
  const ftol = opts.ftol ?? 1e-13;
  const u = Float64Array.from(u0);
  for (let k = 0; k < size; k++) u[k] = Math.min(hi[k], Math.max(lo[k], u[k]));
  const swap = () => {
    for (const g of jp.groups) {
      [g.r, g.rT] = [g.rT, g.r];
      [g.J, g.JT] = [g.JT, g.J];
    }
  };
  const sum = (v: Float64Array) => v.reduce((a, b) => a + b, 0);
  let value = sum(jp.evalGroups(u, true));
  if (!Number.isFinite(value)) return { u, value: NaN, iterations: 0, stop: 'nonfinite-start', converged: false };
  swap();
  const Hs = jp.groups.map(() => new Float64Array(p * p));
  const gs = jp.groups.map(() => new Float64Array(p));
  const grad = new Float64Array(size);
  const frozen = new Uint8Array(size);
  const step = new Float64Array(size);
  const trial = new Float64Array(size);
  const ws = new ArrowWorkspace(jp);
  let lambda = 1e-3;
  const damping = (d: number) => lambda * (d + 1e-12);
  let small = 0;
  let it = 0;
  for (; it < maxIterations; it++) {
    if (opts.interrupt?.()) return { u, value, iterations: it, stop: 'interrupted', converged: false };
    grad.fill(0);
    jp.groups.forEach((g, gi) => {
      normalBlocks(g, loss, Hs[gi], gs[gi], p);
      for (let a = 0; a < s; a++) grad[a] += gs[gi][a];
      for (let b = 0; b < q; b++) grad[g.offset + b] = gs[gi][s + b];
    });
    let free = 0;
    for (let k = 0; k < size; k++) {
      frozen[k] = (u[k] <= lo[k] && grad[k] > 0) || (u[k] >= hi[k] && grad[k] < 0) ? 1 : 0;
      if (!frozen[k]) free++;
    }
    if (free === 0) return { u, value, iterations: it, stop: 'converged', converged: true };
    let accepted = false;
    while (!accepted) {
      if (!arrowStep(jp, Hs, gs, frozen, damping, choleskySolve, ws, step)) {
        lambda = lambda * 10 + 1e-6;
        if (lambda > 1e20) return { u, value, iterations: it, stop: 'no-progress', converged: true };
        continue;
      }
      let moved = false;
      for (let k = 0; k < size; k++) {
        trial[k] = Math.min(hi[k], Math.max(lo[k], u[k] + step[k]));
        if (trial[k] !== u[k]) moved = true;
      }
      if (!moved) return { u, value, iterations: it, stop: 'converged', converged: true };
      const tv = sum(jp.evalGroups(trial, true));
      if (tv < value) {
        const decrease = (value - tv) / Math.max(value, 1e-300);
        u.set(trial);
        value = tv;
        swap();
        lambda = Math.max(lambda / 5, 1e-15);
        accepted = true;
        small = decrease < ftol ? small + 1 : 0;
        if (small >= 2) return { u, value, iterations: it + 1, stop: 'converged', converged: true };
      } else {
        lambda *= 4;
        if (lambda > 1e16) return { u, value, iterations: it, stop: 'no-progress', converged: true };
      }
    }
  }
  return { u, value, iterations: it, stop: 'max-iterations', converged: false };
}

export interface PolishOptions {
  maxIterations?: number;
  /** Stop when the relative decrease stays below this for two accepted steps, or a rejected trial is within it. */
  ftol?: number;
  interrupt?: () => boolean;
  /** Called after each accepted step; true stops the run (it joined a known optimum). */
  join?: (u: Float64Array, value: number) => boolean;
  /** The best objective known elsewhere: a run that cannot come near it stops, as newtonLM's bestKnown. */
  bestKnown?: number;
}

/** Phase 1's switch from IRLS to exact steps (search.ts's EXACT_BELOW), for the fits of the groups' own parameters. */
export const EXACT_BELOW = 0.1;
/** The inner fits' tolerances (search.ts's phase 1 and polish), and the outer decrease below which the tight one is used. */
const LOOSE_FTOL = 1e-7;
const TIGHT_FTOL = 1e-15;
const CRAWL = 1e-4;
/** newtonLM's rule for a dominated run: twice in a row, this many more steps at the last rate stay 10% above the best. */
const DOMINATED_HORIZON = 50;
const DOMINATED_RATIO = 1.1;

/**
 * Polishes a joint point by Newton steps on the shared parameters alone, F(σ) = Σ_g min over the
 * group's own parameters of its objective at σ: each step solves the arrow system on the groups'
 * Hessians (IRLS ones until a step gains less than EXACT_BELOW, then exact; eliminating the own
 * blocks makes it a Newton step on F), then re-fits every group's own parameters at the trial σ
 * from the step's own part (fitOwn, each group with its own damping), and is kept when F
 * decreases. One damping for the whole joint system would have to suit the group whose Huber
 * Hessian is least convex, and crawls.
 */
export function polishShared(
  jp: JointProblem,
  u0: ArrayLike<number>,
  opts: PolishOptions,
  nws: NewtonWorkspace,
): LmResult {
  const { lo, hi, size, s, q, groups } = jp;
  const p = s + q;
  const maxIterations = opts.maxIterations ?? 100;
  const ftol = opts.ftol ?? 1e-13;
  const best = opts.bestKnown ?? Infinity;
  // The own parameters are re-fitted at every trial as the separate search's phase 1 runs (IRLS
  // steps, then exact ones), to its loose tolerance while F still falls fast, to full precision
  // (as it polishes) once F crawls.
  const own: NewtonOptions = {
    interrupt: opts.interrupt,
    ftol: LOOSE_FTOL,
    maxIterations: 100,
    exact: false,
    exactBelow: EXACT_BELOW,
  };
  const u = Float64Array.from(u0);
  for (let k = 0; k < size; k++) u[k] = Math.min(hi[k], Math.max(lo[k], u[k]));
  for (const g of groups) g.fitOwn(u, own, nws);
  let value = jp.objective(u);
  if (!Number.isFinite(value)) return { u, value: NaN, iterations: 0, stop: 'nonfinite-start', converged: false };
  const Hs = groups.map(() => new Float64Array(p * p));
  const gs = groups.map(() => new Float64Array(p));
  const grad = new Float64Array(size);
  const frozen = new Uint8Array(size);
  const step = new Float64Array(size);
  const trial = new Float64Array(size);
  const ws = new ArrowWorkspace(jp);
  let maxDiag = 0;
  // IRLS steps first (far from the optimum the Huber Hessian misleads), exact ones once a step
  // gains less than EXACT_BELOW, as the separate search's phase 1.
  let exact = false;
  let [down, up] = [0.2, 4];
  /** Each group's gradient and Hessian at its last evaluated point, in joint block order [shared | own]. */
  const derive = () => {
    grad.fill(0);
    maxDiag = 0;
    groups.forEach((g, gi) => {
      g.so.derivatives(g.g, g.H, exact);
      const pp = g.so.p;
      const H = Hs[gi];
      for (let a = 0; a < p; a++) {
        const ka = a < s ? g.sharedK[a] : g.ownK[a - s];
        gs[gi][a] = g.g[ka];
        for (let b = 0; b < p; b++) H[a * p + b] = g.H[ka * pp + (b < s ? g.sharedK[b] : g.ownK[b - s])];
        maxDiag = Math.max(maxDiag, Math.abs(H[a * p + a]));
        grad[a < s ? a : g.offset + a - s] += gs[gi][a];
      }
    });
  };
  derive();
  let lambda = 1e-3;
  const damping = (d: number) => lambda * (Math.abs(d) + 1e-12 * maxDiag + 1e-300);
  /**
   * Converged at the rounding floor, where the objective no longer ranks nearby points (each
   * residual's rounding moves it by ~1e-14 relative) but the gradient still points at the
   * minimum: one undamped exact step, kept unless it raises the objective beyond that floor, so
   * two fits of one problem end at one point rather than anywhere in the band it cannot resolve.
   */
  const settle = (iterations: number): LmResult => {
    if (own.ftol === TIGHT_FTOL) {
      jp.objective(u);
      exact = true;
      derive();
      for (let k = 0; k < size; k++)
        frozen[k] = (u[k] <= lo[k] && grad[k] > 0) || (u[k] >= hi[k] && grad[k] < 0) ? 1 : 0;
      lambda = 0;
      if (arrowStep(jp, Hs, gs, frozen, damping, luSolve, ws, step)) {
        for (let k = 0; k < size; k++) trial[k] = Math.min(hi[k], Math.max(lo[k], u[k] + step[k]));
        const tv = jp.objective(trial);
        if (tv <= value * (1 + ftol)) {
          u.set(trial);
          value = tv;
        }
      }
    }
    return { u, value, iterations, stop: 'converged', converged: true };
  };
  let small = 0;
  let slow = 0;
  let it = 0;
  for (; it < maxIterations; it++) {
    if (opts.interrupt?.()) return { u, value, iterations: it, stop: 'interrupted', converged: false };
    let free = 0;
    for (let k = 0; k < size; k++) {
      frozen[k] = (u[k] <= lo[k] && grad[k] > 0) || (u[k] >= hi[k] && grad[k] < 0) ? 1 : 0;
      if (!frozen[k] && k < s) free++;
    }
    if (free === 0) return { u, value, iterations: it, stop: 'converged', converged: true };
    let moved = false;
    if (arrowStep(jp, Hs, gs, frozen, damping, luSolve, ws, step))
      for (let k = 0; k < size; k++) {
        trial[k] = Math.min(hi[k], Math.max(lo[k], u[k] + step[k]));
        if (k < s && trial[k] !== u[k]) moved = true;
      }
    if (!moved && lambda <= 1e-15) return { u, value, iterations: it, stop: 'converged', converged: true };
    let tv = NaN;
    const tight = own.ftol === TIGHT_FTOL;
    if (moved) {
      for (const g of groups) g.fitOwn(trial, own, nws);
      tv = jp.objective(trial);
    }
    if (tv < value) {
      const decrease = (value - tv) / Math.max(value, 1e-300);
      u.set(trial);
      value = tv;
      if (!exact && decrease < EXACT_BELOW) [exact, down, up] = [true, 0.3, 10];
      derive();
      lambda = Math.max(lambda * down, 1e-15);
      // Precision is for a run that can become the answer; one above the best so far stays loose.
      if (decrease < CRAWL && !(value > best)) own.ftol = TIGHT_FTOL;
      small = decrease <= ftol ? small + 1 : 0;
      const reach = value * Math.pow(1 - Math.min(decrease, 1), DOMINATED_HORIZON);
      slow = reach > best * DOMINATED_RATIO ? slow + 1 : 0;
      if (slow >= 2) return { u, value, iterations: it + 1, stop: 'dominated', converged: true };
      if (small >= 2) return settle(it + 1);
      if (opts.join?.(u, value)) return { u, value, iterations: it + 1, stop: 'joined', converged: true };
    } else {
      // At the rounding floor (the trial's F, its own parameters at full precision, equals this
      // one's to ftol), or no descent even along a tiny, gradient-like step: numerically stationary.
      if (exact && tv - value <= (tight ? ftol : LOOSE_FTOL) * value && (tight || value > best)) return settle(it + 1);
      // A rejection may be the loose inner fits' doing: from here on they are tight.
      if (!(value > best)) own.ftol = TIGHT_FTOL;
      lambda *= up;
      if (lambda > 1e12) return { u, value, iterations: it + 1, stop: 'no-progress', converged: true };
    }
  }
  return { u, value, iterations: it, stop: 'max-iterations', converged: false };
}
