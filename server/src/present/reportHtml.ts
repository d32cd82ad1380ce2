// The standalone HTML report: one self-contained file (no network), the chart bundle inlined in a nonce'd script,
// the plot model embedded as JSON. Pure: strings in, a string out. Every piece of user text is escaped.

import type { PlotModel } from '../../../protocol/plot';
import { formatInterval, formatValue } from '../../../protocol/numbers';
import type { Block, Inline, ReportDocument } from './reportDocument';
import { escapeAttr, escapeHtml, makeNonce, WEBVIEW_CSS } from '../../../protocol/webview';
import { capPlainLines } from './lineCap';
import { MAX_REPORT_LINE } from './reportMarkdown';

/** User text as HTML, each line capped as the Markdown report caps it (a 100,000-character name stays short). */
function shown(text: string): string {
  return escapeHtml(capPlainLines(text, MAX_REPORT_LINE));
}

interface ReportOptions {
  /** CSP nonce; a fresh random one by default. */
  nonce?: string;
  /** When the report was generated, shown under the title (without a document). */
  generated?: string;
  /** The appendix (reportDocument.ts): its sections around the plots. */
  document?: ReportDocument;
}

/** JSON that is safe inside <script type="application/json">: no `<`, `>`, `&` or line separators survive raw. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Script source that cannot close its <script> element early (`</script` → `<\/script`, equivalent in JS). */
export function scriptForInline(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** Without a report document (the webview's tests): one table row per fitted parameter, from the plot model. */
function paramsTable(model: PlotModel): string {
  const rows = model.laws.flatMap((law) =>
    Object.keys(law.params).map(
      (p) =>
        `<tr><td>${shown(law.name)}</td><td>${shown(p)}</td><td class="num">${escapeHtml(formatValue(law.params[p]))}</td><td>${escapeHtml(formatInterval(law.intervals?.[p]) || '—')}</td></tr>`,
    ),
  );
  if (rows.length === 0) return '';
  return `<table class="params"><thead><tr><th>law</th><th>parameter</th><th class="num">value</th><th>interval</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function inline(parts: Inline): string {
  return parts.map((p) => (typeof p === 'string' ? shown(p) : `<code>${shown(p.code)}</code>`)).join('');
}

/** One block of the report document; `plots` is where the chart app mounts. */
function block(b: Block, app: string): string {
  switch (b.kind) {
    case 'heading':
      return `<h${b.level} id="${escapeAttr(b.id)}">${shown(b.text)}</h${b.level}>`;
    case 'paragraph':
      return `<p>${inline(b.text)}</p>`;
    case 'list':
      return `<ul>${b.items.map((i) => `<li>${inline(i)}</li>`).join('')}</ul>`;
    case 'checklist':
      return `<ul class="checklist">${b.items
        .map(
          (i) =>
            `<li class="${i.ok ? 'ok' : 'missing'}"><span class="mark">${i.ok ? '[x]' : '[ ]'}</span> ${inline(i.text)}${i.ok ? '' : ' <strong>(missing)</strong>'}</li>`,
        )
        .join('')}</ul>`;
    case 'table': {
      const cls = (k: number) => (b.numeric[k] ? ' class="num"' : '');
      return `<table class="params" id="${escapeAttr(b.id)}"><thead><tr>${b.head
        .map((h, k) => `<th${cls(k)}>${shown(h)}</th>`)
        .join('')}</tr></thead><tbody>${b.rows
        .map((r) => `<tr>${r.map((c, k) => `<td${cls(k)}>${inline(c)}</td>`).join('')}</tr>`)
        .join('')}</tbody></table>`;
    }
    case 'source':
      return `<pre id="${escapeAttr(b.id)}" class="source">${shown(b.text)}</pre>`;
    case 'plots':
      return app;
  }
}

const REPORT_CSS = `
:root { --vscode-editor-foreground: #1f2328; --vscode-editor-background: #ffffff; --vscode-charts-blue: #1a85ff;
  --vscode-charts-orange: #d18616; --vscode-charts-green: #388a34; --vscode-charts-red: #e51400;
  --vscode-charts-purple: #652d90; --vscode-charts-yellow: #bf8803; --vscode-font-family: system-ui, -apple-system, "Segoe UI", sans-serif;
  --vscode-font-size: 13px; }
@media (prefers-color-scheme: dark) {
  :root { --vscode-editor-foreground: #cccccc; --vscode-editor-background: #1e1e1e; --vscode-charts-blue: #3794ff;
    --vscode-charts-green: #89d185; --vscode-charts-red: #f14c4c; --vscode-charts-purple: #b180d7; --vscode-charts-yellow: #cca700; }
}
body { max-width: 1100px; margin: 0 auto; padding: 16px 24px; }
h1 { font-size: 1.5em; margin: 8px 0 2px; }
.meta { opacity: 0.7; margin: 0 0 12px; }
table.params th, table.params td { text-align: left; vertical-align: top; }
table.params th.num, table.params td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre.source { border: 1px solid #8884; padding: 8px; overflow-x: auto; font-size: 12px; }
ul.checklist { list-style: none; padding-left: 0; }
ul.checklist li.missing { color: var(--vscode-charts-red); }
h2 { margin-top: 24px; }
@media print { .toolbar button { display: none; } .chart-box { break-inside: avoid; } }
/* The render status is the page's own signal (tests wait on it), not something a reader should see. */
.mode-report #status { display: none; }
`;

/**
 * A self-contained HTML report of `model`: title, a table of the fitted parameters (and predictions, optima, frontier),
 * then every available view. `webviewBundleSource` is the text of dist/webview.js.
 */
export function standaloneReportHtml(
  model: PlotModel,
  title: string,
  webviewBundleSource: string,
  opts: ReportOptions = {},
): string {
  const nonce = opts.nonce ?? makeNonce();
  const csp = [`default-src 'none'`, `script-src 'nonce-${nonce}'`, `style-src 'nonce-${nonce}'`, `img-src data:`].join(
    '; ',
  );
  const app = `<div id="app"><p id="status">loading</p></div>`;
  const meta = [model.source ? `from ${model.source}` : '', opts.generated ? `generated ${opts.generated}` : '']
    .filter(Boolean)
    .join(' · ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${shown(title)}</title>
<style nonce="${escapeHtml(nonce)}">${WEBVIEW_CSS}${REPORT_CSS}</style>
</head>
<body>
<header>
<h1 id="report-title">${shown(title)}</h1>
${opts.document ? opts.document.meta.map((m) => `<p class="meta">${inline(m)}</p>`).join('\n') : meta ? `<p class="meta">${shown(meta)}</p>` : ''}
</header>
${opts.document ? opts.document.blocks.map((b) => block(b, app)).join('\n') : `${paramsTable(model)}\n${app}`}
<script type="application/json" id="scaling-model" data-uri="${escapeHtml(model.source ?? 'report')}">${jsonForScript(model)}</script>
<script nonce="${escapeHtml(nonce)}">${scriptForInline(webviewBundleSource)}</script>
</body>
</html>
`;
}
