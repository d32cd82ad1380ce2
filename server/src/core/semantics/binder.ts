// Binds a parsed study: resolves names, loads data, adds `compute` variables, expands catalogue
// laws, evaluates constants, and reports what is wrong where it is written. Nodes that failed to
// parse are skipped quietly (the syntax error already speaks for them: no cascades).
import * as path from 'node:path';
import { diagnostic, type Diagnostic, type Severity } from '../diagnostics';
import type * as M from '../model';
import { HELD_OUT_KEPT, linkableLine, rowPlace } from '../model';
import type * as A from '../syntax/ast';
import type { ParseResult } from '../syntax/parser';
import { cellsOf, numericColumn, type LoadResult } from '../data/loader';
import { checkCurves, lastRows } from '../data/curves';
import { FileRowOrigins } from '../data/origins';
import { dataKey, resolveDataPath } from '../data/paths';
import { PUBLISHED } from '../laws/published';
import { columnLookup, concatTables, selectRows, whereMask } from '../data/table';
import { rowWeights } from './weights';
import { groupRows, MAX_GROUPS, withSourceColumn } from './groups';
import { closest, editDistance, formatNumber, listed, MAX_SUGGEST_CANDIDATES } from '../text';
import {
  EvalError,
  FUNCTIONS,
  evaluateColumns,
  evaluateConstant,
  exprToString,
  hasError,
  isComparison,
  namesIn,
} from './evaluate';

/** The data files a study names, by dataKey(absolute path, format), as loaded (or refused) before binding. */
export type StudyData = Map<string, LoadResult | { ok: false; message: string; refused: true }>;

export interface BindOptions {
  /** Absolute path of the study file; data paths are relative to its folder. */
  studyPath?: string;
  /** The folder relative data paths resolve against when the study has no file. */
  baseDir?: string;
  /** Every data file the study names, loaded by analyze() through the host. */
  data?: StudyData;
  catalogue?: ReadonlyMap<string, M.CatalogueLaw>;
}

/**
 * Start points a law may declare (the product of its free parameters' grids). The Hoffmann grid is
 * 4,500; 100,000 starts are ~10 MB and a few seconds of screening on 100 runs.
 */
export const MAX_STARTS = 100_000;

const DEFAULT_OBJECTIVE: M.Objective = { loss: 'huber', delta: 1e-3, onLog: true };

export function bind(parsed: ParseResult, options: BindOptions = {}): M.StudyModel {
  return new Binder(parsed, options).run();
}

/** Bootstrap resamples of a sweep's law when it declares no `uncertainty` (seed 0, level 0.9). */
const SWEEP_RESAMPLES = 1000;

/** Budgets on a frontier when `points` is not given (13: two per decade over 1e20..1e26). */
export const FRONTIER_POINTS = 13;
/** A frontier re-solves the optimum (and its intervals) per point: cap the work. */
const MAX_FRONTIER_POINTS = 200;
/** `cv K` refits every compared law K times: cap the work (leave-one-out on a large sweep is `cv by`). */
const MAX_FOLDS = 100;

class Binder {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly catalogue: ReadonlyMap<string, M.CatalogueLaw>;
  private readonly model: M.StudyModel;
  private readonly declared = new Map<string, { kind: string; range: A.Range }>();

  constructor(
    private readonly parsed: ParseResult,
    private readonly options: BindOptions,
  ) {
    this.catalogue = options.catalogue ?? new Map();
    this.model = {
      title: undefined,
      computes: [],
      datasets: new Map(),
      laws: [],
      isoflops: [],
      sweeps: [],
      predictions: [],
      optima: [],
      frontiers: [],
      plans: [],
      comparisons: [],
      plots: [],
      diagnostics: this.diagnostics,
    };
  }

  private report(severity: Severity, code: string, message: string, range: A.Range, data?: unknown): void {
    this.diagnostics.push(diagnostic(severity, code, message, range, data === undefined ? {} : { data }));
  }

  run(): M.StudyModel {
    const statements = this.parsed.file.statements;
    // Declarations first, so uses may come before or after them.
    for (const s of statements) {
      if (s.kind === 'Study') this.bindStudy(s);
      if (s.kind === 'Compute') this.bindCompute(s);
    }
    this.model.computes = dependencyOrder(this.model.computes);
    for (const s of statements) {
      if (s.kind === 'Dataset') this.bindDataset(s);
      if (s.kind === 'Runs') this.bindRuns(s);
    }
    for (const table of this.model.datasets.values()) this.addComputes(table);
    for (const s of statements) {
      if (s.kind === 'Law' && s.name) this.declare(s.name, 'law');
      if (s.kind === 'Isoflop' && s.name) this.declare(s.name, s.keyword);
      if (s.kind === 'Sweep' && s.name) this.declare(s.name, 'sweep');
    }
    for (const s of statements) {
      if (s.kind === 'Law') this.bindLaw(s);
      if (s.kind === 'Isoflop') this.bindIsoflop(s);
      if (s.kind === 'Sweep') this.bindSweep(s);
    }
    for (const s of statements) {
      if (s.kind === 'Predict') this.bindPredict(s);
      if (s.kind === 'Optimize') this.bindOptimize(s);
      if (s.kind === 'Frontier') this.bindFrontier(s);
      if (s.kind === 'Plan') this.bindPlan(s);
      if (s.kind === 'Compare') this.bindCompare(s);
      if (s.kind === 'Plot') this.bindPlot(s);
    }
    return this.model;
  }

  private declare(name: A.Name, kind: string): boolean {
    const previous = this.declared.get(name.text);
    if (previous) {
      this.report(
        'error',
        'scaling.duplicate-name',
        `'${name.text}' is already declared as a ${previous.kind}`,
        name.range,
      );
      return false;
    }
    this.declared.set(name.text, { kind, range: name.range });
    return true;
  }

  // --------------------------------------------------------------------------- study, compute

  private bindStudy(s: A.StudyDecl): void {
    if (this.model.title !== undefined) {
      this.report(
        'warning',
        'scaling.duplicate-study',
        'a study file has one `study` title; this one is ignored',
        s.range,
      );
      return;
    }
    this.model.title = s.title?.value;
  }

  private bindCompute(s: A.ComputeDecl): void {
    if (!s.name || !s.formula || hasError(s.formula)) return;
    if (!this.declare(s.name, 'computed variable')) return;
    if (isComparison(s.formula)) {
      this.report(
        'error',
        'scaling.not-a-formula',
        'a computed variable needs a formula, not a condition',
        s.formula.range,
      );
      return;
    }
    this.model.computes.push({ name: s.name.text, formula: s.formula, range: s.range });
  }

  /** Adds every `compute` variable whose inputs the table has, in declaration order. */
  private addComputes(table: M.DataTable): void {
    for (const c of this.model.computes) {
      if (table.numeric.has(c.name)) continue; // a column of that name wins; validator may warn
      const needed = [...namesIn(c.formula).keys()].filter((n) => n !== 'inf');
      if (!needed.every((n) => table.numeric.has(n))) continue;
      try {
        table.numeric.set(c.name, evaluateColumns(c.formula, table.rowCount, columnLookup(table)));
      } catch (e) {
        if (e instanceof EvalError) this.report('error', 'scaling.eval', e.message, e.expr.range);
        else throw e;
      }
    }
  }

  // --------------------------------------------------------------------------- data

  /**
   * A formula name that is one edit from a data variable the formula does not use (`Nn` for `N`)
   * silently becomes a free parameter; say so, quoting both names. Declared `param`s and a
   * catalogue law's own parameters are meant.
   */
  private warnTypoParams(
    declared: Set<string>,
    names: Map<string, A.Expr[]>,
    paramNames: string[],
    variables: string[],
    target: string,
    sources: M.DataTable[],
  ): void {
    const unused = [...new Set(sources.flatMap((t) => [...t.numeric.keys()]))].filter(
      (v) => !variables.includes(v) && v !== target,
    );
    for (const n of paramNames) {
      if (n.length < 2 || declared.has(n)) continue;
      const near = unused.find((v) => editDistance(n.toLowerCase(), v.toLowerCase()) <= 1);
      if (!near) continue;
      this.report(
        'warning',
        'scaling.param-like-variable',
        `'${n}' is not in the data and becomes a parameter; did you mean '${near}'?`,
        names.get(n)![0].range,
        { replacement: near },
      );
    }
  }

  private bindDataset(s: A.DatasetDecl): void {
    if (!s.name || !s.path || !s.format) return;
    if (!this.declare(s.name, 'dataset')) return;
    const file = resolveDataPath(s.path.value, this.options.studyPath, this.options.baseDir);
    if (file === undefined) {
      this.report(
        'error',
        'scaling.missing-file',
        `'${s.path.value}' is relative, and this study has no folder to resolve it against: save the study or open a folder`,
        s.path.range,
      );
      return;
    }
    const loaded = this.options.data?.get(dataKey(file, s.format.text)) ?? {
      ok: false,
      message: `'${file}' was not loaded`,
    };
    if ('refused' in loaded) {
      this.report('error', 'scaling.path-refused', loaded.message, s.path.range);
      return;
    }
    if (!loaded.ok) {
      const code =
        loaded.code ?? (loaded.message.startsWith('file not found') ? 'scaling.missing-file' : 'scaling.bad-data-file');
      // A file still loading (an editor's interim analysis) is news, not a fault.
      const severity = code === 'scaling.loading-data' ? 'info' : 'error';
      // A fault at a line of a text file links there (the editor's related information).
      const at = loaded.line !== undefined ? linkableLine(file, loaded.line) : undefined;
      this.diagnostics.push(diagnostic(severity, code, loaded.message, s.path.range, at ? { file: at } : {}));
      return;
    }
    const raw = loaded.table;
    if (raw.lines.length === 0) {
      // Said here, naming the file, rather than later as "all runs held out or filtered".
      this.report(
        'error',
        'scaling.empty-data',
        `'${s.path.value}' has no data rows${raw.columns.length > 0 ? ' (only a header)' : ''}`,
        s.path.range,
      );
      return;
    }
    const columnIndex = new Map(raw.columns.map((c, i) => [c, i]));
    const table: M.DataTable = {
      name: s.name.text,
      rowCount: raw.lines.length,
      numeric: new Map(),
      text: new Map(),
      origin: new FileRowOrigins(file, raw.lines, raw.rowWord, raw.rowFiles),
    };
    // Columns read as numbers (Parquet) join the table as numbers while `where` and `last by` run, and
    // are written as text only for the rows kept (a million strings cost more than the numbers).
    const fileNumbers = new Map<string, Float64Array>();
    for (const [i, c] of raw.columns.entries()) {
      const numbers = raw.numbers?.[i];
      if (numbers) fileNumbers.set(c, numbers);
      else table.text.set(c, raw.cells[i]);
    }
    let ok = true;
    for (const m of s.columns) {
      const columnName = m.column.kind === 'Name' ? m.column.text : m.column.value;
      const c = columnIndex.get(columnName);
      if (c === undefined) {
        const all = raw.fileColumns ?? raw.columns;
        const hint = closest(columnName, all);
        this.report(
          'error',
          'scaling.unknown-column',
          `'${path.basename(file)}' has no column '${columnName}'${hint ? ` (did you mean '${hint}'?)` : ''}; its columns are ${listed(all)}`,
          m.column.range,
          // The quick fix's candidates: as many as a suggestion ever compares.
          { columns: all.slice(0, MAX_SUGGEST_CANDIDATES) },
        );
        ok = false;
        continue;
      }
      const { values, badRows } = numericColumn(raw, c);
      if (badRows.length > 0 && values.every((v) => Number.isNaN(v))) {
        // Not one number: a text column (a configuration's name), for `where` and `per`.
        table.text.set(m.variable.text, cellsOf(raw, c));
        continue;
      }
      if (badRows.length > 0) {
        // Reported only where a law needs the cell (validate.ts): a row `where` drops never errs.
        table.invalid ??= new Map();
        table.invalid.set(m.variable.text, {
          column: columnName,
          at: m.column.range,
          rows: new Map(badRows.map((r) => [r, cellsOf(raw, c)[r]])),
        });
      }
      // The cached column is shared between analyses: whoever changes rows makes a copy (selectRows does).
      table.numeric.set(m.variable.text, values);
    }
    if (!ok) return;
    // File columns read as numbers, under names no variable takes (a variable of the same name wins,
    // and its column's text is written now).
    const borrowed: string[] = [];
    for (const [c, numbers] of fileNumbers) {
      const own = table.numeric.get(c);
      if (own === undefined) {
        table.numeric.set(c, numbers);
        borrowed.push(c);
      } else if (own !== numbers) table.text.set(c, cellsOf(raw, raw.columns.indexOf(c)));
    }
    // A `where` may name file columns too; numbers where they parse, text otherwise.
    const filtered = this.applyWhere(table, s.where);
    if (!filtered) return;
    const reduced = s.last ? this.lastByRun(filtered, s.last, s.path.range) : filtered;
    if (!reduced) return;
    for (const c of fileNumbers.keys()) {
      // A variable of the column's own name (`N: N`) already answers for it, as numbers.
      if (reduced.text.has(c) || (!borrowed.includes(c) && table.numeric.get(c) === fileNumbers.get(c))) continue;
      const values = reduced.numeric.get(c);
      if (values)
        reduced.text.set(
          c,
          Array.from(values, (v) => (Number.isNaN(v) ? '' : String(v))),
        );
    }
    for (const c of borrowed) reduced.numeric.delete(c);
    this.model.datasets.set(s.name.text, reduced);
    (this.model.datasetSources ??= new Map()).set(s.name.text, {
      file,
      size: raw.stat?.size,
      mtimeMs: raw.stat?.mtimeMs,
      fileRows: raw.lines.length,
      afterWhere: filtered.rowCount,
      rows: reduced.rowCount,
    });
  }

  /** A run-name column as text (numbers written as numbers), or undefined after reporting it missing. */
  private runColumn(table: M.DataTable, name: A.Name): ArrayLike<string> | undefined {
    const column = columnLookup(table)(name.text);
    if (column) return column.kind === 'text' ? column.values : Array.from(column.values, String);
    this.report(
      'error',
      'scaling.unknown-column',
      `'${table.name}' has no column '${name.text}' to name its runs`,
      name.range,
    );
    return undefined;
  }

  /**
   * `last by run [along step]`: each run's final row in file order. With `along`, a curve whose steps go
   * back or repeat is an error, and a run with one point a warning, reported at the dataset's path.
   */
  private lastByRun(table: M.DataTable, last: A.LastClause, at: A.Range): M.DataTable | undefined {
    const runs = this.runColumn(table, last.by);
    if (!runs) return undefined;
    if (last.along && !this.curvesInOrder(table, runs, last.along, at)) return undefined;
    const keep = new Uint8Array(table.rowCount);
    for (const r of lastRows(runs)) keep[r] = 1;
    return selectRows(table, keep);
  }

  /** Reports curves whose steps go back or repeat (errors) and runs with one point (a warning). */
  private curvesInOrder(table: M.DataTable, runs: ArrayLike<string>, along: A.Name, at: A.Range): boolean {
    const steps = columnLookup(table)(along.text);
    if (!steps || steps.kind !== 'number') {
      this.report(
        'error',
        steps ? 'scaling.non-numeric' : 'scaling.unknown-column',
        `'${table.name}' has no numeric column '${along.text}' to order its curves`,
        along.range,
      );
      return false;
    }
    let ok = true;
    for (const { problem: p, runs: count } of checkCurves(runs, steps.values)) {
      const origin = table.origin.at(p.row)!;
      // The row's place as every message gives it ('f.parquet' row 12, 'f.csv' line 13).
      const where = 'file' in origin ? `${rowPlace(origin, p.row)}: ` : '';
      const others = count > 1 ? ` (and ${count - 1} more run${count > 2 ? 's' : ''})` : '';
      if (p.kind === 'one-point') {
        this.report(
          'warning',
          'scaling.curve-one-point',
          `${where}run '${p.run}' has one logged point${others}: a curve needs two or more`,
          at,
        );
        continue;
      }
      ok = false;
      this.report(
        'error',
        'scaling.curve-order',
        p.kind === 'repeated'
          ? `${where}run '${p.run}' logs ${along.text} ${fmt(p.step)} twice${others}: each step of a curve once, please`
          : `${where}run '${p.run}' goes back from ${along.text} ${fmt(p.previous!)} to ${fmt(p.step)}${others}: a curve's steps must increase in file order`,
        at,
      );
    }
    return ok;
  }

  private applyWhere(table: M.DataTable, conditions: A.Expr[]): M.DataTable | undefined {
    const mask = whereMask(table, conditions);
    if (mask.error === 'not-a-condition') {
      this.report('error', 'scaling.not-a-condition', 'a `where` needs a condition such as `loss < 10`', mask.at.range);
      return undefined;
    }
    if (mask.error === 'unknown-name') {
      const name = mask.at.kind === 'NameRef' ? mask.at.name : undefined;
      const names = [...table.numeric.keys(), ...table.text.keys()];
      const hint = name && closest(name, names);
      this.report(
        'error',
        'scaling.unknown-name',
        `${mask.message}: a \`where\` can use the file's columns and mapped variables${hint ? `; did you mean '${hint}'?` : ''}`,
        mask.at.range,
        hint ? { replacement: hint } : undefined,
      );
      return undefined;
    }
    if (!mask.keep) return table;
    const result = selectRows(table, mask.keep);
    if (result.rowCount === 0) {
      this.report(
        'error',
        'scaling.empty-selection',
        `no rows of '${table.name}' satisfy the \`where\` condition`,
        conditions[0].range,
      );
    }
    return result;
  }

  /** An isoflop's or sweep's rows without those its `holdout` clauses hold out (they are not fitted at all). */
  private withoutHeldOut(
    data: M.DataTable,
    items: readonly { kind: string }[],
  ): { data: M.DataTable; heldOut?: M.HeldOutRows } {
    const holdouts = items.filter((i): i is A.HoldoutClause => i.kind === 'Holdout');
    if (holdouts.length === 0) return { data };
    const keep = new Uint8Array(data.rowCount).fill(1);
    for (const h of holdouts) {
      try {
        const v = evaluateColumns(h.condition, data.rowCount, columnLookup(data));
        for (let i = 0; i < v.length; i++) if (v[i]) keep[i] = 0;
      } catch (e) {
        if (!(e instanceof EvalError)) throw e;
        this.report('error', 'scaling.unknown-name', e.message, e.expr.range);
      }
    }
    const heldOut: M.HeldOutRows = { held: 0, total: data.rowCount, first: [] };
    for (let i = 0; i < keep.length; i++) {
      if (keep[i]) continue;
      heldOut.held++;
      if (heldOut.first.length < HELD_OUT_KEPT) heldOut.first.push({ origin: data.origin.at(i), index: i });
    }
    return { data: selectRows(data, keep), heldOut };
  }

  private bindRuns(s: A.RunsDecl): void {
    if (!s.name) return;
    if (!this.declare(s.name, 'runs table')) return;
    // A refused table (over the row limit) has its error already: like a dataset whose file failed,
    // it binds no table, so laws fitting it say nothing more.
    if (s.refused) return;
    const table: M.DataTable = {
      name: s.name.text,
      rowCount: s.rows.length,
      numeric: new Map(),
      text: new Map(),
      origin: s.rows.map((r) => ({ range: r.range })),
    };
    const seen = new Set<string>();
    s.header.forEach((h, c) => {
      if (seen.has(h.text))
        this.report('error', 'scaling.duplicate-name', `column '${h.text}' appears twice in the header`, h.range);
      seen.add(h.text);
      const cells = s.rows.map((r) => r.cells[c]);
      if (cells.some((x) => x?.kind === 'String')) {
        table.text.set(
          h.text,
          cells.map((x) => (x === undefined ? '' : x.kind === 'String' ? x.value : x.text)),
        );
      } else {
        table.numeric.set(
          h.text,
          Float64Array.from(cells, (x) => (x === undefined ? NaN : (x as A.NumberLit).value)),
        );
      }
    });
    this.model.datasets.set(s.name.text, table);
  }

  // --------------------------------------------------------------------------- laws

  private bindLaw(s: A.LawDecl): void {
    if (!s.name || !s.formula || hasError(s.formula) || this.declared.get(s.name.text)?.range !== s.name.range) return;
    let formula: A.Expr = s.formula;
    let target = s.target?.text ?? 'L';
    let catalogueName: string | undefined;
    let catalogueParams: M.CatalogueLaw['params'] = [];
    const formulaText = exprToString(s.formula);
    if (!s.target && s.formula.kind === 'Call' && s.formula.callee.text === 'published')
      return this.bindPublished(s, s.formula);
    if (!s.target) {
      // `law k: kaplan_n(N)`: expand the catalogue entry over the user's variables.
      if (s.formula.kind !== 'Call') return;
      const call = s.formula;
      const entry = this.catalogue.get(call.callee.text);
      if (!entry) {
        const hint = closest(call.callee.text, [...this.catalogue.keys()]);
        this.report(
          'error',
          'scaling.unknown-law',
          `'${call.callee.text}' is not a catalogue law${hint ? ` (did you mean '${hint}'?)` : ''}; the catalogue has ${[...this.catalogue.keys()].join(', ')}`,
          call.callee.range,
        );
        return;
      }
      if (call.args.length !== entry.formals.length || call.args.some((a) => a.kind !== 'NameRef')) {
        this.report(
          'error',
          'scaling.catalogue-arguments',
          `${entry.name} takes ${entry.formals.length} variable${entry.formals.length === 1 ? '' : 's'}: ${entry.name}(${entry.formals.join(', ')})`,
          call.range,
        );
        return;
      }
      const mapping = new Map(entry.formals.map((f, i) => [f, (call.args[i] as A.NameRef).name]));
      // A variable named like one of the entry's parameters (`chinchilla(N, B)`, B a batch size)
      // would capture it: B / B^beta. The parameter takes a fresh name instead (B_).
      const args = new Set(mapping.values());
      const renamed = new Map<string, string>();
      for (const p of entry.params) {
        if (!args.has(p.name)) continue;
        let fresh = `${p.name}_`;
        while (args.has(fresh) || entry.params.some((q) => q.name === fresh)) fresh += '_';
        renamed.set(p.name, fresh);
        mapping.set(p.name, fresh);
        this.report(
          'info',
          'scaling.param-renamed',
          `${entry.name}'s parameter '${p.name}' is called '${fresh}' in this law, since '${p.name}' is one of its variables`,
          call.range,
        );
      }
      formula = substitute(entry.formula, mapping, call.range);
      target = entry.target ?? 'L';
      catalogueName = entry.name;
      catalogueParams = entry.params.map((p) => (renamed.has(p.name) ? { ...p, name: renamed.get(p.name)! } : p));
    }
    const body = s.body;
    const fits = body.filter((b): b is A.FitClause => b.kind === 'Fit');
    const lawRange = s.range;
    if (fits.length === 0) {
      this.report(
        'error',
        'scaling.no-fit',
        `law '${s.name.text}' has no \`fit\` line naming the data it fits`,
        s.name.range,
      );
      return;
    }
    const sources: M.DataTable[] = [];
    for (const f of fits) {
      for (const src of f.sources) {
        const t = this.model.datasets.get(src.text);
        if (!t) {
          if (!this.declared.has(src.text)) {
            const hint = closest(
              src.text,
              [...this.declared.keys()].filter((k) => ['dataset', 'runs table'].includes(this.declared.get(k)!.kind)),
            );
            this.report(
              'error',
              'scaling.unknown-name',
              `no dataset or runs table named '${src.text}'${hint ? ` (did you mean '${hint}'?)` : ''}`,
              src.range,
            );
          }
          // A declared source that failed to load already has its diagnostic.
          return;
        }
        sources.push(t);
      }
    }
    // Names in the formula: variables when the data has them, parameters otherwise.
    const names = namesIn(formula);
    const available = (n: string) => sources.every((t) => t.numeric.has(n));
    const variables: string[] = [];
    const paramNames: string[] = [];
    for (const [n, uses] of names) {
      if (n === 'inf') continue;
      if (available(n)) variables.push(n);
      else if (sources.some((t) => t.numeric.has(n))) {
        const missing = sources.find((t) => !t.numeric.has(n))!;
        this.report(
          'error',
          'scaling.missing-variable',
          `'${missing.name}' has no variable '${n}', which the formula uses`,
          uses[0].range,
        );
        return;
      } else paramNames.push(n);
    }
    for (const call of callsIn(formula)) {
      if (!FUNCTIONS[call.callee.text]) {
        this.report(
          'error',
          'scaling.unknown-function',
          `unknown function '${call.callee.text}': formulas can use log, exp, min and max`,
          call.callee.range,
        );
        return;
      }
    }
    if (!sources.every((t) => t.numeric.has(target))) {
      const missing = sources.find((t) => !t.numeric.has(target))!;
      this.report(
        'error',
        'scaling.missing-variable',
        `'${missing.name}' has no target variable '${target}'`,
        s.target?.range ?? s.name.range,
      );
      return;
    }
    const meant = new Set([
      ...catalogueParams.map((p) => p.name),
      ...body.flatMap((b) => (b.kind === 'Param' ? [b.name.text] : [])),
    ]);
    this.warnTypoParams(meant, names, paramNames, variables, target, sources);
    const params = this.bindParams(s, paramNames, catalogueParams);
    if (!params) return;
    const uncertaintyClause = body.find((b): b is A.UncertaintyClause => b.kind === 'Uncertainty');
    const uncertainty = this.bindUncertainty(uncertaintyClause);
    const byColumn = uncertainty.method === 'bootstrap' ? uncertainty.by : undefined;
    const data = withSourceColumn(concatTables(`${s.name.text}`, sources));
    if (byColumn && !data.text.has(byColumn) && !data.numeric.has(byColumn)) {
      this.report(
        'error',
        'scaling.unknown-column',
        `the fitted data has no column '${byColumn}' to resample runs by`,
        uncertaintyClause!.by!.range,
      );
      return;
    }
    const heldOut = new Uint8Array(data.rowCount);
    for (const h of body.filter((b): b is A.HoldoutClause => b.kind === 'Holdout')) {
      if (hasError(h.condition)) continue;
      if (!isComparison(h.condition)) {
        this.report(
          'error',
          'scaling.not-a-condition',
          'a `holdout` needs a condition such as `N >= 5B`',
          h.condition.range,
        );
        continue;
      }
      try {
        const v = evaluateColumns(h.condition, data.rowCount, columnLookup(data));
        for (let i = 0; i < v.length; i++) if (v[i]) heldOut[i] = 1;
      } catch (e) {
        if (!(e instanceof EvalError)) throw e;
        this.report('error', 'scaling.unknown-name', e.message, e.expr.range);
      }
    }
    const weightClause = body.find((b): b is A.WeightClause => b.kind === 'Weight');
    let weights: Float64Array | undefined;
    if (weightClause && !hasError(weightClause.expr)) {
      const w = rowWeights(weightClause.expr, data);
      if (!w.ok) {
        this.report('error', w.code, w.message, w.at.range);
        return;
      }
      weights = w.weights;
    }
    const per = this.bindPer(
      body.find((b): b is A.PerClause => b.kind === 'Per'),
      data,
    );
    if (per === null) return;
    const shared = this.bindShared(
      body.filter((b): b is A.SharedClause => b.kind === 'Shared'),
      per,
      params,
    );
    if (shared === null) return;
    const objectiveClause = body.find((b): b is A.ObjectiveClause => b.kind === 'Objective');
    let objective = DEFAULT_OBJECTIVE;
    if (objectiveClause) {
      if (objectiveClause.loss === 'squares') objective = { loss: 'squares', onLog: objectiveClause.onLog };
      else {
        const delta = objectiveClause.delta ? this.constant(objectiveClause.delta) : undefined;
        if (delta === undefined) return;
        if (!(delta > 0) || !Number.isFinite(delta)) {
          this.report(
            'error',
            'scaling.bad-value',
            `huber's delta must be a positive number`,
            objectiveClause.delta!.range,
          );
          return;
        }
        objective = { loss: 'huber', delta, onLog: objectiveClause.onLog };
      }
    }
    this.model.laws.push({
      name: s.name.text,
      range: lawRange,
      nameRange: s.name.range,
      target,
      formula,
      formulaText: catalogueName ? `${formulaText} = ${exprToString(formula)}` : formulaText,
      catalogue: catalogueName,
      variables,
      params,
      objective,
      objectiveDeclared: objectiveClause !== undefined,
      data,
      heldOut,
      ...(weights ? { rowWeights: weights, weightText: exprToString(weightClause!.expr) } : {}),
      ...(per ? { per } : {}),
      ...(shared && shared.length > 0 ? { shared } : {}),
      uncertainty,
      uncertaintyDeclared: uncertaintyClause !== undefined,
      search: body.find((b): b is A.SearchClause => b.kind === 'Search')?.mode ?? 'screened',
    });
  }

  /** `per COLUMN`: the groups, or null after reporting why there are none. */
  private bindPer(clause: A.PerClause | undefined, data: M.DataTable): M.PerSpec | undefined | null {
    if (!clause) return undefined;
    const column = clause.column.text;
    const g = groupRows(data, column);
    if (!g.ok) {
      this.report('error', 'scaling.unknown-column', g.message, clause.column.range);
      return null;
    }
    if (g.groups.length === 1)
      this.report(
        'hint',
        'scaling.one-group',
        `'${column}' has one value (${JSON.stringify(g.groups[0].value)}): this is just one fit`,
        clause.column.range,
      );
    if (g.capped > 0)
      this.report(
        'warning',
        'scaling.too-many-groups',
        `'${column}' has ${g.groups.length + g.capped} values; only the first ${MAX_GROUPS} (in order of appearance) are fitted`,
        clause.column.range,
      );
    return { column, groups: g.groups };
  }

  /**
   * `shared alpha, beta`: the free parameters fitted jointly across a `per` law's groups; null
   * after an error. Fixed parameters are the same in every group already and are left out.
   */
  private bindShared(clauses: A.SharedClause[], per: M.PerSpec | undefined, params: M.ParamSpec[]): string[] | null {
    if (clauses.length === 0) return [];
    if (!per) {
      this.report(
        'error',
        'scaling.shared-without-per',
        '`shared` needs `per COLUMN`: parameters are shared across the groups of a per-group fit',
        clauses[0].range,
      );
      return null;
    }
    const names = params.map((p) => p.name);
    const shared: string[] = [];
    for (const n of clauses.flatMap((c) => c.names)) {
      if (!names.includes(n.text)) {
        const hint = closest(n.text, names);
        this.report(
          'error',
          'scaling.unknown-parameter',
          `'${n.text}' is not a parameter of this law${hint ? ` (did you mean '${hint}'?)` : ''}; its parameters are ${names.join(', ')}`,
          n.range,
        );
        return null;
      }
      const spec = params.find((p) => p.name === n.text)!;
      if (spec.fixed === undefined && !shared.includes(n.text)) shared.push(n.text);
    }
    const free = params.filter((p) => p.fixed === undefined);
    if (free.length > 0 && free.every((p) => shared.includes(p.name)))
      this.report(
        'hint',
        'scaling.all-shared',
        'every parameter is shared: this is one joint fit of all the groups (the same curve for each); keep a parameter per group, or drop `per`',
        clauses[0].range,
      );
    return shared;
  }

  /** `law NAME: published("hoffmann2022")`: the library's values, every parameter fixed, no data. */
  private bindPublished(s: A.LawDecl, call: A.Call): void {
    const arg = call.args[0];
    if (call.args.length !== 1 || arg.kind !== 'String')
      return this.report(
        'error',
        'scaling.catalogue-arguments',
        `published takes one name in quotes, e.g. published("hoffmann2022"); the library has ${[...PUBLISHED.keys()].join(', ')}`,
        call.range,
      );
    const entry = PUBLISHED.get(arg.value);
    if (!entry) {
      const hint = closest(arg.value, [...PUBLISHED.keys()]);
      return this.report(
        'error',
        'scaling.unknown-law',
        `no published law '${arg.value}'${hint ? ` (did you mean '${hint}'?)` : ''}; the library has ${[...PUBLISHED.keys()].join(', ')}`,
        arg.range,
      );
    }
    if (s.body.length > 0)
      this.report(
        'warning',
        'scaling.published-settings',
        `a published law is not fitted: its settings are ignored (fit, objective and the rest belong to laws you fit)`,
        s.body[0].range,
      );
    const empty = new Float64Array(0);
    const params: M.ParamSpec[] = Object.entries(entry.values).map(([name, value]) => ({
      name,
      lower: -Infinity,
      upper: Infinity,
      lowerClosed: false,
      upperClosed: false,
      fixed: value,
      starts: [],
      logGrid: false,
      range: s.name!.range,
    }));
    this.model.laws.push({
      name: s.name!.text,
      range: s.range,
      nameRange: s.name!.range,
      target: 'L',
      formula: substitute(entry.formula, new Map(), call.range),
      formulaText: entry.formulaText,
      catalogue: undefined,
      variables: entry.variables,
      params,
      objective: DEFAULT_OBJECTIVE,
      objectiveDeclared: true,
      data: {
        name: s.name!.text,
        rowCount: 0,
        numeric: new Map([...entry.variables, 'L'].map((v) => [v, empty])),
        text: new Map(),
        origin: [],
      },
      heldOut: new Uint8Array(0),
      uncertainty: { method: 'none' },
      uncertaintyDeclared: true,
      published: { id: entry.id, source: entry.source, units: entry.units, verification: entry.verification },
    });
  }

  private bindParams(
    s: A.LawDecl,
    formulaParams: string[],
    defaults: M.CatalogueLaw['params'],
  ): M.ParamSpec[] | undefined {
    const clauses = new Map<string, A.ParamClause>();
    for (const b of s.body) {
      if (b.kind !== 'Param') continue;
      if (clauses.has(b.name.text)) {
        this.report('error', 'scaling.duplicate-name', `parameter '${b.name.text}' is declared twice`, b.name.range);
        continue;
      }
      if (!formulaParams.includes(b.name.text)) {
        this.report(
          'warning',
          'scaling.unused-param',
          `'${b.name.text}' does not appear in the formula as a parameter`,
          b.name.range,
        );
        continue;
      }
      clauses.set(b.name.text, b);
    }
    const specs: M.ParamSpec[] = [];
    let ok = true;
    for (const name of formulaParams) {
      const clause = clauses.get(name);
      const d = defaults.find((p) => p.name === name);
      const spec: M.ParamSpec = {
        name,
        lower: d?.lower ?? -Infinity,
        upper: d?.upper ?? Infinity,
        lowerClosed: d?.lowerClosed ?? false,
        upperClosed: d?.upperClosed ?? false,
        fixed: undefined,
        starts: d?.starts ?? [1],
        logGrid: d?.logGrid ?? false,
        range: clause?.range ?? s.name!.range,
      };
      if (clause?.fixed) {
        const v = this.constant(clause.fixed);
        if (v === undefined) ok = false;
        else spec.fixed = v;
      }
      if (clause?.bounds) {
        const lo = this.constant(clause.bounds.lower);
        const hi = this.constant(clause.bounds.upper);
        if (lo === undefined || hi === undefined) ok = false;
        else if (!(lo < hi)) {
          this.report(
            'error',
            'scaling.bad-bounds',
            `the lower bound ${lo} is not below the upper bound ${hi}`,
            clause.bounds.range,
          );
          ok = false;
        } else {
          Object.assign(spec, {
            lower: lo,
            upper: hi,
            lowerClosed: clause.bounds.lowerClosed,
            upperClosed: clause.bounds.upperClosed,
          });
        }
      }
      if (clause?.init) {
        const starts = this.bindInit(clause.init);
        if (!starts) ok = false;
        else {
          spec.starts = starts.values;
          spec.logGrid = starts.log;
        }
      }
      const outside = spec.fixed === undefined ? spec.starts.filter((v) => !inBounds(v, spec)) : [];
      if (outside.length > 0 && clause) {
        this.report(
          'warning',
          'scaling.grid-outside-bounds',
          `${outside.length} of ${spec.starts.length} start values of '${name}' lie outside its bounds ${boundsText(spec)} (e.g. ${fmt(outside[0])}); they are moved inside`,
          clause.init?.range ?? clause.bounds?.range ?? clause.range,
        );
      }
      if (!clause && !d) {
        this.report(
          'info',
          'scaling.undeclared-param',
          `'${name}' is a parameter with no \`param\` line: it is unbounded and starts at 1; declare its bounds and start grid so the fit can be reproduced`,
          names0(s.formula!, name) ?? s.name!.range,
          { param: name },
        );
      }
      specs.push(spec);
    }
    return ok && this.startsWithinCap(s, specs) ? specs : undefined;
  }

  /**
   * The fit tries every combination of the free parameters' start values: three grids of 10,000
   * values each are 10^12 starts, which no machine holds. Refused here, before any fit is planned.
   */
  private startsWithinCap(s: A.LawDecl, specs: M.ParamSpec[]): boolean {
    const free = specs.filter((p) => p.fixed === undefined);
    const product = free.reduce((n, p) => n * p.starts.length, 1);
    if (product <= MAX_STARTS) return true;
    const factors = free.filter((p) => p.starts.length > 1).map((p) => `${p.starts.length} (${p.name})`);
    this.report(
      'error',
      'scaling.too-many-starts',
      `law '${s.name!.text}' has ${product.toLocaleString('en-US')} starts (${factors.join(' × ')}); at most ${MAX_STARTS.toLocaleString('en-US')}: use coarser \`init grid\` steps or fewer values`,
      s.name!.range,
    );
    return false;
  }

  private bindInit(init: A.InitSpec): { values: number[]; log: boolean } | undefined {
    if (init.kind === 'InitValues') {
      const values = init.values.map((v) => this.constant(v));
      return values.some((v) => v === undefined) ? undefined : { values: values as number[], log: false };
    }
    const from = this.constant(init.from);
    const to = this.constant(init.to);
    const step = this.constant(init.step);
    if (from === undefined || to === undefined || step === undefined) return undefined;
    if (!(step > 0) || !Number.isFinite(from) || !Number.isFinite(to) || to < from) {
      this.report('error', 'scaling.bad-grid', 'a grid needs finite ends FROM <= TO and a positive step', init.range);
      return undefined;
    }
    const count = Math.floor((to - from) / step + 1e-9) + 1;
    if (count > 10000) {
      this.report(
        'error',
        'scaling.bad-grid',
        `this grid has ${count} values; at most 10000 per parameter`,
        init.range,
      );
      return undefined;
    }
    // Rounded to 12 digits so 0.1-steps land on the values as written.
    const values = Array.from({ length: count }, (_, i) => Number((from + i * step).toPrecision(12)));
    return { values: init.log ? values.map(Math.exp) : values, log: init.log };
  }

  private bindUncertainty(u: A.UncertaintyClause | undefined): M.UncertaintySpec {
    if (!u || u.method === 'none') return { method: 'none' };
    const level = u.level ? u.level.value : 0.9;
    if (u.level && !(level > 0 && level < 1)) {
      this.report('error', 'scaling.bad-value', 'a level is a fraction between 0 and 1, e.g. 0.9', u.level.range);
    }
    const safeLevel = level > 0 && level < 1 ? level : 0.9;
    if (u.seed && !isSeed(u.seed.value)) {
      this.report(
        'error',
        'scaling.bad-value',
        `\`seed\` must be a whole number from 0 to 4294967295 (below 2^32); ${u.seed.text} is not`,
        u.seed.range,
      );
      return { method: 'none' };
    }
    if (u.method === 'asymptotic' || u.method === 'profile') return { method: u.method, level: safeLevel };
    const resamples = u.resamples?.value ?? 0;
    if (!(Number.isInteger(resamples) && resamples >= 10 && resamples <= 100000)) {
      this.report(
        'error',
        'scaling.bad-value',
        'bootstrap takes a whole number of resamples from 10 to 100000',
        u.resamples?.range ?? u.range,
      );
      return { method: 'none' };
    }
    if (!u.seed) {
      this.report(
        'warning',
        'scaling.no-seed',
        'a bootstrap without `seed` cannot be reproduced; seed 0 is used',
        u.range,
        { insertAfter: u.range.end },
      );
    }
    return { method: 'bootstrap', resamples, seed: u.seed?.value ?? 0, level: safeLevel, by: u.by?.text };
  }

  // --------------------------------------------------------------------------- isoflop, questions

  private bindIsoflop(s: A.IsoflopDecl): void {
    if (!s.name || this.declared.get(s.name.text)?.range !== s.name.range) return;
    const setting = (k: A.IsoflopSetting['setting'], fallback: string) =>
      s.items.find((i): i is A.IsoflopSetting => i.kind === 'IsoflopSetting' && i.setting === k)?.variable?.text ??
      fallback;
    const fits = s.items.filter((i): i is A.FitClause => i.kind === 'Fit');
    if (fits.length === 0) {
      this.report(
        'error',
        'scaling.no-fit',
        `${s.keyword} '${s.name.text}' has no \`fit\` line naming its runs`,
        s.name.range,
      );
      return;
    }
    const sources: M.DataTable[] = [];
    for (const src of fits.flatMap((f) => f.sources)) {
      const t = this.model.datasets.get(src.text);
      if (!t) {
        if (!this.declared.has(src.text))
          this.report('error', 'scaling.unknown-name', `no dataset or runs table named '${src.text}'`, src.range);
        return;
      }
      sources.push(t);
    }
    const vars = {
      budget: setting('budget', 'C'),
      size: setting('size', 'N'),
      tokens: setting('tokens', 'D'),
      target: setting('target', 'L'),
    };
    for (const [role, v] of Object.entries(vars)) {
      const missing = sources.find((t) => !t.numeric.has(v));
      if (missing) {
        const item = s.items.find((i): i is A.IsoflopSetting => i.kind === 'IsoflopSetting' && i.setting === role);
        this.report(
          'error',
          'scaling.missing-variable',
          `'${missing.name}' has no ${role} variable '${v}'${item ? '' : ` (set it with \`${role} VARIABLE\`)`}`,
          item?.variable?.range ?? s.name.range,
        );
        return;
      }
    }
    const run = s.keyword === 'envelope' ? setting('run', 'run') : undefined;
    if (run !== undefined) {
      const missing = sources.find((t) => !t.text.has(run) && !t.numeric.has(run));
      if (missing) {
        const item = s.items.find((i): i is A.IsoflopSetting => i.kind === 'IsoflopSetting' && i.setting === 'run');
        this.report(
          'error',
          'scaling.unknown-column',
          `'${missing.name}' has no column '${run}' naming its training runs${item ? '' : ' (set it with `run COLUMN`)'}`,
          item?.variable?.range ?? s.name.range,
        );
        return;
      }
    }
    const minimum = s.keyword === 'isoflop' ? this.bindMinimum(s.items) : undefined;
    if (s.keyword === 'isoflop' && !minimum) return;
    const along = this.isoflopAlong(s, vars);
    if (along === null) return;
    const weightedItem = s.items.find((i) => i.kind === 'IsoflopSetting' && i.setting === 'weighted');
    const byProfile = !!minimum && (minimum.method !== 'parabola' || minimum.window !== undefined || !!along);
    if (weightedItem && byProfile)
      this.report(
        'warning',
        'scaling.weighted-needs-parabola',
        '`weighted` weighs each budget by its parabola vertex variance, which only the default `minimum parabola` (along the size) has: the budgets weigh equally',
        weightedItem.range,
      );
    const { data, heldOut } = this.withoutHeldOut(withSourceColumn(concatTables(s.name.text, sources)), s.items);
    const per = this.bindPer(
      s.items.find((i): i is A.PerClause => i.kind === 'Per'),
      data,
    );
    if (per === null) return;
    this.model.isoflops.push({
      ...(per ? { per } : {}),
      name: s.name.text,
      range: s.range,
      ...(s.keyword === 'envelope' ? { method: 'envelope' as const, run } : {}),
      ...vars,
      weighted: !!weightedItem && !byProfile,
      // Only a non-default minimum is recorded: an isoflop without one binds (and fits) as before.
      ...(minimum && (minimum.method !== 'parabola' || minimum.window !== undefined) ? { minimum } : {}),
      ...(along ? { along } : {}),
      data,
      ...(heldOut ? { heldOut } : {}),
      uncertainty: this.bindUncertainty(s.items.find((i): i is A.UncertaintyClause => i.kind === 'Uncertainty')),
    });
  }

  /** The last `minimum …` line of a sweep or isoflop (parabola over all points when none); undefined after an error. */
  private bindMinimum(items: readonly { kind: string }[]): M.BoundSweep['minimum'] | undefined {
    const minItems = items.filter((i): i is A.SweepMinimum => i.kind === 'SweepMinimum');
    const m = minItems[minItems.length - 1];
    if (m?.method?.text === 'akima') return { method: 'akima' };
    if (!m?.window) return { method: 'parabola' };
    const k = this.constant(m.window);
    if (k === undefined) return undefined;
    if (!(Number.isInteger(k) && k >= 3 && k <= 1000)) {
      this.report(
        'error',
        'scaling.bad-value',
        'a parabola window is a whole number of points from 3 to 1000 (a parabola needs three)',
        m.window.range,
      );
      return undefined;
    }
    return { method: 'parabola', window: k };
  }

  /**
   * `minimum … in D`: 'tokens' when the minimum is sought along the tokens variable, undefined along
   * the size variable (the default), null after a diagnostic (a name that is neither).
   */
  private isoflopAlong(s: A.IsoflopDecl, vars: { size: string; tokens: string }): 'tokens' | undefined | null {
    const m = s.items.filter((i): i is A.SweepMinimum => i.kind === 'SweepMinimum').pop();
    const along = m?.along;
    if (!along || along.text === vars.size) return undefined;
    if (along.text === vars.tokens) return 'tokens';
    const hint = closest(along.text, [vars.size, vars.tokens]);
    this.report(
      'error',
      'scaling.minimum-along',
      `the minimum is sought along the size variable (${vars.size}) or the tokens variable (${vars.tokens}), not '${along.text}'${hint ? ` (did you mean '${hint}'?)` : ''}`,
      along.range,
    );
    return null;
  }

  /** `sweep NAME { fit …  over lr  per N  target L  minimum … }`: columns checked here, minima found by the engine. */
  private bindSweep(s: A.SweepDecl): void {
    if (!s.name || this.declared.get(s.name.text)?.range !== s.name.range) return;
    const name = s.name.text;
    const setting = (k: A.SweepSetting['setting']) =>
      s.items.find((i): i is A.SweepSetting => i.kind === 'SweepSetting' && i.setting === k);
    const fits = s.items.filter((i): i is A.FitClause => i.kind === 'Fit');
    if (fits.length === 0)
      return this.report(
        'error',
        'scaling.no-fit',
        `sweep '${name}' has no \`fit\` line naming its runs`,
        s.name.range,
      );
    for (const role of ['over', 'per'] as const)
      if (!setting(role)?.variable)
        return this.report(
          'error',
          'scaling.sweep-missing-setting',
          `sweep '${name}' needs \`${role} VARIABLE\`: ${role === 'over' ? 'the hyperparameter whose best value is sought (over lr)' : 'the variable with one minimum per value (per N)'}`,
          s.name.range,
        );
    const sources: M.DataTable[] = [];
    for (const src of fits.flatMap((f) => f.sources)) {
      const t = this.model.datasets.get(src.text);
      if (!t) {
        if (!this.declared.has(src.text))
          this.report('error', 'scaling.unknown-name', `no dataset or runs table named '${src.text}'`, src.range);
        return;
      }
      sources.push(t);
    }
    const vars = {
      over: setting('over')!.variable!.text,
      per: setting('per')!.variable!.text,
      target: setting('target')?.variable?.text ?? 'L',
    };
    for (const [role, v] of Object.entries(vars)) {
      const missing = sources.find((t) => !t.numeric.has(v));
      if (missing) {
        const item = setting(role as A.SweepSetting['setting']);
        return this.report(
          'error',
          'scaling.missing-variable',
          `'${missing.name}' has no ${role} variable '${v}'${item ? '' : ` (set it with \`${role} VARIABLE\`)`}`,
          item?.variable?.range ?? s.name.range,
        );
      }
    }
    if (vars.over === vars.per)
      return this.report(
        'error',
        'scaling.bad-value',
        `\`over\` and \`per\` must be different variables`,
        setting('per')!.variable!.range,
      );
    const minimum = this.bindMinimum(s.items);
    if (!minimum) return;
    const { data, heldOut } = this.withoutHeldOut(concatTables(name, sources), s.items);
    // Bootstrap intervals unless the sweep says otherwise: resampling a few minima is cheap.
    const declared = s.items.find((i): i is A.UncertaintyClause => i.kind === 'Uncertainty');
    const uncertainty: M.UncertaintySpec = declared
      ? this.bindUncertainty(declared)
      : { method: 'bootstrap', resamples: SWEEP_RESAMPLES, seed: 0, level: 0.9, by: undefined };
    this.model.sweeps.push({
      name,
      range: s.range,
      ...vars,
      minimum,
      data,
      ...(heldOut ? { heldOut } : {}),
      uncertainty,
    });
  }

  private lawNamed(name: A.Name | undefined, what: string): M.BoundLaw | undefined {
    if (!name) return undefined;
    const law = this.model.laws.find((l) => l.name === name.text);
    if (law) return law;
    const declared = this.declared.get(name.text);
    if (!declared) {
      const laws = [...this.declared.entries()].filter(([, v]) => v.kind === 'law').map(([k]) => k);
      const hint = closest(name.text, laws);
      this.report(
        'error',
        'scaling.unknown-name',
        `no law named '${name.text}' to ${what}${hint ? ` (did you mean '${hint}'?)` : ''}`,
        name.range,
      );
    } else if (declared.kind !== 'law') {
      this.report('error', 'scaling.not-a-law', `'${name.text}' is a ${declared.kind}, not a law`, name.range);
    }
    return undefined; // a declared law that failed to bind has its own diagnostic
  }

  private assignments(list: A.Assignment[]): Record<string, number> | undefined {
    const out: Record<string, number> = {};
    for (const a of list) {
      if (Object.hasOwn(out, a.variable.text)) {
        this.report('error', 'scaling.duplicate-name', `'${a.variable.text}' is given twice`, a.variable.range);
        return undefined;
      }
      const v = this.constant(a.value);
      if (v === undefined) return undefined;
      // A point to predict at or a budget is a finite number: inf or an overflow (1e999) has no prediction.
      if (!Number.isFinite(v)) {
        this.report(
          'error',
          'scaling.bad-value',
          `${a.variable.text} must be a finite number; this value is ${v > 0 ? '' : 'minus '}infinity`,
          a.value.range,
        );
        return undefined;
      }
      out[a.variable.text] = v;
    }
    return out;
  }

  private bindPredict(s: A.PredictStmt): void {
    const law = this.lawNamed(s.law, 'predict with');
    if (!law) return;
    const at = this.pointOf(law, s.at, s.law!, s.range, 'predict');
    if (at) this.model.predictions.push({ law: law.name, at, range: s.range });
  }

  /** A point of `law` (`at N = 70B, D = 1.4T`), computed variables filled in; undefined after a diagnostic. */
  private pointOf(
    law: M.BoundLaw,
    list: A.Assignment[],
    lawName: A.Name,
    range: A.Range,
    verb: string,
  ): Record<string, number> | undefined {
    const s = { at: list, range, law: lawName };
    const at = this.assignments(s.at);
    if (!at) return;
    // Computed variables (C = 6ND) follow from the others.
    const given = new Set(Object.keys(at));
    for (const c of this.model.computes) {
      const inputs = [...namesIn(c.formula).keys()];
      if (!inputs.every((n) => Object.hasOwn(at, n))) continue;
      if (given.has(c.name)) {
        // Written out although its inputs are given too: it must agree with the compute convention.
        let implied: number | undefined;
        try {
          implied = evaluateConstant(c.formula, at);
        } catch (e) {
          if (!(e instanceof EvalError)) throw e;
        }
        if (implied !== undefined && Number.isFinite(implied) && Math.abs(at[c.name] / implied - 1) > 1e-3) {
          const assignment = s.at.find((a) => a.variable.text === c.name)!;
          this.report(
            'warning',
            'scaling.inconsistent-compute',
            `${c.name} = ${formatNumber(at[c.name])} here, but \`compute ${c.name} = ${exprToString(c.formula)}\` gives ${formatNumber(implied)} at this point; the written value is used`,
            assignment.range,
          );
        }
        continue;
      }
      let v: number;
      try {
        v = evaluateConstant(c.formula, at);
      } catch (e) {
        if (!(e instanceof EvalError)) throw e;
        return; // the compute's own formula is reported where it is declared
      }
      if (!Number.isFinite(v)) {
        this.report(
          'error',
          'scaling.bad-value',
          `${c.name} is not a finite number at this point (its formula overflows or is undefined here)`,
          s.range,
        );
        return;
      }
      at[c.name] = v;
    }
    // What the law reads, directly or through the computes it uses (N and D feed `C2 = 6 * N * D / 1e18`).
    const used = new Set(law.variables);
    for (const c of [...this.model.computes].reverse())
      if (used.has(c.name)) for (const n of namesIn(c.formula).keys()) used.add(n);
    for (const a of s.at) {
      if (!used.has(a.variable.text) && !this.model.computes.some((c) => c.name === a.variable.text)) {
        this.report(
          'warning',
          'scaling.unused-variable',
          `law '${law.name}' does not use '${a.variable.text}' (its variables: ${listed(law.variables)})${didYouMean(a.variable.text, law.variables)}`,
          a.variable.range,
        );
      }
    }
    const missing = law.variables.filter((v) => !Object.hasOwn(at, v));
    if (missing.length > 0) {
      this.report(
        'error',
        'scaling.missing-variable',
        `${verb} needs ${listed(missing)} for law '${law.name}'`,
        s.law.range,
        { missing },
      );
      return;
    }
    return at;
  }

  /** An isoflop answers for its own budget variable (approach 2): no `compute` line is needed. */
  private isoflopQuestion(law: A.Name | undefined, variable: A.Name | undefined): M.BoundIsoflop | undefined {
    const iso = law && this.model.isoflops.find((i) => i.name === law.text);
    if (!iso || !variable) return undefined;
    if (variable.text !== iso.budget) {
      this.report(
        'error',
        'scaling.bad-question',
        `isoflop '${iso.name}' answers for its budget variable ${iso.budget}, not ${variable.text}`,
        variable.range,
      );
      return undefined;
    }
    return iso;
  }

  private bindOptimize(s: A.OptimizeStmt): void {
    if (s.law && this.model.isoflops.some((i) => i.name === s.law!.text)) {
      const budget = this.assignments(s.budget);
      if (!budget) return;
      if (s.budget.length !== 1)
        return this.report(
          'error',
          'scaling.bad-question',
          'an isoflop answers for one budget, e.g. C = 3.8e25',
          s.range,
        );
      if (!this.isoflopQuestion(s.law, s.budget[0].variable)) return;
      this.model.optima.push({ law: s.law.text, budget, range: s.range });
      return;
    }
    const law = this.lawNamed(s.law, 'optimize');
    if (!law) return;
    const budget = this.assignments(s.budget);
    if (!budget) return;
    if (!this.optimizeQuestionOk(s, law, budget)) return;
    for (const a of s.budget) {
      if (a.variable.text === law.target || a.variable.text === 'inference') continue;
      if (!this.model.computes.some((c) => c.name === a.variable.text)) return this.notACompute(a.variable);
    }
    this.model.optima.push({ law: law.name, budget, range: s.range });
  }

  /** A budget variable that no `compute` line defines (the quick fix declares it as 6 * N * D). */
  private notACompute(variable: A.Name): void {
    this.report(
      'error',
      'scaling.no-compute',
      `'${variable.text}' is not a computed variable: declare how it is counted, e.g. \`compute ${variable.text} = 6 * N * D\``,
      variable.range,
      { variable: variable.text },
    );
  }

  private bindFrontier(s: A.FrontierStmt): void {
    const isIsoflop = !!s.law && this.model.isoflops.some((i) => i.name === s.law!.text);
    if (isIsoflop && !this.isoflopQuestion(s.law, s.variable)) return;
    const name = isIsoflop ? s.law?.text : this.lawNamed(s.law, 'trace a frontier of')?.name;
    if (!name || !s.variable || !s.from || !s.to) return;
    const variable = s.variable.text;
    if (!isIsoflop && !this.model.computes.some((c) => c.name === variable)) return this.notACompute(s.variable);
    const from = this.constant(s.from);
    const to = this.constant(s.to);
    if (from === undefined || to === undefined) return;
    const range = { start: s.from.range.start, end: s.to.range.end };
    if (!(from > 0 && Number.isFinite(to)))
      return this.report('error', 'scaling.bad-range', 'a frontier needs positive, finite budgets', range);
    if (!(to > from))
      return this.report('error', 'scaling.bad-range', `the range is reversed or empty: write it low..high`, range);
    let points = FRONTIER_POINTS;
    if (s.points) {
      const k = this.constant(s.points);
      if (k === undefined) return;
      if (!(Number.isInteger(k) && k >= 2 && k <= MAX_FRONTIER_POINTS))
        return this.report(
          'error',
          'scaling.bad-value',
          `points must be a whole number from 2 to ${MAX_FRONTIER_POINTS}`,
          s.points.range,
        );
      points = k;
    }
    this.model.frontiers.push({ law: name, variable, from, to, points, range: s.range });
  }

  /**
   * `plan LAW at POINT budget B` | `plan LAW for C = X budget B`: a fitted law (not published, not
   * `per`), a `compute` over its variables to price each run, a positive budget.
   */
  private bindPlan(s: A.PlanStmt): void {
    const law = this.lawNamed(s.law, 'plan runs for');
    if (!law || !s.question || !s.budget) return;
    if (law.published)
      return this.report(
        'error',
        'scaling.bad-question',
        `law '${law.name}' is published, not fitted to runs: a plan adds runs to a fitted law`,
        s.law!.range,
      );
    if (law.per)
      return this.report(
        'error',
        'scaling.bad-question',
        `law '${law.name}' is fitted per group: plan runs for one group's law at a time`,
        s.law!.range,
      );
    // The compute that prices a run reads only the law's variables (C = 6 * N * D for chinchilla(N, D)).
    const prices = (c: M.ComputeDef) => {
      const inputs = [...namesIn(c.formula).keys()];
      return inputs.length > 0 && inputs.every((n) => law.variables.includes(n));
    };
    let target: M.BoundPlan['target'];
    let cost: M.ComputeDef | undefined;
    if (s.question === 'at') {
      const at = this.pointOf(law, s.point, s.law!, s.range, 'plan');
      if (!at) return;
      target = { kind: 'predict', at };
      cost = this.model.computes.find(prices);
    } else {
      const budget = this.assignments(s.point);
      if (!budget) return;
      if (s.point.length !== 1)
        return this.report(
          'error',
          'scaling.bad-question',
          'plan … for takes one compute budget, e.g. for C = 5.76e23',
          s.point[1].variable.range,
        );
      const variable = s.point[0].variable;
      cost = this.model.computes.find((c) => c.name === variable.text);
      if (!cost) return this.notACompute(variable);
      if (!(budget[variable.text] > 0))
        return this.report(
          'error',
          'scaling.bad-value',
          `the budget ${variable.text} must be positive`,
          s.point[0].value.range,
        );
      if (!prices(cost))
        return this.report(
          'error',
          'scaling.bad-question',
          `\`compute ${cost.name}\` reads more than ${listed(law.variables)}: it cannot price a run of law '${law.name}'`,
          variable.range,
        );
      target = { kind: 'optimum', budget };
    }
    if (!cost)
      return this.report(
        'error',
        'scaling.no-compute',
        `plan prices each run by a \`compute\` over ${listed(law.variables)}: declare one, e.g. \`compute C = 6 * N * D\``,
        s.range,
        { variable: 'C' },
      );
    const budget = this.constant(s.budget);
    if (budget === undefined) return;
    if (!(budget > 0 && Number.isFinite(budget)))
      return this.report(
        'error',
        'scaling.bad-value',
        'the budget must be a positive, finite amount of compute (in the units of your `compute`)',
        s.budget.range,
      );
    this.model.plans!.push({ law: law.name, target, budget, cost: cost.name, range: s.range });
  }

  /**
   * `compare a, b [cv K [seed S] | cv by COLUMN]`: the laws must predict the same target on the same
   * rows (the same data, the same hold-out), or their likelihoods and CV errors do not compare.
   */
  private bindCompare(s: A.CompareStmt): void {
    if (s.name && !this.declare(s.name, 'comparison')) return;
    const laws: M.BoundLaw[] = [];
    for (const n of s.laws) {
      if (laws.some((l) => l.name === n.text))
        return this.report('error', 'scaling.bad-question', `'${n.text}' is already in this comparison`, n.range);
      const law = this.lawNamed(n, 'compare');
      if (!law) return; // unknown, not a law, or a law that failed to bind: reported already
      laws.push(law);
    }
    if (laws.length < 2)
      return this.report(
        'error',
        'scaling.bad-question',
        'compare needs two laws or more, e.g. compare full, no_floor',
        s.range,
      );
    // A published law is evaluated on the fitted laws' rows: one of them gives the rows.
    const first = laws.find((l) => !l.published);
    if (!first)
      return this.report(
        'error',
        'scaling.incomparable-laws',
        'published laws have no rows of their own: compare them with a law fitted to your data',
        s.range,
      );
    for (const [j, law] of laws.entries()) {
      if (law === first) continue;
      const why = law.published ? unevaluable(first, law) : incomparable(first, law);
      if (why)
        return this.report(
          'error',
          'scaling.incomparable-laws',
          `'${law.name}' and '${first.name}' cannot be compared: ${why}`,
          s.laws[j].range,
        );
    }
    let cv: M.CrossValidation | undefined;
    if (s.by) {
      const column = s.by.text;
      if (!first.data.numeric.has(column) && !first.data.text.has(column))
        return this.report(
          'error',
          'scaling.unknown-column',
          `the compared laws' data has no column '${column}' to group the folds by`,
          s.by.range,
        );
      const values = first.data.text.get(column) ?? Array.from(first.data.numeric.get(column)!);
      const groups = new Set(values.filter((_, i) => !first.heldOut[i])).size;
      if (groups < 2 || groups > MAX_FOLDS)
        return this.report(
          'error',
          'scaling.bad-value',
          `cv by ${column} needs 2 to ${MAX_FOLDS} groups (one fit per group left out); the fitted rows have ${groups} value${groups === 1 ? '' : 's'} of ${column}`,
          s.by.range,
        );
      cv = { by: column };
    } else if (s.folds) {
      const k = this.constant(s.folds);
      if (k === undefined) return;
      const rows = first.heldOut.length - first.heldOut.reduce((a, b) => a + b, 0);
      if (!(Number.isInteger(k) && k >= 2 && k <= Math.min(rows, MAX_FOLDS)))
        return this.report(
          'error',
          'scaling.bad-value',
          `cv takes a whole number of folds from 2 to ${Math.min(rows, MAX_FOLDS)} (the laws fit ${rows} rows)`,
          s.folds.range,
        );
      let seed = 0;
      if (s.seed) {
        const v = this.constant(s.seed);
        if (v === undefined) return;
        if (!isSeed(v))
          return this.report(
            'error',
            'scaling.bad-value',
            '`seed` must be a whole number from 0 to 4294967295 (below 2^32)',
            s.seed.range,
          );
        seed = v;
      }
      cv = { folds: k, seed };
    }
    this.model.comparisons!.push({ name: s.name?.text, laws: laws.map((l) => l.name), cv, range: s.range });
  }

  /** `for L = 2.0` (a target) or `for C = X` (a budget), each optionally with `inference = I`. */
  private optimizeQuestionOk(s: A.OptimizeStmt, law: M.BoundLaw, budget: Record<string, number>): boolean {
    const target = s.budget.find((a) => a.variable.text === law.target);
    const inference = s.budget.find((a) => a.variable.text === 'inference');
    const budgets = s.budget.filter((a) => a !== target && a !== inference);
    const fail = (code: string, message: string, range: A.Range) => {
      this.report('error', code, message, range);
      return false;
    };
    if (target && budgets.length > 0)
      return fail(
        'scaling.bad-question',
        `give either a target (${law.target} = …) or a compute budget, not both`,
        budgets[0].variable.range,
      );
    if (!target && budgets.length === 0)
      return fail(
        'scaling.bad-question',
        `optimize needs a target (${law.target} = …) or a compute budget (e.g. C = 1e24)`,
        s.range,
      );
    if (budgets.length > 1)
      return fail('scaling.bad-question', 'one compute budget at a time', budgets[1].variable.range);
    if (target && !(budget[law.target] > 0 && Number.isFinite(budget[law.target])))
      return fail('scaling.bad-value', `the target ${law.target} must be a positive number`, target.value.range);
    if (inference) {
      if (!(budget.inference >= 0 && Number.isFinite(budget.inference)))
        return fail('scaling.bad-value', 'inference tokens must be a number ≥ 0', inference.value.range);
      if (this.model.computes.length === 0)
        return fail(
          'scaling.no-compute',
          'inference needs a `compute` line that counts training, e.g. compute C = 6 * N * D',
          inference.variable.range,
        );
    }
    return true;
  }

  private bindPlot(s: A.PlotStmt): void {
    if (!s.subject) return;
    const declared = this.declared.get(s.subject.text);
    if (!declared || (declared.kind !== 'law' && declared.kind !== 'isoflop' && declared.kind !== 'sweep')) {
      this.report(
        'error',
        'scaling.unknown-name',
        `no law, isoflop or sweep named '${s.subject.text}' to plot`,
        s.subject.range,
      );
      return;
    }
    // A sweep has its own two charts (the target against `over` per group, the law across groups).
    if (declared.kind === 'sweep' && (s.x || s.by))
      return this.report(
        'error',
        'scaling.bad-value',
        `a sweep is plotted as it is: \`plot ${s.subject.text}\`, without axes or \`by\``,
        s.range,
      );
    this.model.plots.push({ subject: s.subject.text, y: s.y?.text, x: s.x?.text, by: s.by?.text, range: s.range });
  }

  private constant(e: A.Expr): number | undefined {
    if (hasError(e)) return undefined;
    try {
      const v = evaluateConstant(e);
      if (Number.isNaN(v)) {
        this.report('error', 'scaling.bad-value', 'this value is not a number', e.range);
        return undefined;
      }
      return v;
    } catch (err) {
      if (!(err instanceof EvalError)) throw err;
      this.report(
        'error',
        'scaling.bad-value',
        `${err.message}: a value here must be a number (or inf)`,
        err.expr.range,
      );
      return undefined;
    }
  }
}

// ----------------------------------------------------------------------------- helpers

/** Why a published law cannot be evaluated on a fitted law's rows (another target, a missing variable). */
function unevaluable(fitted: M.BoundLaw, published: M.BoundLaw): string | undefined {
  if (fitted.target !== published.target)
    return `they predict different targets (${published.target} and ${fitted.target})`;
  const missing = published.variables.filter((v) => !fitted.data.numeric.has(v));
  if (missing.length > 0)
    return `the rows of '${fitted.name}' have no ${listed(missing)}, which the published law reads`;
  return undefined;
}

/** Why two laws cannot be compared (another target, other rows, another hold-out), or undefined. */
function incomparable(a: M.BoundLaw, b: M.BoundLaw): string | undefined {
  if (a.target !== b.target) return `they predict different targets (${b.target} and ${a.target})`;
  const ya = a.data.numeric.get(a.target)!;
  const yb = b.data.numeric.get(b.target)!;
  if (ya.length !== yb.length || ya.some((v, i) => !Object.is(v, yb[i])))
    return `they fit different data (${yb.length} and ${ya.length} rows; compared laws must \`fit\` the same sources)`;
  if (a.heldOut.some((v, i) => v !== b.heldOut[i]))
    return 'they hold out different rows (give both the same `holdout`)';
  return undefined;
}

function callsIn(e: A.Expr, out: A.Call[] = []): A.Call[] {
  if (e.kind === 'Call') {
    out.push(e);
    e.args.forEach((a) => callsIn(a, out));
  } else if (e.kind === 'Unary') callsIn(e.operand, out);
  else if (e.kind === 'Binary') {
    callsIn(e.left, out);
    callsIn(e.right, out);
  }
  return out;
}

function names0(e: A.Expr, name: string): A.Range | undefined {
  return namesIn(e).get(name)?.[0].range;
}

/** Replaces formal variables with the user's; every new node takes the call's range. */
function substitute(e: A.Expr, mapping: Map<string, string>, range: A.Range): A.Expr {
  switch (e.kind) {
    case 'NameRef':
      return { kind: 'NameRef', name: mapping.get(e.name) ?? e.name, range };
    case 'Unary':
      return { ...e, operand: substitute(e.operand, mapping, range), range };
    case 'Binary':
      return { ...e, left: substitute(e.left, mapping, range), right: substitute(e.right, mapping, range), range };
    case 'Call':
      return { ...e, args: e.args.map((a) => substitute(a, mapping, range)), range };
    default:
      return { ...e, range };
  }
}

/** ` (did you mean 'N'?)` when a name is close to one of `names`, else nothing. */
function didYouMean(name: string, names: string[]): string {
  const hint = closest(name, names);
  return hint ? ` (did you mean '${hint}'?)` : '';
}

/**
 * Computes in an order where each comes after the computes it reads (`compute C2 = C / 1e18` may be
 * written before `compute C = 6 * N * D`); declaration order otherwise. A cycle keeps its order.
 */
function dependencyOrder(computes: M.ComputeDef[]): M.ComputeDef[] {
  const byName = new Map(computes.map((c) => [c.name, c]));
  const out: M.ComputeDef[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (c: M.ComputeDef): void => {
    if (state.has(c.name)) return;
    state.set(c.name, 'visiting');
    for (const n of namesIn(c.formula).keys()) {
      const dep = byName.get(n);
      if (dep && dep !== c) visit(dep);
    }
    state.set(c.name, 'done');
    out.push(c);
  };
  computes.forEach(visit);
  return out;
}

/** Seeds are unsigned 32-bit integers: anything else would be rounded or wrapped silently. */
function isSeed(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v < 2 ** 32;
}

function inBounds(v: number, p: M.ParamSpec): boolean {
  return (p.lowerClosed ? v >= p.lower : v > p.lower) && (p.upperClosed ? v <= p.upper : v < p.upper);
}

function boundsText(p: M.ParamSpec): string {
  return `${p.lowerClosed ? '[' : '('}${fmt(p.lower)}, ${fmt(p.upper)}${p.upperClosed ? ']' : ')'}`;
}

function fmt(v: number): string {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return Number(v.toPrecision(6)).toString();
}
