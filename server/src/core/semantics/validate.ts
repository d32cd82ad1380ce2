// Rules that read the bound study: cheap enough to run on every keystroke. Each has a stable
// code; the editor lets users change each code's severity.
import { diagnostic, type Diagnostic, type Severity } from '../diagnostics';
import { positiveVariables } from './positivity';
import { linkableLine, rowPlace, type BoundLaw, type ComputeDef, type StudyModel } from '../model';
import { extrapolationMessage, farExtrapolations } from './extrapolation';
import type * as A from '../syntax/ast';
import type { ParseResult } from '../syntax/parser';
import { namesIn } from './evaluate';

export function validate(parsed: ParseResult, model: StudyModel): Diagnostic[] {
  const out: Diagnostic[] = [];
  const reportedCells = new Set<string>();
  for (const law of model.laws) {
    checkInvalidCells(law, model, reportedCells, out);
    checkMissingValues(law, out);
    checkRunCount(law, out);
    checkLogDomain(law, out);
  }
  checkUnfittedDatasets(parsed, model, out);
  for (const p of model.predictions) {
    const law = model.laws.find((l) => l.name === p.law);
    if (law) checkExtrapolation(law, p.at, model.computes, p.range, 'predict', out);
  }
  for (const o of model.optima) {
    const law = model.laws.find((l) => l.name === o.law);
    if (law) checkExtrapolation(law, o.budget, model.computes, o.range, 'optimize', out);
  }
  // A frontier reaches as far as its widest budget: warn at whichever end lies far outside the runs.
  for (const f of model.frontiers) {
    const law = model.laws.find((l) => l.name === f.law);
    if (!law) continue;
    for (const budget of f.from === f.to ? [f.to] : [f.from, f.to])
      checkExtrapolation(law, { [f.variable]: budget }, model.computes, f.range, 'frontier', out);
  }
  checklist(parsed, model, out);
  return out;
}

/** The rows a law fits: not held out, and with every value it needs (missing ones are left out). */
function fittedRows(law: BoundLaw): number[] {
  const rows: number[] = [];
  const missing = missingRows(law);
  for (let i = 0; i < law.data.rowCount; i++) if (!law.heldOut[i] && !missing[i]) rows.push(i);
  return rows;
}

/** The columns a law reads: its variables and target, and its weights (NaN where an input is missing). */
function neededColumns(law: BoundLaw): Float64Array[] {
  const columns = [...law.variables, law.target].flatMap((v) => law.data.numeric.get(v) ?? []);
  return law.rowWeights ? [...columns, law.rowWeights] : columns;
}

/** Per row of the law's data: 1 when a value the law needs is missing (NaN). */
function missingRows(law: BoundLaw): Uint8Array {
  const out = new Uint8Array(law.data.rowCount);
  for (const c of neededColumns(law)) for (let i = 0; i < out.length; i++) if (Number.isNaN(c[i])) out[i] = 1;
  return out;
}

/** The text file and line a row came from, for a link to it (none for Parquet rows, gzip or inline runs). */
function textLineOf(law: BoundLaw, i: number): { path: string; line: number } | undefined {
  const o = law.data.origin.at(i)!;
  return o && 'file' in o && o.word !== 'row' ? linkableLine(o.file, o.line) : undefined;
}

function rowName(law: BoundLaw, i: number): string {
  const o = law.data.origin.at(i)!;
  return rowPlace(o, i);
}

/**
 * A cell that is neither a number nor missing, in a column the law needs (or one a compute the law
 * uses reads), in a row that has every other value it needs: an error at the column's mapping.
 * Rows a `where` dropped are gone from the data already; rows missing another value are left out.
 */
function checkInvalidCells(law: BoundLaw, model: StudyModel, reported: Set<string>, out: Diagnostic[]): void {
  if (!law.data.invalid) return;
  const needed = new Set([...law.variables, law.target]);
  // Compute lines the law reads pass their inputs' bad cells on (as NaN).
  for (let grew = true; grew;) {
    grew = false;
    for (const c of model.computes)
      if (needed.has(c.name))
        for (const n of namesIn(c.formula).keys())
          if (!needed.has(n)) {
            needed.add(n);
            grew = true;
          }
  }
  const direct = [...law.variables, law.target];
  for (const [variable, cells] of law.data.invalid) {
    if (!needed.has(variable)) continue;
    for (const [row, text] of cells.rows) {
      // Missing in another needed column: the row is left out anyway.
      const otherMissing = direct.some(
        (v) =>
          v !== variable &&
          Number.isNaN(law.data.numeric.get(v)?.[row] ?? 0) &&
          !law.data.invalid?.get(v)?.rows.has(row),
      );
      if (otherMissing) continue;
      const message = `${rowName(law, row)}: column '${cells.column}' has '${text.slice(0, 40)}', not a number`;
      const key = `${cells.at.start}:${message}`;
      if (!reported.has(key)) {
        reported.add(key);
        out.push(
          diagnostic('error', 'scaling.non-numeric', message, cells.at, {
            file: textLineOf(law, row),
            data: { column: cells.column, cell: text },
          }),
        );
      }
      break;
    }
  }
}

/** A dataset no law fits (read by an isoflop, or by nothing yet): its first bad cell per column is an error. */
function checkUnfittedDatasets(parsed: ParseResult, model: StudyModel, out: Diagnostic[]): void {
  const fittedByLaws = new Set<string>();
  for (const s of parsed.file.statements)
    if (s.kind === 'Law')
      for (const b of s.body) if (b.kind === 'Fit') b.sources.forEach((n) => fittedByLaws.add(n.text));
  for (const [name, table] of model.datasets) {
    if (fittedByLaws.has(name)) continue;
    for (const cells of table.invalid?.values() ?? []) {
      // A `where` may have dropped every bad cell of the column.
      const first = cells.rows.entries().next();
      if (first.done) continue;
      const [row, text] = first.value;
      const o = table.origin.at(row)!;
      const where = rowPlace(o, row);
      out.push(
        diagnostic(
          'error',
          'scaling.non-numeric',
          `${where}: column '${cells.column}' has '${text.slice(0, 40)}', not a number`,
          cells.at,
        ),
      );
    }
  }
}

/** Rows missing a value the law needs are left out of it: one warning with the count and the first rows. */
function checkMissingValues(law: BoundLaw, out: Diagnostic[]): void {
  const rows: number[] = [];
  const needed = [...law.variables, law.target];
  const isMissing = (v: string, i: number) =>
    Number.isNaN(law.data.numeric.get(v)?.[i] ?? 0) && !law.data.invalid?.get(v)?.rows.has(i);
  // A cell that is NaN because it is not a number is an error (checkInvalidCells), not missing.
  const weightMissing = (i: number) => law.rowWeights !== undefined && Number.isNaN(law.rowWeights[i]);
  for (let i = 0; i < law.data.rowCount; i++) if (needed.some((v) => isMissing(v, i)) || weightMissing(i)) rows.push(i);
  // Inline rows are NaN only when a cell failed to parse, which is reported as a syntax error.
  const fromFiles = rows.filter((i) => 'file' in (law.data.origin.at(i) ?? {}));
  if (fromFiles.length === 0) return;
  const first = fromFiles.slice(0, 3).map((i) => rowName(law, i));
  out.push(
    diagnostic(
      'warning',
      'scaling.missing-value',
      `${fromFiles.length} row(s) miss a value of ${[...needed, ...(law.rowWeights ? ['the weight'] : [])].join(', ')} and are left out of law '${law.name}' (${first.join('; ')}${fromFiles.length > 3 ? '; …' : ''})`,
      law.nameRange,
    ),
  );
}

function checkRunCount(law: BoundLaw, out: Diagnostic[]): void {
  if (law.published) return; // not fitted: it has no runs of its own
  const free = law.params.filter((p) => p.fixed === undefined).length;
  const rows = fittedRows(law).length;
  if (rows === 0) {
    out.push(
      diagnostic(
        'error',
        'scaling.too-few-runs',
        `law '${law.name}' has no runs left to fit (all are held out or filtered)`,
        law.nameRange,
      ),
    );
  } else if (rows < 2 * free) {
    out.push(
      diagnostic(
        'warning',
        'scaling.too-few-runs',
        `law '${law.name}' fits ${free} parameters to ${rows} run${rows === 1 ? '' : 's'}; at least ${2 * free} (twice the parameters) are needed to trust it`,
        law.nameRange,
      ),
    );
  }
}

/** Values a log is taken of must be positive: the target on a log objective, bases of powers, log() arguments. */
function checkLogDomain(law: BoundLaw, out: Diagnostic[]): void {
  const rows = fittedRows(law);
  const check = (variable: string, why: string) => {
    const values = law.data.numeric.get(variable);
    if (!values) return;
    for (const r of rows) {
      const v = values[r];
      if (!(v > 0) || !Number.isFinite(v)) {
        const origin = law.data.origin.at(r)!;
        // Missing values are left out (checkMissingValues says so); a bad inline cell is a syntax error.
        if (Number.isNaN(v)) continue;
        const where = 'file' in origin ? ` (${rowPlace(origin, r)})` : '';
        out.push(
          diagnostic(
            'error',
            'scaling.nonpositive-log',
            `${variable} = ${v} in a fitted run${where}, but ${why} needs positive values`,
            law.nameRange,
            {
              data: { variable },
            },
          ),
        );
        return;
      }
    }
  };
  if (law.objective.onLog) check(law.target, 'the objective on log');
  for (const v of positiveVariables(law.formula, new Set(law.variables)))
    check(v, `the formula (a power or log of ${v})`);
}

function checkExtrapolation(
  law: BoundLaw,
  point: Record<string, number>,
  computes: ComputeDef[],
  range: A.Range,
  what: string,
  out: Diagnostic[],
): void {
  if (fittedRows(law).length === 0) return;
  for (const e of farExtrapolations(law, point, computes)) {
    out.push(
      diagnostic('warning', 'scaling.extrapolation', extrapolationMessage(what, e), range, {
        data: { variable: e.variable, factor: e.factor },
      }),
    );
  }
}

/** The (Mis)Fitting checklist items a reader needs; each hint carries a line to insert. */
function checklist(parsed: ParseResult, model: StudyModel, out: Diagnostic[]): void {
  for (const s of parsed.file.statements) {
    if (s.kind !== 'Law' || !s.name || !s.bodyRange) continue;
    const law = model.laws.find((l) => l.name === s.name!.text);
    if (!law || law.published) continue;
    const insertAt = s.bodyRange.end - 1; // before the closing brace
    const missing: [string, string, string][] = [];
    if (!s.body.some((b) => b.kind === 'Objective')) {
      missing.push([
        'scaling.checklist-objective',
        'objective huber(1e-3) on log',
        'no objective is declared (Huber 1e-3 on log is used); a reader needs it to reproduce the fit',
      ]);
    }
    if (!s.body.some((b) => b.kind === 'Holdout')) {
      missing.push([
        'scaling.checklist-holdout',
        'holdout N >= 1B',
        'no hold-out: the fit is never tested on runs it did not see',
      ]);
    }
    if (!s.body.some((b) => b.kind === 'Uncertainty')) {
      missing.push([
        'scaling.checklist-uncertainty',
        'uncertainty bootstrap 1000 seed 1 level 0.9',
        'no uncertainty is declared: predictions come without intervals',
      ]);
    }
    for (const [code, line, message] of missing) {
      out.push(
        diagnostic('hint', code, `${law.name}: ${message}`, s.name.range, { data: { insert: line, offset: insertAt } }),
      );
    }
  }
  // C used without a `compute` line: the compute convention (6ND or another) goes unreported.
  // A variable the study maps from a file column (`C: flops`) is counted by the data: no hint.
  const computed = new Set([
    ...model.computes.map((c) => c.name),
    ...parsed.file.statements.flatMap((s) => (s.kind === 'Dataset' ? s.columns.map((m) => m.variable.text) : [])),
  ]);
  const usesC = new Map<string, A.Range>();
  for (const law of model.laws)
    for (const v of law.variables) if (/^C(_|$)/.test(v) && !computed.has(v)) usesC.set(v, law.nameRange);
  for (const iso of model.isoflops) if (!computed.has(iso.budget)) usesC.set(iso.budget, iso.range);
  for (const [v, range] of usesC) {
    out.push(
      diagnostic(
        'hint',
        'scaling.checklist-compute',
        `${v} is used but no \`compute ${v} = …\` line says how compute is counted (e.g. 6 * N * D)`,
        range,
        {
          data: { insert: `compute ${v} = 6 * N * D`, offset: 0 },
        },
      ),
    );
  }
}

export function applySeverities(diagnostics: Diagnostic[], overrides: Record<string, Severity | 'off'>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of diagnostics) {
    const o = overrides[d.code];
    if (o === 'off') continue;
    out.push(o ? { ...d, severity: o } : d);
  }
  return out;
}
