// The study language's syntax tree. Every node carries a source range (UTF-16 offsets into the
// document, end exclusive); `lineIndex.ts` turns offsets into lines and columns.

export interface Range {
  start: number;
  end: number;
}

export interface Name {
  kind: 'Name';
  text: string;
  range: Range;
}

// ---------------------------------------------------------------------------------------------
// Expressions: formulas (`E + A / N^alpha`) and conditions (`N >= 5B and loss < 10`) share one
// grammar; the validator checks which kind a place expects.

export type BinaryOp = '+' | '-' | '*' | '/' | '^' | '<' | '<=' | '>' | '>=' | '==' | '!=' | 'and' | 'or';

export type Expr = NumberLit | StringLit | NameRef | Unary | Binary | Call | ErrorExpr;

export interface NumberLit {
  kind: 'Number';
  value: number;
  text: string; // as written, e.g. "1.4T"
  range: Range;
}

export interface StringLit {
  kind: 'String';
  value: string;
  range: Range;
}

export interface NameRef {
  kind: 'NameRef';
  name: string;
  range: Range;
}

export interface Unary {
  kind: 'Unary';
  op: '-' | '+';
  operand: Expr;
  range: Range;
}

export interface Binary {
  kind: 'Binary';
  op: BinaryOp;
  left: Expr;
  right: Expr;
  range: Range;
}

export interface Call {
  kind: 'Call';
  callee: Name;
  args: Expr[];
  range: Range;
}

/** Stands where an expression failed to parse; the parser already reported it. */
export interface ErrorExpr {
  kind: 'Error';
  range: Range;
}

// ---------------------------------------------------------------------------------------------
// Statements

export type Statement =
  | StudyDecl
  | ComputeDecl
  | DatasetDecl
  | RunsDecl
  | LawDecl
  | IsoflopDecl
  | PredictStmt
  | OptimizeStmt
  | FrontierStmt
  | PlanStmt
  | SweepDecl
  | CompareStmt
  | PlotStmt;

export interface StudyFile {
  kind: 'StudyFile';
  statements: Statement[];
  range: Range;
}

/** `study "Title"` */
export interface StudyDecl {
  kind: 'Study';
  title: StringLit | undefined;
  range: Range;
}

/** `compute C = 6 * N * D` */
export interface ComputeDecl {
  kind: 'Compute';
  name: Name | undefined;
  formula: Expr | undefined;
  range: Range;
}

export type DataFormat = 'csv' | 'tsv' | 'jsonl' | 'parquet';

/** `dataset sweep = csv("runs/sweep.csv") { N: params  where loss < 10 }` */
export interface DatasetDecl {
  kind: 'Dataset';
  name: Name | undefined;
  format: Name | undefined; // csv | tsv | jsonl | parquet as written
  path: StringLit | undefined;
  columns: ColumnMap[];
  where: Expr[]; // each `where` line; all must hold
  last?: LastClause; // `last by run [along step]`: each run's final row
  bodyRange?: Range; // the `{ … }` block, when present
  range: Range;
}

/** `last by run` or `last by run along step`: keep each run's last row (in file order, after `where`). */
export interface LastClause {
  kind: 'Last';
  by: Name;
  /** The column that orders each curve; with it, steps out of order or repeated are reported. */
  along: Name | undefined;
  range: Range;
}

/** `N: params` or `N: "Model Size"` inside a dataset block. */
export interface ColumnMap {
  kind: 'ColumnMap';
  variable: Name;
  column: Name | StringLit;
  range: Range;
}

/** An inline table: `runs pilot { N D L \n 44M 8.8B 3.21 }` */
export interface RunsDecl {
  kind: 'Runs';
  name: Name | undefined;
  header: Name[];
  rows: RunRow[];
  /** The table was over the row limit and its rows were not read (an error says so). */
  refused?: boolean;
  range: Range;
}

export interface RunRow {
  kind: 'RunRow';
  cells: (NumberLit | StringLit)[];
  range: Range;
}

/**
 * `law NAME: TARGET = FORMULA { … }` or a catalogue law `law NAME: kaplan_n(N) { … }`
 * (optionally `law NAME: L = kaplan_n(N)`; the target then defaults to `L` when omitted).
 */
export interface LawDecl {
  kind: 'Law';
  name: Name | undefined;
  target: Name | undefined; // undefined: catalogue law without a written target
  formula: Expr | undefined; // a Call of a catalogue name for catalogue laws
  body: LawItem[];
  bodyRange: Range | undefined; // the `{ … }` block, when present
  range: Range;
}

export type LawItem =
  | FitClause
  | HoldoutClause
  | ObjectiveClause
  | ParamClause
  | SearchClause
  | UncertaintyClause
  | WeightClause
  | PerClause
  | SharedClause;

/** `per config`: one fit per distinct value of a column (issue 10.1). */
export interface PerClause {
  kind: 'Per';
  column: Name;
  range: Range;
}

/** `shared alpha, beta`: in a `per` law, parameters fitted jointly across the groups (issue 10.2). */
export interface SharedClause {
  kind: 'Shared';
  names: Name[];
  range: Range;
}

/** `weight 1 / sigma^2`: each row's term of the objective is multiplied by this (issue 10.3). */
export interface WeightClause {
  kind: 'Weight';
  expr: Expr;
  range: Range;
}

/** `search exhaustive` (optimize every declared start) | `search screened` (the default) */
export interface SearchClause {
  kind: 'Search';
  mode: 'screened' | 'exhaustive';
  range: Range;
}

/** `fit sweep, pilot` */
export interface FitClause {
  kind: 'Fit';
  sources: Name[];
  range: Range;
}

/** `holdout N >= 5B` */
export interface HoldoutClause {
  kind: 'Holdout';
  condition: Expr;
  range: Range;
}

/** `objective huber(1e-3) on log` | `objective squares` */
export interface ObjectiveClause {
  kind: 'Objective';
  loss: 'squares' | 'huber';
  delta: Expr | undefined; // huber's delta
  onLog: boolean;
  range: Range;
}

/** `param E in (0, 10) init grid -1..1 by 0.5 log` | `param E = 1.69` | `param a init 0.3` */
export interface ParamClause {
  kind: 'Param';
  name: Name;
  fixed: Expr | undefined;
  bounds: Bounds | undefined;
  init: InitSpec | undefined;
  range: Range;
}

export interface Bounds {
  lower: Expr;
  upper: Expr;
  lowerClosed: boolean; // `[` vs `(`
  upperClosed: boolean;
  range: Range;
}

export type InitSpec = InitGrid | InitValues;

/** `init grid FROM..TO by STEP [log]` — with `log` the grid steps through ln(param). */
export interface InitGrid {
  kind: 'InitGrid';
  from: Expr;
  to: Expr;
  step: Expr;
  log: boolean;
  range: Range;
}

/** `init 0.3` or `init 0.1, 0.3, 1` */
export interface InitValues {
  kind: 'InitValues';
  values: Expr[];
  range: Range;
}

/** `uncertainty bootstrap 1000 seed 7 level 0.9 by run` | `uncertainty asymptotic level 0.95` | `uncertainty profile level 0.9` | `uncertainty none` */
export interface UncertaintyClause {
  kind: 'Uncertainty';
  method: 'bootstrap' | 'asymptotic' | 'profile' | 'none';
  resamples: NumberLit | undefined;
  seed: NumberLit | undefined;
  level: NumberLit | undefined;
  by: Name | undefined;
  range: Range;
}

/** `isoflop approach2 { fit sweep  budget C  size N  tokens D  target L  weighted }` */
export interface IsoflopDecl {
  kind: 'Isoflop';
  /** `isoflop` (approach 2) or `envelope` (approach 1), as written. */
  keyword: 'isoflop' | 'envelope';
  name: Name | undefined;
  items: IsoflopItem[];
  range: Range;
}

export type IsoflopItem = FitClause | IsoflopSetting | SweepMinimum | HoldoutClause | UncertaintyClause | PerClause;

/** `budget C`, `size N`, `tokens D`, `target L`, `run run` (envelopes), `weighted` (a flag, variable undefined). */
export interface IsoflopSetting {
  kind: 'IsoflopSetting';
  setting: 'budget' | 'size' | 'tokens' | 'target' | 'run' | 'weighted';
  keyword: Name;
  variable: Name | undefined;
  range: Range;
}

/** `sweep lr_star { fit runs  over lr  per N  target L  minimum parabola window 5 }` */
export interface SweepDecl {
  kind: 'Sweep';
  name: Name | undefined;
  items: SweepItem[];
  range: Range;
}

export type SweepItem = FitClause | SweepSetting | SweepMinimum | HoldoutClause | UncertaintyClause;

/** `over lr`, `per N`, `target L`. */
export interface SweepSetting {
  kind: 'SweepSetting';
  setting: 'over' | 'per' | 'target';
  keyword: Name;
  variable: Name | undefined;
  range: Range;
}

/** `minimum parabola`, `minimum parabola window 5`, `minimum akima` (sweeps and isoflops); `… in D` (isoflops). */
export interface SweepMinimum {
  kind: 'SweepMinimum';
  keyword: Name;
  method: Name | undefined;
  window: Expr | undefined;
  /** Isoflops: `in D`, the variable the minimum is sought along (the size variable when absent). */
  along?: Name;
  range: Range;
}

/** `predict chinchilla at N = 70B, D = 1.4T` */
export interface PredictStmt {
  kind: 'Predict';
  law: Name | undefined;
  at: Assignment[];
  range: Range;
}

/** `optimize chinchilla for C = 5.76e23` */
export interface OptimizeStmt {
  kind: 'Optimize';
  law: Name | undefined;
  budget: Assignment[];
  range: Range;
}

/**
 * `plan chinchilla at N = 70B, D = 1.4T budget 3e21` (the runs that best shrink that prediction's
 * interval) | `plan chinchilla for C = 5.76e23 budget 3e21` (that optimum's).
 */
export interface PlanStmt {
  kind: 'Plan';
  law: Name | undefined;
  /** `at` a prediction's point, or `for` an optimum's compute budget. */
  question: 'at' | 'for' | undefined;
  point: Assignment[];
  /** The compute the proposed runs may spend together. */
  budget: Expr | undefined;
  range: Range;
}

/** `frontier chinchilla over C = 1e20..1e26 points 13` */
export interface FrontierStmt {
  kind: 'Frontier';
  law: Name | undefined;
  variable: Name | undefined;
  from: Expr | undefined;
  to: Expr | undefined;
  points: Expr | undefined;
  range: Range;
}

/** `compare full, no_floor cv 5 seed 1` | `compare floors: full, no_floor cv by N` */
export interface CompareStmt {
  kind: 'Compare';
  /** The comparison's own name, when written (`compare NAME: a, b`). */
  name: Name | undefined;
  laws: Name[];
  /** `cv K`: K folds. */
  folds: Expr | undefined;
  seed: Expr | undefined;
  /** `cv by COLUMN`: leave one group out. */
  by: Name | undefined;
  range: Range;
}

export interface Assignment {
  kind: 'Assignment';
  variable: Name;
  value: Expr;
  range: Range;
}

/** `plot chinchilla: L vs C by N` | `plot approach2` */
export interface PlotStmt {
  kind: 'Plot';
  subject: Name | undefined;
  y: Name | undefined;
  x: Name | undefined;
  by: Name | undefined;
  range: Range;
}

export interface Comment {
  text: string; // including the `//` or `#`
  range: Range;
}

export type AnyNode =
  Statement | LawItem | IsoflopItem | SweepItem | Expr | Name | ColumnMap | LastClause | RunRow | Assignment;
