// `compare` as the editor, the CLI and the report show it, from stand-in results (the handlers
// only read StudyResults): the table with the best law marked, the verdict, the criterion.
import assert from 'node:assert/strict';
import type { Analysis } from '../../../server/src/core/study';
import type { ComparisonResult, StudyResults } from '../../../server/src/core/results';
import { hover } from '../../../server/src/lsp/hover';
import { inlayHints } from '../../../server/src/lsp/inlayHints';
import { codeLenses } from '../../../server/src/lsp/codeLens';
import { buildMarkdownReport } from '../../../server/src/present/reportMarkdown';
import { formatResultsTable } from '../../../server/src/present/resultsTable';
import { combine, fitKeys, planFit } from '../../../server/src/lsp/incremental';
import { analyzeText, STUDY_TEXT } from '../lsp/helpers';

const extra = `law no_floor: L = A / N^alpha + B / D^beta {
  fit sweep, pilot
  holdout N >= 5B
}
compare floors: chinchilla, no_floor cv by N
`;

const comparison: ComparisonResult = {
  name: 'floors',
  criterion: 'cv',
  cv: { by: 'N', folds: 7 },
  best: 'chinchilla',
  laws: [
    {
      law: 'chinchilla',
      k: 5,
      n: 40,
      objective: { kind: 'huber', delta: 1e-3, space: 'log' },
      log_likelihood: 95.3,
      aic: -178.6,
      bic: -168.2,
      holdout: { mape: 0.009, rmse_log: 0.0113 },
      cv: 0.0099,
    },
    {
      law: 'no_floor',
      k: 4,
      n: 40,
      objective: { kind: 'huber', delta: 1e-3, space: 'log' },
      log_likelihood: 63.18,
      aic: -116.4,
      bic: -107.7,
      holdout: null,
      cv: 0.0248,
    },
  ],
};

function standIn(a: Analysis): StudyResults {
  assert.equal(a.model.comparisons!.length, 1, JSON.stringify(a.diagnostics.map((d) => d.message)));
  return {
    study: null,
    laws: [],
    isoflops: [],
    predictions: [],
    optima: [],
    comparisons: [comparison],
    diagnostics: [],
  };
}

const header = '| law | k | n | objective | ln L | AIC | BIC | hold-out MAPE | hold-out RMSE(log) | CV RMSE(log) |';
const best = '| chinchilla ★ | 5 | 40 | huber(0.001) on log | 95.3 | -178.6 | -168.2 | 0.90% | 0.0113 | 0.0099 |';
const other = '| no_floor | 4 | 40 | huber(0.001) on log | 63.18 | -116.4 | -107.7 | — | — | 0.0248 |';
const verdict = 'best by CV, leave one N out (7 groups): chinchilla (CV RMSE(log) 0.0099 vs 0.0248 for no_floor)';

describe('compare: hover, inlay hint, CLI table and report', () => {
  let a: Analysis;
  let text: string;
  before(async () => {
    text = `${STUDY_TEXT.trimEnd()}\n${extra}`;
    a = await analyzeText(text);
  });

  it('hover shows the table with the best law marked and the verdict; the inlay hint the verdict', () => {
    const results = standIn(a);
    const h = hover(a, results, text.indexOf('compare floors') + 2);
    const plain = (h?.contents as { value: string }).value.replace(/\\(.)/g, '$1');
    const lines = plain.split('\n');
    assert.equal(lines[0], '**compare** `chinchilla`, `no_floor` (floors)');
    assert.deepEqual(lines.slice(2, 6), [header, '|:---|---:|---:|:---|---:|---:|---:|---:|---:|---:|', best, other]);
    assert.ok(lines.includes(verdict), plain);
    const hints = inlayHints(a, results).map((x) => x.label as string);
    assert.ok(hints.includes(`→ ${verdict}`), JSON.stringify(hints));
    // The code lens above the line: the verdict, fitting the study when clicked.
    const line = a.lines.position(text.indexOf('compare floors')).line;
    const lenses = codeLenses(a, 'file:///s.scaling', results).filter((l) => l.range.start.line === line);
    assert.deepEqual(
      lenses.map((l) => [l.command?.title, l.command?.arguments]),
      [
        [`★ ${verdict}`, ['file:///s.scaling']],
        ['Report', ['file:///s.scaling']],
      ],
    );
    const unfitted = codeLenses(a, 'file:///s.scaling', { ...results, comparisons: [] });
    assert.equal(
      unfitted.find((l) => l.range.start.line === line)?.command?.title,
      'Compare: fit chinchilla, no_floor',
    );
  });

  it('without results the hover says the laws are not fitted yet', () => {
    const h = hover(a, { ...standIn(a), comparisons: [] }, text.indexOf('compare floors') + 2);
    assert.doesNotMatch((h?.contents as { value: string }).value, /★/);
  });

  it('the CLI table and the report carry the same cells', () => {
    const results = standIn(a);
    const table = formatResultsTable(results, 'study.scaling');
    assert.match(table, /compare floors: chinchilla, no_floor\n/);
    assert.match(table, /\n {2}chinchilla ★ {2}5 {2}40 {2}huber\(0\.001\) on log {3}95\.3 {2}-178\.6 {2}-168\.2 /);
    assert.ok(table.includes(`  ${verdict}\n`), table);
    const report = buildMarkdownReport(a, results).replace(/\\(.)/g, '$1');
    const i = report.indexOf('## Comparison floors: chinchilla, no_floor');
    assert.ok(i > 0, report);
    assert.deepEqual(report.slice(i).split('\n').slice(2, 5), [
      header,
      '|---|---:|---:|---|---:|---:|---:|---:|---:|---:|',
      best,
    ]);
    assert.ok(report.includes(`- ${verdict}`));
  });
});

describe('compare in the editor: the laws refit together, the result is carried while none changes', () => {
  it('a change to one compared law replans both; a comment edit keeps the comparison', async () => {
    const text = `${STUDY_TEXT.trimEnd()}\n${extra}`;
    const a = await analyzeText(text);
    const keys = fitKeys(a);
    const first = combine(a, 1, keys, undefined, {
      results: { ...standIn(a), laws: [] },
      fitDiagnostics: [],
      laws: [...keys.laws.keys()],
      isoflops: [],
    });
    assert.deepEqual(first.results.comparisons, [comparison]);
    const comment = await analyzeText(text.replace('// A law: a named', '// A law (edited): a named'));
    const kept = combine(comment, 2, fitKeys(comment), first);
    assert.deepEqual(kept.results.comparisons, [comparison]);
    const edited = await analyzeText(
      text.replace('  holdout N >= 5B\n}\ncompare', '  holdout N >= 5B\n  objective squares on log\n}\ncompare'),
    );
    const plan = planFit(first, fitKeys(edited));
    assert.deepEqual(plan.laws.sort(), ['chinchilla', 'no_floor']);
    assert.deepEqual(combine(edited, 3, fitKeys(edited), first).results.comparisons, []);
  });
});
