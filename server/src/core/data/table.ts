// Operations on a bound data table: its columns as the evaluator reads them, the rows a `where`
// keeps, row selection and the stacking of several sources. Pure: the binder reports what goes wrong.
import type * as M from '../model';
import { EvalError, evaluateColumns, hasError, isComparison, type Column } from '../semantics/evaluate';
import type * as A from '../syntax/ast';
import { isMissingCell, parseNumber } from './loader';
import { concatOrigins, selectOrigins } from './origins';

export function columnLookup(table: M.DataTable): (name: string) => Column | undefined {
  return (name) => {
    const n = table.numeric.get(name);
    if (n) return { kind: 'number', values: n };
    const t = table.text.get(name);
    if (t) {
      // A file column: numeric when every cell parses, text from the first cell that does not (a
      // million run names are not all parsed to find that out).
      const values = new Float64Array(t.length);
      for (let i = 0; i < t.length; i++) {
        const v = parseNumber(t[i]);
        if (Number.isNaN(v) && !isMissingCell(t[i])) return { kind: 'text', values: t };
        values[i] = v;
      }
      return { kind: 'number', values };
    }
    return undefined;
  };
}

/** The rows a `where` keeps (`keep` undefined: every row), or why its conditions cannot be applied. */
type WhereMask =
  | { error?: undefined; keep: Uint8Array | undefined }
  | { error: 'not-a-condition'; at: A.Expr }
  | { error: 'unknown-name'; at: A.Expr; message: string };

/** All conditions must hold. A condition that failed to parse disables the filter (its error speaks for it). */
export function whereMask(table: M.DataTable, conditions: A.Expr[]): WhereMask {
  let keep: Uint8Array | undefined;
  for (const cond of conditions) {
    if (hasError(cond)) return { keep: undefined };
    if (!isComparison(cond)) return { error: 'not-a-condition', at: cond };
    try {
      const v = evaluateColumns(cond, table.rowCount, columnLookup(table));
      keep ??= new Uint8Array(table.rowCount).fill(1);
      for (let i = 0; i < v.length; i++) if (!v[i]) keep[i] = 0;
    } catch (e) {
      if (!(e instanceof EvalError)) throw e;
      return { error: 'unknown-name', at: e.expr, message: e.message };
    }
  }
  return { keep };
}

export function selectRows(table: M.DataTable, keep: Uint8Array): M.DataTable {
  const idx: number[] = [];
  for (let i = 0; i < keep.length; i++) if (keep[i]) idx.push(i);
  const numeric = new Map<string, Float64Array>();
  for (const [k, v] of table.numeric)
    numeric.set(
      k,
      Float64Array.from(idx, (i) => v[i]),
    );
  const text = new Map<string, string[]>();
  for (const [k, v] of table.text)
    text.set(
      k,
      idx.map((i) => v[i]),
    );
  const result: M.DataTable = {
    name: table.name,
    rowCount: idx.length,
    numeric,
    text,
    origin: selectOrigins(table.origin, idx),
  };
  if (table.invalid) {
    const position = new Int32Array(keep.length).fill(-1);
    idx.forEach((i, j) => (position[i] = j));
    result.invalid = remapInvalid([table], (_, i) => position[i]);
  }
  return result;
}

/** The invalid cells of tables stacked or filtered, at their new row indices (-1: the row went). */
function remapInvalid(
  tables: M.DataTable[],
  newIndex: (table: number, row: number) => number,
): Map<string, M.InvalidCells> | undefined {
  const out = new Map<string, M.InvalidCells>();
  tables.forEach((t, k) => {
    for (const [variable, cells] of t.invalid ?? []) {
      let entry = out.get(variable);
      if (!entry) out.set(variable, (entry = { column: cells.column, at: cells.at, rows: new Map() }));
      for (const [row, text] of cells.rows) {
        const j = newIndex(k, row);
        if (j >= 0) entry.rows.set(j, text);
      }
    }
  });
  return out.size > 0 ? out : undefined;
}

/**
 * Stacks the rows of several sources, keeping every column they all have: the variables, and the
 * file columns a `holdout` or a bootstrap `by` may name (as with one source). A column that is a
 * number in one source and text in another is kept as text.
 */
export function concatTables(name: string, sources: M.DataTable[]): M.DataTable {
  if (sources.length === 1) return sources[0];
  const rowCount = sources.reduce((s, t) => s + t.rowCount, 0);
  const numeric = new Map<string, Float64Array>();
  for (const v of sources[0].numeric.keys()) {
    if (!sources.every((t) => t.numeric.has(v))) continue;
    const out = new Float64Array(rowCount);
    let o = 0;
    for (const t of sources) {
      out.set(t.numeric.get(v)!, o);
      o += t.rowCount;
    }
    numeric.set(v, out);
  }
  const text = new Map<string, string[]>();
  const textOf = (t: M.DataTable, c: string): string[] =>
    t.text.get(c) ?? Array.from(t.numeric.get(c)!, (x) => String(x));
  for (const c of new Set([...sources[0].text.keys(), ...sources[0].numeric.keys()])) {
    if (numeric.has(c) || !sources.every((t) => t.text.has(c) || t.numeric.has(c))) continue;
    text.set(
      c,
      sources.flatMap((t) => textOf(t, c)),
    );
  }
  // Tag rows by source so a bootstrap `by` and tooltips can tell them apart.
  text.set(
    '$source',
    sources.flatMap((t) => new Array<string>(t.rowCount).fill(t.name)),
  );
  const offsets = sources.map((_, k) => sources.slice(0, k).reduce((s, t) => s + t.rowCount, 0));
  const invalid = remapInvalid(sources, (k, row) => offsets[k] + row);
  return {
    name,
    rowCount,
    numeric,
    text,
    origin: concatOrigins(sources.map((t) => t.origin)),
    ...(invalid ? { invalid } : {}),
  };
}
