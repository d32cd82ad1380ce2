// The joint problem of a `shared` fit (issue 10.2): one internal vector holding the shared
// parameters once and every group's own parameters, u = [shared | group 1 own | group 2 own | …].
// Each group's residuals depend only on the shared block and its own block, so the Jacobian is an
// arrow: the normal matrix is solved by eliminating the groups' blocks (a Schur complement on the
// shared block), at a cost linear in the number of groups; no dense full Jacobian is built.
import { choleskySolve } from './linalg';
import type { LmResult } from './lm';
import type { Loss } from './loss';
import { Evaluator, type FitProblem } from './problem';

/** One group in the joint problem: its own evaluator over its rows (all parameters, shared ones free). */
export class JointGroup {
  readonly ev: Evaluator;
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
  ) {
    this.ev = new Evaluator(prob);
    this.sharedK = shared.map((n) => prob.free.indexOf(prob.names.indexOf(n)));
    this.ownK = prob.free.flatMap((_, k) => (this.sharedK.includes(k) ? [] : [k]));
    const n = prob.rows;
    const p = prob.free.length;
    this.ug = new Float64Array(p);
    this.r = new Float64Array(n);
    this.J = new Float64Array(n * p);
    this.rT = new Float64Array(n);
    this.JT = new Float64Array(n * p);
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

  value(u: ArrayLike<number>): number {
    let total = 0;
    for (const v of this.evalGroups(u, false)) total += v;
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

/**
 * Solves the damped arrow system H δ = −g by eliminating each group's own block. `frozen` marks
 * joint coordinates held at a bound for this step. False when a block is not positive definite.
 */
function arrowStep(
  jp: JointProblem,
  Hs: Float64Array[],
  gs: Float64Array[],
  frozen: Uint8Array,
  lambda: number,
  step: Float64Array,
): boolean {
  const { s, q } = jp;
  const p = s + q;
  const S = new Float64Array(s * s);
  const rhs = new Float64Array(s);
  // Per group: D⁻¹ H_os (q×s, column by column) and D⁻¹ g_o.
  const DinvHos: Float64Array[] = [];
  const Dinvgo: Float64Array[] = [];
  const damp = (d: number) => d + lambda * (d + 1e-12);
  const D = new Float64Array(q * q);
  const col = new Float64Array(q);
  const x = new Float64Array(q);
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
        D[a * q + b] = a === b ? (frozen[off + a] ? 1 : damp(H[(s + a) * p + s + b])) : fa ? 0 : H[(s + a) * p + s + b];
      }
    const M = new Float64Array(q * s);
    for (let c = 0; c < s; c++) {
      for (let a = 0; a < q; a++) col[a] = frozen[off + a] || frozen[c] ? 0 : H[(s + a) * p + c];
      if (q > 0 && !choleskySolve(D, col, x, q)) return false;
      for (let a = 0; a < q; a++) M[a * s + c] = x[a];
    }
    for (let a = 0; a < q; a++) col[a] = frozen[off + a] ? 0 : g[s + a];
    const dg = new Float64Array(q);
    if (q > 0 && !choleskySolve(D, col, dg, q)) return false;
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
    DinvHos.push(M);
    Dinvgo.push(dg);
  }
  // Freeze shared coordinates on a bound; damp the rest by the joint matrix's own diagonal (as lm.ts).
  for (let a = 0; a < s; a++) {
    for (let b = 0; b < s; b++) if (a !== b && (frozen[a] || frozen[b])) S[a * s + b] = 0;
    if (frozen[a]) {
      S[a * s + a] = 1;
      rhs[a] = 0;
      continue;
    }
    let d = 0;
    for (const H of Hs) d += H[a * p + a];
    S[a * s + a] += lambda * (d + 1e-12);
  }
  const ds = new Float64Array(s);
  if (s > 0 && !choleskySolve(S, rhs, ds, s)) return false;
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
  let lambda = 1e-3;
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
      if (!arrowStep(jp, Hs, gs, frozen, lambda, step)) {
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
