// The standalone HTML report: one self-contained file (no network), the chart bundle inlined in a nonce'd script,
// the plot model embedded as JSON. Pure: strings in, a string out. Every piece of user text is escaped.

import type { PlotModel } from '../../../protocol/plot';
import { escapeAttr, escapeHtml, makeNonce, WEBVIEW_CSS } from '../../../protocol/webview';

interface ReportOptions {
  /** CSP nonce; a fresh random one by default. */
  nonce?: string;
  /** When the report was generated, shown under the title. */
  generated?: string;
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

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) {
    const [mantissa, exponent] = v.toExponential(3).split('e');
    return `${withoutTrailingZeros(mantissa)}e${exponent.replace('+', '')}`;
  }
  return String(Number(v.toPrecision(4)));
}

/** '1.200' → '1.2', '1.000' → '1' (a loop, not a regex: see test/unit/hardening/regex.test.ts). */
function withoutTrailingZeros(mantissa: string): string {
  if (!mantissa.includes('.')) return mantissa;
  let end = mantissa.length;
  while (mantissa[end - 1] === '0') end--;
  if (mantissa[end - 1] === '.') end--;
  return mantissa.slice(0, end);
}

function paramsTable(model: PlotModel): string {
  if (model.laws.length === 0) return '';
  const rows = model.laws.flatMap((law) => {
    const names = Object.keys(law.params);
    const lvl = law.level ? ` (${Math.round(law.level * 100)}%)` : '';
    return names.map((p, i) => {
      const iv = law.intervals?.[p];
      const head =
        i === 0
          ? `<td rowspan="${names.length}"><strong>${escapeHtml(law.name)}</strong><br><code>${escapeHtml(law.formula)}</code>${
              law.holdout ? `<br>hold-out MAPE ${escapeHtml(fmt(law.holdout.mape * 100))}%` : ''
            }</td>`
          : '';
      return `<tr>${head}<td>${escapeHtml(p)}</td><td>${escapeHtml(fmt(law.params[p]))}</td><td>${
        iv ? escapeHtml(`[${fmt(iv[0])}, ${fmt(iv[1])}]${lvl}`) : '—'
      }</td></tr>`;
    });
  });
  return `<table class="params"><thead><tr><th>law</th><th>parameter</th><th>value</th><th>interval</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function extrasTable(model: PlotModel): string {
  const rows: string[] = [];
  for (const p of model.predictions) {
    const at = Object.entries(p.at)
      .map(([k, v]) => `${k} = ${fmt(v)}`)
      .join(', ');
    const iv = p.interval ? ` [${fmt(p.interval[0])}, ${fmt(p.interval[1])}]` : '';
    rows.push(
      `<tr><td>predict ${escapeHtml(p.law)}</td><td>${escapeHtml(at)}</td><td>${escapeHtml(`${model.target} = ${fmt(p.value)}${iv}`)}</td></tr>`,
    );
  }
  for (const o of model.optima) {
    const at = Object.entries(o.at)
      .map(
        ([k, v]) =>
          `${k} = ${fmt(v)}${o.intervals[k] ? ` [${fmt(o.intervals[k][0])}, ${fmt(o.intervals[k][1])}]` : ''}`,
      )
      .join(', ');
    rows.push(
      `<tr><td>optimum ${escapeHtml(o.law)}</td><td>${escapeHtml(at)}</td><td>${escapeHtml(`${model.target}* = ${fmt(o.value)}`)}</td></tr>`,
    );
  }
  for (const iso of model.isoflops) {
    for (const f of iso.frontier) {
      rows.push(
        `<tr><td>isoflop ${escapeHtml(iso.name)}</td><td>${escapeHtml(`${f.variable}*(${iso.budgetVar})`)}</td><td>${escapeHtml(
          `${fmt(f.coefficient)} · ${iso.budgetVar}^${fmt(f.exponent)}`,
        )}</td></tr>`,
      );
    }
  }
  if (rows.length === 0) return '';
  return `<table class="params"><thead><tr><th>statement</th><th>at</th><th>result</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
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
@media print { .toolbar button { display: none; } .chart-box { break-inside: avoid; } }
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
  const meta = [model.source ? `from ${model.source}` : '', opts.generated ? `generated ${opts.generated}` : '']
    .filter(Boolean)
    .join(' · ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(title)}</title>
<style nonce="${escapeHtml(nonce)}">${WEBVIEW_CSS}${REPORT_CSS}</style>
</head>
<body>
<header>
<h1 id="report-title">${escapeHtml(title)}</h1>
${meta ? `<p class="meta">${escapeHtml(meta)}</p>` : ''}
</header>
${paramsTable(model)}
${extrasTable(model)}
<div id="app"><p id="status">loading</p></div>
<script type="application/json" id="scaling-model" data-uri="${escapeHtml(model.source ?? 'report')}">${jsonForScript(model)}</script>
<script nonce="${escapeHtml(nonce)}">${scriptForInline(webviewBundleSource)}</script>
</body>
</html>
`;
}
