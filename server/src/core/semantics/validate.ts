// Rules that read the bound study: cheap enough to run on every keystroke. Each has a stable
// code; the editor lets users change each code's severity.
import { diagnostic, type Diagnostic, type Severity } from '../diagnostics';
import { positiveVariables } from './positivity';
import type { BoundLaw, ComputeDef, StudyModel } from '../model';
import { extrapolationMessage, farExtrapolations } from './extrapolation';
import type * as A from '../syntax/ast';
import type { ParseResult } from '../syntax/parser';

export function validate(parsed: ParseResult, model: StudyModel): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const law of model.laws) {
    checkRunCount(law, out);
    checkLogDomain(law, out);
  }
  for (const p of model.predictions) {
    const law = model.laws.find((l) => l.name === p.law);
    if (law) checkExtrapolation(law, p.at, model.computes, p.range, 'predict', out);
  }
  for (const o of model.optima) {
    const law = model.laws.find((l) => l.name === o.law);
    if (law) checkExtrapolation(law, o.budget, model.computes, o.range, 'optimize', out);
  }
  checklist(parsed, model, out);
  return out;
}

function fittedRows(law: BoundLaw): number[] {
  const rows: number[] = [];
  for (let i = 0; i < law.data.rowCount; i++) if (!law.heldOut[i]) rows.push(i);
  return rows;
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
        const origin = law.data.origin[r];
        // An inline cell is NaN only when it failed to parse, and that syntax error is already reported.
        if (Number.isNaN(v) && !('file' in origin)) continue;
        const where = 'file' in origin ? ` (${origin.file.split(/[\\/]/).pop()} line ${origin.line})` : '';
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
