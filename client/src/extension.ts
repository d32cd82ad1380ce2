// Scaling Studio's VS Code client: starts the language server (dist/server.js over IPC) for
// `scaling` documents, forwards data-file changes, and provides the commands, the fit status item
// and the plot panel. Everything about the study itself is computed by the server.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  CancelFitNotification,
  Commands,
  FitRequest,
  FitStateNotification,
  LawAtRequest,
  PlotRequest,
  ReportRequest,
  ScaffoldRequest,
  WorkspaceTrustNotification,
  type FitResponse,
  type FitStateParams,
} from '../../protocol/lsp';
import { isViewState } from '../../protocol/webview';
import { PLOT_VIEW_TYPE, PlotPanels } from './plotPanel';
import { mayOverwrite } from './overwrite';
import { FitStatus } from './status';

/** The server's workspace-trust notification (server/src/lsp/trust.ts; belongs in protocol/lsp.ts). */

let client: LanguageClient | undefined;

export interface ScalingStudioApi {
  /** The language client (tests wait for it to be running). */
  client(): LanguageClient | undefined;
  fitState(uri: string): FitStateParams | undefined;
}

export async function activate(context: vscode.ExtensionContext): Promise<ScalingStudioApi> {
  const output = vscode.window.createOutputChannel('Scaling Studio', { log: true });
  const status = new FitStatus();
  context.subscriptions.push(output, status);
  const log = (m: string) => output.appendLine(m);

  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: {
      module: serverModule,
      transport: TransportKind.ipc,
      options: { execArgv: ['--nolazy', '--inspect=6019'] },
    },
  };
  const dataWatcher = vscode.workspace.createFileSystemWatcher('**/*.{csv,tsv,jsonl,parquet,gz}');
  context.subscriptions.push(dataWatcher);

  let restarts: number[] = [];
  let toldRestart = false;
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'scaling' },
      { scheme: 'untitled', language: 'scaling' },
    ],
    synchronize: { fileEvents: dataWatcher, configurationSection: 'scalingStudio' },
    // Workspace trust: untrusted, the server reads data files only inside the workspace folders.
    // A function, so a restarted server gets the trust of that moment.
    initializationOptions: () => ({ workspaceTrusted: vscode.workspace.isTrusted }),
    outputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    errorHandler: {
      error: () => ({ action: ErrorAction.Continue, handled: true }),
      closed: () => {
        const now = Date.now();
        restarts = restarts.filter((t) => now - t < 3 * 60_000);
        restarts.push(now);
        status.serverRestarted();
        if (restarts.length > 5) {
          void vscode.window
            .showErrorMessage(
              'The Scaling Studio server stopped 5 times in 3 minutes and will not be restarted.',
              'Show Log',
              'Restart',
            )
            .then((a) => {
              if (a === 'Show Log') output.show(true);
              if (a === 'Restart') void vscode.commands.executeCommand(Commands.restartServer);
            });
          return { action: CloseAction.DoNotRestart, handled: true };
        }
        if (!toldRestart) {
          toldRestart = true;
          void vscode.window
            .showWarningMessage('The Scaling Studio server stopped unexpectedly and was restarted.', 'Show Log')
            .then((a) => {
              if (a) output.show(true);
            });
        }
        log('[client] the server stopped; restarting it');
        return { action: CloseAction.Restart, handled: true };
      },
    },
  };
  client = new LanguageClient('scalingStudio', 'Scaling Studio', serverOptions, clientOptions);

  const plots = new PlotPanels(context.extensionUri, {
    request: async (uri) => (await running())?.sendRequest(PlotRequest, { uri }) ?? null,
    log,
  });
  context.subscriptions.push(plots, vscode.window.registerWebviewPanelSerializer(PLOT_VIEW_TYPE, plots.serializer()));

  const wire = (c: LanguageClient) => {
    context.subscriptions.push(
      c.onNotification(FitStateNotification, (p: FitStateParams) => {
        status.update(p);
        plots.fitted(p.uri);
      }),
    );
  };

  async function running(): Promise<LanguageClient | undefined> {
    if (!client) return undefined;
    if (client.state === State.Starting) {
      await new Promise<void>((resolve) => {
        const d = client!.onDidChangeState((e) => {
          if (e.newState !== State.Starting) {
            d.dispose();
            resolve();
          }
        });
      });
    }
    return client.state === State.Running ? client : undefined;
  }

  /** The study a command is about: an explicit URI (code lens, menu) or the active scaling editor. */
  function studyUri(arg?: unknown): string | undefined {
    if (typeof arg === 'string') return arg;
    if (arg instanceof vscode.Uri) return arg.toString();
    const editor = vscode.window.activeTextEditor;
    if (editor?.document.languageId === 'scaling') return editor.document.uri.toString();
    const visible = vscode.window.visibleTextEditors.find((e) => e.document.languageId === 'scaling');
    return visible?.document.uri.toString();
  }

  async function fit(uri: string, law?: string): Promise<FitResponse | undefined> {
    const c = await running();
    if (!c) return undefined;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
    if (!doc) await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: law ? `Fitting ${law}` : 'Fitting study', cancellable: true },
      async (_p, token) => {
        token.onCancellationRequested(() => void c.sendNotification(CancelFitNotification, { uri }));
        const r = await c.sendRequest(FitRequest, { uri, law });
        if (r.state === 'failed') {
          void vscode.window
            .showWarningMessage(`Scaling Studio: fit failed: ${r.message ?? 'see the log'}`, 'Show Log')
            .then((a) => {
              if (a) output.show(true);
            });
        }
        return r;
      },
    );
  }

  const register = (id: string, fn: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await fn(...args);
        } catch (e) {
          log(`[error] ${id}: ${(e as Error)?.stack ?? e}`);
          void vscode.window.showErrorMessage(`Scaling Studio: ${(e as Error)?.message ?? e}`);
          return undefined;
        }
      }),
    );

  register(Commands.fitStudy, async (arg) => {
    const uri = studyUri(arg);
    if (!uri) return void vscode.window.showInformationMessage('Open a .scaling study to fit it.');
    return fit(uri);
  });

  register(Commands.fitLawAtCursor, async (arg, lawArg) => {
    const uri = studyUri(arg);
    if (!uri) return void vscode.window.showInformationMessage('Open a .scaling study to fit a law.');
    let law = typeof lawArg === 'string' ? lawArg : undefined;
    if (!law) {
      const editor = vscode.window.activeTextEditor;
      const c = await running();
      if (editor && c && editor.document.uri.toString() === uri) {
        const position = editor.selection.active;
        law =
          (await c.sendRequest(LawAtRequest, {
            uri,
            position: { line: position.line, character: position.character },
          })) ?? undefined;
      }
    }
    if (!law) return void vscode.window.showInformationMessage('Put the cursor inside a law to fit it.');
    return fit(uri, law);
  });

  register(Commands.showPlot, async (arg, view) => {
    const uri = studyUri(arg);
    if (!uri) return void vscode.window.showInformationMessage('Open a .scaling study to plot it.');
    // A `plot` statement's lens passes the view it asks for; the palette and the law lens don't.
    plots.show(uri, isViewState(view) ? view : undefined);
    return true;
  });

  register(Commands.exportReport, async (arg) => {
    const uri = studyUri(arg);
    if (!uri) return void vscode.window.showInformationMessage('Open a .scaling study to export its report.');
    const c = await running();
    if (!c) return undefined;
    let report = await c.sendRequest(ReportRequest, { uri });
    if (!report) {
      await fit(uri);
      report = await c.sendRequest(ReportRequest, { uri });
    }
    if (!report)
      return void vscode.window.showWarningMessage('Scaling Studio: the study has no fit results to report.');
    const study = vscode.Uri.parse(uri);
    let target: vscode.Uri | undefined;
    if (study.scheme === 'file') {
      const base = path.basename(study.fsPath).replace(/\.scaling$/, '');
      target = vscode.Uri.file(path.join(path.dirname(study.fsPath), `${base}.report.md`));
    } else {
      target = await vscode.window.showSaveDialog({ filters: { Markdown: ['md'] }, saveLabel: 'Export report' });
    }
    if (!target) return undefined;
    const html = report.html ? target.with({ path: target.path.replace(/\.md$/, '.html') }) : undefined;
    const targets = html ? [target, html] : [target];
    const replace = await mayOverwrite(
      targets.map((t) => t.toString()),
      (t) => exists(vscode.Uri.parse(t)),
      async (question) => (await vscode.window.showWarningMessage(question, { modal: true }, 'Replace')) === 'Replace',
    );
    if (!replace) return undefined;
    await vscode.workspace.fs.writeFile(target, Buffer.from(report.markdown, 'utf8'));
    if (html && report.html) await vscode.workspace.fs.writeFile(html, Buffer.from(report.html, 'utf8'));
    // The report as read, not its source: the Markdown preview beside the study; the HTML (with the
    // interactive plots) one click away in the browser.
    await vscode.commands.executeCommand('markdown.showPreviewToSide', target).then(undefined, () =>
      // no Markdown preview (the built-in extension disabled): the source, as before
      vscode.window.showTextDocument(target, { viewColumn: vscode.ViewColumn.Beside, preview: true }),
    );
    const name = path.basename(target.fsPath || target.path);
    const actions = html ? ['Open HTML', 'Show Markdown Source'] : ['Show Markdown Source'];
    void vscode.window
      .showInformationMessage(`Saved ${name}${html ? ' and its HTML' : ''}`, ...actions)
      .then((pick) => {
        if (pick === 'Open HTML' && html) void vscode.env.openExternal(html);
        if (pick === 'Show Markdown Source') void vscode.window.showTextDocument(target, { preview: true });
      });
    return target.toString();
  });

  register(Commands.restartServer, async () => {
    if (!client) return;
    log('[client] restarting the server');
    toldRestart = false;
    restarts = [];
    status.serverRestarted();
    await client.restart();
  });

  register(Commands.newStudyFromCsv, async (arg) => {
    let data = arg instanceof vscode.Uri ? arg : undefined;
    if (!data) {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        filters: { 'Run data': ['csv', 'tsv', 'jsonl', 'parquet', 'gz'] },
        openLabel: 'Create study',
        defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      });
      data = picked?.[0];
    }
    if (!data || data.scheme !== 'file') return undefined;
    const dir = path.dirname(data.fsPath);
    const base = path.basename(data.fsPath).replace(/\.[^.]+$/, '');
    let studyPath = path.join(dir, `${base}.scaling`);
    for (let i = 2; await exists(vscode.Uri.file(studyPath)); i++) studyPath = path.join(dir, `${base}-${i}.scaling`);
    const c = await running();
    if (!c) return undefined;
    const r = await c.sendRequest(ScaffoldRequest, { dataPath: data.fsPath, studyPath });
    const target = vscode.Uri.file(studyPath);
    await vscode.workspace.fs.writeFile(target, Buffer.from(r.text, 'utf8'));
    await vscode.window.showTextDocument(target);
    return target.toString();
  });

  register(Commands.cancelFit, async (arg) => {
    const c = await running();
    if (!c) return;
    const uri = typeof arg === 'string' || arg instanceof vscode.Uri ? studyUri(arg) : undefined;
    await c.sendNotification(CancelFitNotification, uri ? { uri } : {});
  });

  register(Commands.showLog, () => output.show(true));

  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(async () => {
      const c = await running();
      await c?.sendNotification(WorkspaceTrustNotification, { trusted: true });
    }),
  );

  await client.start();
  wire(client);
  return { client: () => client, fitState: (uri) => status.state(uri) };
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
