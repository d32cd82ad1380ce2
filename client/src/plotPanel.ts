// The plot panel beside the editor: the webview team's host page (strict CSP, nonce, bundle from
// dist/ only), a `ready` handshake, then `update` messages; it follows its study, re-posting on each
// new fit (debounced), and a serializer brings it back after a reload.
import * as vscode from 'vscode';
import type { PlotResponse } from '../../protocol/lsp';
import type { PlotModel } from '../../protocol/plot';
import { isPersistedState, isWebviewMessage, makeNonce, webviewHtml, type ViewState } from '../../protocol/webview';

export const PLOT_VIEW_TYPE = 'scalingStudio.plot';

interface PlotHost {
  request(uri: string): Promise<PlotResponse | null>;
  log(message: string): void;
}

export class PlotPanels implements vscode.Disposable {
  private readonly panels = new Map<string, PlotPanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly host: PlotHost,
  ) {}

  show(uri: string, view?: ViewState): PlotPanel {
    const existing = this.panels.get(uri);
    if (existing) {
      existing.panel.reveal(vscode.ViewColumn.Beside, true);
      if (view) existing.showView(view);
      existing.refresh();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      PLOT_VIEW_TYPE,
      this.title(uri),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      this.options(),
    );
    return this.adopt(panel, uri, view);
  }

  options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist')] };
  }

  adopt(panel: vscode.WebviewPanel, uri: string, view: ViewState | undefined): PlotPanel {
    panel.webview.options = this.options();
    const p = new PlotPanel(panel, uri, this.extensionUri, this.host, view);
    this.panels.set(uri, p);
    panel.onDidDispose(() => {
      if (this.panels.get(uri) === p) this.panels.delete(uri);
    });
    return p;
  }

  /** A new fit result for a document: its panel re-posts (debounced). */
  fitted(uri: string): void {
    this.panels.get(uri)?.refreshSoon();
  }

  serializer(): vscode.WebviewPanelSerializer {
    return {
      deserializeWebviewPanel: async (panel, state) => {
        if (!isPersistedState(state)) {
          panel.dispose();
          return;
        }
        const p = this.adopt(panel, state.uri, state.state);
        p.restoreFrom(state.model, state.version);
      },
    };
  }

  private title(uri: string): string {
    const name = decodeURIComponent(uri.split('/').pop() ?? 'study');
    return `Plot: ${name}`;
  }

  dispose(): void {
    for (const p of this.panels.values()) p.panel.dispose();
    this.panels.clear();
  }
}

/** The default export file: `<study>-<view>.<ext>` beside a study on disk (none for an unsaved one). */
export function exportName(studyUri: string, view: string, ext: string): vscode.Uri | undefined {
  const study = vscode.Uri.parse(studyUri);
  if (study.scheme !== 'file') return undefined;
  const base = (study.path.split('/').pop() ?? 'study').replace(/\.scaling$/, '');
  return vscode.Uri.joinPath(study, '..', `${base}-${view}.${ext}`);
}

/** The banner over curves that are not current (the fit state, docs/editor.md). */
function banner(s: PlotResponse['state']): { banner?: string } {
  switch (s?.state) {
    case undefined:
    case 'fitted':
      return {};
    case 'refitting':
    case 'fitting':
      return { banner: 'refitting… the curves are from the last fit' };
    case 'stale':
      return { banner: `data changed: curves from the last good fit${s.message ? ` (${s.message})` : ''}` };
    case 'cancelled':
      return { banner: 'fit cancelled: curves from the last fit' };
    case 'failed':
      return { banner: `the fit failed${s.message ? ` (${s.message})` : ''}: curves from the last good fit` };
  }
}

class PlotPanel {
  private ready = false;
  private timer: NodeJS.Timeout | undefined;
  private last: { version: number; model: PlotModel; banner?: string } | undefined;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly uri: string,
    extensionUri: vscode.Uri,
    private readonly host: PlotHost,
    private view: ViewState | undefined,
  ) {
    const webview = panel.webview;
    const scriptUri = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js')).toString();
    webview.html = webviewHtml({ cspSource: webview.cspSource, nonce: makeNonce(), scriptUri, title: panel.title });
    webview.onDidReceiveMessage((m: unknown) => void this.receive(m));
    panel.onDidDispose(() => this.timer && clearTimeout(this.timer));
  }

  /** After a reload: show the persisted model until a fresh one arrives. */
  restoreFrom(model: PlotModel, version: number): void {
    this.last = { version, model };
    this.refreshSoon();
  }

  /** Switch to a view a `plot` statement asked for. */
  showView(view: ViewState): void {
    this.view = view;
    this.post();
  }

  refreshSoon(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh();
    }, 250);
  }

  refresh(): void {
    this.host.request(this.uri).then(
      (r) => {
        if (!r) return;
        if (this.last && r.version < this.last.version) return; // never go back to an older version
        // Stale: the inputs broke, so the new model may have lost its curves; keep the last good ones, marked.
        const model = r.state?.state === 'stale' && this.last ? this.last.model : (r.model as PlotModel);
        this.last = { version: r.version, model, ...banner(r.state) };
        this.post();
      },
      (e) => this.host.log(`[plot] ${(e as Error)?.message ?? e}`),
    );
  }

  private post(): void {
    if (!this.ready || !this.last) return;
    void this.panel.webview.postMessage({
      type: 'update',
      uri: this.uri,
      version: this.last.version,
      model: this.last.model,
      ...(this.view ? { view: this.view } : {}),
      ...(this.last.banner ? { banner: this.last.banner } : {}),
    });
  }

  /** Which colours the PNG gets: the setting, or the user's pick when it says `ask` (undefined: cancelled). */
  private async pngColours(themed: string, light: string | undefined): Promise<string | undefined> {
    if (!light) return themed;
    const setting = vscode.workspace
      .getConfiguration('scalingStudio', vscode.Uri.parse(this.uri))
      .get<string>('plot.exportTheme', 'ask');
    if (setting === 'light') return light;
    if (setting === 'theme') return themed;
    const pick = await vscode.window.showQuickPick(
      [
        { label: 'Light background', description: 'for papers and slides', dataUrl: light },
        { label: 'Current colour theme', description: 'as the panel shows it', dataUrl: themed },
      ],
      { title: 'Export plot as PNG (2× resolution)', placeHolder: 'Colours of the exported image' },
    );
    return pick?.dataUrl;
  }

  /** Save dialog with a default name beside the study (study-view.ext), then "Saved — Open". */
  private async save(data: Uint8Array, view: string, ext: string, kind: string, saveLabel: string): Promise<void> {
    const target = await vscode.window.showSaveDialog({
      defaultUri: exportName(this.uri, view, ext),
      filters: { [kind]: [ext] },
      saveLabel,
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, data);
    const name = target.path.split('/').pop() ?? target.path;
    void vscode.window.showInformationMessage(`Saved ${name}`, 'Open').then((pick) => {
      if (pick === 'Open') void vscode.commands.executeCommand('vscode.open', target);
    });
  }

  private async receive(m: unknown): Promise<void> {
    if (!isWebviewMessage(m)) {
      this.host.log('[plot] ignored an invalid message from the webview');
      return;
    }
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.post();
        this.refresh();
        break;
      case 'state':
        if (m.uri === this.uri) this.view = m.state;
        break;
      case 'error':
        this.host.log(`[plot] webview: ${m.message}`);
        break;
      case 'exportPng': {
        const dataUrl = await this.pngColours(m.dataUrl, m.lightDataUrl);
        if (!dataUrl) break;
        const data = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
        await this.save(data, m.view, 'png', 'PNG', 'Export plot');
        break;
      }
      case 'exportCsv':
        await this.save(Buffer.from(m.csv, 'utf8'), m.view, 'csv', 'CSV', 'Export data');
        break;
    }
  }
}
