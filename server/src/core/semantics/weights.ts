// `weight EXPR` in a law block (issue 10.3): one weight per row of the law's data, evaluated over
// its columns as `where` and `holdout` are. Pure: the binder reports the problems found here.
import { columnLookup } from '../data/table';
import type * as M from '../model';
import { rowPlace } from '../model';
import type * as A from '../syntax/ast';
import { EvalError, evaluateColumns, namesIn } from './evaluate';

export type RowWeights =
  | { ok: true; weights: Float64Array }
  | { ok: false; message: string; at: A.Expr; code: 'scaling.unknown-name' | 'scaling.bad-weight' };

/**
 * Weights per row. A row whose weight reads a missing value gets NaN: it is left out of the fit
 * like any row missing a value (validate.ts counts it). A weight that is infinite, negative or NaN
 * with every input present is an error naming the first such row.
 */
export function rowWeights(expr: A.Expr, data: M.DataTable): RowWeights {
  const lookup = columnLookup(data);
  const inputs: Float64Array[] = [];
  for (const [name, uses] of namesIn(expr)) {
    const c = lookup(name);
    if (c?.kind === 'text')
      return {
        ok: false,
        code: 'scaling.bad-weight',
        message: `'${name}' is a column of text: a weight must be a number per row`,
        at: uses[0],
      };
    if (c) inputs.push(c.values);
  }
  let weights: Float64Array;
  try {
    weights = evaluateColumns(expr, data.rowCount, lookup);
  } catch (e) {
    if (!(e instanceof EvalError)) throw e;
    return {
      ok: false,
      code: 'scaling.unknown-name',
      message: `${e.message}: a weight can use the fitted data's columns`,
      at: e.expr,
    };
  }
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (w >= 0 && w < Infinity) continue;
    if (Number.isNaN(w) && inputs.some((c) => Number.isNaN(c[i]))) continue; // a missing input
    const o = data.origin.at(i)!;
    const row = rowPlace(o, i);
    return {
      ok: false,
      code: 'scaling.bad-weight',
      message: `the weight is ${w} at ${row}: weights must be finite and not negative`,
      at: expr,
    };
  }
  return { ok: true, weights };
}
