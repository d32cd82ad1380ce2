// Evaluates formulas and conditions over whole columns (compute lines, where, holdout) and
// constant expressions (bounds, grids, predict points). A tree walk over the AST: user text
// never reaches eval/Function.
import type { Expr } from '../syntax/ast';
import { quoteString } from '../syntax/lexer';

type MathFunction = { arity: [number, number]; apply: (args: number[]) => number };

// Null-prototype tables: a name like `constructor` or `__proto__` in a formula must be unknown, not
// Object.prototype's member (FUNCTIONS['constructor'] would otherwise be Object itself).
const FUNCTION_TABLE: Record<string, MathFunction> = {
  log: { arity: [1, 1], apply: ([x]) => Math.log(x) },
  exp: { arity: [1, 1], apply: ([x]) => Math.exp(x) },
  min: { arity: [2, Infinity], apply: (xs) => Math.min(...xs) },
  max: { arity: [2, Infinity], apply: (xs) => Math.max(...xs) },
};
export const FUNCTIONS: Record<string, MathFunction> = Object.assign(Object.create(null), FUNCTION_TABLE);

const CONSTANTS: Record<string, number> = Object.assign(Object.create(null), { inf: Infinity });

export class EvalError extends Error {
  constructor(
    message: string,
    readonly expr: Expr,
  ) {
    super(message);
  }
}

/** A column of numbers, or of text (for `==`/`!=` against a string), per row. */
export type Column = { kind: 'number'; values: Float64Array } | { kind: 'text'; values: string[] };

type Lookup = (name: string) => Column | undefined;

/**
 * Evaluates `expr` for `rows` rows. Comparisons and `and`/`or` give 1 or 0. Throws EvalError at
 * the offending node for an unknown name or function.
 */
export function evaluateColumns(expr: Expr, rows: number, lookup: Lookup): Float64Array {
  const out = new Float64Array(rows);
  const column = (e: Expr): Float64Array | number => {
    switch (e.kind) {
      case 'Number':
        return e.value;
      case 'String':
        throw new EvalError(`a text value can only be compared with == or !=`, e);
      case 'Error':
        throw new EvalError('this expression has a syntax error', e);
      case 'NameRef': {
        const c = lookup(e.name);
        if (c) {
          if (c.kind === 'text') {
            const numbers = Float64Array.from(c.values, Number);
            return numbers;
          }
          return c.values;
        }
        if (e.name in CONSTANTS) return CONSTANTS[e.name];
        throw new EvalError(`unknown name '${e.name}'`, e);
      }
      case 'Unary': {
        const v = column(e.operand);
        return e.op === '-' ? map1(v, (x) => -x) : v;
      }
      case 'Call': {
        const fn = FUNCTIONS[e.callee.text];
        if (!fn) throw new EvalError(`unknown function '${e.callee.text}'`, e);
        const args = e.args.map(column);
        if (args.length < fn.arity[0] || args.length > fn.arity[1]) {
          throw new EvalError(
            `${e.callee.text} takes ${fn.arity[0] === fn.arity[1] ? fn.arity[0] : `at least ${fn.arity[0]}`} argument(s)`,
            e,
          );
        }
        if (args.every((a) => typeof a === 'number')) return fn.apply(args as number[]);
        const r = new Float64Array(rows);
        const xs = new Array<number>(args.length);
        for (let i = 0; i < rows; i++) {
          for (let k = 0; k < args.length; k++) {
            const a = args[k];
            xs[k] = typeof a === 'number' ? a : a[i];
          }
          r[i] = fn.apply(xs);
        }
        return r;
      }
      case 'Binary': {
        if ((e.op === '==' || e.op === '!=') && (isText(e.left) || isText(e.right))) return compareText(e);
        const a = column(e.left);
        const b = column(e.right);
        return map2(a, b, BINARY[e.op]);
      }
    }
  };
  const isText = (e: Expr): boolean => e.kind === 'String' || (e.kind === 'NameRef' && lookup(e.name)?.kind === 'text');
  const textOf = (e: Expr): string[] | string => {
    if (e.kind === 'String') return e.value;
    if (e.kind === 'NameRef') {
      const c = lookup(e.name);
      if (c?.kind === 'text') return c.values;
      if (c?.kind === 'number') return Array.from(c.values, String);
    }
    if (e.kind === 'Number') return e.text;
    throw new EvalError('only a column or a string can be compared with text', e);
  };
  const compareText = (e: Expr & { kind: 'Binary' }): Float64Array => {
    const a = textOf(e.left);
    const b = textOf(e.right);
    const r = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const x = typeof a === 'string' ? a : a[i];
      const y = typeof b === 'string' ? b : b[i];
      r[i] = (x === y) === (e.op === '==') ? 1 : 0;
    }
    return r;
  };
  const map1 = (v: Float64Array | number, f: (x: number) => number): Float64Array | number => {
    if (typeof v === 'number') return f(v);
    const r = new Float64Array(rows);
    for (let i = 0; i < rows; i++) r[i] = f(v[i]);
    return r;
  };
  const map2 = (
    a: Float64Array | number,
    b: Float64Array | number,
    f: (x: number, y: number) => number,
  ): Float64Array | number => {
    if (typeof a === 'number' && typeof b === 'number') return f(a, b);
    const r = new Float64Array(rows);
    for (let i = 0; i < rows; i++) r[i] = f(typeof a === 'number' ? a : a[i], typeof b === 'number' ? b : b[i]);
    return r;
  };
  const result = column(expr);
  if (typeof result === 'number') out.fill(result);
  else out.set(result);
  return out;
}

const BINARY: Record<string, (x: number, y: number) => number> = {
  '+': (x, y) => x + y,
  '-': (x, y) => x - y,
  '*': (x, y) => x * y,
  '/': (x, y) => x / y,
  '^': (x, y) => Math.pow(x, y),
  '<': (x, y) => +(x < y),
  '<=': (x, y) => +(x <= y),
  '>': (x, y) => +(x > y),
  '>=': (x, y) => +(x >= y),
  '==': (x, y) => +(x === y),
  '!=': (x, y) => +(x !== y),
  and: (x, y) => +(x !== 0 && y !== 0),
  or: (x, y) => +(x !== 0 || y !== 0),
};

/** A constant expression (bounds, grid ends, predict values): numbers, inf, arithmetic, functions. */
export function evaluateConstant(expr: Expr, names: Record<string, number> = {}): number {
  return evaluateColumns(expr, 1, (name) =>
    Object.hasOwn(names, name) ? { kind: 'number', values: Float64Array.of(names[name]) } : undefined,
  )[0];
}

/** The names an expression reads (variables or parameters), in first-seen order, with each occurrence. */
export function namesIn(expr: Expr, into = new Map<string, Expr[]>()): Map<string, Expr[]> {
  switch (expr.kind) {
    case 'NameRef': {
      const list = into.get(expr.name) ?? [];
      list.push(expr);
      into.set(expr.name, list);
      break;
    }
    case 'Unary':
      namesIn(expr.operand, into);
      break;
    case 'Binary':
      namesIn(expr.left, into);
      namesIn(expr.right, into);
      break;
    case 'Call':
      for (const a of expr.args) namesIn(a, into);
      break;
  }
  return into;
}

export function isComparison(expr: Expr): boolean {
  return expr.kind === 'Binary' && ['<', '<=', '>', '>=', '==', '!=', 'and', 'or'].includes(expr.op);
}

/** Whether an expression holds a parse error anywhere (its statement is then skipped quietly: no cascades). */
export function hasError(e: Expr): boolean {
  switch (e.kind) {
    case 'Error':
      return true;
    case 'Unary':
      return hasError(e.operand);
    case 'Binary':
      return hasError(e.left) || hasError(e.right);
    case 'Call':
      return e.args.some(hasError);
    default:
      return false;
  }
}

/** Renders an expression back to text with minimal parentheses (hover, reports, `formula` in JSON). */
export function exprToString(e: Expr): string {
  const prec = (x: Expr): number => {
    if (x.kind !== 'Binary') return x.kind === 'Unary' ? 5 : 7;
    return { or: 1, and: 2, '+': 4, '-': 4, '*': 5, '/': 5, '^': 6 }[x.op as string] ?? 3;
  };
  const wrap = (x: Expr, min: number): string => (prec(x) < min ? `(${exprToString(x)})` : exprToString(x));
  switch (e.kind) {
    case 'Number':
      return e.text;
    case 'String':
      return quoteString(e.value) ?? JSON.stringify(e.value);
    case 'NameRef':
      return e.name;
    case 'Error':
      return '?';
    case 'Unary':
      return `${e.op}${wrap(e.operand, 6)}`;
    case 'Call':
      return `${e.callee.text}(${e.args.map(exprToString).join(', ')})`;
    case 'Binary': {
      const p = prec(e);
      if (e.op === '^') return `${wrap(e.left, 7)}^${wrap(e.right, 6)}`;
      // Left-associative: the right operand needs parentheses at equal precedence.
      return `${wrap(e.left, p)} ${e.op} ${wrap(e.right, p + 1)}`;
    }
  }
}
