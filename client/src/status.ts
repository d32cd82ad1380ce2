// The fit status item, one per document state (docs/editor.md): `fitting…`, `refitting…`,
// `fitted in N ms`, `stale` (an error: the results shown no longer match the data), `fit failed`,
// `fit cancelled` — click for the log.
import * as vscode from 'vscode';
import type { FitStateParams } from '../../protocol/lsp';
import { Commands } from '../../protocol/lsp';

export class FitStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('scalingStudio.fit', vscode.StatusBarAlignment.Left, 10);
  private readonly states = new Map<string, FitStateParams>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.item.name = 'Scaling Studio fit';
    this.item.command = Commands.showLog;
    this.disposables.push(vscode.window.onDidChangeActiveTextEditor(() => this.render()));
  }

  update(p: FitStateParams): void {
    this.states.set(p.uri, p);
    this.render();
  }

  /** Whatever is known for a document, for commands and tests. */
  state(uri: string): FitStateParams | undefined {
    return this.states.get(uri);
  }

  anyFitting(): boolean {
    return [...this.states.values()].some((s) => s.state === 'fitting' || s.state === 'refitting');
  }

  serverRestarted(): void {
    for (const [uri, s] of this.states) {
      if (s.state === 'fitting' || s.state === 'refitting') this.states.set(uri, { ...s, state: 'cancelled' });
    }
    this.render();
  }

  private render(): void {
    const editor = vscode.window.activeTextEditor;
    const s =
      editor && editor.document.languageId === 'scaling' ? this.states.get(editor.document.uri.toString()) : undefined;
    void vscode.commands.executeCommand('setContext', 'scalingStudio.fitting', this.anyFitting());
    if (!s) {
      this.item.hide();
      return;
    }
    switch (s.state) {
      case 'fitting':
      case 'refitting':
        this.item.text = `$(sync~spin) ${s.state}…${s.law ? ` ${s.law}` : ''}`;
        this.item.tooltip =
          'Scaling Studio is fitting in the background. Click for the log; run "Scaling Studio: Cancel Fit" to stop.';
        this.item.backgroundColor = undefined;
        break;
      case 'fitted':
        this.item.text = `$(check) fitted${s.ms ? ` in ${s.ms} ms` : ''}`;
        this.item.tooltip = 'Fit results are up to date. Click for the log.';
        this.item.backgroundColor = undefined;
        break;
      case 'stale':
        this.item.text = '$(error) fit stale';
        this.item.tooltip = `The results shown are from the last good fit: ${s.message ?? 'the inputs changed'}. Click for the log.`;
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
      case 'failed':
        this.item.text = '$(error) fit failed';
        this.item.tooltip = `${s.message ?? 'The fit failed'} — click for the log.`;
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
      case 'cancelled':
        this.item.text = '$(circle-slash) fit cancelled';
        this.item.tooltip = 'The fit was cancelled; the last results are shown, marked cancelled. Click for the log.';
        this.item.backgroundColor = undefined;
        break;
    }
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
    this.disposables.forEach((d) => d.dispose());
  }
}
