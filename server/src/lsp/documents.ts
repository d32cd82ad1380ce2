// The pipeline cached per document version: each open document is analysed once per version, and
// every feature reads that cached Analysis. Data files are read through one shared DataLoader
// (cached by path + mtime); when a data file changes on disk, every analysis is dropped.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataLoader } from '../core/data/loader';
import { catalogue } from '../core/laws';
import { analyze, type Analysis } from '../core/study';
import type { ServerSettings } from './settings';
import { pathGuard, type PathPolicy } from './trust';
import { DEFAULT_SETTINGS } from './settings';

/** Just what the store needs of a document (vscode-languageserver-textdocument's TextDocument fits). */
interface VersionedText {
  readonly uri: string;
  readonly version: number;
  getText(): string;
}

interface DocumentState {
  uri: string;
  version: number;
  /** Absolute path of the study file (undefined for untitled documents). */
  studyPath: string | undefined;
  analysis: Analysis;
}

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export class DocumentStore {
  readonly loader = new DataLoader();
  private readonly cache = new Map<string, DocumentState>();
  private settings: ServerSettings = DEFAULT_SETTINGS;
  private policy: PathPolicy = { trusted: true, roots: [] };
  /** How many analyses ran (tests check the cache works). */
  analyses = 0;

  constructor(private readonly workspaceRoot: () => string | undefined = () => undefined) {}

  setSettings(settings: ServerSettings): void {
    this.settings = settings;
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

  /** The analysis of this exact document version, computed at most once. */
  get(doc: VersionedText): DocumentState {
    const cached = this.cache.get(doc.uri);
    if (cached && cached.version === doc.version) return cached;
    const studyPath = uriToPath(doc.uri);
    const text = doc.getText();
    const effectivePath =
      studyPath ?? (this.workspaceRoot() ? path.join(this.workspaceRoot()!, 'untitled.scaling') : undefined);
    const analysis = analyze(text, {
      studyPath: effectivePath,
      loader: this.loader,
      catalogue,
      severities: this.settings.severities,
      isPathAllowed: pathGuard(this.policy, effectivePath),
    });
    this.analyses++;
    const state: DocumentState = { uri: doc.uri, version: doc.version, studyPath, analysis };
    this.cache.set(doc.uri, state);
    return state;
  }

  /** The cached state without analysing (undefined when that version was never analysed). */
  peek(uri: string): DocumentState | undefined {
    return this.cache.get(uri);
  }

  close(uri: string): void {
    this.cache.delete(uri);
  }

  /** A data file changed (or all, when no path is given): reload it and re-analyse every document. */
  dataChanged(filePath?: string): void {
    this.loader.invalidate(filePath);
    this.cache.clear();
  }

  /** Whether a document's study reads this data file. */
  usesFile(uri: string, filePath: string): boolean {
    const state = this.cache.get(uri);
    if (!state) return true;
    const base = state.studyPath ? path.dirname(state.studyPath) : (this.workspaceRoot() ?? process.cwd());
    for (const s of state.analysis.parsed.file.statements) {
      if (s.kind === 'Dataset' && s.path && path.resolve(base, s.path.value) === path.resolve(filePath)) return true;
    }
    return false;
  }
}
