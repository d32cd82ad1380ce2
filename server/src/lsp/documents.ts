// The pipeline cached per document version: each open document is analysed once per version, and
// every feature reads that cached Analysis. Data files are read through one shared DataLoader
// (cached by path + mtime); when a data file changes on disk, every analysis is dropped.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataHost } from '../core/data/host';
import { DataLoader } from '../core/data/loader';
import { pathMatches, resolveDataPath } from '../core/data/paths';
import { catalogue } from '../core/laws';
import { analyze, ElisionMismatch, failedAnalysis, type Analysis, type AnalyzeOptions } from '../core/study';
import { logMessage } from './safe';
import type { ServerSettings } from './settings';
import { pathGuard, type PathPolicy } from './trust';
import { DEFAULT_SETTINGS } from './settings';
import type { RefusedRows, TextSnapshot } from './studyDocument';

/** Just what the store needs of a document (vscode-languageserver-textdocument's TextDocument fits). */
interface VersionedText {
  readonly uri: string;
  readonly version: number;
  getText(): string;
  /** The text to analyse, a huge study's refused rows left out (lsp/studyDocument.ts). */
  snapshot?(): TextSnapshot;
  /** After an analysis of the whole `text` of `version`: keep its refused tables' rows aside. */
  split?(version: number, text: string, refused: readonly RefusedRows[]): void;
}

function snapshotOf(doc: VersionedText): TextSnapshot {
  if (doc.snapshot) return doc.snapshot();
  const text = doc.getText();
  return { text, elisions: [], whole: () => text };
}

interface DocumentState {
  uri: string;
  version: number;
  /** Absolute path of the study file (undefined for untitled documents). */
  studyPath: string | undefined;
  /** The folder relative data paths resolve against when there is no study file (the workspace folder). */
  baseDir: string | undefined;
  analysis: Analysis;
  /** An interim analysis made while the data loads (no data bound): features answer from the text. */
  loading?: boolean;
}

interface CacheEntry {
  version: number;
  promise: Promise<DocumentState>;
  state?: DocumentState;
  interim?: Promise<DocumentState>;
}

/** How long a hover or completion waits for the data before it answers from the interim analysis. */
export const INTERIM_AFTER_MS = 150;

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export class DocumentStore {
  readonly loader: DataLoader;
  private readonly cache = new Map<string, CacheEntry>();
  private settings: ServerSettings = DEFAULT_SETTINGS;
  private policy: PathPolicy = { trusted: true, roots: [] };
  /** How many analyses ran (tests check the cache works). */
  analyses = 0;

  constructor(
    host: DataHost,
    private readonly workspaceRoot: () => string | undefined = () => undefined,
  ) {
    this.loader = new DataLoader(host);
  }

  setSettings(settings: ServerSettings): void {
    this.settings = settings;
    this.loader.setMaxMemoryMB(settings.maxMemoryMB);
    this.cache.clear();
  }

  /** Workspace trust and folders decide which data files a study may read; every analysis is redone. */
  setPathPolicy(policy: PathPolicy): void {
    this.policy = { trusted: policy.trusted, roots: [...policy.roots] };
    this.cache.clear();
  }

  getPathPolicy(): PathPolicy {
    return this.policy;
  }

  getSettings(): ServerSettings {
    return this.settings;
  }

  /** The analysis of this exact document version, computed at most once (data loads through the host). */
  get(doc: VersionedText): Promise<DocumentState> {
    const cached = this.cache.get(doc.uri);
    if (cached && cached.version === doc.version) return cached.promise;
    const studyPath = uriToPath(doc.uri);
    // The server's document is updated in place by later edits: read its version and text now, once.
    const { uri, version } = doc;
    const snapshot = snapshotOf(doc);
    const text = snapshot.text;
    const baseDir = studyPath ? undefined : this.workspaceRoot();
    const entry: CacheEntry = { version, promise: undefined as unknown as Promise<DocumentState> };
    entry.promise = analyzeSnapshot(snapshot, this.analyzeOptions(studyPath, baseDir)).then(
      (analysis) => {
        this.analyses++;
        if (analysis.lines.elisions.length === 0) doc.split?.(version, analysis.text, analysis.parsed.refusedRows);
        entry.state = { uri, version, studyPath, baseDir, analysis };
        return entry.state;
      },
      (e) => {
        // Publish something rather than nothing: stale diagnostics would stay on the wrong lines.
        logMessage(`[error] analysis of ${uri} v${version}: ${(e as Error)?.stack ?? e}`);
        this.analyses++;
        entry.state = { uri, version, studyPath, baseDir, analysis: failedAnalysis(text, e) };
        return entry.state;
      },
    );
    this.cache.set(doc.uri, entry);
    return entry.promise;
  }

  private analyzeOptions(studyPath: string | undefined, baseDir: string | undefined): AnalyzeOptions {
    return {
      studyPath,
      baseDir,
      loader: this.loader,
      catalogue,
      severities: this.settings.severities,
      isPathAllowed: pathGuard(
        this.policy,
        studyPath ?? (baseDir ? path.join(baseDir, 'untitled.scaling') : undefined),
      ),
    };
  }

  /**
   * This version's analysis if it finishes within `waitMs`; otherwise (a large file is loading) an
   * interim analysis of the text with no data bound, marked `loading`, made at most once per version.
   */
  async current(doc: VersionedText, waitMs = INTERIM_AFTER_MS): Promise<DocumentState> {
    const asked = { uri: doc.uri, version: doc.version, snapshot: snapshotOf(doc) }; // `doc` may change meanwhile
    const full = this.get(doc);
    const entry = this.cache.get(doc.uri)!;
    if (entry.state) return entry.state;
    // This version already waited once and the data is still loading: answer from the text at once.
    if (entry.interim && this.loader.isLoading()) return entry.interim;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitMs)));
    const first = await Promise.race([full, timeout]);
    clearTimeout(timer);
    if (first) return first;
    if (entry.state) return entry.state;
    // Slow for another reason (a huge study's text): a second analysis of the text would not help.
    if (!this.loader.isLoading()) return full;
    entry.interim ??= this.interim(asked);
    return entry.interim;
  }

  private async interim(doc: { uri: string; version: number; snapshot: TextSnapshot }): Promise<DocumentState> {
    const studyPath = uriToPath(doc.uri);
    const baseDir = studyPath ? undefined : this.workspaceRoot();
    const text = doc.snapshot.text;
    let analysis: Analysis;
    try {
      analysis = await analyzeSnapshot(doc.snapshot, { ...this.analyzeOptions(studyPath, baseDir), dataPending: true });
    } catch (e) {
      analysis = failedAnalysis(text, e);
    }
    return { uri: doc.uri, version: doc.version, studyPath, baseDir, analysis, loading: true };
  }

  /** The latest finished analysis without analysing (undefined when none has finished). */
  peek(uri: string): DocumentState | undefined {
    return this.cache.get(uri)?.state;
  }

  /** A document closed: its analysis goes, and so does every data file no other open study names. */
  close(uri: string): void {
    this.cache.delete(uri);
    const used = new Set<string>();
    for (const [, entry] of this.cache) {
      const state = entry.state;
      if (!state) return; // an analysis still loading may need any file: evict next time
      for (const s of state.analysis.parsed.file.statements) {
        if (s.kind !== 'Dataset' || !s.path) continue;
        const file = resolveDataPath(s.path.value, state.studyPath, state.baseDir);
        if (file) used.add(file);
      }
    }
    this.loader.retainOnly(used);
  }

  /** A data file changed (or all, when no path is given): reload it and re-analyse every document. */
  dataChanged(filePath?: string): void {
    this.loader.invalidate(filePath);
    this.cache.clear();
  }

  /** Whether a document's study reads this data file (by name, or as a match of one of its patterns). */
  usesFile(uri: string, filePath: string): boolean {
    const state = this.peek(uri);
    if (!state) return true;
    for (const s of state.analysis.parsed.file.statements) {
      if (s.kind !== 'Dataset' || !s.path) continue;
      const file = resolveDataPath(s.path.value, state.studyPath, state.baseDir);
      if (file !== undefined && pathMatches(file, filePath)) return true;
    }
    return false;
  }
}

/** Analyses a snapshot; when its elided rows are no longer inside a refused table, the whole text. */
async function analyzeSnapshot(snapshot: TextSnapshot, options: AnalyzeOptions): Promise<Analysis> {
  if (snapshot.elisions.length === 0) return analyze(snapshot.text, options);
  try {
    return await analyze(snapshot.text, { ...options, elisions: snapshot.elisions });
  } catch (e) {
    if (!(e instanceof ElisionMismatch)) throw e;
    return analyze(snapshot.whole(), options);
  }
}
