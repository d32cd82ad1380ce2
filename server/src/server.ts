// The Scaling Studio language server: wiring only. Each feature lives in server/src/lsp/<feature>.ts
// as a pure function of the cached analysis (and the latest fit of the same version).
// Runs over IPC when VS Code starts it, or `node dist/server.js --stdio` for any other editor.
import {
  createConnection,
  DidChangeConfigurationNotification,
  FileChangeType,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { documentDiagnostics } from './lsp/diagnostics';
import { DocumentStore, uriToPath } from './lsp/documents';
import { formatDocument } from './lsp/formatting';
import { logMessage, safe, setLog } from './lsp/safe';
import { normalizeSettings } from './lsp/settings';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
let workspaceRoot: string | undefined;
const store = new DocumentStore(() => workspaceRoot);
let configurationPull = false;

setLog((m) => connection.console.log(m));
process.on('uncaughtException', (e) => logMessage(`[error] uncaught: ${e?.stack ?? e}`));
process.on('unhandledRejection', (e) => logMessage(`[error] unhandled rejection: ${(e as Error)?.stack ?? e}`));

connection.onInitialize((params): InitializeResult => {
  const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
  workspaceRoot = folder ? uriToPath(folder) : undefined;
  configurationPull = !!params.capabilities.workspace?.configuration;
  if (params.initializationOptions) store.setSettings(normalizeSettings(params.initializationOptions));
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      documentFormattingProvider: true,
    },
    serverInfo: { name: 'scaling-studio', version: '0.1.0' },
  };
});

connection.onInitialized(() => {
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

// ----------------------------------------------------------------------------- diagnostics

const pending = new Map<string, NodeJS.Immediate>();

/** Analyse and publish on the next tick, so a burst of changes costs one analysis. */
function scheduleValidation(uri: string): void {
  if (pending.has(uri)) return;
  pending.set(
    uri,
    setImmediate(() => {
      pending.delete(uri);
      validate(uri);
    }),
  );
}

const validate = safe('diagnostics', undefined, (uri: string): void => {
  const doc = documents.get(uri);
  if (!doc) return;
  const state = store.get(doc);
  const diagnostics = documentDiagnostics(state.analysis.diagnostics, state.analysis.lines);
  void connection.sendDiagnostics({ uri, version: doc.version, diagnostics });
});

function revalidateAll(): void {
  for (const doc of documents.all()) scheduleValidation(doc.uri);
}

documents.onDidOpen((e) => scheduleValidation(e.document.uri));
documents.onDidChangeContent((e) => scheduleValidation(e.document.uri));
documents.onDidClose((e) => {
  store.close(e.document.uri);
  void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});

connection.onDidChangeWatchedFiles(
  safe('watched files', undefined, (params) => {
    const changed = params.changes.map((c) => ({ path: uriToPath(c.uri), type: c.type }));
    const affected = documents.all().filter((d) => changed.some((c) => !c.path || store.usesFile(d.uri, c.path)));
    for (const c of changed) store.dataChanged(c.type === FileChangeType.Created ? undefined : c.path);
    for (const d of affected) scheduleValidation(d.uri);
    if (affected.length === 0) revalidateAll();
  }),
);

// ----------------------------------------------------------------------------- features

connection.onDocumentFormatting(
  safe('formatting', [], (params) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    return formatDocument(store.get(doc).analysis, params.options);
  }),
);

documents.listen(connection);
connection.listen();
