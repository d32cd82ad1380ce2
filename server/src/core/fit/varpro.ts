// Variable projection (domain-anchors §2.3): for a law linear in some parameters (E, A, B in
// Chinchilla), fixing the nonlinear ones (alpha, beta) leaves a bounded linear least-squares
// problem solved exactly. Used two ways: (1) to seed starts over a fine grid of the nonlinear
// parameters — for Huber-on-log objectives this gives starts, not the objective; (2) as the exact
// profile for squares in linear space.
import { linearSplit, paramDeps, Program, type Node } from './compile';
import { choleskySolve } from './linalg';
import { squares, type Loss } from './loss';
import { toTheta, type Evaluator, type FitProblem } from './problem';

export interface LinearStructure {
  /** Indices (into names) of the linear parameters. */
  linear: number[];
  /** Indices of the free nonlinear parameters. */
  nonlinear: number[];
  offset: Program | undefined;
  bases: Program[];
  /** Positions in `nonlinear` each basis (and the offset) depends on: what the seeds cache by. */
  basisDeps: number[][];
  offsetDeps: number[];
}

/** Finds the free parameters the formula is linear in (amplitudes and offsets). */
export function findLinearStructure(prob: FitProblem, columns: Float64Array[]): LinearStructure | undefined {
  const free = new Set(prob.free);
  // Greedy: start with all free params, drop those that make the split fail.
  const candidates = new Set(prob.free);
  let split = linearSplit(prob.node, candidates);
  if (!split) {
    for (const j of [...candidates]) {
      candidates.delete(j);
      const s = linearSplit(prob.node, new Set([j]));
      if (s) candidates.add(j);
    }
    split = linearSplit(prob.node, candidates);
  }
  if (!split || split.terms.length === 0) return undefined;
  const linear = split.terms.map((t) => t.param);
  const nonlinear = [...free].filter((j) => !linear.includes(j));
  const P = prob.names.length;
  const compile = (n: Node) => new Program(n, P, columns, prob.rows);
  const depsOf = (n: Node) => nonlinear.flatMap((j, m) => (paramDeps(n).includes(j) ? [m] : []));
  return {
    linear,
    nonlinear,
    offset: split.offset ? compile(split.offset) : undefined,
    bases: split.terms.map((t) => compile(t.basis)),
    basisDeps: split.terms.map((t) => depsOf(t.basis)),
    offsetDeps: split.offset ? depsOf(split.offset) : [],
  };
}

/**
 * Bounded least squares for the linear parameters at fixed nonlinear ones, by enumerating which
 * parameters sit on a bound (k ≤ 4 in practice: 3^k tiny solves). Weights approximate the
 * objective's metric (1/y^2 for objectives on log). Returns the linear values or undefined.
 */
export function solveLinear(
  ls: LinearStructure,
  prob: FitProblem,
  theta: Float64Array,
  w: Float64Array,
  scratch: { f: Float64Array; cols: Float64Array[] },
): Float64Array | undefined {
  const n = prob.rows;
  const k = ls.linear.length;
  // target = y − offset, in the scratch column (no allocation per call).
  const target = scratch.f;
  if (ls.offset) {
    ls.offset.evaluate(theta, target);
    for (let i = 0; i < n; i++) target[i] = prob.y[i] - target[i];
  } else target.set(prob.y);
  ls.bases.forEach((b, m) => b.evaluate(theta, scratch.cols[m]));
  // Gram matrix G = B'WB, c = B'Wt, t'Wt; every active set is then a k×k problem
  // (RSS = t'Wt − 2x'c + x'Gx).
  const cols = scratch.cols;
  const G = new Float64Array(k * k);
  const c = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    c[a] = weightedDot(w, cols[a], target);
    for (let b = 0; b <= a; b++) G[a * k + b] = G[b * k + a] = weightedDot(w, cols[a], cols[b]);
  }
  return boundedSolve(ls, prob, G, c, weightedDot(w, target, target));
}

/** Sum over rows with w ≠ 0 of (w x) y, row by row: every Gram-matrix entry, c and t'Wt. */
function weightedDot(w: Float64Array, x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) s += w[i] * x[i] * y[i];
  return s;
}

/**
 * solveLinear over a grid of the nonlinear parameters, for the seeds: each basis column, each
 * Gram entry, each c entry and t'Wt depends on a few nonlinear parameters only (Chinchilla: the
 * N basis on alpha, the D basis on beta), so each is computed once per combination of those and
 * reused — the same sums (weightedDot) as solveLinear, only fewer of them. `idx` holds the current
 * grid position of each nonlinear parameter and `sizes` the grid sizes; theta must be set.
 */
export function gridSolver(
  ls: LinearStructure,
  prob: FitProblem,
  w: Float64Array,
  sizes: number[],
): (theta: Float64Array, idx: ArrayLike<number>) => Float64Array | undefined {
  const n = prob.rows;
  const k = ls.linear.length;
  const union = (...sets: number[][]) => [...new Set(sets.flat())].sort((a, b) => a - b);
  const keyOf = (deps: number[], idx: ArrayLike<number>) => deps.reduce((key, m) => key * sizes[m] + idx[m], 0);
  /** A value cached by the grid indices of `deps`. */
  const cached = <T>(deps: number[], make: () => T) => {
    const memo = new Map<number, T>();
    return (idx: ArrayLike<number>): T => {
      const key = keyOf(deps, idx);
      let v = memo.get(key);
      if (v === undefined) memo.set(key, (v = make()));
      return v;
    };
  };
  let theta: Float64Array = new Float64Array(0);
  const bases = ls.bases.map((b, m) =>
    cached(ls.basisDeps[m], () => {
      const col = new Float64Array(n);
      b.evaluate(theta, col);
      return col;
    }),
  );
  const target = cached(ls.offsetDeps, () => {
    const t = new Float64Array(n);
    if (!ls.offset) {
      t.set(prob.y);
      return t;
    }
    ls.offset.evaluate(theta, t);
    for (let i = 0; i < n; i++) t[i] = prob.y[i] - t[i];
    return t;
  });
  let idxNow: ArrayLike<number> = [];
  const tt = cached(ls.offsetDeps, () => weightedDot(w, target(idxNow), target(idxNow)));
  const cEntry = ls.bases.map((_, a) =>
    cached(union(ls.basisDeps[a], ls.offsetDeps), () => weightedDot(w, bases[a](idxNow), target(idxNow))),
  );
  const gEntry = ls.bases.map((_, a) =>
    ls.bases.map((_, b) =>
      cached(union(ls.basisDeps[a], ls.basisDeps[b]), () => weightedDot(w, bases[a](idxNow), bases[b](idxNow))),
    ),
  );
  const G = new Float64Array(k * k);
  const c = new Float64Array(k);
  return (th, idx) => {
    theta = th;
    idxNow = idx;
    for (let a = 0; a < k; a++) {
      c[a] = cEntry[a](idx);
      for (let b = 0; b <= a; b++) G[a * k + b] = G[b * k + a] = gEntry[a][b](idx);
    }
    return boundedSolve(ls, prob, G, c, tt(idx));
  };
}

/**
 * The bounded least-squares solution from the Gram matrix G (k×k, symmetric), c and t'Wt, by
 * enumerating which parameters sit on a bound (k ≤ 4 in practice: 3^k tiny solves).
 */
function boundedSolve(
  ls: LinearStructure,
  prob: FitProblem,
  G: Float64Array,
  c: Float64Array,
  tt: number,
): Float64Array | undefined {
  const k = ls.linear.length;
  const lower = ls.linear.map((j) => specBound(prob, j, 'lo'));
  const upper = ls.linear.map((j) => specBound(prob, j, 'hi'));
  let best: Float64Array | undefined;
  let bestRss = Infinity;
  const states = new Int8Array(k); // 0 free, 1 at lower, 2 at upper
  const total = 3 ** k;
  const x = new Float64Array(k);
  const A = new Float64Array(k * k);
  const rhs = new Float64Array(k);
  const sol = new Float64Array(k);
  const freeIdx: number[] = [];
  for (let code = 0; code < total; code++) {
    let rest = code;
    let ok = true;
    freeIdx.length = 0;
    for (let m = 0; m < k; m++) {
      states[m] = rest % 3;
      rest = Math.floor(rest / 3);
      if (states[m] === 0) freeIdx.push(m);
      else {
        const v = states[m] === 1 ? lower[m] : upper[m];
        if (!Number.isFinite(v)) ok = false;
        x[m] = v;
      }
    }
    if (!ok) continue;
    const q = freeIdx.length;
    if (q > 0) {
      for (let a = 0; a < q; a++) {
        const fa = freeIdx[a];
        let r = c[fa];
        for (let m = 0; m < k; m++) if (states[m] !== 0) r -= G[fa * k + m] * x[m];
        rhs[a] = r;
        for (let bb = 0; bb < q; bb++) A[a * q + bb] = G[fa * k + freeIdx[bb]];
      }
      if (!choleskySolve(A, rhs, sol, q)) continue;
      for (let a = 0; a < q; a++) {
        const m = freeIdx[a];
        if (!(sol[a] >= lower[m] && sol[a] <= upper[m])) ok = false;
        x[m] = sol[a];
      }
      if (!ok) continue;
    }
    let rss = tt;
    for (let a = 0; a < k; a++) {
      rss -= 2 * x[a] * c[a];
      for (let bb = 0; bb < k; bb++) rss += x[a] * G[a * k + bb] * x[bb];
    }
    if (rss < bestRss) {
      bestRss = rss;
      best = Float64Array.from(x);
    }
  }
  return best;
}

function specBound(prob: FitProblem, j: number, side: 'lo' | 'hi'): number {
  const k = prob.free.indexOf(j);
  const v = side === 'lo' ? prob.lo[k] : prob.hi[k];
  if (!prob.logParam[j]) return v;
  // Log-parametrised amplitudes must stay positive: a tiny floor instead of 0.
  return side === 'lo' ? (v === -Infinity ? 1e-300 : Math.exp(v)) : Math.exp(v);
}

/**
 * The variable-projection problem over the nonlinear parameters only, for squares in linear space:
 * at each point the linear parameters are solved exactly (bounded least squares), and the
 * Jacobian is Kaufman's approximation (I − P) ∂f/∂φ, P the (weighted) projection onto the columns
 * of the linear parameters that are not on a bound.
 */
export class VarProEvaluator {
  readonly n: number;
  readonly p: number;
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly loss: Loss;
  private readonly theta: Float64Array;
  private readonly Jfull: Float64Array;
  private readonly scratch: { f: Float64Array; cols: Float64Array[] };
  private readonly nlPos: number[];
  private readonly linPos: number[];
  private readonly unit: Float64Array;

  constructor(
    readonly ev: Evaluator,
    readonly ls: LinearStructure,
  ) {
    const prob = ev.prob;
    this.n = ev.n;
    this.p = ls.nonlinear.length;
    this.nlPos = ls.nonlinear.map((j) => prob.free.indexOf(j));
    this.linPos = ls.linear.map((j) => prob.free.indexOf(j));
    this.lo = Float64Array.from(this.nlPos, (k) => prob.lo[k]);
    this.hi = Float64Array.from(this.nlPos, (k) => prob.hi[k]);
    this.loss = squares;
    this.theta = new Float64Array(prob.base);
    this.Jfull = new Float64Array(ev.n * ev.p);
    this.scratch = { f: new Float64Array(ev.n), cols: ls.bases.map(() => new Float64Array(ev.n)) };
    this.unit = new Float64Array(ev.n).fill(1);
  }

  get weights(): Float64Array | undefined {
    return this.ev.prob.weights;
  }

  /** The full internal vector at nonlinear point v (linear parameters solved), or undefined. */
  full(v: ArrayLike<number>): Float64Array | undefined {
    const prob = this.ev.prob;
    // Every free parameter is either nonlinear (set from v) or linear (solved below).
    const u = new Float64Array(this.ev.p);
    this.nlPos.forEach((k, m) => (u[k] = v[m]));
    toTheta(prob, u, this.theta);
    const x = solveLinear(this.ls, prob, this.theta, prob.weights ?? this.unit, this.scratch);
    if (!x) return undefined;
    for (let m = 0; m < x.length; m++) {
      const j = this.ls.linear[m];
      if (prob.logParam[j] && !(x[m] > 0)) return undefined;
      u[this.linPos[m]] = prob.logParam[j] ? Math.log(x[m]) : x[m];
    }
    return u;
  }

  eval(v: ArrayLike<number>, r: Float64Array, J?: Float64Array): number {
    const u = this.full(v);
    if (!u) return NaN;
    const { n, p } = this;
    const P = this.ev.p;
    const value = this.ev.eval(u, r, J ? this.Jfull : undefined);
    if (!J || !Number.isFinite(value)) return value;
    const w = this.weights ?? this.unit;
    // Orthonormal (w-inner product) basis of the free linear columns, by modified Gram–Schmidt.
    const prob = this.ev.prob;
    const Q: Float64Array[] = [];
    this.linPos.forEach((k) => {
      const lo = prob.lo[k];
      const hi = prob.hi[k];
      if (u[k] <= lo || u[k] >= hi || u[k] < -600) return; // on a bound: c does not move with φ
      const q = new Float64Array(n);
      for (let i = 0; i < n; i++) q[i] = this.Jfull[i * P + k];
      for (const b of Q) {
        let d = 0;
        for (let i = 0; i < n; i++) d += w[i] * b[i] * q[i];
        for (let i = 0; i < n; i++) q[i] -= d * b[i];
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += w[i] * q[i] * q[i];
      norm = Math.sqrt(norm);
      if (!(norm > 0)) return;
      for (let i = 0; i < n; i++) q[i] /= norm;
      Q.push(q);
    });
    const g = new Float64Array(n);
    this.nlPos.forEach((k, m) => {
      for (let i = 0; i < n; i++) g[i] = this.Jfull[i * P + k];
      for (const b of Q) {
        let d = 0;
        for (let i = 0; i < n; i++) d += w[i] * b[i] * g[i];
        for (let i = 0; i < n; i++) g[i] -= d * b[i];
      }
      for (let i = 0; i < n; i++) J[i * p + m] = g[i];
    });
    return value;
  }
}
