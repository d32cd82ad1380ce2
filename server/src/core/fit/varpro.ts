// Variable projection (domain-anchors §2.3): for a law linear in some parameters (E, A, B in
// Chinchilla), fixing the nonlinear ones (alpha, beta) leaves a bounded linear least-squares
// problem solved exactly. Used two ways: (1) to seed starts over a fine grid of the nonlinear
// parameters — for Huber-on-log objectives this gives starts, not the objective; (2) as the exact
// profile for squares in linear space.
import { linearSplit, Program, type Node } from './compile';
import { choleskySolve } from './linalg';
import type { FitProblem } from './problem';

export interface LinearStructure {
  /** Indices (into names) of the linear parameters. */
  linear: number[];
  /** Indices of the free nonlinear parameters. */
  nonlinear: number[];
  offset: Program | undefined;
  bases: Program[];
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
  return {
    linear,
    nonlinear,
    offset: split.offset ? compile(split.offset) : undefined,
    bases: split.terms.map((t) => compile(t.basis)),
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
  const target = new Float64Array(prob.y);
  if (ls.offset) {
    ls.offset.evaluate(theta, scratch.f);
    for (let i = 0; i < n; i++) target[i] -= scratch.f[i];
  }
  ls.bases.forEach((b, m) => b.evaluate(theta, scratch.cols[m]));
  const lower = ls.linear.map((j) => specBound(prob, j, 'lo'));
  const upper = ls.linear.map((j) => specBound(prob, j, 'hi'));
  let best: Float64Array | undefined;
  let bestRss = Infinity;
  const states = new Int8Array(k); // 0 free, 1 at lower, 2 at upper
  const total = 3 ** k;
  for (let code = 0; code < total; code++) {
    let c = code;
    let ok = true;
    for (let m = 0; m < k; m++) {
      states[m] = c % 3;
      c = Math.floor(c / 3);
      if (states[m] === 1 && !Number.isFinite(lower[m])) ok = false;
      if (states[m] === 2 && !Number.isFinite(upper[m])) ok = false;
    }
    if (!ok) continue;
    const x = new Float64Array(k);
    const freeIdx: number[] = [];
    const rhsY = new Float64Array(target);
    for (let m = 0; m < k; m++) {
      if (states[m] === 0) freeIdx.push(m);
      else {
        x[m] = states[m] === 1 ? lower[m] : upper[m];
        const col = scratch.cols[m];
        for (let i = 0; i < n; i++) rhsY[i] -= x[m] * col[i];
      }
    }
    const q = freeIdx.length;
    if (q > 0) {
      const A = new Float64Array(q * q);
      const b = new Float64Array(q);
      for (let a = 0; a < q; a++) {
        const ca = scratch.cols[freeIdx[a]];
        for (let bb = 0; bb <= a; bb++) {
          const cb = scratch.cols[freeIdx[bb]];
          let s = 0;
          for (let i = 0; i < n; i++) s += w[i] * ca[i] * cb[i];
          A[a * q + bb] = s;
          A[bb * q + a] = s;
        }
        let s = 0;
        for (let i = 0; i < n; i++) s += w[i] * ca[i] * rhsY[i];
        b[a] = s;
      }
      const sol = new Float64Array(q);
      if (!choleskySolve(A, b, sol, q)) continue;
      for (let a = 0; a < q; a++) {
        const m = freeIdx[a];
        if (!(sol[a] >= lower[m] && sol[a] <= upper[m])) ok = false;
        x[m] = sol[a];
      }
      if (!ok) continue;
    }
    let rss = 0;
    for (let i = 0; i < n; i++) {
      let fi = target[i];
      for (let m = 0; m < k; m++) fi -= x[m] * scratch.cols[m][i];
      rss += w[i] * fi * fi;
    }
    if (rss < bestRss) {
      bestRss = rss;
      best = x;
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
