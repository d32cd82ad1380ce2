// The bound study: what the binder makes of a syntax tree once names are resolved and data is
// loaded. The fit engine reads only this (plus formula `Expr`s), never the text.
import type { Diagnostic } from './diagnostics';
import type { Expr, Range } from './syntax/ast';

/** Rows of one data source, column-major. Numeric variables as Float64Array; text columns kept for `by`. */
export interface DataTable {
  name: string;
  rowCount: number;
  numeric: Map<string, Float64Array>;
  text: Map<string, string[]>;
  /** Per row: where it came from (a file and 1-based line, or the inline row's range). */
  origin: RowOrigins;
  /**
   * Per mapped variable: its cells that are neither a number nor missing (NaN in `numeric`). They
   * are an error only where a law needs them (validate.ts), not in rows a `where` or a law leaves out.
   */
  invalid?: Map<string, InvalidCells>;
}

export interface RowGroup {
  /** The column's value as written in the data. */
  value: string | number;
  /** Row indices into the law's (or isoflop's) data. */
  rows: number[];
}

export interface PerSpec {
  column: string;
  groups: RowGroup[];
}

export interface InvalidCells {
  /** The file's column name and the mapping that reads it (where the error is shown). */
  column: string;
  at: Range;
  /** Row index in this table → the cell's text. */
  rows: Map<number, string>;
}

/** Where a row came from: a file's line (or, for Parquet, its row number), or an inline `runs` row. */
export type RowOrigin = { file: string; line: number; word?: 'line' | 'row' } | { range: Range };

/**
 * Rows' origins by index: an array (inline rows), or a file's rows as their line numbers
 * (data/origins.ts FileRowOrigins: no object per row until one is asked for).
 */
export interface RowOrigins {
  readonly length: number;
  at(row: number): RowOrigin | undefined;
}

/** A line of a data file a diagnostic can link to: text files only (not Parquet, not gzip). */
export function linkableLine(file: string, line: number): { path: string; line: number } | undefined {
  return /\.(parquet|gz)$/i.test(file) ? undefined : { path: file, line };
}

/** How a message names a row: `'runs.csv' line 5`, `'runs.parquet' row 4`, or `row 3` (inline). */
export function rowPlace(o: RowOrigin | undefined, i: number): string {
  return o && 'file' in o ? `'${o.file.split(/[\\/]/).pop()}' ${o.word ?? 'line'} ${o.line}` : `row ${i + 1}`;
}

export interface ParamSpec {
  name: string;
  lower: number; // -Infinity when unbounded
  upper: number; // +Infinity when unbounded
  lowerClosed: boolean;
  upperClosed: boolean;
  /** A fixed parameter is not fitted. */
  fixed: number | undefined;
  /** Explicit starting values (a declared grid expanded, in the parameter's own space). */
  starts: number[];
  /** True when the declared grid stepped through ln(param) (Hoffmann's `log` grids). */
  logGrid: boolean;
  range: Range;
}

export type Objective = { loss: 'squares'; onLog: boolean } | { loss: 'huber'; delta: number; onLog: boolean };

export type UncertaintySpec =
  | { method: 'none' }
  | { method: 'asymptotic'; level: number }
  /** Profile likelihood for parameters, predictions and optima (profile.ts, profileQuantity.ts). */
  | { method: 'profile'; level: number }
  | { method: 'bootstrap'; resamples: number; seed: number; level: number; by: string | undefined };

export interface BoundLaw {
  name: string;
  range: Range;
  nameRange: Range;
  /** The target variable (e.g. L). */
  target: string;
  /** The right-hand side, with a catalogue law expanded into its formula over the study's variables. */
  formula: Expr;
  /** The formula as the user should read it (`E + A / N^alpha + B / D^beta`). */
  formulaText: string;
  /** Catalogue entry name, when the law came from the catalogue. */
  catalogue: string | undefined;
  /** Variables the formula reads (not parameters). */
  variables: string[];
  params: ParamSpec[];
  objective: Objective;
  /** Whether the study declared the objective (the checklist asks for it) or the default applies. */
  objectiveDeclared: boolean;
  /** The rows the law fits: the named sources concatenated, `compute` variables added. */
  data: DataTable;
  /** Per row of `data`: true when a `holdout` condition keeps it out of the fit. */
  heldOut: Uint8Array;
  /** `weight EXPR`: per row of `data`, the factor on its term of the objective (NaN: a missing input). */
  rowWeights?: Float64Array;
  /** The weight expression as written (for hover, report and JSON). */
  weightText?: string;
  /** `per COLUMN`: one fit per group of rows. */
  per?: PerSpec;
  /** `shared alpha, beta` (with `per`): free parameters fitted jointly across the groups; the rest are per group. */
  shared?: string[];
  uncertainty: UncertaintySpec;
  uncertaintyDeclared: boolean;
  /** A published fit (`published("hoffmann2022")`): every parameter fixed, no data of its own. */
  published?: PublishedSource;
  /** `search exhaustive`: optimize every declared start instead of the screened best. */
  search?: 'screened' | 'exhaustive';
}

/** Where a published law's numbers come from, and how they were verified. */
export interface PublishedSource {
  id: string;
  source: string;
  units: string;
  verification: string;
}

export interface BoundIsoflop {
  name: string;
  range: Range;
  /** `envelope` for approach 1 (the training-curve envelope); absent for an `isoflop` (approach 2's parabolas). */
  method?: 'envelope';
  /** Envelope only: the column naming each training run. */
  run?: string;
  budget: string; // the variable that groups runs (C)
  size: string; // N
  tokens: string; // D
  target: string; // L
  weighted: boolean;
  /** `minimum parabola window K` or `minimum akima`; absent: a parabola through all of a budget's runs. */
  minimum?: BoundSweep['minimum'];
  /** `minimum … in D`: the minimum is sought along the tokens variable (absent: along the size variable). */
  along?: 'tokens';
  data: DataTable;
  /** What its `holdout` lines removed (absent without any). */
  heldOut?: HeldOutRows;
  uncertainty: UncertaintySpec;
  /** `per COLUMN`: one analysis per group of rows. */
  per?: PerSpec;
}

/** The rows an isoflop's or sweep's `holdout` lines removed before the fit: how many, and the first few's places. */
export interface HeldOutRows {
  held: number;
  /** Rows before the holdout. */
  total: number;
  /** The first held-out rows (at most HELD_OUT_KEPT), each with its row index in the joined data. */
  first: { origin: RowOrigin | undefined; index: number }[];
}

/** How many held-out rows an isoflop or sweep remembers by place (the hover shows a few). */
export const HELD_OUT_KEPT = 5;

/** `sweep NAME { fit runs  over lr  per N  target L  minimum parabola }`: a hyperparameter law. */
export interface BoundSweep {
  name: string;
  range: Range;
  /** The swept hyperparameter (lr): its best value is sought in each group, in ln(over). */
  over: string;
  /** One minimum per value of this variable (N). */
  per: string;
  target: string;
  minimum: { method: 'parabola'; window?: number } | { method: 'akima' };
  data: DataTable;
  /** What its `holdout` lines removed (absent without any). */
  heldOut?: HeldOutRows;
  uncertainty: UncertaintySpec;
}

export interface BoundPredict {
  law: string;
  at: Record<string, number>;
  range: Range;
}

export interface BoundOptimize {
  law: string;
  budget: Record<string, number>; // e.g. { C: 5.76e23 }
  range: Range;
}

/** `frontier LAW over C = from..to points K`: the optimum at K log-spaced budgets, both ends included. */
export interface BoundFrontier {
  law: string;
  variable: string;
  from: number;
  to: number;
  points: number;
  range: Range;
}

/**
 * `plan LAW at … budget B` | `plan LAW for C = … budget B`: the runs, each priced by the compute
 * `cost`, that best shrink the interval of that prediction (`at`) or of that optimum's first
 * variable, N* (`for`), within B.
 */
export interface BoundPlan {
  law: string;
  target: { kind: 'predict'; at: Record<string, number> } | { kind: 'optimum'; budget: Record<string, number> };
  budget: number;
  /** The `compute` over the law's variables that prices one run (C = 6 * N * D). */
  cost: string;
  range: Range;
}

/** How `compare` cross-validates: K folds by a seeded shuffle, or one group per value of a column. */
export type CrossValidation = { folds: number; seed: number } | { by: string };

/** `compare a, b [cv K [seed S] | cv by COLUMN]`: laws side by side on the same rows. */
export interface BoundCompare {
  name: string | undefined;
  laws: string[];
  cv: CrossValidation | undefined;
  range: Range;
}

interface BoundPlot {
  subject: string;
  y: string | undefined;
  x: string | undefined;
  by: string | undefined;
  range: Range;
}

export interface ComputeDef {
  name: string;
  formula: Expr;
  range: Range;
}

export interface StudyModel {
  title: string | undefined;
  computes: ComputeDef[];
  datasets: Map<string, DataTable>;
  laws: BoundLaw[];
  isoflops: BoundIsoflop[];
  predictions: BoundPredict[];
  optima: BoundOptimize[];
  frontiers: BoundFrontier[];
  /** Absent in models built before `plan` existed. */
  plans?: BoundPlan[];
  sweeps: BoundSweep[];
  /** Absent in models built before `compare` existed. */
  comparisons?: BoundCompare[];
  plots: BoundPlot[];
  diagnostics: Diagnostic[];
  /** Per dataset name: the file behind it and the rows each step kept (hover); absent for inline `runs`. */
  datasetSources?: Map<string, DatasetSource>;
}

/** What a `dataset` read: its file, and how many rows the file had and `where` / `last by` kept. */
export interface DatasetSource {
  file: string;
  /** Bytes and modification time (ms since 1970), as the data host reported when the loader read it. */
  size: number | undefined;
  mtimeMs: number | undefined;
  fileRows: number;
  /** Rows every `where` condition kept (fileRows when there is none). */
  afterWhere: number;
  /** Rows left after `last by` (afterWhere when there is none). */
  rows: number;
}

/** A law of the built-in catalogue, as the binder needs it (server/src/core/laws provides them). */
export interface CatalogueLaw {
  name: string;
  /** Variable slots, in call order: `kaplan_nd(N, D)`. */
  formals: string[];
  /** The formula over the formals and the parameters. */
  formula: Expr;
  /** The target the law predicts when none is written (L). */
  target?: string;
  params: {
    name: string;
    lower: number;
    upper: number;
    lowerClosed: boolean;
    upperClosed: boolean;
    starts: number[];
    logGrid: boolean;
  }[];
  source: string;
  description: string;
}
