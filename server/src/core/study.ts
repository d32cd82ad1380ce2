// The pipeline every front end uses: text → parse → bind (data loaded) → validate. Fitting is a
// separate, asynchronous step (fit/index.ts) on the resulting model.
import { diagnostic, type Diagnostic, type Severity } from './diagnostics';
import type { CatalogueLaw, StudyModel } from './model';
import type { JsonDiagnostic } from './results';
import { DataLoader } from './data/loader';
import { bind, type StudyData } from './semantics/binder';
import { dataKey, globBase, isGlob, resolveDataPath } from './data/paths';
import { withoutCascades } from './semantics/cascades';
import { applySeverities, validate } from './semantics/validate';
import type { DataFormat } from './syntax/ast';
import { LineIndex, type Elision } from './syntax/lineIndex';
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
  /**
   * Bind without waiting for data: each file the loader has not cached is "loading data…" (an
   * information diagnostic at its dataset line). The editor answers hover and completion from this
   * while a large file loads (issue 15.2).
   */
  dataPending?: boolean;
  /**
   * Refused tables' rows the text leaves out (the editor's huge studies, lsp/studyDocument.ts):
   * each must fall inside a table the parse refuses, or `analyze` throws ElisionMismatch.
   */
  elisions?: readonly Elision[];
}

/** The text's elisions are not all inside refused tables: analyse the whole document instead. */
export class ElisionMismatch extends Error {}

/** What a dataset reads while its file is still loading (AnalyzeOptions.dataPending). */
export const LOADING_DATA = { ok: false, message: 'loading data…', code: 'scaling.loading-data' } as const;

export interface Analysis {
  /** The analysed text: the document, less the elided lines (lines.elisions) when there are any. */
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
  const elisions = options.elisions ?? [];
  const parsed = parse(text, { elisions });
  if (parsed.elisionsRead !== elisions.length) throw new ElisionMismatch('elided lines outside a refused table');
  const data = await loadStudyData(parsed, text, options);
  const model = bind(parsed, { ...options, data });
  const all = withoutCascades([...parsed.diagnostics, ...model.diagnostics, ...validate(parsed, model)], parsed, text);
  const diagnostics = applySeverities(all, options.severities ?? {}).sort((a, b) => a.range.start - b.range.start);
  return { text, lines: new LineIndex(text, elisions), parsed, model, diagnostics };
}

/** The document's length in characters (the analysed text and its elided lines). */
export function documentLength(analysis: Analysis): number {
  let n = analysis.text.length;
  for (const e of analysis.lines.elisions) n += e.chars;
  return n;
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

/**
 * The names a study could mean by a column: every identifier and quoted string in its text. A
 * superset, cheap and safe: a Parquet file decodes only its columns named here.
 */
export function namesInText(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/[A-Za-z_$][\w$]*|"([^"\n]*)"/g)) names.add(m[1] ?? m[0]);
  return names;
}

/** Every data file the study names, loaded (or refused by the trust policy) before binding. */
async function loadStudyData(parsed: ParseResult, text: string, options: AnalyzeOptions): Promise<StudyData> {
  const data: StudyData = new Map();
  const pending: Promise<void>[] = [];
  // Only a study with a data file pays for the names (a regex over the whole text).
  let names: Set<string> | undefined;
  const wanted = () => (names ??= namesInText(text));
  for (const s of parsed.file.statements) {
    if (s.kind !== 'Dataset' || !s.path || !s.format) continue;
    const file = resolveDataPath(s.path.value, options.studyPath, options.baseDir);
    const format = s.format.text as DataFormat;
    if (file === undefined || data.has(dataKey(file, format))) continue;
    const key = dataKey(file, format);
    const refusal = options.isPathAllowed?.(isGlob(s.path.value) ? globBase(file) : file);
    if (refusal) {
      data.set(key, { ok: false, message: refusal, refused: true });
      continue;
    }
    if (options.dataPending) {
      data.set(key, (!isGlob(s.path.value) && options.loader.cachedResult(file, format)) || LOADING_DATA);
      continue;
    }
    data.set(key, { ok: false, message: 'not loaded' });
    if (isGlob(s.path.value))
      pending.push(loadGlob(file, format, wanted(), options).then((r) => void data.set(key, r)));
    else pending.push(options.loader.load(file, format, wanted()).then((r) => void data.set(key, r)));
  }
  await Promise.all(pending);
  return data;
}

/** Every file a pattern matches, each passing the trust policy, as one table with a `file` column. */
async function loadGlob(
  pattern: string,
  format: DataFormat,
  wanted: ReadonlySet<string>,
  options: AnalyzeOptions,
): Promise<StudyData extends Map<string, infer V> ? V : never> {
  const base = globBase(pattern);
  let files: string[];
  try {
    files = await options.loader.host.list(pattern.slice(base.length + 1), base);
  } catch (e) {
    return { ok: false, message: `cannot list '${pattern}': ${(e as Error).message}` };
  }
  if (files.length === 0) return { ok: false, message: `no file matches '${pattern}'`, code: 'scaling.no-match' };
  for (const f of files) {
    const refusal = options.isPathAllowed?.(f);
    if (refusal) return { ok: false, message: refusal, refused: true };
  }
  return options.loader.loadMany(files, base, format, wanted);
}
