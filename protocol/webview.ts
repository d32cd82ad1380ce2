// Messages between the extension (plot panel) and the chart webview, and the panel's host HTML.
// Every message carries the document it is about (uri + version), so a stale one can be recognised and dropped.

import { isPlotModel, PLOT_VIEWS, type PlotModel, type PlotView } from './plot';

/** What the webview shows; persisted with the panel and sent back to the extension on every change. */
export interface ViewState {
  view: PlotView;
  /** x variable of the fit view (N, D, C ...). */
  x?: string;
  /** x of the residuals view: 'fitted' or a variable. */
  residualX?: string;
}

// extension → webview
interface UpdateMessage {
  type: 'update';
  uri: string;
  version: number;
  model: PlotModel;
  view?: ViewState;
  /** Shown above the charts when the curves are not current ("refitting…", "data changed: …"). */
  banner?: string;
}
/** The colour theme changed: re-read the --vscode-* variables. */
interface ThemeMessage {
  type: 'theme';
  uri: string;
  version: number;
}
export type ExtensionMessage = UpdateMessage | ThemeMessage;

// webview → extension
/** The webview is ready for an update; uri/version of the state it restored, if any. */
interface ReadyMessage {
  type: 'ready';
  uri: string | null;
  version: number | null;
}
interface ExportPngMessage {
  type: 'exportPng';
  uri: string;
  version: number;
  view: PlotView;
  /** At 2×, in the current theme. */
  dataUrl: string;
  /** At 2×, on a light background (for papers); the extension picks one (scalingStudio.plot.exportTheme). */
  lightDataUrl?: string;
}
interface ExportCsvMessage {
  type: 'exportCsv';
  uri: string;
  version: number;
  view: PlotView;
  csv: string;
}
interface ErrorMessage {
  type: 'error';
  uri: string | null;
  version: number | null;
  message: string;
}
interface StateMessage {
  type: 'state';
  uri: string;
  version: number;
  state: ViewState;
}
export type WebviewMessage = ReadyMessage | ExportPngMessage | ExportCsvMessage | ErrorMessage | StateMessage;

/** What the webview stores with vscode.setState (a panel serializer gets it back in deserializeWebviewPanel). */
export interface PersistedState {
  uri: string;
  version: number;
  state: ViewState;
  model: PlotModel;
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isVersion = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
const isUri = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length < 4096;
const hasOnly = (x: Obj, keys: string[]) => Object.keys(x).every((k) => keys.includes(k));

function isPlotView(x: unknown): x is PlotView {
  return typeof x === 'string' && (PLOT_VIEWS as readonly string[]).includes(x);
}

export function isViewState(x: unknown): x is ViewState {
  if (!isObj(x) || !hasOnly(x, ['view', 'x', 'residualX']) || !isPlotView(x.view)) return false;
  if (x.x !== undefined && typeof x.x !== 'string') return false;
  return x.residualX === undefined || typeof x.residualX === 'string';
}

export function isExtensionMessage(x: unknown): x is ExtensionMessage {
  if (!isObj(x) || !isUri(x.uri) || !isVersion(x.version)) return false;
  switch (x.type) {
    case 'update':
      return (
        hasOnly(x, ['type', 'uri', 'version', 'model', 'view', 'banner']) &&
        (x.view === undefined || isViewState(x.view)) &&
        (x.banner === undefined || (typeof x.banner === 'string' && x.banner.length <= 1000)) &&
        isPlotModel(x.model)
      );
    case 'theme':
      return hasOnly(x, ['type', 'uri', 'version']);
    default:
      return false;
  }
}

const DATA_URL_PNG = /^data:image\/png;base64,[A-Za-z0-9+/=]*$/;

export function isWebviewMessage(x: unknown): x is WebviewMessage {
  if (!isObj(x)) return false;
  switch (x.type) {
    case 'ready':
      return (
        hasOnly(x, ['type', 'uri', 'version']) &&
        (x.uri === null || isUri(x.uri)) &&
        (x.version === null || isVersion(x.version))
      );
    case 'error':
      return (
        hasOnly(x, ['type', 'uri', 'version', 'message']) &&
        (x.uri === null || isUri(x.uri)) &&
        (x.version === null || isVersion(x.version)) &&
        typeof x.message === 'string'
      );
    case 'exportPng':
      return (
        hasOnly(x, ['type', 'uri', 'version', 'view', 'dataUrl', 'lightDataUrl']) &&
        isUri(x.uri) &&
        isVersion(x.version) &&
        isPlotView(x.view) &&
        typeof x.dataUrl === 'string' &&
        DATA_URL_PNG.test(x.dataUrl) &&
        (x.lightDataUrl === undefined || (typeof x.lightDataUrl === 'string' && DATA_URL_PNG.test(x.lightDataUrl)))
      );
    case 'exportCsv':
      return (
        hasOnly(x, ['type', 'uri', 'version', 'view', 'csv']) &&
        isUri(x.uri) &&
        isVersion(x.version) &&
        isPlotView(x.view) &&
        typeof x.csv === 'string'
      );
    case 'state':
      return (
        hasOnly(x, ['type', 'uri', 'version', 'state']) && isUri(x.uri) && isVersion(x.version) && isViewState(x.state)
      );
    default:
      return false;
  }
}

export function isPersistedState(x: unknown): x is PersistedState {
  return isObj(x) && isUri(x.uri) && isVersion(x.version) && isViewState(x.state) && isPlotModel(x.model);
}

// ---------------------------------------------------------------------------------------------------------------
// Host HTML

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Escapes a double-quoted attribute value that may keep its single quotes (a CSP). */
export function escapeAttr(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A CSP nonce: 32 random base64url characters. */
export function makeNonce(): string {
  const bytes = new Uint8Array(24);
  globalThis.crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=/g, '');
}

/** The webview's own stylesheet; inlined in a nonce'd <style> unless the host serves it as cssUri. */
export const WEBVIEW_CSS = `
:root { color-scheme: light dark; }
body { margin: 0; padding: 8px 12px; color: var(--vscode-editor-foreground, #333); background: var(--vscode-editor-background, #fff);
  font-family: var(--vscode-font-family, system-ui, sans-serif); font-size: var(--vscode-font-size, 13px); }
.toolbar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-bottom: 8px; }
.toolbar label { display: inline-flex; gap: 4px; align-items: center; }
.toolbar select, .toolbar button { font: inherit; color: var(--vscode-dropdown-foreground, inherit);
  background: var(--vscode-dropdown-background, transparent); border: 1px solid var(--vscode-dropdown-border, #8888); padding: 2px 6px; }
.toolbar button { color: var(--vscode-button-secondaryForeground, inherit); background: var(--vscode-button-secondaryBackground, transparent); cursor: pointer; }
.toolbar button:hover { background: var(--vscode-button-secondaryHoverBackground, #8883); }
.toolbar .spacer { flex: 1; }
[hidden] { display: none !important; }
#status { opacity: 0.7; font-size: 0.9em; margin: 0 0 0 8px; }
#error { color: var(--vscode-errorForeground, #c00); white-space: pre-wrap; }
#error:empty { display: none; }
#banner { padding: 4px 8px; margin: 4px 0; border-left: 3px solid var(--vscode-editorWarning-foreground, #b80); background: var(--vscode-inputValidation-warningBackground, #fff4d6); }
#banner:empty { display: none; }
#banner.stale ~ #views { opacity: 0.6; }
.view-title { font-size: 1.1em; font-weight: 600; margin: 16px 0 4px; }
.chart-box { position: relative; height: 420px; min-width: 0; }
.mode-panel .chart-box { height: max(320px, calc(100vh - 64px)); }
.chart-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 8px; }
.chart-grid .chart-box { height: 220px; }
.note { opacity: 0.75; margin: 4px 0; }
table.params { border-collapse: collapse; margin: 8px 0 16px; }
table.params th, table.params td { border: 1px solid var(--vscode-editorWidget-border, #8884); padding: 2px 8px; text-align: right; }
table.params th:first-child, table.params td:first-child { text-align: left; }
`;

interface WebviewHtmlOptions {
  /** webview.cspSource */
  cspSource: string;
  nonce: string;
  /** webview.asWebviewUri(<ext>/dist/webview.js).toString() */
  scriptUri: string;
  /** Optional stylesheet URI; without it the stylesheet is inlined with the nonce. */
  cssUri?: string;
  title?: string;
}

/** Content-Security-Policy for the panel: nothing but our nonce'd script/style and images from the webview or data:. */
function webviewCsp(cspSource: string, nonce: string): string {
  return [
    `default-src 'none'`,
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

/** The plot panel's HTML: `panel.webview.html = webviewHtml({ cspSource: webview.cspSource, nonce: makeNonce(), scriptUri })`. */
export function webviewHtml(o: WebviewHtmlOptions): string {
  const nonce = escapeHtml(o.nonce);
  const style = o.cssUri
    ? `<link rel="stylesheet" href="${escapeHtml(o.cssUri)}">`
    : `<style nonce="${nonce}">${WEBVIEW_CSS}</style>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(webviewCsp(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(o.title ?? 'Scaling plots')}</title>
${style}
</head>
<body>
<div id="app"><p id="status">loading</p></div>
<script nonce="${nonce}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>
`;
}
