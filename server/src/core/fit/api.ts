// Small public helpers around the compiler, for callers outside the engine (hover, plots).
import type { Expr } from '../syntax/ast';
import { Program, toNode } from './compile';

/** Compiles a formula over named parameters and variables into an evaluator with exact Jacobians. */
export function compileFormula(
  expr: Expr,
  params: string[],
  variables: string[],
  columns: Float64Array[],
  rows: number,
): Program {
  return new Program(toNode(expr, params, variables), params.length, columns, rows);
}
