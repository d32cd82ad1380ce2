// The multi-start search on the second-order kernel (newton.ts), for every objective that is not
// solved by variable projection. Screening evaluates every declared start; the optimizer runs
// from the best-screened block, and a documented guard widens the screen while the results say
// it cannot be trusted yet:
//
//   after each block of starts, optimize the next block of the same size when
//   (a) fewer than 2 optimized starts agree on the best optimum (it was found by luck), or
//   (b) the best optima disagree: a distinct optimum comes within 10% of the best objective
//       (competing basins, so the ranking by initial objective decides too much), or
//   (c) a block after the first improved the best objective (the screen was not exhausted).
//
// Phase 1 runs start on the IRLS/Gauss–Newton matrix (better than the exact Hessian far from an
// optimum, where the Huber Hessian is indefinite) and switch to the exact Hessian once they
// crawl (EXACT_BELOW); the polish of the best optima uses the exact Hessian throughout.
// `search exhaustive` optimizes every start instead, split across worker threads.
import { evalScalar as evalScalarNode, paramDeps, type Node } from './compile';
import type { LmResult } from './lm';
import { newtonLM, NewtonWorkspace, SecondOrder } from './newton';
import type { GridPlan, ScreenOp } from './screenWasm';
import type { BoundLaw, Objective, ParamSpec } from '../model';
import type { Expr } from '../syntax/ast';
import { buildProblem, type FitProblem } from './problem';

export interface SearchOptions {
  interrupt?: () => boolean;
  exhaustive?: boolean;
  /** Size of the first block of screened starts (default max(24, 1% of declared) + seeds). */
  optimize?: number;
  /** Threads for `exhaustive` (default 2: this one and one worker). */
  workers?: number;
  /** Runs a block of starts on a worker thread; undefined: everything runs in this thread. */
  runBlock?: (starts: Float64Array[]) => Promise<BlockResult>;
  /** Extra starts (variable-projection seeds), optimized first. */
  seeds?: Float64Array[];
}

export interface SearchOptimum {
  u: Float64Array;
  value: number;
  hits: number;
}

export interface BlockResult {
  optima: SearchOptimum[];
  optimized: number;
  interrupted: boolean;
}

export interface SearchResult {
  best: LmResult | undefined;
  declared: number;
  screened: number;
  optimized: number;
  agreed: number;
  seeds: number;
  optima: SearchOptimum[];
  interrupted: boolean;
  /** Blocks the guard added beyond the first. */
  widened: number;
}

/** A block of starts for a worker thread (structured-clone friendly). */
export interface SearchTask {
  formula: Expr;
  params: ParamSpec[];
  variables: string[];
  objective: Objective;
  columns: Float64Array[];
  y: Float64Array;
  weights?: Float64Array;
  starts: Float64Array[];
  /** Date.now() ms, valid across threads. */
  deadline: number;
}

export function searchTaskOf(law: Pick<BoundLaw, 'formula' | 'params' | 'variables' | 'objective'>) {
  return { formula: law.formula, params: law.params, variables: law.variables, objective: law.objective };
}

/** A worker's share of an exhaustive search. */
export function runSearchTask(task: SearchTask): BlockResult {
  const prob = buildProblem(task, task.columns, task.y, task.weights);
  const so = new SecondOrder(prob, task.columns);
  return optimizeBlock(so, task.starts, [], () => Date.now() > task.deadline);
}

/** A run this close (relative, per internal coordinate) to a known optimum, and not below it, stops. */
const JOIN_TOL = 1e-2;
const LOOSE_FTOL = 1e-7;
const POLISH = 3;
const JOINABLE = 16;
/**
 * Phase 1 starts on the IRLS matrix and switches to the exact Hessian once a step gains less than
 * 10% (measured on Epoch's 49 best starts: 1,105 evaluations instead of 2,018, same optimum).
 */
const EXACT_BELOW = 0.1;
/** A distinct optimum within this factor of the best competes with it (guard (b)). */
const COMPETING = 1.1;

function near(a: Float64Array, b: Float64Array, tol: number): boolean {
  for (let k = 0; k < a.length; k++) if (Math.abs(a[k] - b[k]) > tol * (1 + Math.abs(b[k]))) return false;
  return true;
}

function record(optima: SearchOptimum[], u: Float64Array, value: number, hits = 1): SearchOptimum {
  for (const o of optima) {
    if (near(u, o.u, JOIN_TOL)) {
      o.hits += hits;
      if (value < o.value) {
        o.value = value;
        o.u = Float64Array.from(u);
      }
      return o;
    }
  }
  const o = { u: Float64Array.from(u), value, hits };
  optima.push(o);
  return o;
}

/** Phase 1 from each start, stopping runs that join an optimum already found. */
export function optimizeBlock(
  so: SecondOrder,
  starts: Float64Array[],
  optima: SearchOptimum[],
  interrupt?: () => boolean,
  ws = new NewtonWorkspace(so.p),
): BlockResult {
  // Runs join only the best few optima (a flat valley leaves thousands of distinct end points,
  // and checking every one at every step cost more than the steps it saved).
  let joinable = [...optima].sort((a, b) => a.value - b.value).slice(0, JOINABLE);
  const join = (u: Float64Array, value: number): boolean => {
    for (const o of joinable) if (value >= o.value && near(u, o.u, JOIN_TOL)) return true;
    return false;
  };
  let optimized = 0;
  let best = joinable[0]?.value ?? Infinity;
  const bestKnown = () => best;
  for (const s of starts) {
    if (interrupt?.()) return { optima, optimized, interrupted: true };
    const res = newtonLM(
      so,
      s,
      { join, interrupt, maxIterations: 300, ftol: LOOSE_FTOL, exact: false, exactBelow: EXACT_BELOW, bestKnown },
      ws,
    );
    optimized++;
    if (res.stop === 'interrupted') return { optima, optimized, interrupted: true };
    if (!Number.isFinite(res.value)) continue;
    const o = record(optima, res.u, res.value);
    best = Math.min(best, res.value);
    if (!joinable.includes(o) && (joinable.length < JOINABLE || o.value < joinable[joinable.length - 1].value))
      joinable = [...joinable, o].sort((a, b) => a.value - b.value).slice(0, JOINABLE);
    else if (joinable.includes(o)) joinable.sort((a, b) => a.value - b.value);
  }
  return { optima, optimized, interrupted: false };
}

/** Start lists built as a Cartesian product (declaredStarts), with their value lists. */
const grids = new WeakMap<Float64Array[], number[][]>();

/**
 * Records that `starts` is (or is being filled as) the product of `lists` in gridOf's order, so
 * gridOf need not recover it from 4,500 starts; lists with a repeated value are not a grid.
 */
export function knownGrid(starts: Float64Array[], lists: number[][]): void {
  if (lists.every((l) => new Set(l).size === l.length)) grids.set(starts, lists);
}

/**
 * When the starts are a full Cartesian grid (declaredStarts' order, last coordinate fastest),
 * the distinct values per coordinate; undefined otherwise.
 */
export function gridOf(starts: Float64Array[]): number[][] | undefined {
  const known = grids.get(starts);
  if (known) return known;
  if (starts.length === 0) return undefined;
  const p = starts[0].length;
  const lists: number[][] = [];
  for (let k = 0; k < p; k++) lists.push([...new Set(starts.map((s) => s[k]))]);
  const total = lists.reduce((a, l) => a * l.length, 1);
  if (total !== starts.length) return undefined;
  const digits = new Array<number>(p).fill(0);
  for (const s of starts) {
    for (let k = 0; k < p; k++) if (s[k] !== lists[k][digits[k]]) return undefined;
    for (let k = p - 1; k >= 0; k--) {
      if (++digits[k] < lists[k].length) break;
      digits[k] = 0;
    }
  }
  return lists;
}

/**
 * Screened objectives of the declared starts. Where `partial[i]` is 1, values[i] is only a lower
 * bound: the start was abandoned once its running sum showed it could not be among the best
 * `keep` (screenGrid); `rescreen` gives every value in full when the search must look further.
 */
export interface Screen {
  values: Float64Array;
  partial?: Uint8Array;
  rescreen?: () => Float64Array;
}

const EMPTY = new Float64Array(0);

/** The largest of the `keep` smallest finite values offered so far (Infinity until there are `keep`). */
class KeepBest {
  private readonly heap: Float64Array;
  private size = 0;
  constructor(private readonly keep: number) {
    this.heap = new Float64Array(Number.isFinite(keep) ? keep : 0);
  }
  get limit(): number {
    return this.size === this.keep && this.size > 0 ? this.heap[0] : Infinity;
  }
  offer(v: number): void {
    if (!Number.isFinite(v) || this.keep === 0 || !Number.isFinite(this.keep)) return;
    const h = this.heap;
    if (this.size < this.keep) {
      let i = this.size++;
      while (i > 0 && h[(i - 1) >> 1] < v) {
        h[i] = h[(i - 1) >> 1];
        i = (i - 1) >> 1;
      }
      h[i] = v;
    } else if (v < h[0]) {
      // Replace the largest and sift down.
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= this.size) break;
        const c = l + 1 < this.size && h[l + 1] > h[l] ? l + 1 : l;
        if (h[c] <= v) break;
        h[i] = h[c];
        i = c;
      }
      h[i] = v;
    }
  }
}

/**
 * The objective at every start of a Cartesian grid. A sub-formula that depends on a few
 * parameters only (N^alpha on alpha, A/N^alpha on A and alpha) is computed once per combination
 * of their grid values and reused, so screening 4,500 Chinchilla starts costs little more than
 * 4,500 additions, logs and Huber terms per row. Values of starts that are invalid are NaN.
 * With `keep`, a start whose running sum already exceeds the keep-th best full value so far is
 * abandoned (its value is that partial sum, marked partial): every Huber or squared term is
 * non-negative, so it cannot be among the best `keep`, and the best `keep` come out exactly as
 * without the shortcut.
 */
export function screenGrid(
  so: SecondOrder,
  prob: FitProblem,
  columns: readonly Float64Array[],
  lists: number[][],
  keep = Infinity,
): Screen {
  const n = prob.rows;
  const p = lists.length;
  const total = lists.reduce((a, l) => a * l.length, 1);
  const theta = lists.map((l, k) => {
    const j = prob.free[k];
    return l.map((v) => (prob.logParam[j] ? Math.exp(v) : v));
  });
  interface S {
    node: Node;
    kids: S[];
    deps: number[];
    strides: number[];
    combos: number;
    cache: (Float64Array | undefined)[] | undefined;
    /** Where the cache's columns go (the kernel's reserved columns for the root's operands). */
    slots?: Float64Array[];
    scratch: Float64Array;
    fixed: Float64Array | undefined;
  }
  const nodes: S[] = [];
  const build = (m: Node): S => {
    const deps = paramDeps(m)
      .map((j) => prob.free.indexOf(j))
      .filter((k) => k >= 0);
    const kids =
      m.op === 'min' || m.op === 'max'
        ? m.args.map(build)
        : 'b' in m
          ? [build(m.a), build(m.b)]
          : 'a' in m
            ? [build(m.a)]
            : [];
    const strides: number[] = [];
    let combos = 1;
    for (let d = deps.length - 1; d >= 0; d--) {
      strides[d] = combos;
      combos *= lists[deps[d]].length;
    }
    const cacheable = deps.length > 0 && combos * 4 <= total && combos * n <= 4_000_000;
    const s: S = {
      node: m,
      kids,
      deps,
      strides,
      combos,
      cache: cacheable ? new Array<Float64Array | undefined>(combos) : undefined,
      scratch: EMPTY,
      fixed: undefined,
    };
    nodes.push(s);
    return s;
  };
  const root = build(prob.node);
  // The root's own column is made a chunk of rows at a time as the objective reads it, so an
  // abandoned start stops computing it too.
  const lazyRoot = !root.cache && root.deps.length > 0 && root.node.op !== 'param';
  // Every column screening makes lives in the WebAssembly kernel's memory when there is one
  // (screenWasm.ts: the root operation and the objective run there, the same numbers).
  const rootOp: ScreenOp = lazyRoot ? (root.node.op as ScreenOp) : 'none';
  // With every operand of the root fixed or cached, the whole loop over starts runs in the kernel.
  const plan: GridPlan | undefined =
    lazyRoot && root.kids.length <= 2 && root.kids.every((k) => k.deps.length === 0 || k.cache)
      ? {
          sizes: lists.map((l) => l.length),
          keep,
          kids: root.kids.map((k) =>
            k.deps.length === 0
              ? { fixed: true as const }
              : { fixed: false as const, deps: k.deps, strides: k.strides, combos: k.combos },
          ),
        }
      : undefined;
  const kernel =
    root.kids.length <= 2 || !lazyRoot
      ? so.screenKernel(
          nodes.reduce((a, s) => a + 1 + (s.cache ? s.combos : 0), 0),
          rootOp,
          plan,
        )
      : undefined;
  const reserved = new Map<S, Float64Array[]>();
  if (kernel?.all) root.kids.forEach((k, c) => reserved.set(k, kernel.kidColumns[c]));
  const column = () => kernel?.column() ?? new Float64Array(n);
  const vars = new Float64Array(columns.length);
  for (const s of nodes) {
    if (s.deps.length > 0) {
      s.scratch = column();
      s.slots = reserved.get(s);
      continue;
    }
    const fixed = reserved.get(s)?.[0] ?? column();
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < columns.length; c++) vars[c] = columns[c][i];
      fixed[i] = evalScalarNode(s.node, prob.base, vars);
    }
    s.fixed = fixed;
  }
  const idx = new Int32Array(p);
  const evalNode = (s: S): Float64Array => {
    if (s.fixed) return s.fixed;
    let key = 0;
    if (s.cache) {
      for (let d = 0; d < s.deps.length; d++) key += idx[s.deps[d]] * s.strides[d];
      const hit = s.cache[key];
      if (hit) return hit;
    }
    const out = s.cache ? (s.slots?.[key] ?? column()) : s.scratch;
    const m = s.node;
    if (m.op === 'param') out.fill(theta[prob.free.indexOf(m.index)][idx[prob.free.indexOf(m.index)]]);
    else {
      const a = evalNode(s.kids[0]);
      const b = s.kids.length > 1 ? evalNode(s.kids[1]) : a;
      columnOp(m.op, out, a, b, 0, n);
      for (let c = 2; c < s.kids.length; c++) columnOp(m.op, out, out, evalNode(s.kids[c]), 0, n);
    }
    if (s.cache) s.cache[key] = out;
    return out;
  };
  const rootKids: Float64Array[] = [];
  const produceRoot = (from: number, to: number) => {
    const out = root.scratch;
    columnOp(root.node.op, out, rootKids[0], rootKids[1] ?? rootKids[0], from, to);
    for (let c = 2; c < rootKids.length; c++) columnOp(root.node.op, out, out, rootKids[c], from, to);
  };
  /** The start's objective (a lower bound once past `limit`): in the kernel when it can, else here. */
  const objective = (limit: number): number => {
    if (!lazyRoot) {
      const f = evalNode(root);
      return kernel?.objective(f, undefined, limit) ?? so.objectiveUpTo(f, limit);
    }
    for (let c = 0; c < root.kids.length; c++) rootKids[c] = evalNode(root.kids[c]);
    return kernel?.objective(rootKids[0], rootKids[1], limit) ?? so.objectiveUpTo(root.scratch, limit, produceRoot);
  };
  if (kernel?.all) {
    // Every cached operand column, in key order, then the loop over starts in the kernel.
    for (const kid of root.kids) {
      if (!kid.cache) continue;
      for (let key = 0; key < kid.combos; key++) {
        kid.deps.forEach((k, d) => (idx[k] = Math.floor(key / kid.strides[d]) % lists[k].length));
        evalNode(kid);
      }
    }
    const { values, partial } = kernel.all();
    return partial?.includes(1)
      ? { values, partial, rescreen: () => screenGrid(so, prob, columns, lists).values }
      : { values };
  }
  const values = new Float64Array(total);
  const partial = Number.isFinite(keep) ? new Uint8Array(total) : undefined;
  const best = new KeepBest(keep);
  for (let t = 0; t < total; t++) {
    const limit = best.limit;
    const v = objective(limit);
    values[t] = v;
    if (v > limit) partial![t] = 1;
    else best.offer(v);
    for (let k = p - 1; k >= 0; k--) {
      if (++idx[k] < lists[k].length) break;
      idx[k] = 0;
    }
  }
  return partial?.includes(1)
    ? { values, partial, rescreen: () => screenGrid(so, prob, columns, lists).values }
    : { values };
}

function columnOp(op: Node['op'], out: Float64Array, a: Float64Array, b: Float64Array, from: number, n: number): void {
  switch (op) {
    case 'neg':
      for (let i = from; i < n; i++) out[i] = -a[i];
      break;
    case 'exp':
      for (let i = from; i < n; i++) out[i] = Math.exp(a[i]);
      break;
    case 'log':
      for (let i = from; i < n; i++) out[i] = Math.log(a[i]);
      break;
    case 'add':
      for (let i = from; i < n; i++) out[i] = a[i] + b[i];
      break;
    case 'sub':
      for (let i = from; i < n; i++) out[i] = a[i] - b[i];
      break;
    case 'mul':
      for (let i = from; i < n; i++) out[i] = a[i] * b[i];
      break;
    case 'div':
      for (let i = from; i < n; i++) out[i] = a[i] / b[i];
      break;
    case 'pow':
      for (let i = from; i < n; i++) out[i] = Math.pow(a[i], b[i]);
      break;
    case 'min':
      for (let i = from; i < n; i++) out[i] = a[i] <= b[i] ? a[i] : b[i];
      break;
    case 'max':
      for (let i = from; i < n; i++) out[i] = a[i] >= b[i] ? a[i] : b[i];
      break;
    default:
      throw new Error(`unreachable: ${op}`);
  }
}

/** How many screened starts (seeds included) the first block optimizes. */
export function firstBlock(declared: number, seeds: number, optimize?: number): number {
  return optimize ?? Math.max(24, Math.ceil(0.01 * declared)) + seeds;
}

/** Screened (or exhaustive) multi-start on the exact-Hessian kernel. */
export async function searchNewton(
  so: SecondOrder,
  starts: Float64Array[],
  screen: Screen,
  opts: SearchOptions,
  pause: () => Promise<void>,
): Promise<SearchResult> {
  // Exhaustive: every declared start is optimized, so seeds would only add runs.
  const seeds = opts.exhaustive ? [] : (opts.seeds ?? []);
  const declared = starts.length;
  const seedValues = seeds.map((u) => so.value(u));
  /** Seeds and starts with a finite value, best first; abandoned starts (`partial`) left out. */
  const ranked = (values: Float64Array, partial?: Uint8Array) => {
    const order: { u: Float64Array; v: number }[] = seeds.map((u, i) => ({ u, v: seedValues[i] }));
    for (let i = 0; i < declared; i++)
      if (Number.isFinite(values[i]) && !partial?.[i]) order.push({ u: starts[i], v: values[i] });
    return order.filter((c) => Number.isFinite(c.v)).sort((a, b) => a.v - b.v);
  };
  // Abandoned starts rank behind every fully screened one that can be in the first block: the
  // first block needs only the others; past it, the order needs every start's full value.
  let finite = ranked(screen.values, screen.partial);
  let complete = !screen.partial;
  const ws = new NewtonWorkspace(so.p);
  let optima: SearchOptimum[] = [];
  let optimized = 0;
  let interrupted = false;
  let widened = 0;
  const bestValue = () => optima.reduce((m, o) => Math.min(m, o.value), Infinity);
  const block = firstBlock(declared, seeds.length, opts.optimize);
  if (opts.exhaustive && !complete) {
    finite = ranked(screen.rescreen!());
    complete = true;
  }
  if (opts.exhaustive) {
    const threads = Math.max(1, Math.min(opts.workers ?? 2, 8));
    // Interleaved shares, so every thread gets good and poor starts alike.
    const shares = Array.from({ length: threads }, (_, t) =>
      finite.filter((_, i) => i % threads === t).map((c) => c.u),
    );
    const remote = opts.runBlock ? shares.slice(1).map((s) => opts.runBlock!(s).catch(() => undefined)) : [];
    const local = opts.runBlock ? [shares[0]] : shares;
    for (const share of local) {
      for (let i = 0; i < share.length && !interrupted; i += 16) {
        await pause();
        const r = optimizeBlock(so, share.slice(i, i + 16), optima, opts.interrupt, ws);
        optimized += r.optimized;
        interrupted = r.interrupted;
      }
    }
    for (const [t, r] of (await Promise.all(remote)).entries()) {
      if (r) {
        optimized += r.optimized;
        interrupted ||= r.interrupted;
        for (const o of r.optima) record(optima, o.u, o.value, o.hits);
      } else if (!interrupted) {
        // The worker could not run: its share runs here.
        const res = optimizeBlock(so, shares[t + 1], optima, opts.interrupt, ws);
        optimized += res.optimized;
        interrupted = res.interrupted;
      }
    }
  } else {
    let end = 0;
    while (end < finite.length && !interrupted) {
      const before = bestValue();
      const next = finite.slice(end, end + block).map((c) => c.u);
      for (let i = 0; i < next.length && !interrupted; i += 8) {
        await pause();
        const r = optimizeBlock(so, next.slice(i, i + 8), optima, opts.interrupt, ws);
        optimized += r.optimized;
        interrupted = r.interrupted;
      }
      const improved = end > 0 && bestValue() < before * (1 - 1e-9);
      end += next.length;
      const best = optima.reduce((b, o) => (o.value < b.value ? o : b), optima[0]);
      const agreed = best ? best.hits : 0;
      const disagree = optima.some((o) => o !== best && o.value <= best.value * COMPETING);
      if (!(agreed < 2 || disagree || improved)) break;
      if (!complete) {
        finite = ranked(screen.rescreen!());
        complete = true;
      }
      if (end < finite.length) widened++;
    }
  }
  // Polish the best few distinct optima to full precision.
  optima.sort((a, b) => a.value - b.value);
  let best: LmResult | undefined;
  for (const o of optima.slice(0, POLISH)) {
    if (interrupted) break;
    const res = newtonLM(so, o.u, { interrupt: opts.interrupt, maxIterations: 100, ftol: 1e-15 }, ws);
    if (res.stop === 'interrupted') interrupted = true;
    if (Number.isFinite(res.value) && res.value <= o.value) {
      o.u = Float64Array.from(res.u);
      o.value = res.value;
    }
    if (Number.isFinite(res.value) && (!best || res.value < best.value)) best = res;
  }
  // Optima that met while polishing are one.
  const merged: SearchOptimum[] = [];
  optima.sort((a, b) => a.value - b.value);
  for (const o of optima) {
    const m = merged.find((x) => near(o.u, x.u, JOIN_TOL / 10));
    if (m) m.hits += o.hits;
    else merged.push(o);
  }
  optima = merged;
  if (!best && optima[0]) {
    const top = optima[0];
    best = { u: Float64Array.from(top.u), value: top.value, iterations: 0, stop: 'interrupted', converged: false };
  }
  if (!best && finite[0]) {
    const c0 = finite[0];
    optima.push({ u: c0.u, value: c0.v, hits: 0 });
    best = { u: Float64Array.from(c0.u), value: c0.v, iterations: 0, stop: 'interrupted', converged: false };
  }
  return {
    best,
    declared,
    screened: seeds.length + declared,
    optimized,
    agreed: optima[0]?.hits ?? 0,
    seeds: seeds.length,
    optima,
    interrupted,
    widened,
  };
}
