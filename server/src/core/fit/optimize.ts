// Compute-optimal allocation: minimise the law over its two compute variables along C = budget.
// Closed form when the law is E + A X^-a + B Y^-b and the compute is k * X * Y (Hoffmann's
// C = 6ND); otherwise a log-spaced scan plus golden-section refinement of ln X along the constraint.
import type { ComputeDef } from '../model';
import { evalScalar, toNode, type Node } from './compile';

/** `k * X * Y` (any order and grouping of a constant and two distinct variables), else undefined. */
export function productForm(def: ComputeDef): { k: number; x: string; y: string } | undefined {
  let k = 1;
  const vars: string[] = [];
  const walk = (e: ComputeDef['formula']): boolean => {
    if (e.kind === 'Number') {
      k *= e.value;
      return true;
    }
    if (e.kind === 'NameRef') {
      vars.push(e.name);
      return true;
    }
    if (e.kind === 'Binary' && e.op === '*') return walk(e.left) && walk(e.right);
    return false;
  };
  if (!walk(def.formula) || vars.length !== 2 || vars[0] === vars[1] || !(k > 0)) return undefined;
  return { k, x: vars[0], y: vars[1] };
}

/** The formula with every other compute it reads (not a law variable) replaced by its definition. */
export function inlineComputes(
  e: ComputeDef['formula'],
  computes: ComputeDef[],
  variables: string[],
  depth = 0,
): ComputeDef['formula'] {
  if (depth > 32) return e; // a cycle of computes: leave it, the search reports no optimum
  const again = (x: ComputeDef['formula']) => inlineComputes(x, computes, variables, depth + 1);
  switch (e.kind) {
    case 'NameRef': {
      const c = variables.includes(e.name) ? undefined : computes.find((x) => x.name === e.name);
      return c ? again(c.formula) : e;
    }
    case 'Unary':
      return { ...e, operand: again(e.operand) };
    case 'Binary':
      return { ...e, left: again(e.left), right: again(e.right) };
    case 'Call':
      return { ...e, args: e.args.map(again) };
    default:
      return e;
  }
}

/** Recognises E + A / X^alpha + B / Y^beta (or A * X^-alpha) and names its pieces. */
export function powerSumForm(
  node: Node,
): { offset: number | undefined; terms: { amp: number; variable: number; exponent: number }[] } | undefined {
  const terms: Node[] = [];
  const flatten = (m: Node): void => {
    if (m.op === 'add') {
      flatten(m.a);
      flatten(m.b);
    } else terms.push(m);
  };
  flatten(node);
  let offset: number | undefined;
  const out: { amp: number; variable: number; exponent: number }[] = [];
  for (const t of terms) {
    if (t.op === 'param' && offset === undefined) {
      offset = t.index;
      continue;
    }
    // A / X^alpha
    if (t.op === 'div' && t.a.op === 'param' && t.b.op === 'pow' && t.b.a.op === 'var' && t.b.b.op === 'param') {
      out.push({ amp: t.a.index, variable: t.b.a.index, exponent: t.b.b.index });
      continue;
    }
    // A * X^-alpha
    if (
      t.op === 'mul' &&
      t.a.op === 'param' &&
      t.b.op === 'pow' &&
      t.b.a.op === 'var' &&
      t.b.b.op === 'neg' &&
      t.b.b.a.op === 'param'
    ) {
      out.push({ amp: t.a.index, variable: t.b.a.index, exponent: t.b.b.a.index });
      continue;
    }
    return undefined;
  }
  return { offset, terms: out };
}

interface Allocation {
  at: Record<string, number>;
  value: number;
  method: 'closed-form' | 'search';
  /** The search minimum sat at the end of the scanned range (no interior optimum). */
  edge: boolean;
}

export interface OptimizeContext {
  node: Node;
  params: string[];
  variables: string[];
  computes: ComputeDef[];
  /** Range of each variable in the data, to centre the search. */
  ranges: Record<string, [number, number]>;
}

/**
 * The allocation minimising the law subject to `budget` (one compute variable = value). Returns
 * undefined when the compute definition does not tie two of the law's variables together.
 */
export function optimizeAllocation(
  ctx: OptimizeContext,
  theta: ArrayLike<number>,
  budget: Record<string, number>,
): Allocation | undefined {
  const [cname, cval] = Object.entries(budget)[0] ?? [];
  if (cname === undefined) return undefined;
  // A law of the budget variable alone (kaplan_c: L(C)) has nothing to allocate: its value at C.
  if (ctx.variables.length === 1 && ctx.variables[0] === cname)
    return { at: {}, value: evalScalar(ctx.node, theta, [cval]), method: 'closed-form', edge: false };
  const declared = ctx.computes.find((c) => c.name === cname);
  if (!declared) return undefined;
  // `compute C2 = C / 1e18` over `compute C = 6 * N * D`: the budget read in the law's variables.
  const def = { ...declared, formula: inlineComputes(declared.formula, ctx.computes, ctx.variables) };
  const evalLaw = (vals: Record<string, number>) =>
    evalScalar(
      ctx.node,
      theta,
      ctx.variables.map((v) => (v === cname ? cval : (vals[v] ?? NaN))),
    );
  const prod = productForm(def);
  if (prod && ctx.variables.includes(prod.x) && ctx.variables.includes(prod.y)) {
    const form = powerSumForm(ctx.node);
    const xi = ctx.variables.indexOf(prod.x);
    const yi = ctx.variables.indexOf(prod.y);
    const tx = form?.terms.find((t) => t.variable === xi);
    const ty = form?.terms.find((t) => t.variable === yi);
    if (form && form.terms.length === 2 && tx && ty) {
      const A = theta[tx.amp];
      const alpha = theta[tx.exponent];
      const B = theta[ty.amp];
      const beta = theta[ty.exponent];
      if (A > 0 && B > 0 && alpha > 0 && beta > 0) {
        // dL/dX = 0 along C = kXY: alpha A X^-alpha = beta B Y^-beta (domain-anchors §2.8).
        const s = alpha + beta;
        const G = Math.pow((alpha * A) / (beta * B), 1 / s);
        const c = cval / prod.k;
        const x = G * Math.pow(c, beta / s);
        const y = Math.pow(c, alpha / s) / G;
        const at = { [prod.x]: x, [prod.y]: y };
        return { at, value: evalLaw(at), method: 'closed-form', edge: false };
      }
    }
  }
  // General case: pick the two law variables the compute formula reads; solve the second from the first.
  const computeVars = new Set<string>();
  const collect = (e: ComputeDef['formula']): void => {
    if (e.kind === 'NameRef') computeVars.add(e.name);
    else if (e.kind === 'Binary') {
      collect(e.left);
      collect(e.right);
    } else if (e.kind === 'Unary') collect(e.operand);
    else if (e.kind === 'Call') e.args.forEach(collect);
  };
  collect(def.formula);
  const pair = [...computeVars].filter((v) => ctx.variables.includes(v));
  if (pair.length !== 2) return undefined;
  const [xName, yName] = pair;
  const cnode = toNode(def.formula, [], pair);
  const computeAt = (x: number, y: number) => evalScalar(cnode, [], [x, y]);
  const solveY = (x: number): number => {
    if (prod) return cval / (prod.k * x);
    // Bisection on ln y, assuming compute grows with y.
    let lo = -200;
    let hi = 200;
    for (let i = 0; i < 200; i++) {
      const mid = (lo + hi) / 2;
      if (computeAt(x, Math.exp(mid)) < cval) lo = mid;
      else hi = mid;
    }
    return Math.exp((lo + hi) / 2);
  };
  const loss = (t: number) => {
    const x = Math.exp(t);
    const v = evalLaw({ [xName]: x, [yName]: solveY(x) });
    return Number.isFinite(v) ? v : Infinity;
  };
  const [xmin, xmax] = ctx.ranges[xName] ?? [1, cval];
  const t0 = Math.log(Math.max(xmin, 1e-300)) - Math.log(1e4);
  const t1 = Math.log(Math.max(xmax, xmin)) + Math.log(1e6);
  const steps = 400;
  let bi = 0;
  let bv = Infinity;
  for (let i = 0; i <= steps; i++) {
    const v = loss(t0 + ((t1 - t0) * i) / steps);
    if (v < bv) {
      bv = v;
      bi = i;
    }
  }
  if (!Number.isFinite(bv)) return undefined;
  let a = t0 + ((t1 - t0) * Math.max(0, bi - 1)) / steps;
  let b = t0 + ((t1 - t0) * Math.min(steps, bi + 1)) / steps;
  const gr = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 100; i++) {
    const c1 = b - gr * (b - a);
    const c2 = a + gr * (b - a);
    if (loss(c1) < loss(c2)) b = c2;
    else a = c1;
  }
  const x = Math.exp((a + b) / 2);
  const at = { [xName]: x, [yName]: solveY(x) };
  return { at, value: evalLaw(at), method: 'search', edge: bi === 0 || bi === steps };
}
