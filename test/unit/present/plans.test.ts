// A `plan` line's answer as the editor, the CLI and the report show it (issue 12.4): every display
// reads the same PlanResult, so the runs and widths in hover, inlay hint, code lens, report, table
// and plot model are the ones `fit --json` prints.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fitStudy } from '../../../server/src/core/fit';
import { catalogue } from '../../../server/src/core/laws';
import type { PlanResult, StudyResults } from '../../../server/src/core/results';
import { analyze, type Analysis } from '../../../server/src/core/study';
import { codeLenses } from '../../../server/src/lsp/codeLens';
import { hover } from '../../../server/src/lsp/hover';
import { inlayHints } from '../../../server/src/lsp/inlayHints';
import { formatSize, formatValue } from '../../../server/src/present/numbers';
import { HOVER_PLAN_RUNS, planLensTitle, planSummary, widthChange } from '../../../server/src/present/plans';
import { plotModel } from '../../../server/src/present/plotModel';
import { buildMarkdownReport } from '../../../server/src/present/reportMarkdown';
import { formatResultsTable, tableContext } from '../../../server/src/present/resultsTable';
import { isPlotModel } from '../../../protocol/plot';
import { fitView } from '../../../webview/src/views/fit';
import { diskLoader } from '../hosts';

const TEXT = `compute C = 6 * N * D
dataset sweep = csv("runs/sweep.csv") {
  N: params
  D: tokens
  L: loss
}
law chin: chinchilla(N, D) {
  fit sweep
  objective squares on log
  uncertainty asymptotic level 0.9
}
plan chin at N = 70B, D = 1.4T budget 1e18
plan chin for C = 5.76e23 budget 3e21
`;

/** Markdown as read: the backslash escapes of user text and numbers removed. */
const plain = (markdown: string) => markdown.replace(/\\(.)/g, '$1');

let analysis: Analysis;
let results: StudyResults;

describe('plan presentation', function () {
  this.timeout(60_000);

  before(async () => {
    analysis = await analyze(TEXT, {
      loader: diskLoader(),
      studyPath: path.resolve(__dirname, '../../fixtures/plan.scaling'),
      catalogue,
    });
    const fit = await fitStudy(analysis.model);
    results = { study: null, ...fit.results, diagnostics: [] };
  });

  const plan = (k: number): PlanResult => results.plans![k];

  it('hover on the plan line: target, budget, width before → after and the runs as the JSON has them', () => {
    const offset = TEXT.indexOf('plan chin at') + 1;
    const h = hover(analysis, results, offset);
    const text = plain((h?.contents as { value: string }).value);
    const p = plan(0);
    assert.ok(p.runs.length > 0 && p.runs.length <= HOVER_PLAN_RUNS, `${p.runs.length} runs`);
    assert.ok(text.includes('the prediction L at N = 70B, D = 1.4T'), text);
    assert.ok(text.includes(formatValue(p.width_before)) && text.includes(formatValue(p.width_after)), text);
    // Every run's row: its N, D, cost and expected width, in the planner's order.
    for (const [i, r] of p.runs.entries()) {
      const cells = [
        String(i + 1),
        formatSize(r.at.N),
        formatSize(r.at.D),
        formatValue(r.cost),
        formatValue(r.expected_width),
      ];
      assert.ok(text.includes(`| ${cells.join(' | ')} |`), `row ${i + 1}\n${text}`);
    }
  });

  it('a long plan lists the first runs in the hover and says how many more', () => {
    const p = plan(1);
    assert.ok(p.runs.length > HOVER_PLAN_RUNS, `${p.runs.length} runs`);
    const text = (hover(analysis, results, TEXT.indexOf('plan chin for') + 1)?.contents as { value: string }).value;
    assert.match(text, new RegExp(`and ${p.runs.length - HOVER_PLAN_RUNS} more runs`));
  });

  it('inlay hint and code lens: width before → after and the number of runs', () => {
    const hints = inlayHints(analysis, results).map((h) => h.label as string);
    for (const p of results.plans!) assert.ok(hints.includes(`→ ${planSummary(p)}`), JSON.stringify(hints));
    const p = plan(0);
    const pct = Math.round((p.width_after! / p.width_before! - 1) * 100);
    assert.equal(widthChange(p), `−${-pct}%`);
    assert.equal(planLensTitle(p), `Plan: ${p.runs.length} run${p.runs.length === 1 ? '' : 's'}, width −${-pct}%`);
    const lens = codeLenses(analysis, 'file:///x', results).find((l) => l.command?.title === planLensTitle(p));
    assert.ok(lens, 'no plan lens');
    assert.deepEqual(lens.command!.arguments, ['file:///x', 'chin']);
  });

  it('report section and CLI table carry the same numbers', () => {
    const md = plain(buildMarkdownReport(analysis, results, { date: new Date(0) }));
    assert.match(md, /## Plan for chin: the next runs/);
    for (const p of results.plans!) {
      assert.ok(md.includes(planSummary(p)!), 'summary in the report');
      const last = p.runs[p.runs.length - 1];
      assert.ok(md.includes(formatValue(last.expected_width)), 'last run in the report');
    }
    const table = formatResultsTable(results, 'plan.scaling', tableContext(analysis.model));
    for (const p of results.plans!) assert.ok(table.includes(planSummary(p)!), table);
  });

  it('the plot model carries the proposed runs at the law’s current value, and validates', () => {
    const model = plotModel(analysis, results);
    assert.ok(isPlotModel(model));
    const drawn = model.plans!.flatMap((p) => p.runs);
    const all = results.plans!.flatMap((p) => p.runs);
    assert.equal(drawn.length, all.length);
    assert.deepEqual(drawn[0], { at: all[0].at, value: all[0].predicted, cost: all[0].cost });
  });

  it('the fit view draws them over the runs, one "planned runs" entry in the legend', () => {
    const model = plotModel(analysis, results);
    const palette = {
      kind: 'light' as const,
      foreground: '#000000',
      background: '#ffffff',
      grid: '#cccccc',
      series: ['#1a85ff', '#d18616', '#388a34', '#e51400', '#652d90', '#bf8803'],
      font: 'sans-serif',
      fontSize: 12,
      line: 2,
    };
    const [chart] = fitView(model, { view: 'fit', x: 'N' }, palette);
    const planned = chart.datasets.filter((d) => d.role === 'planned');
    assert.equal(planned.length, 1);
    assert.equal(planned[0].label, 'planned runs');
    assert.ok(planned[0].legend);
    const all = results.plans!.flatMap((p) => p.runs);
    assert.deepEqual(
      planned[0].data.map((pt) => [pt.x, pt.y]),
      all.map((r) => [r.at.N, r.predicted]),
    );
  });
});
