// `per COLUMN` (issue 10.1): the rows of a law's (or isoflop's) data sorted into one group per
// distinct value of a column. Pure: the binder reports what goes wrong.
import { columnLookup } from '../data/table';
import { isMissingCell } from '../data/loader';
import type * as M from '../model';
import { closest } from '../text';

/** More groups than this are not fitted: a warning says so (docs/language.md). */
export const MAX_GROUPS = 200;

export type Grouping = { ok: true; groups: M.RowGroup[]; capped: number } | { ok: false; message: string };

/** The `source` column: each row's dataset name (several sources stacked carry `$source`). */
export function withSourceColumn(data: M.DataTable): M.DataTable {
  if (data.text.has('source') || data.numeric.has('source')) return data;
  const text = new Map(data.text);
  text.set('source', data.text.get('$source') ?? new Array<string>(data.rowCount).fill(data.name));
  return { ...data, text };
}

/** Groups in order of first appearance; a row whose value is missing belongs to none. */
export function groupRows(data: M.DataTable, column: string): Grouping {
  const c = columnLookup(data)(column);
  if (!c) {
    const names = [...new Set([...data.numeric.keys(), ...data.text.keys()])].filter((n) => !n.startsWith('$'));
    const hint = closest(column, names);
    return {
      ok: false,
      message: `the fitted data has no column '${column}'${hint ? ` (did you mean '${hint}'?)` : ''}`,
    };
  }
  const byKey = new Map<string, M.RowGroup>();
  for (let i = 0; i < data.rowCount; i++) {
    let value: string | number;
    if (c.kind === 'number') {
      if (Number.isNaN(c.values[i])) continue;
      value = c.values[i];
    } else {
      if (isMissingCell(c.values[i])) continue;
      value = c.values[i];
    }
    const key = `${typeof value}:${value}`;
    let g = byKey.get(key);
    if (!g) byKey.set(key, (g = { value, rows: [] }));
    g.rows.push(i);
  }
  const groups = [...byKey.values()];
  return { ok: true, groups: groups.slice(0, MAX_GROUPS), capped: Math.max(0, groups.length - MAX_GROUPS) };
}
