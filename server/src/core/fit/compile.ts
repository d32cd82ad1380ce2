// Compiles a formula Expr into a column-vectorised program with exact forward-mode derivatives
// with respect to the parameters. A tree walk at compile time, typed-array loops at run time:
// user text never reaches eval/Function. Sub-expressions that depend only on data (ln N, N/1e9)
// are computed once per data set, so a fit iteration only pays for parameter-dependent work.
import type { Expr } from '../syntax/ast';

export class CompileError extends Error {
  constructor(
    message: string,
    readonly expr: Expr,
  ) {
    super(message);
  }
}

/** A tree the compiler can reason about: names resolved to variables or parameters. */
export type Node =
  | { op: 'const'; value: number }
  | { op: 'var'; index: number }
  | { op: 'param'; index: number }
  | { op: 'neg' | 'log' | 'exp'; a: Node }
  | { op: 'add' | 'sub' | 'mul' | 'div' | 'pow'; a: Node; b: Node }
  | { op: 'min' | 'max'; args: Node[] };

/** Resolves an Expr against the parameter and variable lists. */
export function toNode(expr: Expr, params: readonly string[], variables: readonly string[]): Node {
  const walk = (e: Expr): Node => {
    switch (e.kind) {
      case 'Number':
        return { op: 'const', value: e.value };
      case 'NameRef': {
        const p = params.indexOf(e.name);
        if (p >= 0) return { op: 'param', index: p };
        const v = variables.indexOf(e.name);
        if (v >= 0) return { op: 'var', index: v };
        if (e.name === 'inf') return { op: 'const', value: Infinity };
        throw new CompileError(`unknown name '${e.name}' in a formula`, e);
      }
      case 'Unary':
        return e.op === '-' ? { op: 'neg', a: walk(e.operand) } : walk(e.operand);
      case 'Binary': {
        const ops: Record<string, 'add' | 'sub' | 'mul' | 'div' | 'pow'> = {
          '+': 'add',
          '-': 'sub',
          '*': 'mul',
          '/': 'div',
          '^': 'pow',
        };
        const op = ops[e.op];
        if (!op) throw new CompileError(`'${e.op}' is a condition, not arithmetic`, e);
        return { op, a: walk(e.left), b: walk(e.right) };
      }
      case 'Call': {
        const name = e.callee.text;
        const args = e.args.map(walk);
        if (name === 'log' || name === 'exp') {
          if (args.length !== 1) throw new CompileError(`${name} takes one argument`, e);
          return { op: name, a: args[0] };
        }
        if (name === 'min' || name === 'max') {
          if (args.length < 2) throw new CompileError(`${name} takes at least two arguments`, e);
          return { op: name, args };
        }
        throw new CompileError(`unknown function '${name}'`, e);
      }
      case 'String':
        throw new CompileError('text cannot appear in a formula', e);
      case 'Error':
        throw new CompileError('this formula has a syntax error', e);
    }
  };
  return walk(expr);
}

/** Parameters a node depends on, sorted. */
export function paramDeps(n: Node): number[] {
  const s = new Set<number>();
  const walk = (m: Node): void => {
    if (m.op === 'param') s.add(m.index);
    else if ('a' in m) {
      walk(m.a);
      if ('b' in m) walk(m.b);
    } else if ('args' in m) m.args.forEach(walk);
  };
  walk(n);
  return [...s].sort((x, y) => x - y);
}

/** A slot holds one intermediate column and its derivative columns for the params it depends on. */
interface Slot {
  deps: number[];
  value: Float64Array;
  grad: Float64Array[]; // grad[k] = d value / d param deps[k]
}

type Instr = (theta: Float64Array, withGrad: boolean) => void;

/**
 * A compiled formula over a fixed set of rows. `evaluate` fills predictions and, when asked, the
 * Jacobian (row-major rows × params).
 */
export class Program {
  readonly rows: number;
  readonly paramCount: number;
  private readonly instrs: Instr[] = [];
  private readonly root: Slot;

  constructor(node: Node, paramCount: number, columns: readonly Float64Array[], rows: number) {
    this.rows = rows;
    this.paramCount = paramCount;
    this.root = this.build(node, columns);
  }

  /** Fills f (length rows) and optionally jac (rows × paramCount, row-major). */
  evaluate(theta: Float64Array, f: Float64Array, jac?: Float64Array): void {
    const withGrad = jac !== undefined;
    for (const ins of this.instrs) ins(theta, withGrad);
    f.set(this.root.value);
    if (jac) {
      jac.fill(0);
      const p = this.paramCount;
      const { deps, grad } = this.root;
      for (let k = 0; k < deps.length; k++) {
        const g = grad[k];
        const j = deps[k];
        for (let i = 0; i < this.rows; i++) jac[i * p + j] = g[i];
      }
    }
  }

  private build(node: Node, columns: readonly Float64Array[]): Slot {
    const n = this.rows;
    // Data-only sub-trees are folded into constant columns now.
    const constant = (values: Float64Array): Slot => ({ deps: [], value: values, grad: [] });
    const fold = (m: Node): Float64Array => {
      const out = new Float64Array(n);
      const rec = (k: Node): Float64Array | number => {
        switch (k.op) {
          case 'const':
            return k.value;
          case 'var':
            return columns[k.index];
          case 'param':
            throw new Error('unreachable');
          case 'neg':
            return map1(rec(k.a), (x) => -x);
          case 'log':
            return map1(rec(k.a), Math.log);
          case 'exp':
            return map1(rec(k.a), Math.exp);
          case 'add':
            return map2(rec(k.a), rec(k.b), (x, y) => x + y);
          case 'sub':
            return map2(rec(k.a), rec(k.b), (x, y) => x - y);
          case 'mul':
            return map2(rec(k.a), rec(k.b), (x, y) => x * y);
          case 'div':
            return map2(rec(k.a), rec(k.b), (x, y) => x / y);
          case 'pow':
            return map2(rec(k.a), rec(k.b), Math.pow);
          case 'min':
            return k.args.map(rec).reduce((x, y) => map2(x, y, Math.min));
          case 'max':
            return k.args.map(rec).reduce((x, y) => map2(x, y, Math.max));
        }
      };
      const map1 = (x: Float64Array | number, fn: (v: number) => number): Float64Array | number => {
        if (typeof x === 'number') return fn(x);
        const r = new Float64Array(n);
        for (let i = 0; i < n; i++) r[i] = fn(x[i]);
        return r;
      };
      const map2 = (
        x: Float64Array | number,
        y: Float64Array | number,
        fn: (u: number, v: number) => number,
      ): Float64Array | number => {
        if (typeof x === 'number' && typeof y === 'number') return fn(x, y);
        const r = new Float64Array(n);
        for (let i = 0; i < n; i++) r[i] = fn(typeof x === 'number' ? x : x[i], typeof y === 'number' ? y : y[i]);
        return r;
      };
      const v = rec(m);
      if (typeof v === 'number') out.fill(v);
      else out.set(v);
      return out;
    };

    const slot = (deps: number[]): Slot => ({
      deps,
      value: new Float64Array(n),
      grad: deps.map(() => new Float64Array(n)),
    });
    const union = (a: number[], b: number[]): number[] => [...new Set([...a, ...b])].sort((x, y) => x - y);
    const gradOf = (s: Slot, j: number): Float64Array | undefined => {
      const k = s.deps.indexOf(j);
      return k >= 0 ? s.grad[k] : undefined;
    };

    const compile = (m: Node): Slot => {
      if (paramDeps(m).length === 0) return constant(fold(m));
      switch (m.op) {
        case 'param': {
          const out = slot([m.index]);
          out.grad[0].fill(1);
          const j = m.index;
          this.instrs.push((theta) => out.value.fill(theta[j]));
          return out;
        }
        case 'neg': {
          const a = compile(m.a);
          const out = slot(a.deps);
          this.instrs.push((_t, g) => {
            for (let i = 0; i < n; i++) out.value[i] = -a.value[i];
            if (g) for (let k = 0; k < a.deps.length; k++) for (let i = 0; i < n; i++) out.grad[k][i] = -a.grad[k][i];
          });
          return out;
        }
        case 'exp': {
          const a = compile(m.a);
          const out = slot(a.deps);
          this.instrs.push((_t, g) => {
            const v = out.value;
            for (let i = 0; i < n; i++) v[i] = Math.exp(a.value[i]);
            if (g)
              for (let k = 0; k < a.deps.length; k++) for (let i = 0; i < n; i++) out.grad[k][i] = v[i] * a.grad[k][i];
          });
          return out;
        }
        case 'log': {
          const a = compile(m.a);
          const out = slot(a.deps);
          this.instrs.push((_t, g) => {
            for (let i = 0; i < n; i++) out.value[i] = Math.log(a.value[i]);
            if (g)
              for (let k = 0; k < a.deps.length; k++)
                for (let i = 0; i < n; i++) out.grad[k][i] = a.grad[k][i] / a.value[i];
          });
          return out;
        }
        case 'add':
        case 'sub': {
          const a = compile(m.a);
          const b = compile(m.b);
          const out = slot(union(a.deps, b.deps));
          const sign = m.op === 'add' ? 1 : -1;
          const ga = out.deps.map((j) => gradOf(a, j));
          const gb = out.deps.map((j) => gradOf(b, j));
          this.instrs.push((_t, g) => {
            for (let i = 0; i < n; i++) out.value[i] = a.value[i] + sign * b.value[i];
            if (!g) return;
            for (let k = 0; k < out.deps.length; k++) {
              const o = out.grad[k];
              const x = ga[k];
              const y = gb[k];
              if (x && y) for (let i = 0; i < n; i++) o[i] = x[i] + sign * y[i];
              else if (x) o.set(x);
              else if (y) for (let i = 0; i < n; i++) o[i] = sign * y![i];
            }
          });
          return out;
        }
        case 'mul': {
          const a = compile(m.a);
          const b = compile(m.b);
          const out = slot(union(a.deps, b.deps));
          const ga = out.deps.map((j) => gradOf(a, j));
          const gb = out.deps.map((j) => gradOf(b, j));
          this.instrs.push((_t, g) => {
            const av = a.value;
            const bv = b.value;
            for (let i = 0; i < n; i++) out.value[i] = av[i] * bv[i];
            if (!g) return;
            for (let k = 0; k < out.deps.length; k++) {
              const o = out.grad[k];
              const x = ga[k];
              const y = gb[k];
              if (x && y) for (let i = 0; i < n; i++) o[i] = x[i] * bv[i] + av[i] * y[i];
              else if (x) for (let i = 0; i < n; i++) o[i] = x[i] * bv[i];
              else for (let i = 0; i < n; i++) o[i] = av[i] * y![i];
            }
          });
          return out;
        }
        case 'div': {
          const a = compile(m.a);
          const b = compile(m.b);
          const out = slot(union(a.deps, b.deps));
          const ga = out.deps.map((j) => gradOf(a, j));
          const gb = out.deps.map((j) => gradOf(b, j));
          this.instrs.push((_t, g) => {
            const av = a.value;
            const bv = b.value;
            const v = out.value;
            for (let i = 0; i < n; i++) v[i] = av[i] / bv[i];
            if (!g) return;
            // d(a/b) = (da - (a/b) db) / b
            for (let k = 0; k < out.deps.length; k++) {
              const o = out.grad[k];
              const x = ga[k];
              const y = gb[k];
              if (x && y) for (let i = 0; i < n; i++) o[i] = (x[i] - v[i] * y[i]) / bv[i];
              else if (x) for (let i = 0; i < n; i++) o[i] = x[i] / bv[i];
              else for (let i = 0; i < n; i++) o[i] = (-v[i] * y![i]) / bv[i];
            }
          });
          return out;
        }
        case 'pow': {
          const a = compile(m.a);
          const b = compile(m.b);
          const out = slot(union(a.deps, b.deps));
          const ga = out.deps.map((j) => gradOf(a, j));
          const gb = out.deps.map((j) => gradOf(b, j));
          // A data base (N^alpha): precompute ln N once, then x^y = exp(y ln x).
          const lnA = a.deps.length === 0 ? a.value.map(Math.log) : undefined;
          const lnTmp = new Float64Array(n);
          this.instrs.push((_t, g) => {
            const av = a.value;
            const bv = b.value;
            const v = out.value;
            const ln = lnA ?? lnTmp;
            if (!lnA) for (let i = 0; i < n; i++) ln[i] = Math.log(av[i]);
            if (lnA) for (let i = 0; i < n; i++) v[i] = Math.exp(bv[i] * ln[i]);
            else for (let i = 0; i < n; i++) v[i] = Math.pow(av[i], bv[i]);
            if (!g) return;
            // d(x^y) = y x^(y-1) dx + x^y ln x dy
            for (let k = 0; k < out.deps.length; k++) {
              const o = out.grad[k];
              const x = ga[k];
              const y = gb[k];
              for (let i = 0; i < n; i++) {
                let d = 0;
                if (x) d += av[i] === 0 ? 0 : (bv[i] * v[i] * x[i]) / av[i];
                if (y && v[i] !== 0) d += v[i] * ln[i] * y[i];
                o[i] = d;
              }
            }
          });
          return out;
        }
        case 'min':
        case 'max': {
          const args = m.args.map(compile);
          let deps: number[] = [];
          for (const s of args) deps = union(deps, s.deps);
          const out = slot(deps);
          const pick = new Int32Array(n);
          const better = m.op === 'min' ? (x: number, y: number) => x < y : (x: number, y: number) => x > y;
          const grads = args.map((s) => deps.map((j) => gradOf(s, j)));
          this.instrs.push((_t, g) => {
            for (let i = 0; i < n; i++) {
              let best = 0;
              for (let k = 1; k < args.length; k++) if (better(args[k].value[i], args[best].value[i])) best = k;
              pick[i] = best;
              out.value[i] = args[best].value[i];
            }
            if (!g) return;
            // The derivative of the chosen branch (a subgradient at ties).
            for (let k = 0; k < deps.length; k++)
              for (let i = 0; i < n; i++) out.grad[k][i] = grads[pick[i]][k]?.[i] ?? 0;
          });
          return out;
        }
        default:
          throw new Error('unreachable');
      }
    };
    return compile(node);
  }
}

/** Evaluates a node with scalar inputs (prediction at one point), no derivatives. */
export function evalScalar(node: Node, theta: ArrayLike<number>, vars: ArrayLike<number>): number {
  const rec = (m: Node): number => {
    switch (m.op) {
      case 'const':
        return m.value;
      case 'var':
        return vars[m.index];
      case 'param':
        return theta[m.index];
      case 'neg':
        return -rec(m.a);
      case 'log':
        return Math.log(rec(m.a));
      case 'exp':
        return Math.exp(rec(m.a));
      case 'add':
        return rec(m.a) + rec(m.b);
      case 'sub':
        return rec(m.a) - rec(m.b);
      case 'mul':
        return rec(m.a) * rec(m.b);
      case 'div':
        return rec(m.a) / rec(m.b);
      case 'pow':
        return Math.pow(rec(m.a), rec(m.b));
      case 'min':
        return Math.min(...m.args.map(rec));
      case 'max':
        return Math.max(...m.args.map(rec));
    }
  };
  return rec(node);
}

/**
 * Splits f = b0 + sum_k c_k * b_k where each c_k is a parameter in `candidates` and no b depends on
 * a candidate. Returns undefined when f is not linear in that set. Used by variable projection.
 */
export function linearSplit(
  node: Node,
  candidates: ReadonlySet<number>,
): { offset: Node | undefined; terms: { param: number; basis: Node }[] } | undefined {
  type Term = { param: number | undefined; basis: Node };
  const free = (m: Node): boolean => paramDeps(m).every((j) => !candidates.has(j));
  const one: Node = { op: 'const', value: 1 };
  const rec = (m: Node): Term[] | undefined => {
    if (free(m)) return [{ param: undefined, basis: m }];
    switch (m.op) {
      case 'param':
        return [{ param: m.index, basis: one }];
      case 'neg': {
        const t = rec(m.a);
        return t?.map((x) => ({ param: x.param, basis: { op: 'neg', a: x.basis } }));
      }
      case 'add':
      case 'sub': {
        const a = rec(m.a);
        const b = rec(m.b);
        if (!a || !b) return undefined;
        const bb = m.op === 'sub' ? b.map((x) => ({ param: x.param, basis: { op: 'neg', a: x.basis } as Node })) : b;
        return [...a, ...bb];
      }
      case 'mul': {
        if (free(m.a)) return rec(m.b)?.map((x) => ({ param: x.param, basis: { op: 'mul', a: m.a, b: x.basis } }));
        if (free(m.b)) return rec(m.a)?.map((x) => ({ param: x.param, basis: { op: 'mul', a: x.basis, b: m.b } }));
        return undefined;
      }
      case 'div': {
        if (!free(m.b)) return undefined;
        return rec(m.a)?.map((x) => ({ param: x.param, basis: { op: 'div', a: x.basis, b: m.b } }));
      }
      default:
        return undefined;
    }
  };
  const terms = rec(node);
  if (!terms) return undefined;
  const offsets = terms.filter((t) => t.param === undefined).map((t) => t.basis);
  const byParam = new Map<number, Node>();
  for (const t of terms) {
    if (t.param === undefined) continue;
    const prev = byParam.get(t.param);
    byParam.set(t.param, prev ? { op: 'add', a: prev, b: t.basis } : t.basis);
  }
  const offset = offsets.length === 0 ? undefined : offsets.reduce((x, y) => ({ op: 'add', a: x, b: y }));
  return { offset, terms: [...byParam].map(([param, basis]) => ({ param, basis })) };
}
