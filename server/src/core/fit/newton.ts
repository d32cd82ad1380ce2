// Second-order fit kernel: the objective, its exact gradient and its exact Hessian in the
// optimizer's internal coordinates, for any formula the compiler accepts. Column-vectorised like
// compile.ts's Program, but every intermediate also carries the (structurally non-zero) second
// derivatives, so Levenberg–Marquardt can use the true Hessian of the summed Huber objective
// instead of the IRLS majoriser: fewer iterations per start. Each operation only computes its
// local partials (d/da, d/db, d²/da², …); one generic chain rule turns them into gradients and
// Hessians, so every law gets the kernel, not only Chinchilla. No eval/Function: plain loops
// over typed arrays, with a handful of monomorphic kernels shared by all programs.
import { evalScalar, paramDeps, type Node } from './compile';
import { luSolve } from './linalg';
import type { LmResult } from './lm';
import { compileKernel, sumCount, type Kernel } from './newtonWasm';
import type { FitProblem } from './problem';
import { compileScreen, type GridPlan, type ScreenKernel, type ScreenOp } from './screenWasm';

export type Col = Float64Array;
/** A partial derivative: a number when it is the same on every row (1, -1), else a column. */
export type Part = number | Col;

export interface Slot {
  /** Internal coordinates this value depends on, ascending. */
  deps: number[];
  v: Col;
  /** Gradient columns, aligned with deps. */
  g: Col[];
  /** Structurally non-zero Hessian entries: keys a*P+b with a <= b, and their columns. */
  hk: number[];
  h: Col[];
}

type Op =
  'leaf' | 'leaflog' | 'neg' | 'exp' | 'log' | 'add' | 'sub' | 'mul' | 'div' | 'powc' | 'powx' | 'pow' | 'min' | 'max';

/** One step of the chain rule: out += coef * x (* y); the first term of each output sets it instead. */
interface Term {
  out: Col;
  coef: Part;
  x: Col;
  y: Col | undefined;
  set: boolean;
}

export interface Instr {
  op: Op;
  out: Slot;
  a: Slot | undefined;
  b: Slot | undefined;
  /** Internal coordinate of a leaf; the exponent of powc. */
  k: number;
  c: number;
  /** ln of a data base (powx), ln a (pow). */
  ln: Col | undefined;
  d1a: Part;
  d1b: Part;
  d2aa: Part;
  d2ab: Part;
  d2bb: Part;
  grad: Term[];
  hess: Term[];
}

const ZERO = 0;
/** Rows of a lazily produced prediction column made at a time (objectiveUpTo). */
const SCREEN_CHUNK = 32;

/** out += s * x */
function axpy(out: Col, s: number, x: Col, n: number): void {
  for (let i = 0; i < n; i++) out[i] += s * x[i];
}
/** out += c * x */
function axpyCol(out: Col, c: Col, x: Col, n: number): void {
  for (let i = 0; i < n; i++) out[i] += c[i] * x[i];
}
/** out += s * x * y */
function axpy2(out: Col, s: number, x: Col, y: Col, n: number): void {
  for (let i = 0; i < n; i++) out[i] += s * x[i] * y[i];
}
/** out += c * x * y */
function axpy2Col(out: Col, c: Col, x: Col, y: Col, n: number): void {
  for (let i = 0; i < n; i++) out[i] += c[i] * x[i] * y[i];
}

/** out = s * x (* y) */
function scale(out: Col, s: number, x: Col, n: number): void {
  for (let i = 0; i < n; i++) out[i] = s * x[i];
}
function scale2(out: Col, s: number, x: Col, y: Col, n: number): void {
  for (let i = 0; i < n; i++) out[i] = s * x[i] * y[i];
}
/** out = c * x (* y) */
function scaleCol(out: Col, c: Col, x: Col, n: number): void {
  for (let i = 0; i < n; i++) out[i] = c[i] * x[i];
}
function scale2Col(out: Col, c: Col, x: Col, y: Col, n: number): void {
  for (let i = 0; i < n; i++) out[i] = c[i] * x[i] * y[i];
}

function runTerms(terms: Term[], n: number): void {
  for (let t = 0; t < terms.length; t++) {
    const { out, coef, x, y, set } = terms[t];
    if (set) {
      if (typeof coef === 'number') {
        if (y === undefined) scale(out, coef, x, n);
        else scale2(out, coef, x, y, n);
      } else if (y === undefined) scaleCol(out, coef, x, n);
      else scale2Col(out, coef, x, y, n);
    } else if (typeof coef === 'number') {
      if (y === undefined) axpy(out, coef, x, n);
      else axpy2(out, coef, x, y, n);
    } else if (y === undefined) axpyCol(out, coef, x, n);
    else axpy2Col(out, coef, x, y, n);
  }
}

/** The formula over the fit rows as a function of the internal vector u, with exact derivatives to second order. */
export class SecondOrder {
  readonly n: number;
  readonly p: number;
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  private readonly instrs: Instr[] = [];
  private readonly root: Slot;
  private readonly theta: Float64Array;
  private readonly onLog: boolean;
  private readonly huber: boolean;
  private readonly delta: number;
  private readonly yT: Float64Array;
  /** Per-row coefficients of the objective's chain rule. */
  private readonly cg: Float64Array;
  private readonly cgg: Float64Array;
  /** Residuals of the last objectiveOf() call. */
  private readonly res: Float64Array;
  /** The point of the last value() call, for derivatives(). */
  private readonly at: Float64Array;
  /** The objective's gradient and Hessian sums (see assemble). */
  private readonly sums: Float64Array;
  /** The tape compiled to WebAssembly (newtonWasm.ts), when the engine has it; the same numbers. */
  private readonly kernel: Kernel | undefined;
  private readonly leafInstrs: Instr[];
  private kernelWeights: 'ones' | 'prob' | undefined;
  evaluations = 0;

  constructor(
    readonly prob: FitProblem,
    columns: readonly Float64Array[],
    opts: { wasm?: boolean } = {},
  ) {
    this.n = prob.rows;
    this.p = prob.free.length;
    this.lo = prob.lo;
    this.hi = prob.hi;
    this.theta = new Float64Array(prob.base);
    this.onLog = prob.objective.onLog;
    this.huber = prob.objective.loss === 'huber';
    this.delta = prob.objective.loss === 'huber' ? prob.objective.delta : 0;
    this.yT = prob.yT;
    this.cg = new Float64Array(this.n);
    this.cgg = new Float64Array(this.n);
    this.at = new Float64Array(this.p);
    this.root = this.compile(prob.node, columns);
    this.sums = new Float64Array(sumCount(this.root, true));
    this.leafInstrs = this.instrs.filter((ins) => ins.op === 'leaf' || ins.op === 'leaflog');
    this.kernel =
      opts.wasm === false
        ? undefined
        : compileKernel({
            n: this.n,
            instrs: this.instrs,
            leaves: this.leafInstrs,
            root: this.root,
            onLog: this.onLog,
            huber: this.huber,
            delta: this.delta,
            yT: this.yT,
          });
    this.res = this.kernel?.res ?? new Float64Array(this.n);
  }

  /**
   * A screening kernel for this objective and root operation `op` (screenWasm.ts) with room for `columns` columns, or
   * undefined when this kernel runs in JavaScript (screening then computes the same there).
   */
  screenKernel(columns: number, op: ScreenOp, plan?: GridPlan): ScreenKernel | undefined {
    if (!this.kernel) return undefined;
    const kind = { onLog: this.onLog, huber: this.huber, delta: this.delta };
    return compileScreen(kind, this.yT, this.prob.weights, columns, op, plan);
  }

  /** Whether value() and derivatives() run as WebAssembly. */
  get compiled(): boolean {
    return this.kernel !== undefined;
  }

  get weights(): Float64Array | undefined {
    return this.prob.weights;
  }

  /** The summed objective at u (NaN when a prediction is invalid); remembers u for derivatives(). */
  value(u: ArrayLike<number>): number {
    this.evaluations++;
    for (let k = 0; k < this.p; k++) this.at[k] = u[k];
    const kernel = this.kernel;
    if (!kernel) {
      this.forward();
      return this.objectiveOf(this.root.v);
    }
    this.setTheta();
    const leaves = this.leafInstrs;
    for (let m = 0; m < leaves.length; m++) kernel.leaves[m] = this.theta[this.prob.free[leaves[m].k]];
    // Unweighted is weight 1 on every row: the same numbers (1·x is x, even for NaN and infinities).
    const w = this.prob.weights;
    if (w) {
      kernel.weights.set(w);
      this.kernelWeights = 'prob';
    } else if (this.kernelWeights !== 'ones') {
      kernel.weights.fill(1);
      this.kernelWeights = 'ones';
    }
    const total = kernel.value();
    return Number.isFinite(total) ? total : NaN;
  }

  /** The summed objective of predictions f over the fit rows (NaN when invalid). */
  objectiveOf(f: Float64Array): number {
    return this.objectiveUpTo(f, Infinity);
  }

  /**
   * objectiveOf(f), or, as soon as the running sum passes `limit`, that partial sum: a lower
   * bound, since every term is non-negative (screening abandons such a start). Below the limit the
   * result is objectiveOf's to the last bit.
   */
  objectiveUpTo(f: Float64Array, limit: number, produce?: (from: number, to: number) => void): number {
    const { n, onLog, yT, huber, delta } = this;
    // With `produce`, f is filled on demand, SCREEN_CHUNK rows ahead of the sum.
    let ready = produce ? 0 : n;
    const w = this.prob.weights;
    const res = this.res;
    // Neumaier-compensated sum: the objective is compared across engines to the last digits.
    let total = 0;
    let comp = 0;
    for (let i = 0; i < n; i++) {
      if (i === ready) {
        ready = Math.min(n, i + SCREEN_CHUNK);
        produce!(i, ready);
      }
      const r = (onLog ? Math.log(f[i]) : f[i]) - yT[i];
      res[i] = r;
      let rho: number;
      if (huber) {
        const a = Math.abs(r);
        rho = a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
      } else rho = r * r;
      if (w) rho = w[i] === 0 ? 0 : w[i] * rho;
      const t = total + rho;
      comp += Math.abs(total) >= Math.abs(rho) ? total - t + rho : rho - t + total;
      total = t;
      if (total > limit) return total;
    }
    total += comp;
    return Number.isFinite(total) ? total : NaN;
  }

  /**
   * Exact gradient g (p) and Hessian H (p×p) of the objective at the point of the last value()
   * call; with exact = false, H is the IRLS/Gauss–Newton matrix sum w (rho'(r)/r) r' r'^T
   * instead (positive semi-definite, a majoriser; no second derivatives of the formula needed).
   */
  derivatives(g: Float64Array, H: Float64Array, exact = true): void {
    if (this.kernel) {
      this.kernel.derivatives(exact);
      this.assemble(this.kernel.sums, g, H, exact);
      return;
    }
    const { n, onLog, huber, delta, cg, cgg, res, sums } = this;
    for (const ins of this.instrs) {
      this.partials(ins, exact);
      runTerms(ins.grad, n);
      if (exact) runTerms(ins.hess, n);
    }
    const f = this.root.v;
    const w = this.prob.weights;
    // rho(r(f)): gradient psi r' f', Hessian (rho'' r'^2 + psi r'') f' f'^T + psi r' f''.
    for (let i = 0; i < n; i++) {
      const fi = f[i];
      const r = res[i];
      let psi: number;
      let curv: number;
      if (huber) {
        const a = Math.abs(r);
        psi = a <= delta ? r : r > 0 ? delta : -delta;
        curv = a <= delta ? 1 : 0;
      } else {
        psi = 2 * r;
        curv = 2;
      }
      const wi = w ? w[i] : 1;
      if (!exact) {
        // IRLS weight rho'(r)/r: 1 inside huber's delta, delta/|r| outside; 2 for squares.
        const c = huber ? (Math.abs(r) <= delta ? 1 : delta / Math.abs(r)) : 2;
        cg[i] = onLog ? (wi * psi) / fi : wi * psi;
        cgg[i] = onLog ? (wi * c) / (fi * fi) : wi * c;
        continue;
      }
      if (onLog) {
        cg[i] = (wi * psi) / fi;
        cgg[i] = (wi * (curv - psi)) / (fi * fi);
      } else {
        cg[i] = wi * psi;
        cgg[i] = wi * curv;
      }
    }
    const { g: fg, hk, h } = this.root;
    let o = 0;
    for (let a = 0; a < fg.length; a++) {
      const ga = fg[a];
      let s = 0;
      for (let i = 0; i < n; i++) s += cg[i] * ga[i];
      sums[o++] = s;
      for (let b = 0; b <= a; b++) {
        const gb = fg[b];
        let t = 0;
        for (let i = 0; i < n; i++) t += cgg[i] * ga[i] * gb[i];
        sums[o++] = t;
      }
    }
    for (let m = 0; m < (exact ? hk.length : 0); m++) {
      const col = h[m];
      let s = 0;
      for (let i = 0; i < n; i++) s += cg[i] * col[i];
      sums[o++] = s;
    }
    this.assemble(sums, g, H, exact);
  }

  /**
   * g and H from the objective's sums over the rows, in this order: for each dependency a of the
   * prediction, sum cg f_a, then sum cgg f_a f_b for b <= a; then (exact) sum cg f_ab for each
   * structurally non-zero second derivative. The WebAssembly kernel writes the same sums.
   */
  private assemble(sums: Float64Array, g: Float64Array, H: Float64Array, exact: boolean): void {
    const p = this.p;
    const { deps, hk } = this.root;
    g.fill(0);
    H.fill(0);
    let o = 0;
    for (let a = 0; a < deps.length; a++) {
      g[deps[a]] = sums[o++];
      for (let b = 0; b <= a; b++) H[deps[a] * p + deps[b]] = sums[o++];
    }
    for (let m = 0; m < (exact ? hk.length : 0); m++) {
      const a = Math.floor(hk[m] / p);
      const b = hk[m] % p;
      H[b * p + a] += sums[o++];
    }
    for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) H[b * p + a] = H[a * p + b];
  }

  private setTheta(): void {
    const { theta, at, prob } = this;
    for (let k = 0; k < this.p; k++) {
      const j = prob.free[k];
      theta[j] = prob.logParam[j] ? Math.exp(at[k]) : at[k];
    }
  }

  private forward(): void {
    const { theta, prob } = this;
    this.setTheta();
    const n = this.n;
    for (const ins of this.instrs) {
      const v = ins.out.v;
      const av = ins.a?.v;
      const bv = ins.b?.v;
      switch (ins.op) {
        case 'leaf':
        case 'leaflog':
          v.fill(theta[prob.free[ins.k]]);
          break;
        case 'neg':
          for (let i = 0; i < n; i++) v[i] = -av![i];
          break;
        case 'exp':
          for (let i = 0; i < n; i++) v[i] = Math.exp(av![i]);
          break;
        case 'log':
          for (let i = 0; i < n; i++) v[i] = Math.log(av![i]);
          break;
        case 'add':
          for (let i = 0; i < n; i++) v[i] = av![i] + bv![i];
          break;
        case 'sub':
          for (let i = 0; i < n; i++) v[i] = av![i] - bv![i];
          break;
        case 'mul':
          for (let i = 0; i < n; i++) v[i] = av![i] * bv![i];
          break;
        case 'div':
          for (let i = 0; i < n; i++) v[i] = av![i] / bv![i];
          break;
        case 'powx': {
          const ln = ins.ln!;
          for (let i = 0; i < n; i++) v[i] = Math.exp(bv![i] * ln[i]);
          break;
        }
        case 'powc':
          for (let i = 0; i < n; i++) v[i] = Math.pow(av![i], ins.c);
          break;
        case 'pow':
          for (let i = 0; i < n; i++) v[i] = Math.pow(av![i], bv![i]);
          break;
        case 'min':
          for (let i = 0; i < n; i++) v[i] = av![i] <= bv![i] ? av![i] : bv![i];
          break;
        case 'max':
          for (let i = 0; i < n; i++) v[i] = av![i] >= bv![i] ? av![i] : bv![i];
          break;
      }
    }
  }

  /** Local partials of one operation at the current values (second order only when `exact`). */
  private partials(ins: Instr, exact: boolean): void {
    const n = this.n;
    const v = ins.out.v;
    const av = ins.a?.v;
    const bv = ins.b?.v;
    const col = (x: Part): Col => x as Col;
    switch (ins.op) {
      case 'exp': {
        col(ins.d1a).set(v);
        if (exact) col(ins.d2aa).set(v);
        break;
      }
      case 'log': {
        const d1 = col(ins.d1a);
        const d2 = col(ins.d2aa);
        for (let i = 0; i < n; i++) {
          d1[i] = 1 / av![i];
          d2[i] = -d1[i] * d1[i];
        }
        break;
      }
      case 'mul':
        if (typeof ins.d1a !== 'number') ins.d1a.set(bv!);
        if (typeof ins.d1b !== 'number') ins.d1b.set(av!);
        break;
      case 'div': {
        // z = a/b: z_a = 1/b, z_b = -z/b, z_ab = -1/b², z_bb = 2z/b².
        const { d1a, d1b } = ins;
        // Second-order columns only for the exact Hessian (the IRLS matrix never reads them).
        const d2ab = exact ? ins.d2ab : 0;
        const d2bb = exact ? ins.d2bb : 0;
        for (let i = 0; i < n; i++) {
          const ib = 1 / bv![i];
          if (typeof d1a !== 'number') d1a[i] = ib;
          if (typeof d1b !== 'number') d1b[i] = -v[i] * ib;
          if (typeof d2ab !== 'number') d2ab[i] = -ib * ib;
          if (typeof d2bb !== 'number') d2bb[i] = 2 * v[i] * ib * ib;
        }
        break;
      }
      case 'powx': {
        // z = exp(b ln x): z_b = z ln x, z_bb = z ln² x.
        const ln = ins.ln!;
        const d1 = col(ins.d1b);
        const d2 = col(ins.d2bb);
        if (!exact) for (let i = 0; i < n; i++) d1[i] = v[i] * ln[i];
        else
          for (let i = 0; i < n; i++) {
            d1[i] = v[i] * ln[i];
            d2[i] = d1[i] * ln[i];
          }
        break;
      }
      case 'powc': {
        // z = a^c: z_a = c z/a, z_aa = c(c-1) z/a².
        const c = ins.c;
        const d1 = col(ins.d1a);
        const d2 = col(ins.d2aa);
        for (let i = 0; i < n; i++) {
          const q = av![i] === 0 ? 0 : v[i] / av![i];
          d1[i] = c * q;
          d2[i] = av![i] === 0 ? 0 : (c * (c - 1) * q) / av![i];
        }
        break;
      }
      case 'pow': {
        // z = a^b: z_a = b z/a, z_b = z ln a, z_aa = b(b-1) z/a², z_ab = z(1 + b ln a)/a, z_bb = z ln² a.
        const ln = ins.ln!;
        for (let i = 0; i < n; i++) {
          const a = av![i];
          const b = bv![i];
          const z = v[i];
          const l = z === 0 ? 0 : Math.log(a);
          ln[i] = l;
          const q = a === 0 ? 0 : z / a;
          col(ins.d1a)[i] = b * q;
          col(ins.d1b)[i] = z * l;
          col(ins.d2aa)[i] = a === 0 ? 0 : (b * (b - 1) * q) / a;
          col(ins.d2ab)[i] = q * (1 + b * l);
          col(ins.d2bb)[i] = z * l * l;
        }
        break;
      }
      case 'min':
      case 'max': {
        const da = col(ins.d1a);
        const db = col(ins.d1b);
        for (let i = 0; i < n; i++) {
          const pickA = ins.op === 'min' ? av![i] <= bv![i] : av![i] >= bv![i];
          da[i] = pickA ? 1 : 0;
          db[i] = pickA ? 0 : 1;
        }
        break;
      }
      default:
        break; // leaf, leaflog (its derivatives are its value), neg, add, sub: constant partials
    }
  }

  private compile(node: Node, columns: readonly Float64Array[]): Slot {
    const n = this.n;
    const prob = this.prob;
    const P = this.p;
    const newCol = () => new Float64Array(n);
    const constant = (m: Node): Slot => {
      const v = newCol();
      const vars = new Float64Array(columns.length);
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < columns.length; c++) vars[c] = columns[c][i];
        v[i] = evalScalar(m, prob.base, vars);
      }
      return { deps: [], v, g: [], hk: [], h: [] };
    };
    const union = (a: number[], b: number[]) => [...new Set([...a, ...b])].sort((x, y) => x - y);
    const key = (a: number, b: number) => (a <= b ? a * P + b : b * P + a);
    const gOf = (s: Slot, k: number) => {
      const i = s.deps.indexOf(k);
      return i >= 0 ? s.g[i] : undefined;
    };
    const freeDeps = (m: Node) =>
      paramDeps(m)
        .map((j) => prob.free.indexOf(j))
        .filter((k) => k >= 0);

    const emit = (
      op: Op,
      a: Slot | undefined,
      b: Slot | undefined,
      parts: { d1a?: Part; d1b?: Part; d2aa?: Part; d2ab?: Part; d2bb?: Part },
      extra: { c?: number; ln?: Col } = {},
    ): Slot => {
      const deps = union(a?.deps ?? [], b?.deps ?? []);
      const ins: Instr = {
        op,
        out: { deps, v: newCol(), g: [], hk: [], h: [] },
        a,
        b,
        k: -1,
        c: extra.c ?? 0,
        ln: extra.ln,
        d1a: parts.d1a ?? ZERO,
        d1b: parts.d1b ?? ZERO,
        d2aa: parts.d2aa ?? ZERO,
        d2ab: parts.d2ab ?? ZERO,
        d2bb: parts.d2bb ?? ZERO,
        grad: [],
        hess: [],
      };
      const out = ins.out;
      const nonzero = (x: Part) => x !== 0;
      for (const k of deps) {
        const ga = a && gOf(a, k);
        const gb = b && gOf(b, k);
        const list: { coef: Part; x: Col }[] = [];
        if (ga && nonzero(ins.d1a)) list.push({ coef: ins.d1a, x: ga });
        if (gb && nonzero(ins.d1b)) list.push({ coef: ins.d1b, x: gb });
        const only = list.length === 1 && list[0].coef === 1 ? list[0].x : undefined;
        const o = only ?? newCol();
        out.g.push(o);
        if (only) continue; // out = 1 · x: the operand's own column, nothing to compute (a sum's terms)
        list.forEach((t, m) => ins.grad.push({ out: o, coef: t.coef, x: t.x, y: undefined, set: m === 0 }));
      }
      // Hessian: first-order parts times the operands' Hessians, second-order parts times gradient products.
      const terms = new Map<number, Term[]>();
      const add = (kk: number, coef: Part, x: Col, y: Col | undefined) => {
        if (!nonzero(coef)) return;
        let list = terms.get(kk);
        if (!list) terms.set(kk, (list = []));
        list.push({ out: undefined as unknown as Col, coef, x, y, set: false });
      };
      if (a) a.hk.forEach((kk, m) => add(kk, ins.d1a, a.h[m], undefined));
      if (b) b.hk.forEach((kk, m) => add(kk, ins.d1b, b.h[m], undefined));
      const pairs = (s: Slot, t: Slot, coef: Part, both: boolean) => {
        for (let i = 0; i < s.deps.length; i++)
          for (let j = 0; j < t.deps.length; j++) {
            const ki = s.deps[i];
            const kj = t.deps[j];
            if (!both && kj < ki) continue;
            // Symmetric sum: both orders land on the same key; a diagonal pair from two slots counts twice.
            add(key(ki, kj), coef, s.g[i], t.g[j]);
          }
      };
      if (a && nonzero(ins.d2aa)) pairs(a, a, ins.d2aa, false);
      if (b && nonzero(ins.d2bb)) pairs(b, b, ins.d2bb, false);
      if (a && b && nonzero(ins.d2ab)) {
        // d2ab (ga gb^T + gb ga^T): each ordered pair (i from a, j from b) lands on key(i,j); the
        // mirrored term is the same entry of the symmetric matrix, so off-diagonal keys get it once
        // per ordered pair and diagonal keys twice.
        for (let i = 0; i < a.deps.length; i++)
          for (let j = 0; j < b.deps.length; j++) {
            const kk = key(a.deps[i], b.deps[j]);
            add(kk, ins.d2ab, a.g[i], b.g[j]);
            if (a.deps[i] === b.deps[j]) add(kk, ins.d2ab, a.g[i], b.g[j]);
          }
      }
      for (const [kk, list] of [...terms].sort((x, y) => x[0] - y[0])) {
        const only = list.length === 1 && list[0].coef === 1 && list[0].y === undefined ? list[0].x : undefined;
        const o = only ?? newCol();
        out.hk.push(kk);
        out.h.push(o);
        if (only) continue;
        list.forEach((t, m) => ins.hess.push({ ...t, out: o, set: m === 0 }));
      }
      this.instrs.push(ins);
      return out;
    };

    const rec = (m: Node): Slot => {
      if (freeDeps(m).length === 0) return constant(m);
      switch (m.op) {
        case 'param': {
          const k = prob.free.indexOf(m.index);
          const log = prob.logParam[m.index];
          const g = newCol();
          const out: Slot = { deps: [k], v: newCol(), g: [g], hk: [], h: [] };
          const ins: Instr = {
            op: log ? 'leaflog' : 'leaf',
            out,
            a: undefined,
            b: undefined,
            k,
            c: 0,
            ln: undefined,
            d1a: ZERO,
            d1b: ZERO,
            d2aa: ZERO,
            d2ab: ZERO,
            d2bb: ZERO,
            grad: [],
            hess: [],
          };
          if (log) {
            // theta = e^u: its derivative and second derivative are the value column itself.
            out.g[0] = out.v;
            out.hk.push(key(k, k));
            out.h.push(out.v);
          } else g.fill(1);
          this.instrs.push(ins);
          return out;
        }
        case 'neg':
          return emit('neg', rec(m.a), undefined, { d1a: -1 });
        case 'exp':
          return emit('exp', rec(m.a), undefined, { d1a: newCol(), d2aa: newCol() });
        case 'log':
          return emit('log', rec(m.a), undefined, { d1a: newCol(), d2aa: newCol() });
        case 'add':
          return emit('add', rec(m.a), rec(m.b), { d1a: 1, d1b: 1 });
        case 'sub':
          return emit('sub', rec(m.a), rec(m.b), { d1a: 1, d1b: -1 });
        case 'mul': {
          const a = rec(m.a);
          const b = rec(m.b);
          return emit('mul', a, b, {
            d1a: b.deps.length ? newCol() : b.v,
            d1b: a.deps.length ? newCol() : a.v,
            d2ab: a.deps.length && b.deps.length ? 1 : 0,
          });
        }
        case 'div': {
          const a = rec(m.a);
          const b = rec(m.b);
          const varB = b.deps.length > 0;
          return emit('div', a, b, {
            d1a: newCol(),
            d1b: varB ? newCol() : 0,
            d2ab: varB && a.deps.length ? newCol() : 0,
            d2bb: varB ? newCol() : 0,
          });
        }
        case 'pow': {
          const a = rec(m.a);
          const b = rec(m.b);
          if (a.deps.length === 0)
            return emit('powx', a, b, { d1b: newCol(), d2bb: newCol() }, { ln: a.v.map(Math.log) });
          if (b.deps.length === 0 && b.v.every((x) => x === b.v[0]))
            return emit('powc', a, undefined, { d1a: newCol(), d2aa: newCol() }, { c: b.v[0] });
          return emit(
            'pow',
            a,
            b,
            { d1a: newCol(), d1b: newCol(), d2aa: newCol(), d2ab: newCol(), d2bb: newCol() },
            { ln: newCol() },
          );
        }
        case 'min':
        case 'max': {
          let s = rec(m.args[0]);
          for (const x of m.args.slice(1)) s = emit(m.op, s, rec(x), { d1a: newCol(), d1b: newCol() });
          return s;
        }
        default:
          return constant(m);
      }
    };
    return rec(node);
  }
}

export interface NewtonOptions {
  maxIterations?: number;
  /** Stop when the relative decrease stays below this for two accepted steps. */
  ftol?: number;
  join?: (u: Float64Array, value: number) => boolean;
  interrupt?: () => boolean;
  /** false: the IRLS/Gauss–Newton matrix instead of the exact Hessian (default true). */
  exact?: boolean;
  /**
   * With exact = false: switch to the exact Hessian once an accepted step lowers the objective by
   * less than this fraction (the run has left the far field, where the Huber Hessian is
   * indefinite, and crawls; Newton converges there in far fewer steps). Default 0: never.
   */
  exactBelow?: number;
  /**
   * The best objective known elsewhere: a run that, twice in a row, could not come within 10%
   * of it even if each of the next DOMINATED_HORIZON iterations gained as much as the last step, stops as
   * 'dominated' (it is settling into a worse optimum).
   */
  bestKnown?: () => number;
}

const DOMINATED_RATIO = 1.1;
/**
 * How far ahead that projection looks. A run bound for the best basin speeds up as it nears it
 * (Newton), so 50 more steps at a crawling rate are a fair test; projecting over all remaining
 * iterations (up to 300) kept runs 10-20x above the best going for 10-20 steps each. On Epoch's
 * screened fit: 602 -> 335 derivative and 1,105 -> 719 objective evaluations, the same optimum.
 */
const DOMINATED_HORIZON = 50;

/** Scratch space for one problem size. */
export class NewtonWorkspace {
  readonly g: Float64Array;
  readonly H: Float64Array;
  readonly A: Float64Array;
  readonly rhs: Float64Array;
  readonly x: Float64Array;
  readonly trial: Float64Array;
  readonly free: Int32Array;
  constructor(readonly p: number) {
    this.g = new Float64Array(p);
    this.H = new Float64Array(p * p);
    this.A = new Float64Array(p * p);
    this.rhs = new Float64Array(p);
    this.x = new Float64Array(p);
    this.trial = new Float64Array(p);
    this.free = new Int32Array(p);
  }
}

/**
 * Levenberg–Marquardt on the exact Hessian (a damped Newton method): the step solves
 * (H + lambda diag|H|) s = -g, is clamped to the box, and is kept only when the objective
 * decreases. Variables on a bound whose gradient points outward are frozen for the step.
 */
export function newtonLM(
  so: SecondOrder,
  u0: ArrayLike<number>,
  opts: NewtonOptions = {},
  ws = new NewtonWorkspace(so.p),
): LmResult {
  const { p, lo, hi } = so;
  const maxIterations = opts.maxIterations ?? 200;
  const ftol = opts.ftol ?? 1e-13;
  const { g, H, A, rhs, x, trial, free } = ws;
  const u = Float64Array.from(u0);
  for (let k = 0; k < p; k++) u[k] = Math.min(hi[k], Math.max(lo[k], u[k]));
  let value = so.value(u);
  if (!Number.isFinite(value)) return { u, value: NaN, iterations: 0, stop: 'nonfinite-start', converged: false };
  let exact = opts.exact ?? true;
  const exactBelow = opts.exactBelow ?? 0;
  so.derivatives(g, H, exact);
  let lambda = 1e-3;
  // Damping schedule: the Gauss–Newton matrix is a majoriser and tolerates bolder steps.
  let down = exact ? 0.3 : 0.2;
  let up = exact ? 10 : 4;
  let small = 0;
  let slow = 0;
  let it = 0;
  for (; it < maxIterations; it++) {
    if (opts.interrupt?.()) return { u, value, iterations: it, stop: 'interrupted', converged: false };
    let m = 0;
    let maxDiag = 0;
    for (let k = 0; k < p; k++) {
      const pinned = (u[k] <= lo[k] && g[k] > 0) || (u[k] >= hi[k] && g[k] < 0);
      if (!pinned) free[m++] = k;
      maxDiag = Math.max(maxDiag, Math.abs(H[k * p + k]));
    }
    if (m === 0) return { u, value, iterations: it, stop: 'converged', converged: true };
    for (let a = 0; a < m; a++) {
      const ka = free[a];
      for (let b = 0; b < m; b++) A[a * m + b] = H[ka * p + free[b]];
      A[a * m + a] += lambda * (Math.abs(H[ka * p + ka]) + 1e-12 * maxDiag + 1e-300);
      rhs[a] = -g[ka];
    }
    let moved = false;
    if (luSolve(A, rhs, x, m)) {
      trial.set(u);
      for (let a = 0; a < m; a++) {
        const k = free[a];
        trial[k] = Math.min(hi[k], Math.max(lo[k], u[k] + x[a]));
        if (trial[k] !== u[k]) moved = true;
      }
    }
    if (!moved && lambda <= 1e-15) return { u, value, iterations: it, stop: 'converged', converged: true };
    const tv = moved ? so.value(trial) : NaN;
    if (tv < value) {
      const decrease = (value - tv) / Math.max(value, 1e-300);
      u.set(trial);
      value = tv;
      if (!exact && decrease < exactBelow) {
        exact = true;
        down = 0.3;
        up = 10;
      }
      so.derivatives(g, H, exact);
      lambda = Math.max(lambda * down, 1e-15);
      small = decrease <= ftol ? small + 1 : 0;
      // Hopeless: even at this step's rate for the next DOMINATED_HORIZON iterations, still above the best.
      if (opts.bestKnown) {
        const reach = value * Math.pow(1 - Math.min(decrease, 1), Math.min(DOMINATED_HORIZON, maxIterations - it - 1));
        slow = reach > opts.bestKnown() * DOMINATED_RATIO ? slow + 1 : 0;
      }
      if (slow >= 2) return { u, value, iterations: it + 1, stop: 'dominated', converged: true };
      if (small >= 2) return { u, value, iterations: it + 1, stop: 'converged', converged: true };
      if (opts.join?.(u, value)) return { u, value, iterations: it + 1, stop: 'joined', converged: true };
    } else {
      lambda *= up;
      // No descent even along a tiny, gradient-like step: numerically stationary.
      if (lambda > 1e12) return { u, value, iterations: it + 1, stop: 'no-progress', converged: true };
    }
  }
  return { u, value, iterations: it, stop: 'max-iterations', converged: false };
}
