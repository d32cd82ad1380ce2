// The pipeline every front end uses: text → parse → bind (data loaded) → validate. Fitting is a
// separate, asynchronous step (fit/index.ts) on the resulting model.
import { diagnostic, type Diagnostic, type Severity } from './diagnostics';
import type { CatalogueLaw, StudyModel } from './model';
import type { JsonDiagnostic } from './results';
import { DataLoader } from './data/loader';
import { bind } from './semantics/binder';
import { withoutCascades } from './semantics/cascades';
import { applySeverities, validate } from './semantics/validate';
import { LineIndex } from './syntax/lineIndex';
import { parse, type ParseResult } from './syntax/parser';

export interface AnalyzeOptions {
  studyPath?: string;
  loader?: DataLoader;
  catalogue?: ReadonlyMap<string, CatalogueLaw>;
  isPathAllowed?: (absolutePath: string) => string | undefined;
  severities?: Record<string, Severity | 'off'>;
}

export interface Analysis {
  text: string;
  lines: LineIndex;
  parsed: ParseResult;
  model: StudyModel;
  /** Syntax, binding and rule diagnostics, sorted by position. */
  diagnostics: Diagnostic[];
  /** Set when the analysis itself failed (a bug): the study is then treated as empty. */
  failed?: string;
}

export function analyze(text: string, options: AnalyzeOptions = {}): Analysis {
  const parsed = parse(text);
  const model = bind(parsed, options);
  const all = withoutCascades([...parsed.diagnostics, ...model.diagnostics, ...validate(parsed, model)], parsed, text);
  const diagnostics = applySeverities(all, options.severities ?? {}).sort((a, b) => a.range.start - b.range.start);
  return { text, lines: new LineIndex(text), parsed, model, diagnostics };
}

/**
 * What an editor shows when `analyze` threw: one error at the top naming the failure, and an empty
 * study, so the old diagnostics are replaced and every feature answers (empty) instead of throwing.
 */
export function failedAnalysis(text: string, error: unknown): Analysis {
  const parsed = parse('');
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const message = `the study could not be analysed (${reason}); this is a bug in Scaling Studio, please report it`;
  return {
    text,
    lines: new LineIndex(text),
    parsed,
    model: bind(parsed),
    diagnostics: [diagnostic('error', 'scaling.internal', message, { start: 0, end: 0 })],
    failed: reason,
  };
}

export function toJsonDiagnostic(d: Diagnostic, lines: LineIndex): JsonDiagnostic {
  const p = lines.position(d.range.start);
  return { severity: d.severity, code: d.code, message: d.message, line: p.line + 1, column: p.character + 1 };
}
