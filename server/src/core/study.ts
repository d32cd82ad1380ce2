// The pipeline every front end uses: text → parse → bind (data loaded) → validate. Fitting is a
// separate, asynchronous step (fit/index.ts) on the resulting model.
import { diagnostic, type Diagnostic, type Severity } from './diagnostics';
import type { CatalogueLaw, StudyModel } from './model';
import type { JsonDiagnostic } from './results';
import { DataLoader } from './data/loader';
import { bind, type StudyData } from './semantics/binder';
import { resolveDataPath } from './data/paths';
import { withoutCascades } from './semantics/cascades';
import { applySeverities, validate } from './semantics/validate';
import type { DataFormat } from './syntax/ast';
import { LineIndex } from './syntax/lineIndex';
import { parse, type ParseResult } from './syntax/parser';

export interface AnalyzeOptions {
  /** Absolute path of the study file; relative data paths resolve against its folder. */
  studyPath?: string;
  /** Where relative data paths resolve for a study with no file (an untitled editor): the workspace folder. */
  baseDir?: string;
  /** Reads data files through the host it was made with: the core does no I/O of its own. */
  loader: DataLoader;
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

/** Phases: parse → load the data the study names (asynchronous, through the host) → bind → validate. */
export async function analyze(text: string, options: AnalyzeOptions): Promise<Analysis> {
  const parsed = parse(text);
  const data = await loadStudyData(parsed, options);
  const model = bind(parsed, { ...options, data });
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

/** Every data file the study names, loaded (or refused by the trust policy) before binding. */
async function loadStudyData(parsed: ParseResult, options: AnalyzeOptions): Promise<StudyData> {
  const data: StudyData = new Map();
  const pending: Promise<void>[] = [];
  for (const s of parsed.file.statements) {
    if (s.kind !== 'Dataset' || !s.path || !s.format) continue;
    const file = resolveDataPath(s.path.value, options.studyPath, options.baseDir);
    if (file === undefined || data.has(file)) continue;
    const refusal = options.isPathAllowed?.(file);
    if (refusal) {
      data.set(file, { ok: false, message: refusal, refused: true });
      continue;
    }
    const format = s.format.text as DataFormat;
    data.set(file, { ok: false, message: 'not loaded' });
    pending.push(options.loader.load(file, format).then((r) => void data.set(file, r)));
  }
  await Promise.all(pending);
  return data;
}
