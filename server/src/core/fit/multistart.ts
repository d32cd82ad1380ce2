// Multi-start search over the declared start grid. Every declared start is screened (its objective
// evaluated, a few microseconds each); the optimizer then runs from the most promising starts —
// in screening order, plus variable-projection seeds — and a run that walks into an optimum
// already found is stopped ("joined"), since it can only end there.
import { nowMs } from './clock';
import { levenbergMarquardt, LmWorkspace, type LmResult } from './lm';
import type { Evaluator, FitProblem } from './problem';
import { toInternal } from './problem';
import { SecondOrder } from './newton';
import { firstBlock, gridOf, knownGrid, screenGrid, searchNewton, type BlockResult } from './search';
import { findLinearStructure, gridSolver, VarProEvaluator, type LinearStructure } from './varpro';

export interface MultiStartOptions {
  interrupt?: () => boolean;
  /** Optimize every declared start (slow; for benchmarks and audits). */
  exhaustive?: boolean;
  /** How many screened starts to optimize; default max(24, 1% of declared). */
  optimize?: number;
  /**
   * Data columns: with them, the search runs on the exact-Hessian kernel (search.ts) and
   * variable projection supplies seeds; without them, the IRLS LM below (kept for comparisons).
   */
  columns?: Float64Array[];
  /** Threads for an exhaustive search, and how a block of starts runs on a worker thread. */
  workers?: number;
  runBlock?: (starts: Float64Array[]) => Promise<BlockResult>;
}

export interface Optimum {
  u: Float64Array;
  value: number;
  /** Runs that ended at (or joined) this optimum. */
  hits: number;
}

export interface MultiStartResult {
  best: LmResult | undefined;
  declared: number;
  /** Starts whose initial objective was evaluated (declared + seeds). */
  screened: number;
  optimized: number;
  /** Optimized starts that ended at the best optimum. */
  agreed: number;
  seeds: number;
  optima: Optimum[];
  interrupted: boolean;
}

/** Cartesian product of the free parameters' declared starts, in internal coordinates. */
export function declaredStarts(prob: FitProblem, starts: number[][]): Float64Array[] {
  const lists = prob.free.map((j, k) => {
    const s = starts[j].filter((v) => Number.isFinite(v) && (!prob.logParam[j] || v > 0));
    if (s.length > 0) return s.map((v) => (prob.logParam[j] ? Math.log(v) : v));
    return [defaultStart(prob.lo[k], prob.hi[k])];
  });
  // An odometer over the lists, last parameter fastest (the order screenGrid assumes), into one
  // buffer the starts are views of: thousands of small typed arrays each cost a microsecond or more
  // in a cold process (nothing may write to a start; every optimizer copies its start first).
  const p = lists.length;
  const total = lists.reduce((a, l) => a * l.length, 1);
  const all = new Float64Array(total * p);
  const digits = new Int32Array(p);
  const cur = Float64Array.from(lists, (l) => l[0]);
  for (let s = 0; s < total; s++) {
    all.set(cur, s * p);
    let k = p - 1;
    while (k >= 0 && ++digits[k] === lists[k].length) {
      digits[k] = 0;
      cur[k] = lists[k][0];
      k--;
    }
    if (k >= 0) cur[k] = lists[k][digits[k]];
  }
  const out = new Array<Float64Array>(total);
  for (let s = 0; s < total; s++) out[s] = all.subarray(s * p, s * p + p);
  knownGrid(out, lists);
  return out;
}

function defaultStart(lo: number, hi: number): number {
  if (Number.isFinite(lo) && Number.isFinite(hi)) return (lo + hi) / 2;
  if (Number.isFinite(lo)) return lo + 1;
  if (Number.isFinite(hi)) return hi - 1;
  return 0;
}

/** A run this close (relative, per internal coordinate) to a known optimum, and not below it, stops. */
const JOIN_TOL = 1e-2;
/** Relative objective decrease below which a phase-1 run counts as arrived. */
const LOOSE_FTOL = 1e-7;
/** How many distinct optima get the full-precision polish. */
const POLISH = 3;

function near(a: Float64Array, b: Float64Array, tol: number): boolean {
  for (let k = 0; k < a.length; k++) if (Math.abs(a[k] - b[k]) > tol * (1 + Math.abs(b[k]))) return false;
  return true;
}

export async function multiStart(
  ev: Evaluator,
  starts: Float64Array[],
  opts: MultiStartOptions = {},
): Promise<MultiStartResult> {
  const pause = yielder();
  const prob = ev.prob;
  const declared = starts.length;
  if (opts.columns && prob.objective.loss === 'squares' && !prob.objective.onLog) {
    const ls = findLinearStructure(prob, opts.columns);
    if (ls && ls.nonlinear.length > 0) return multiStartVarPro(ev, ls, starts, opts, pause);
  }
  if (opts.columns) {
    const so = new SecondOrder(prob, opts.columns);
    const lists = gridOf(starts);
    const seeds = opts.exhaustive ? [] : varproSeeds(ev.prob, starts, opts.columns, (u) => so.value(u));
    // Screening only has to rank the first block exactly; the guard rescreens if it widens.
    const keep = opts.exhaustive ? Infinity : firstBlock(declared, seeds.length, opts.optimize);
    const screen = lists
      ? screenGrid(so, prob, opts.columns, lists, keep)
      : { values: Float64Array.from(starts, (u) => so.value(u)) };
    return searchNewton(so, starts, screen, { ...opts, seeds }, pause);
  }
  const r = new Float64Array(ev.n);
  const seeds: Float64Array[] = [];
  const candidates = [...starts, ...seeds].map((u) => ({ u, v: ev.value(u, r) }));
  candidates.sort((a, b) => (Number.isNaN(a.v) ? Infinity : a.v) - (Number.isNaN(b.v) ? Infinity : b.v));
  const budget = opts.exhaustive
    ? candidates.length
    : Math.min(candidates.length, (opts.optimize ?? Math.max(24, Math.ceil(0.01 * declared))) + seeds.length);
  const ws = new LmWorkspace(ev.n, ev.p);
  const optima: Optimum[] = [];
  let best: LmResult | undefined;
  let optimized = 0;
  let interrupted = false;
  const join = (u: Float64Array, value: number): boolean => {
    for (const o of optima) if (value >= o.value && near(u, o.u, JOIN_TOL)) return true;
    return false;
  };
  // Phase 1: every selected start to a loose tolerance; the slow tail of IRLS is only worth
  // paying for the optima that can win.
  for (let i = 0; i < budget; i++) {
    const c = candidates[i];
    if (!Number.isFinite(c.v)) break;
    await pause();
    if (opts.interrupt?.()) {
      interrupted = true;
      break;
    }
    const res = levenbergMarquardt(
      ev,
      c.u,
      { join, interrupt: opts.interrupt, maxIterations: 300, ftol: LOOSE_FTOL },
      ws,
    );
    optimized++;
    if (res.stop === 'interrupted') interrupted = true;
    if (!Number.isFinite(res.value)) continue;
    record(optima, res);
    if (interrupted) break;
  }
  // Phase 2: polish the best few distinct optima to full precision.
  optima.sort((a, b) => a.value - b.value);
  for (const o of optima.slice(0, POLISH)) {
    if (interrupted) break;
    const res = levenbergMarquardt(ev, o.u, { interrupt: opts.interrupt, maxIterations: 2000 }, ws);
    if (res.stop === 'interrupted') interrupted = true;
    if (Number.isFinite(res.value) && res.value <= o.value) {
      o.u = Float64Array.from(res.u);
      o.value = res.value;
    }
    if (Number.isFinite(res.value) && (!best || res.value < best.value)) best = res;
  }
  merge(optima);
  optima.sort((a, b) => a.value - b.value);
  if (!best) {
    // Interrupted before any polish: the best point reached so far (or screened) still counts.
    const c0 = candidates[0];
    const top = optima[0] ?? (c0 && Number.isFinite(c0.v) ? { u: c0.u, value: c0.v, hits: 0 } : undefined);
    if (top) {
      if (optima.length === 0) optima.push(top);
      best = { u: Float64Array.from(top.u), value: top.value, iterations: 0, stop: 'interrupted', converged: false };
    }
  }
  return {
    best,
    declared,
    screened: candidates.length,
    optimized,
    agreed: optima[0]?.hits ?? 0,
    seeds: seeds.length,
    optima,
    interrupted,
  };
}

/**
 * Yields to the event loop at most every 20 ms, so an AbortSignal (abort(), AbortSignal.timeout)
 * can land while a search runs on the caller's thread.
 */
export function yielder(everyMs = 20): () => Promise<void> {
  let last = nowMs();
  return async () => {
    if (nowMs() - last < everyMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    last = nowMs();
  };
}

/** After polishing, optima that met are merged. */
function merge(optima: Optimum[]): void {
  for (let a = 0; a < optima.length; a++)
    for (let b = optima.length - 1; b > a; b--)
      if (near(optima[b].u, optima[a].u, JOIN_TOL / 10)) {
        optima[a].hits += optima[b].hits;
        optima.splice(b, 1);
      }
  optima.sort((x, y) => x.value - y.value);
}

/**
 * Squares in linear space with linear parameters: variable projection is the objective. Every
 * declared start projects onto its nonlinear coordinates (the linear ones are solved exactly,
 * whatever they started at), so the distinct projections are all the starts there are.
 */
async function multiStartVarPro(
  ev: Evaluator,
  ls: LinearStructure,
  starts: Float64Array[],
  opts: MultiStartOptions,
  pause: () => Promise<void>,
): Promise<MultiStartResult> {
  const vp = new VarProEvaluator(ev, ls);
  const nlPos = ls.nonlinear.map((j) => ev.prob.free.indexOf(j));
  const unique = new Map<string, Float64Array>();
  for (const s of starts) {
    const v = Float64Array.from(nlPos, (k) => s[k]);
    unique.set(v.join(','), v);
  }
  const r = new Float64Array(ev.n);
  const candidates = [...unique.values()].map((v) => ({ v, f: vp.eval(v, r) }));
  candidates.sort((a, b) => (Number.isNaN(a.f) ? Infinity : a.f) - (Number.isNaN(b.f) ? Infinity : b.f));
  const budget = opts.exhaustive
    ? candidates.length
    : Math.min(candidates.length, opts.optimize ?? Math.max(24, Math.ceil(0.01 * starts.length)));
  const ws = new LmWorkspace(vp.n, vp.p);
  const optima: Optimum[] = [];
  let optimized = 0;
  let interrupted = false;
  const join = (u: Float64Array, value: number): boolean => {
    for (const o of optima) if (value >= o.value && near(u, o.u, JOIN_TOL)) return true;
    return false;
  };
  for (let i = 0; i < budget && !interrupted; i++) {
    if (!Number.isFinite(candidates[i].f)) break;
    await pause();
    if (opts.interrupt?.()) {
      interrupted = true;
      break;
    }
    const res = levenbergMarquardt(
      vp,
      candidates[i].v,
      { join, interrupt: opts.interrupt, maxIterations: 300, ftol: LOOSE_FTOL },
      ws,
    );
    optimized++;
    if (res.stop === 'interrupted') interrupted = true;
    if (Number.isFinite(res.value)) record(optima, res);
  }
  optima.sort((a, b) => a.value - b.value);
  // Polish the best few in the projected space, then once in the full space so the answer is a
  // stationary point of the full problem (and its diagnostics read the full Jacobian).
  let best: LmResult | undefined;
  const fullWs = new LmWorkspace(ev.n, ev.p);
  const fullOptima: Optimum[] = [];
  let polished = 0;
  for (const o of optima.slice(0, POLISH)) {
    if (interrupted) break;
    polished++;
    const res = levenbergMarquardt(vp, o.u, { interrupt: opts.interrupt, maxIterations: 2000 }, ws);
    const u = vp.full(Number.isFinite(res.value) && res.value <= o.value ? res.u : o.u);
    if (!u) continue;
    const fin = levenbergMarquardt(ev, u, { interrupt: opts.interrupt, maxIterations: 200 }, fullWs);
    if (fin.stop === 'interrupted') interrupted = true;
    if (!Number.isFinite(fin.value)) continue;
    fullOptima.push({ u: Float64Array.from(fin.u), value: fin.value, hits: o.hits });
    if (!best || fin.value < best.value) best = fin;
  }
  for (const o of optima.slice(polished)) {
    const u = vp.full(o.u);
    if (u) fullOptima.push({ u, value: o.value, hits: o.hits });
  }
  merge(fullOptima);
  if (!best && fullOptima[0]) {
    const top = fullOptima[0];
    best = { u: Float64Array.from(top.u), value: top.value, iterations: 0, stop: 'interrupted', converged: false };
  }
  return {
    best,
    declared: starts.length,
    screened: candidates.length,
    optimized,
    agreed: fullOptima[0]?.hits ?? 0,
    seeds: 0,
    optima: fullOptima,
    interrupted,
  };
}

function record(optima: Optimum[], res: LmResult): void {
  for (const o of optima) {
    if (near(res.u, o.u, JOIN_TOL)) {
      o.hits++;
      if (res.value < o.value) {
        o.value = res.value;
        o.u = Float64Array.from(res.u);
      }
      return;
    }
  }
  optima.push({ u: Float64Array.from(res.u), value: res.value, hits: 1 });
}

/**
 * Variable-projection seeds: a fine grid over the nonlinear parameters (each declared step halved),
 * the linear ones solved exactly; the best few by `objective` become extra starts.
 */
export function varproSeeds(
  prob: FitProblem,
  starts: Float64Array[],
  columns: Float64Array[],
  objective: (u: Float64Array) => number,
  keep = 4,
): Float64Array[] {
  const ls = findLinearStructure(prob, columns);
  if (!ls || ls.nonlinear.length === 0 || ls.nonlinear.length > 3) return [];
  const lists = gridOf(starts);
  const grids = ls.nonlinear.map((j) => {
    const k = prob.free.indexOf(j);
    const vals = [...new Set(lists ? lists[k] : starts.map((s) => s[k]))].sort((a, b) => a - b);
    if (vals.length < 2) return vals;
    const fine: number[] = [];
    for (let m = 0; m + 1 < vals.length; m++)
      for (let q = 0; q < 2; q++) fine.push(vals[m] + ((vals[m + 1] - vals[m]) * q) / 2);
    fine.push(vals[vals.length - 1]);
    return fine.filter((v) => v >= prob.lo[k] && v <= prob.hi[k]);
  });
  let combos = grids.reduce((a, g) => a * g.length, 1);
  if (combos > 5000 || combos === 0) return [];
  const n = prob.rows;
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++)
    w[i] = (prob.objective.onLog ? 1 / (prob.y[i] * prob.y[i]) : 1) * (prob.weights?.[i] ?? 1);
  const theta = new Float64Array(prob.base);
  const solve = gridSolver(
    ls,
    prob,
    w,
    grids.map((g) => g.length),
  );
  const found: { u: Float64Array; v: number }[] = [];
  const idx = new Array<number>(grids.length).fill(0);
  for (; combos > 0; combos--) {
    ls.nonlinear.forEach((j, m) => {
      const v = grids[m][idx[m]];
      theta[j] = prob.logParam[j] ? Math.exp(v) : v;
    });
    const x = solve(theta, idx);
    if (x) {
      ls.linear.forEach((j, m) => (theta[j] = x[m]));
      if (ls.linear.every((j) => !prob.logParam[j] || theta[j] > 0)) {
        const u = toInternal(prob, theta);
        const v = objective(u);
        if (Number.isFinite(v)) found.push({ u, v });
      }
    }
    for (let m = 0; m < idx.length; m++) {
      idx[m]++;
      if (idx[m] < grids[m].length) break;
      idx[m] = 0;
    }
  }
  found.sort((a, b) => a.v - b.v);
  return found.slice(0, keep).map((f) => f.u);
}
