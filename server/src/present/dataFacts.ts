// Facts about the data behind a study's lines, for the hovers on `holdout`, `where`, `objective`,
// `compute`, a column mapping and a dataset (issue 18.5). Read from the bound model only: the
// loader recorded the file's size and time when it read it, so nothing here touches the disk.
import {
  rowPlace,
  type BoundLaw,
  type DataTable,
  type DatasetSource,
  type HeldOutRows,
  type Objective,
  type StudyModel,
} from '../core/model';
import type { LawResult } from '../core/results';
import { formatExact, formatValue } from './numbers';

/** How many runs a holdout shows by place before it says "and N more". */
export const HOLDOUT_SHOWN = 5;

export interface HoldoutFacts {
  held: number;
  total: number;
  /** The first held-out rows, by file and line ('sweep.csv' line 54) or inline row. */
  first: string[];
}

/**
 * The rows a law's `holdout` keeps out of the fit. `studyLine` turns an inline run's offset into its
 * 1-based line of the study (rowPlace alone would number it within the law's joined rows).
 */
export function holdoutFacts(law: BoundLaw, studyLine?: (offset: number) => number): HoldoutFacts {
  const first: string[] = [];
  let held = 0;
  for (let i = 0; i < law.heldOut.length; i++) {
    if (!law.heldOut[i]) continue;
    held++;
    if (first.length >= HOLDOUT_SHOWN) continue;
    const o = law.data.origin.at(i)!;
    first.push(o && 'range' in o && studyLine ? `study line ${studyLine(o.range.start)}` : rowPlace(o, i));
  }
  return { held, total: law.data.rowCount, first };
}

/** The rows an isoflop's or sweep's `holdout` removed before its fit (the binder keeps the first few's places). */
export function heldOutFacts(h: HeldOutRows | undefined, studyLine?: (offset: number) => number): HoldoutFacts {
  if (!h) return { held: 0, total: 0, first: [] };
  const first = h.first
    .slice(0, HOLDOUT_SHOWN)
    .map(({ origin: o, index }) =>
      o && 'range' in o && studyLine ? `study line ${studyLine(o.range.start)}` : rowPlace(o, index),
    );
  return { held: h.held, total: h.total, first };
}

/** `last by run`: how many runs it kept (one row each) out of how many rows. */
export function lastByLine(source: DatasetSource): string {
  return `keeps each run's last row: ${source.rows} runs, ${source.afterWhere} rows reduced to ${source.rows}`;
}

/** One line saying what an objective minimises. */
export function objectiveMeaning(o: Objective): string {
  const space = o.onLog ? 'of log(observed) − log(fitted)' : 'of observed − fitted';
  if (o.loss === 'squares') return `the sum of squared residuals ${space}`;
  return `the Huber loss ${space}: squares within δ = ${formatValue(o.delta)}, linear beyond (robust to outliers)`;
}

/** The fitted objective's value, every digit (fits are compared by it), or undefined before a fit. */
export function objectiveValue(r: LawResult | undefined): string | undefined {
  return r ? formatExact(r.objective.value) : undefined;
}

export interface ColumnFacts {
  min: string;
  max: string;
  /** Rows with a number. */
  count: number;
  /** Rows without one (empty, n/a, or not a number). */
  missing: number;
  /** Of `missing`: cells that are text where a number was expected. */
  invalid: number;
}

/** Min, max, count and missing of the values in `columns` (one array per table). */
export function columnFacts(columns: readonly ArrayLike<number>[], invalid = 0): ColumnFacts {
  let min = Infinity;
  let max = -Infinity;
  let count = 0;
  let missing = 0;
  for (const values of columns) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isNaN(v)) {
        missing++;
        continue;
      }
      count++;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { min: formatValue(count ? min : NaN), max: formatValue(count ? max : NaN), count, missing, invalid };
}

/** A mapped variable of a dataset, over the rows the dataset kept. */
export function variableFacts(table: DataTable, variable: string): ColumnFacts | undefined {
  const values = table.numeric.get(variable);
  if (!values) return undefined;
  return columnFacts([values], table.invalid?.get(variable)?.rows.size ?? 0);
}

/** A computed variable over the data of the laws and isoflops that read it (each one's rows once). */
export function computeFacts(model: StudyModel, name: string): { users: string[]; facts: ColumnFacts } {
  const laws = model.laws.filter((l) => !l.published && (l.variables.includes(name) || l.target === name));
  const isoflops = model.isoflops.filter((i) => [i.budget, i.size, i.tokens, i.target].includes(name));
  const tables = [...laws, ...isoflops].map((u) => ({ name: u.name, values: u.data.numeric.get(name) }));
  const read = tables.filter((t): t is { name: string; values: Float64Array } => !!t.values);
  return { users: read.map((t) => t.name), facts: columnFacts(read.map((t) => t.values)) };
}

/** "kept 50 of 56 rows, dropped 6". */
export function whereLine(source: DatasetSource): string {
  const dropped = source.fileRows - source.afterWhere;
  return `kept ${source.afterWhere} of ${source.fileRows} rows, dropped ${dropped}`;
}

/** A byte count as people read it: 2.1 KB, 3.4 MB (binary units). */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${bytes} bytes` : `${formatValue(v, 3)} ${units[u]}`;
}

/** A modification time in UTC, to the second: 2026-12-01 19:40:12 UTC (the same on every machine). */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** The lines a dataset's hover shows about its rows (the file is shown apart: a path goes in a code span). */
export function datasetRowLines(source: DatasetSource): string[] {
  const lines = [
    `rows: ${source.rows}${source.rows !== source.fileRows ? ` (of ${source.fileRows} in the file)` : ''}`,
  ];
  if (source.afterWhere !== source.fileRows) lines.push(`where: ${whereLine(source)}`);
  if (source.rows !== source.afterWhere) lines.push(`last by: kept ${source.rows} of ${source.afterWhere} rows`);
  return lines;
}

/** "1.7 KB, modified 2026-12-01 19:38:16 UTC" ('' when the host reported neither). */
export function fileNote(source: DatasetSource): string {
  return [
    source.size !== undefined ? formatBytes(source.size) : undefined,
    source.mtimeMs !== undefined ? `modified ${formatTime(source.mtimeMs)}` : undefined,
  ]
    .filter((x) => x)
    .join(', ');
}
