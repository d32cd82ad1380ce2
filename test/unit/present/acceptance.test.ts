// Issue 13's acceptance: one study through every display — hover, inlay hints, code lenses, the CLI
// table, the JSON, the Markdown and HTML reports and the webview's plot model (formatted with the
// webview's own functions) — and each number is the same string wherever it is shown.
import assert from 'node:assert/strict';
import type { StudyResults } from '../../../server/src/core/results';
import type { Analysis } from '../../../server/src/core/study';
import { codeLenses } from '../../../server/src/lsp/codeLens';
import { hover } from '../../../server/src/lsp/hover';
import { inlayHints } from '../../../server/src/lsp/inlayHints';
import { plotModel } from '../../../server/src/present/plotModel';
import { buildReportDocument } from '../../../server/src/present/reportDocument';
import { standaloneReportHtml } from '../../../server/src/present/reportHtml';
import { buildMarkdownReport } from '../../../server/src/present/reportMarkdown';
import { formatResultsTable, tableContext } from '../../../server/src/present/resultsTable';
import { formatExact } from '../../../protocol/numbers';
import { formatInterval, formatValue } from '../../../webview/src/format';
import { analyzeText, fakeResults, STUDY_TEXT } from '../lsp/helpers';

describe('every number shown one way, everywhere', () => {
  let a: Analysis;
  let results: StudyResults;
  let displays: Record<string, string>;
  before(async () => {
    a = await analyzeText(STUDY_TEXT);
    // Through JSON, as `fit --json` prints it and the client receives it.
    results = JSON.parse(JSON.stringify(fakeResults(a))) as StudyResults;
    const unescape = (s: string) => s.replace(/\\(.)/g, '$1');
    const hoverAt = (needle: string, into: number) =>
      // Markup off (bold, escapes): the numbers are what is compared.
      unescape((hover(a, results, a.text.indexOf(needle) + into)?.contents as { value: string })?.value ?? '').replace(
        /\*\*/g,
        '',
      );
    const html = standaloneReportHtml(plotModel(a, results), 'study', '', {
      nonce: 'n',
      document: buildReportDocument(a, results),
    });
    displays = {
      hover: [hoverAt('law chinchilla:', 5), hoverAt('predict chinchilla', 2), hoverAt('optimize chinchilla', 2)].join(
        '\n',
      ),
      inlay: inlayHints(a, results)
        .map((h) => h.label)
        .join('\n'),
      lens: codeLenses(a, 'file:///s.scaling', results)
        .map((l) => l.command?.title ?? '')
        .join('\n'),
      table: formatResultsTable(results, 's.scaling', tableContext(a.model)),
      markdown: unescape(buildMarkdownReport(a, results)),
      html: html
        .replace(/<script[\s\S]*?<\/script>/g, '')
        .replace(/<[^>]+>/g, '')
        .replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c))),
    };
  });

  const shows = (where: string[], text: string) => {
    for (const w of where) assert.ok(displays[w].includes(text), `${w} does not show '${text}':\n${displays[w]}`);
  };

  it('parameters and their intervals', () => {
    const law = results.laws.find((l) => l.name === 'chinchilla')!;
    for (const [k, v] of Object.entries(law.params)) {
      shows(['hover', 'table', 'markdown', 'html'], formatValue(v));
      shows(['hover', 'table', 'markdown', 'html'], formatInterval(law.intervals![k]));
    }
  });

  it('the objective, with every digit of the JSON', () => {
    const law = results.laws.find((l) => l.name === 'chinchilla')!;
    const json = JSON.stringify(results);
    const exact = formatExact(law.objective.value);
    assert.ok(json.includes(`"value":${exact}`));
    shows(['hover', 'table', 'markdown', 'html'], `huber(0.001) on log = ${exact}`);
  });

  it('predictions, with their two intervals (mean, one new run)', () => {
    const p = results.predictions[0];
    const both = `mean ${formatInterval(p.interval)}; one new run ${formatInterval(p.observation_interval)} (90% bootstrap)`;
    shows(['hover', 'table'], `${formatValue(p.value)} ${both}`);
    // The inlay hint is short: the mean's interval only.
    shows(['inlay'], `${formatValue(p.value)} ${formatInterval(p.interval)}`);
    // The reports put value and intervals in two columns.
    shows(['markdown', 'html'], formatValue(p.value));
    shows(['markdown', 'html'], both);
    // The webview's model carries the same value; formatted by the webview it reads the same.
    const model = plotModel(a, results);
    assert.equal(formatValue(model.predictions[0].value), formatValue(p.value));
  });

  it('optima: N*, D*, the ratio named by the compute line, L*', () => {
    const o = results.optima[0];
    for (const k of Object.keys(o.at)) shows(['hover', 'inlay', 'table', 'markdown', 'html'], `${k}* = `);
    for (const v of Object.values(o.at)) shows(['hover', 'inlay', 'table', 'markdown', 'html'], formatValue(v));
    shows(['hover', 'inlay', 'table', 'markdown', 'html'], `D*/N* = ${formatValue(o.at.D / o.at.N)}`);
    shows(['hover', 'inlay', 'table', 'markdown', 'html'], `L* = ${formatValue(o.value)}`);
  });

  it('fit times and starts', () => {
    const law = results.laws.find((l) => l.name === 'chinchilla')!;
    shows(['hover', 'lens', 'table', 'markdown', 'html'], `${Math.round(law.seconds * 1000)} ms`);
    shows(['hover', 'table', 'markdown', 'html'], `${law.starts.declared} declared, ${law.starts.optimized} optimized`);
  });
});
