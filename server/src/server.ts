// The Scaling Studio language server: wiring only. Each feature lives in server/src/lsp/<feature>.ts
// as a pure function of the cached analysis (and the fit results valid for the same version).
// Runs over IPC when VS Code starts it, or `node dist/server.js --stdio` for any other editor.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  createConnection,
  CodeLensRefreshRequest,
  DidChangeConfigurationNotification,
  FileChangeType,
  ProposedFeatures,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type CancellationToken,
  type InitializeResult,
} from 'vscode-languageserver/node';
import {
  CancelFitNotification,
  FitRequest,
  FitStateNotification,
  LawAtRequest,
  PlotRequest,
  ReportRequest,
  ResultsRequest,
  ScaffoldRequest,
  WorkspaceTrustNotification,
  type WorkspaceTrustParams,
  type CancelFitParams,
  type FitParams,
  type FitResponse,
  type LawAtParams,
  type PlotParams,
  type PlotResponse,
  type ReportParams,
  type ReportResponse,
  type ResultsParams,
  type ResultsResponse,
  type ScaffoldParams,
  type ScaffoldResponse,
} from '../../protocol/lsp';
import { resolveDataPath } from './core/data/paths';
import { NodeHost } from './host/nodeHost';
import type { Analysis } from './core/study';
import { codeActions } from './lsp/codeActions';
import { codeLenses } from './lsp/codeLens';
import { completion } from './lsp/completion';
import { documentDiagnostics } from './lsp/diagnostics';
import { DocumentStore, uriToPath } from './lsp/documents';
import { FitManager, LimitedBackend, WorkerBackend } from './lsp/fitManager';
import { formatDocument } from './lsp/formatting';
import { tooLargeFor } from './lsp/limits';
import { hover, loadingHover } from './lsp/hover';
import { inlayHints } from './lsp/inlayHints';
import { definition, prepareRename, references, rename, RenameError } from './lsp/navigation';
import { plotModel } from './present/plotModel';
import { buildReportHtml, buildReportMarkdown, reportMeta } from './reportWriter';
import { logMessage, safe, safeAsync, setLog } from './lsp/safe';
import { scaffoldStudy } from './lsp/scaffold';
import { LEGEND, semanticTokens } from './lsp/semanticTokens';
import { normalizeSettings } from './lsp/settings';
import { documentSymbols, foldingRanges } from './lsp/symbols';
import { statementAt } from './lsp/symbolIndex';
import { StudyDocument } from './lsp/studyDocument';
import { pathGuard, trustFromInitOptions } from './lsp/trust';

const connection = createConnection(ProposedFeatures.all);
// Huge studies keep their refused tables' rows aside, so an edit does not copy them (issue 15.3).
const documents = new TextDocuments(StudyDocument);
let workspaceRoot: string | undefined;
const store = new DocumentStore(new NodeHost(), () => workspaceRoot);
let configurationPull = false;
/** Absolute paths of the workspace folders (data outside them is refused unless the workspace is trusted). */
let workspaceFolders: string[] = [];
let workspaceFoldersNotify = false;
let refreshSupport = { inlayHints: false, codeLens: false, semanticTokens: false };

setLog((m) => connection.console.log(m));
process.on('uncaughtException', (e) => logMessage(`[error] uncaught: ${e?.stack ?? e}`));
process.on('unhandledRejection', (e) => logMessage(`[error] unhandled rejection: ${(e as Error)?.stack ?? e}`));

const fits = new FitManager({
  // One background fit at a time (each uses the other core's worth of threads): see LimitedBackend.
  backend: new LimitedBackend(new WorkerBackend(path.join(__dirname, 'lspFitWorker.js')), 1),
  current: async (uri) => {
    const doc = documents.get(uri);
    if (!doc) return undefined;
    const state = await store.get(doc);
    return { version: state.version, analysis: state.analysis, studyPath: state.studyPath, baseDir: state.baseDir };
  },
  severities: () => store.getSettings().severities,
  maxMemoryMB: () => store.getSettings().maxMemoryMB,
  debounceMs: () => store.getSettings().fitDebounceMs,
  enabled: () => store.getSettings().fitOnChange,
  pathPolicy: () => store.getPathPolicy(),
  onState: (p) => void connection.sendNotification(FitStateNotification, p),
  onRecord: (uri) => {
    scheduleValidation(uri);
    refreshViews();
  },
});

/** Inlay hints and lenses read the fit results: ask the client to re-request them. */
let refreshTimer: NodeJS.Timeout | undefined;
function refreshViews(): void {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = undefined;
    if (refreshSupport.inlayHints) void connection.languages.inlayHint.refresh().catch(() => {});
    if (refreshSupport.codeLens) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => {});
  }, 50);
}

connection.onInitialize((params): InitializeResult => {
  const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
  workspaceRoot = folder ? uriToPath(folder) : undefined;
  workspaceFolders = (params.workspaceFolders ?? (folder ? [{ uri: folder, name: '' }] : []))
    .map((f) => uriToPath(f.uri))
    .filter((p): p is string => !!p);
  workspaceFoldersNotify = !!params.capabilities.workspace?.workspaceFolders;
  store.setPathPolicy({ trusted: trustFromInitOptions(params.initializationOptions), roots: workspaceFolders });
  const ws = params.capabilities.workspace;
  configurationPull = !!ws?.configuration;
  refreshSupport = {
    inlayHints: !!ws?.inlayHint?.refreshSupport,
    codeLens: !!ws?.codeLens?.refreshSupport,
    semanticTokens: !!ws?.semanticTokens?.refreshSupport,
  };
  if (params.initializationOptions) store.setSettings(normalizeSettings(params.initializationOptions));
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      documentFormattingProvider: true,
      hoverProvider: true,
      completionProvider: { triggerCharacters: [':', ' ', ',', '('] },
      definitionProvider: true,
      referencesProvider: true,
      renameProvider: { prepareProvider: true },
      documentSymbolProvider: true,
      foldingRangeProvider: true,
      codeActionProvider: { codeActionKinds: ['quickfix'] },
      codeLensProvider: { resolveProvider: false },
      inlayHintProvider: true,
      semanticTokensProvider: { legend: LEGEND, full: true, range: false },
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'scaling-studio', version: '0.1.0' },
  };
});

connection.onInitialized(() => {
  if (workspaceFoldersNotify) {
    connection.workspace.onDidChangeWorkspaceFolders(
      safe('workspace folders', undefined, (e) => {
        const removed = new Set(e.removed.map((f) => uriToPath(f.uri)));
        workspaceFolders = [
          ...workspaceFolders.filter((p) => !removed.has(p)),
          ...e.added.map((f) => uriToPath(f.uri)).filter((p): p is string => !!p),
        ];
        store.setPathPolicy({ ...store.getPathPolicy(), roots: workspaceFolders });
        revalidateAll(true);
      }),
    );
  }
  if (configurationPull) {
    void connection.client
      .register(DidChangeConfigurationNotification.type, { section: 'scalingStudio' })
      .catch(() => {});
    void pullSettings();
  }
});

async function pullSettings(): Promise<void> {
  try {
    const raw = await connection.workspace.getConfiguration('scalingStudio');
    store.setSettings(normalizeSettings(raw));
    revalidateAll();
  } catch (e) {
    logMessage(`[warn] could not read settings: ${(e as Error).message}`);
  }
}

connection.onDidChangeConfiguration((change) => {
  if (configurationPull) void pullSettings();
  else {
    const s = (change.settings as Record<string, unknown> | undefined)?.scalingStudio;
    store.setSettings(normalizeSettings(s));
    revalidateAll();
  }
});

// ----------------------------------------------------------------------------- diagnostics, fits

const pending = new Map<string, NodeJS.Immediate>();

/** Analyse and publish on the next tick, so a burst of changes costs one analysis. */
function scheduleValidation(uri: string, dataChanged = false): void {
  if (pending.has(uri)) {
    if (!dataChanged) return;
    clearImmediate(pending.get(uri)!);
  }
  pending.set(
    uri,
    setImmediate(() => {
      pending.delete(uri);
      void validate(uri, dataChanged);
    }),
  );
}

const validate = safeAsync('diagnostics', undefined, async (uri: string, dataChanged: boolean): Promise<void> => {
  const doc = documents.get(uri);
  if (!doc) return;
  // TextDocuments updates `doc` in place: this validation's version is the one it starts with.
  const version = doc.version;
  let state = await store.current(doc);
  if (state.loading) {
    // A large file is loading: show the syntax errors now, and "loading data…" at its dataset line.
    const now = state.analysis.diagnostics.filter(
      (d) => d.code === 'scaling.syntax' || d.code === 'scaling.loading-data',
    );
    void connection.sendDiagnostics({
      uri,
      version,
      diagnostics: documentDiagnostics(now, state.analysis.lines),
    });
    state = await store.get(doc); // a newer version, when the document moved on: dropped below
    refreshViews(); // inlay hints and lenses asked meanwhile had no data
  }
  if (documents.get(uri)?.version !== version) return; // a newer version's validation is on its way
  fits.update(uri, version, state.analysis, { dataChanged });
  const record = fits.record(uri, version);
  const diagnostics = documentDiagnostics(state.analysis.diagnostics, state.analysis.lines, record?.fitDiagnostics);
  void connection.sendDiagnostics({ uri, version, diagnostics });
});

function revalidateAll(dataChanged = false): void {
  for (const doc of documents.all()) scheduleValidation(doc.uri, dataChanged);
}

documents.onDidOpen((e) => scheduleValidation(e.document.uri));
documents.onDidChangeContent((e) => scheduleValidation(e.document.uri));
documents.onDidClose((e) => {
  store.close(e.document.uri);
  fits.close(e.document.uri);
  for (const feature of ['formatting', 'semantic highlighting']) sizeNotices.delete(`${feature} ${e.document.uri}`);
  void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});

// The user granted workspace trust (the client forwards vscode.workspace.onDidGrantWorkspaceTrust).
connection.onNotification(
  WorkspaceTrustNotification,
  safe('workspaceTrust', undefined, (params: WorkspaceTrustParams) => {
    const trusted = params?.trusted === true;
    if (trusted === store.getPathPolicy().trusted) return;
    store.setPathPolicy({ ...store.getPathPolicy(), trusted });
    revalidateAll(true);
  }),
);

connection.onDidChangeWatchedFiles(
  safe('watched files', undefined, (params) => {
    const changed = params.changes.map((c) => ({ path: uriToPath(c.uri), type: c.type }));
    const affected = documents.all().filter((d) => changed.some((c) => !c.path || store.usesFile(d.uri, c.path)));
    for (const c of changed) store.dataChanged(c.type === FileChangeType.Created ? undefined : c.path);
    for (const d of affected) scheduleValidation(d.uri, true);
    if (affected.length === 0) revalidateAll();
  }),
);

// ----------------------------------------------------------------------------- features

/**
 * The cached analysis, the fit results valid for this version, and an offset for a position.
 * `answerWhileLoading`: while a large file loads, answer from an interim analysis of the text
 * (state.loading) rather than wait for the data (hover and completion).
 */
async function context(uri: string, position?: { line: number; character: number }, answerWhileLoading = false) {
  const doc = documents.get(uri);
  if (!doc) return undefined;
  const state = answerWhileLoading ? await store.current(doc) : await store.get(doc);
  // The results shown include a law's last result while it refits or is stale, marked by `states`.
  // (`doc` is updated in place by later edits: the version is the analysed one.) A request may come
  // before this version's validation: viewOf carries the unchanged laws' results over first, so a
  // hover right after an edit of a question answers from the cached fit (docs/editor.md).
  const view = state.loading ? fits.view(uri, state.version) : fits.viewOf(uri, state.version, state.analysis);
  const offset = position ? state.analysis.lines.offset(position.line, position.character) : 0;
  return {
    doc,
    state,
    analysis: state.analysis,
    results: view.results,
    states: view.law,
    document: view.document,
    offset,
  };
}

/** Tells the user once per document and feature why a whole-document feature is off (lsp/limits.ts). */
const sizeNotices = new Set<string>();
function noticeIfTooLarge(uri: string, analysis: Analysis, feature: 'formatting' | 'semantic highlighting'): void {
  const notice = tooLargeFor(analysis, feature);
  if (!notice || sizeNotices.has(`${feature} ${uri}`)) return;
  sizeNotices.add(`${feature} ${uri}`);
  logMessage(`[limit] ${uri}: ${notice}`);
  void connection.window.showInformationMessage(notice);
}

connection.onDocumentFormatting(
  safeAsync('formatting', [], async (params) => {
    const c = await context(params.textDocument.uri);
    if (!c) return [];
    noticeIfTooLarge(params.textDocument.uri, c.analysis, 'formatting');
    return formatDocument(c.analysis, params.options);
  }),
);

connection.onHover(
  safeAsync('hover', null, async (params) => {
    const c = await context(params.textDocument.uri, params.position, true);
    if (!c) return null;
    const h = hover(c.analysis, c.results, c.offset, c.states);
    return c.state.loading ? loadingHover(h) : h;
  }),
);

connection.onCompletion(
  safeAsync('completion', [], async (params) => {
    const c = await context(params.textDocument.uri, params.position, true);
    if (!c) return [];
    // The analysis has loaded (or refused, under workspace trust) every file the study names.
    return completion(c.analysis, c.offset, {
      columns: (d) => {
        const file = d.path ? resolveDataPath(d.path.value, c.state.studyPath, c.state.baseDir) : undefined;
        return file ? store.loader.loadedColumns(file) : [];
      },
    });
  }),
);

connection.onDefinition(
  safeAsync('definition', [], async (params) => {
    const c = await context(params.textDocument.uri, params.position);
    return c ? definition(c.analysis, params.textDocument.uri, c.offset) : [];
  }),
);

connection.onReferences(
  safeAsync('references', [], async (params) => {
    const c = await context(params.textDocument.uri, params.position);
    return c ? references(c.analysis, params.textDocument.uri, c.offset, params.context.includeDeclaration) : [];
  }),
);

connection.onPrepareRename(
  safeAsync('prepareRename', null, async (params) => {
    const c = await context(params.textDocument.uri, params.position);
    return c ? prepareRename(c.analysis, c.offset) : null;
  }),
);

connection.onRenameRequest(async (params) => {
  try {
    const c = await context(params.textDocument.uri, params.position);
    return c ? rename(c.analysis, params.textDocument.uri, c.offset, params.newName) : null;
  } catch (e) {
    if (e instanceof RenameError) return new ResponseError(-32803, e.message);
    logMessage(`[error] rename: ${(e as Error)?.stack ?? e}`);
    return null;
  }
});

connection.onDocumentSymbol(
  safeAsync('documentSymbol', [], async (params) => {
    const c = await context(params.textDocument.uri);
    return c ? documentSymbols(c.analysis) : [];
  }),
);

connection.onFoldingRanges(
  safeAsync('foldingRanges', [], async (params) => {
    const c = await context(params.textDocument.uri);
    return c ? foldingRanges(c.analysis) : [];
  }),
);

/** A data file's text for the "treat as missing" fix: local files up to 50 MB only. */
function readDataText(uri: string): string | undefined {
  try {
    const file = uriToPath(uri);
    if (!file || fs.statSync(file).size > 50 * 1024 * 1024) return undefined;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

connection.onCodeAction(
  safeAsync('codeAction', [], async (params) => {
    const c = await context(params.textDocument.uri);
    return c ? codeActions(c.analysis, params.textDocument.uri, params.context.diagnostics, readDataText) : [];
  }),
);

connection.onCodeLens(
  safeAsync('codeLens', [], async (params) => {
    const c = await context(params.textDocument.uri);
    return c ? codeLenses(c.analysis, params.textDocument.uri, c.results, c.states) : [];
  }),
);

connection.languages.inlayHint.on(
  safeAsync('inlayHint', [], async (params) => {
    const c = await context(params.textDocument.uri);
    if (!c || !store.getSettings().inlayHints) return [];
    const start = c.analysis.lines.offset(params.range.start.line, params.range.start.character);
    const end = c.analysis.lines.offset(params.range.end.line, params.range.end.character);
    return inlayHints(c.analysis, c.results, { start, end }, c.states);
  }),
);

connection.languages.semanticTokens.on(
  safeAsync('semanticTokens', { data: [] }, async (params) => {
    const c = await context(params.textDocument.uri);
    if (!c) return { data: [] };
    noticeIfTooLarge(params.textDocument.uri, c.analysis, 'semantic highlighting');
    return semanticTokens(c.analysis);
  }),
);

// ----------------------------------------------------------------------------- custom requests

connection.onRequest(
  ResultsRequest,
  safe('results', null, (params: ResultsParams): ResultsResponse | null => {
    const doc = documents.get(params.uri);
    const record = doc ? fits.record(params.uri, params.version ?? doc.version) : undefined;
    if (!record || record.missing.laws.length + record.missing.isoflops.length > 0) return null;
    return { uri: params.uri, version: record.version, results: record.results };
  }),
);

connection.onRequest(
  FitRequest,
  safeAsync(
    'fit',
    { uri: '', version: -1, state: 'failed', ms: 0, message: 'internal error (see the log)' } as FitResponse,
    async (params: FitParams, token?: CancellationToken): Promise<FitResponse> => {
      // $/cancelRequest stops the fit as Cancel Fit does (other clients know only the standard way).
      const cancelled = token?.onCancellationRequested(() => fits.cancel(params.uri));
      try {
        return await fits.start(params.uri, { law: params.law, force: true });
      } finally {
        cancelled?.dispose();
      }
    },
  ),
);

connection.onNotification(
  CancelFitNotification,
  safe('cancelFit', undefined, (params: CancelFitParams) => {
    const n = fits.cancel(params?.uri);
    logMessage(`[fit] cancelled ${n} running fit(s)`);
  }),
);

connection.onRequest(
  LawAtRequest,
  safeAsync('lawAt', null, async (params: LawAtParams): Promise<string | null> => {
    const c = await context(params.uri, params.position);
    if (!c) return null;
    const s = statementAt(c.analysis, c.offset);
    return (s?.kind === 'Law' || s?.kind === 'Isoflop') && s.name ? s.name.text : null;
  }),
);

connection.onRequest(
  ReportRequest,
  safeAsync('report', null, async (params: ReportParams): Promise<ReportResponse | null> => {
    const c = await context(params.uri);
    // A report is exported: only results current for this text and data, never carried ones.
    const results = c && fits.record(params.uri, c.state.version)?.results;
    if (!c || !results) return null;
    const meta = reportMeta(c.analysis, c.state.studyPath);
    if (!meta.studyFile) meta.studyFile = params.uri;
    const markdown = buildReportMarkdown(c.analysis, results, c.state.studyPath, meta);
    let html: string | undefined;
    try {
      const bundle = path.join(__dirname, 'webview.js');
      if (fs.existsSync(bundle)) html = buildReportHtml(c.analysis, results, bundle, c.state.studyPath, meta);
    } catch (e) {
      logMessage(`[warn] HTML report: ${(e as Error).message}`);
    }
    return { uri: params.uri, version: c.state.version, markdown, results, ...(html ? { html } : {}) };
  }),
);

connection.onRequest(
  PlotRequest,
  safeAsync('plot', null, async (params: PlotParams): Promise<PlotResponse | null> => {
    const c = await context(params.uri);
    if (!c || !c.results) return null;
    const d = c.document;
    const state =
      !d || d.state === 'fitted' ? undefined : { state: d.state, ...(d.reason ? { message: d.reason } : {}) };
    return {
      uri: params.uri,
      version: c.state.version,
      model: plotModel(c.analysis, c.results),
      ...(state ? { state } : {}),
    };
  }),
);

connection.onRequest(ScaffoldRequest, async (params: ScaffoldParams): Promise<ScaffoldResponse | ResponseError> => {
  try {
    const guard = pathGuard(store.getPathPolicy(), params.studyPath);
    return { text: await scaffoldStudy(params.dataPath, params.studyPath, store.loader, guard) };
  } catch (e) {
    return new ResponseError(-32803, (e as Error).message);
  }
});

connection.onShutdown(() => fits.dispose());

documents.listen(connection);
connection.listen();
