// Issue 11's answers as the editor shows them: hover and inlay hint of a frontier line and of an
// inference-aware optimize line, from stand-in results (the handlers only read StudyResults).
import assert from 'node:assert/strict';
import type { StudyResults } from '../../../server/src/core/results';
import { hover } from '../../../server/src/lsp/hover';
import { inlayHints } from '../../../server/src/lsp/inlayHints';
import { codeLenses } from '../../../server/src/lsp/codeLens';
import type { Analysis } from '../../../server/src/core/study';
import { buildMarkdownReport } from '../../../server/src/present/reportMarkdown';
import { analyzeText, STUDY_TEXT } from '../lsp/helpers';

const extra = `optimize chinchilla for L = 2.0, inference = 2T
frontier chinchilla over C = 1e20..1e22 points 2
`;

/** Stand-in results for the study plus `extra`: every optimum, and the frontier's two points. */
function standIn(a: Analysis): StudyResults {
  return {
    study: null,
    laws: [],
    isoflops: [],
    predictions: [],
    optima: a.model.optima.map((o) => ({
      law: o.law,
      budget: o.budget,
      at: { N: 3e10, D: 1.5e12, C: 2.7e23 },
      value: 2,
      intervals: {},
      ...('inference' in o.budget
        ? { total_compute: 3.9e23, training_only: { at: { N: 6e10, D: 1e12 }, value: 2 } }
        : {}),
    })),
    frontiers: [
      {
        law: 'chinchilla',
        variable: 'C',
        points: [
          { budget: { C: 1e20 }, at: { N: 1e9, D: 2e10 }, value: 2.5, intervals: { N: [9e8, 1.1e9] } },
          { budget: { C: 1e22 }, at: { N: 1e10, D: 2e11 }, value: 2.2, intervals: {} },
        ],
      },
    ],
    diagnostics: [],
  };
}

describe('questions: hover, inlay hints and the report', () => {
  it('warns in the frontier hover when a budget lies far past the fitted compute, as check does', async () => {
    const text = `${STUDY_TEXT.trimEnd()}\n${extra.replace('1e22 points 2', '1e30 points 2')}`;
    const a = await analyzeText(text);
    const warned = a.diagnostics.filter((d) => d.code === 'scaling.extrapolation').map((d) => d.message);
    assert.ok(
      warned.some((m) => m.startsWith('frontier: C = 1.000e+30 is ')),
      JSON.stringify(warned),
    );
    const results = standIn(a);
    results.frontiers![0].points[1].budget = { C: 1e30 };
    const md = (hover(a, results, text.indexOf('frontier chinchilla') + 2)?.contents as { value: string }).value;
    assert.match(md, /⚠ extrapolates: C = 1\\\.000e\\\+30 is \d+× above the largest fitted C/);
    // The near end (1e20) is within the runs' compute: one warning, not two.
    assert.equal(md.match(/⚠/g)?.length, 1, md);
  });

  it('shows the frontier table and ends, and inference beside the training-only optimum', async () => {
    const text = `${STUDY_TEXT.trimEnd()}\n${extra}`;
    const a = await analyzeText(text);
    assert.equal(a.model.frontiers.length, 1);
    const results = standIn(a);
    const frontierAt = text.indexOf('frontier chinchilla') + 2;
    const h = hover(a, results, frontierAt);
    const md = (h?.contents as { value: string }).value;
    assert.match(md, /\*\*frontier\*\* `chinchilla` over C = 1\\\.000e\\\+20 … 1\\\.000e\\\+22, 2 log-spaced budgets/);
    // Cells are Markdown-escaped (1\.000e\+20 renders as 1.000e+20); the ratio is named after the
    // study's compute line (C = 6 * N * D: D*/N*).
    assert.ok(md.includes('| C | N\\* | D\\* | D\\*/N\\* | L\\* |'), md);
    assert.ok(
      md.includes('| 1\\.000e\\+20 | 1\\.000e\\+9 \\[9\\.000e\\+8, 1\\.100e\\+9\\] | 2\\.000e\\+10 | 20 | 2\\.5 |'),
      md,
    );
    const optimizeAt = text.indexOf('optimize chinchilla for L') + 2;
    const oh = (hover(a, results, optimizeAt)?.contents as { value: string }).value;
    assert.match(oh, /training \+ inference compute: 3\.900e\+23/);
    assert.match(oh, /inference moves N\\\* ×0\\\.5, D\\\* ×1\\\.5/);
    const hints = inlayHints(a, results).map((x) => x.label as string);
    assert.ok(
      hints.includes('→ N* 1.000e+9 … 1.000e+10, D* 2.000e+10 … 2.000e+11, L* 2.5 … 2.2'),
      JSON.stringify(hints),
    );
    assert.ok(
      hints.some((x) => x.includes('training only: N* = 6.000e+10, D* = 1.000e+12')),
      JSON.stringify(hints),
    );
    // Its code lens opens the Frontier view.
    const line = a.lines.position(text.indexOf('frontier chinchilla')).line;
    const lens = codeLenses(a, 'file:///s.scaling', results).filter((l) => l.range.start.line === line);
    assert.deepEqual(
      lens.map((l) => [l.command?.title, l.command?.arguments]),
      [['Plot', ['file:///s.scaling', { view: 'frontier' }]]],
    );
  });

  it('the report has the inference shift beside the optimum and the frontier as a table', async () => {
    const a = await analyzeText(`${STUDY_TEXT.trimEnd()}\n${extra}`);
    // Unescaped, to read the text as rendered (the report escapes Markdown syntax in cells).
    const plain = buildMarkdownReport(a, standIn(a)).replace(/\\(.)/g, '$1');
    assert.ok(
      plain.includes(
        '- optimize chinchilla for L = 2, inference = 2T: N* = 3.000e+10, D* = 1.500e+12, C* = 2.700e+23, D*/N* = 50, L* = 2; training only: N* = 6.000e+10, D* = 1.000e+12 (inference moves N* ×0.5, D* ×1.5)',
      ),
      plain,
    );
    const i = plain.indexOf('## Frontier of chinchilla over C');
    assert.ok(i > 0, plain);
    assert.deepEqual(plain.slice(i).split('\n').slice(2, 6), [
      '| C | N* | D* | D*/N* | L* |',
      '|---:|---:|---:|---:|---:|',
      '| 1.000e+20 | 1.000e+9 [9.000e+8, 1.100e+9] | 2.000e+10 | 20 | 2.5 |',
      '| 1.000e+22 | 1.000e+10 | 2.000e+11 | 20 | 2.2 |',
    ]);
  });
});
