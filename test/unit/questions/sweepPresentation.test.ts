// A sweep as the editor, the CLI and the report show it, from a real fit of noise-free runs: the
// hover's law and group table, the inlay hint, the Plot lens, the CLI table and the Markdown report
// all carry the same numbers (formatted once, in present/sweeps.ts).
import assert from 'node:assert/strict';
import { fitStudy } from '../../../server/src/core/fit';
import type { StudyResults } from '../../../server/src/core/results';
import { codeLenses } from '../../../server/src/lsp/codeLens';
import { completion } from '../../../server/src/lsp/completion';
import { documentSymbols } from '../../../server/src/lsp/symbols';
import { hover } from '../../../server/src/lsp/hover';
import { combine, fitKeys } from '../../../server/src/lsp/incremental';
import { inlayHints } from '../../../server/src/lsp/inlayHints';
import { buildMarkdownReport } from '../../../server/src/present/reportMarkdown';
import { formatResultsTable } from '../../../server/src/present/resultsTable';
import { analyzeText, cursor } from '../lsp/helpers';

function studyText(): string {
  const rows = ['  N lr L'];
  for (const n of [1e8, 1e9, 1e10])
    for (let i = 0; i < 5; i++) {
      const lr = 1e-4 * 10 ** (i / 2);
      rows.push(`  ${n} ${lr} ${2 + 0.05 * (Math.log(lr) - Math.log(0.5 * n ** -0.3)) ** 2}`);
    }
  return `runs grid {\n${rows.join('\n')}\n}\nsweep lr_star {\n  fit grid\n  over lr\n  per N\n  uncertainty asymptotic level 0.9\n}\n`;
}

describe('questions: sweep in hover, inlay hints, lenses, the CLI table and the report', () => {
  it('shows lr*(N) = k · N^a with its intervals and the groups, the same everywhere', async () => {
    const text = studyText();
    const a = await analyzeText(text);
    assert.equal(a.model.sweeps.length, 1);
    const fitted = await fitStudy(a.model);
    const results: StudyResults = { study: null, ...fitted.results, diagnostics: [] };
    const law = results.sweeps![0].law!;
    assert.ok(Math.abs(law.exponent + 0.3) < 1e-3);
    // The one formatted law line: 4 significant digits (present/numbers.ts).
    const line = 'lr*(N) = 0.5 · N^-0.3';

    const h = hover(a, results, text.indexOf('sweep lr_star') + 8);
    const md = (h?.contents as { value: string }).value.replace(/\\(.)/g, '$1');
    assert.ok(md.includes('**sweep** `lr_star`: best lr per N'), md);
    assert.ok(md.includes(line), md);
    assert.match(md, /exponent \[-0\.3, -0\.3\], coefficient \[0\.5, 0\.5\] \(90% asymptotic\)/);
    assert.ok(md.includes('| 1B | 5 | 9.976e-4 | 2 | yes |'), md);

    const hints = inlayHints(a, results);
    assert.equal(hints.length, 1);
    assert.ok(String(hints[0].label).startsWith(`→ ${line}, exponent [`), String(hints[0].label));
    assert.equal(hints[0].position.line, text.split('\n').indexOf('sweep lr_star {'));

    const lens = codeLenses(a, 'file:///s.scaling', results).find((l) => l.command?.title === 'Plot');
    assert.deepEqual(lens?.command?.arguments, ['file:///s.scaling', { view: 'sweep' }]);

    const table = formatResultsTable(results, 's.scaling');
    assert.ok(table.includes(`sweep lr_star: ${line}`), table);
    assert.ok(
      table.includes('  N     runs  lr*       L at minimum  in law\n  100M  5     0.001991  2             yes'),
      table,
    );

    const report = buildMarkdownReport(a, results).replace(/\\(.)/g, '$1');
    assert.ok(report.includes('Sweep lr_star: best lr per N'), report);
    assert.ok(report.includes(line));
  });

  it('no law: the hover and the table say so, and no inlay hint is shown', async () => {
    const text = studyText().replace(/^ {2}10000000000 .*\n/gm, '');
    const a = await analyzeText(text);
    const fitted = await fitStudy(a.model);
    const results: StudyResults = { study: null, ...fitted.results, diagnostics: [] };
    assert.equal(results.sweeps![0].groups.length, 2);
    // Two groups leave no residual freedom for an asymptotic interval, but a law all the same.
    assert.ok(results.sweeps![0].law);
    const one = studyText().replace(/^ {2}(1000000000|10000000000) .*\n/gm, '');
    const b = await analyzeText(one);
    const r2: StudyResults = { study: null, ...(await fitStudy(b.model)).results, diagnostics: [] };
    assert.equal(r2.sweeps![0].law, null);
    const md = (hover(b, r2, one.indexOf('sweep lr_star') + 8)?.contents as { value: string }).value;
    assert.match(md, /no power law/);
    assert.equal(inlayHints(b, r2).length, 0);
    assert.match(formatResultsTable(r2, 's.scaling'), /sweep lr_star: no power law/);
  });

  it('completes the sweep block, lists the sweep in the outline, and `plot SWEEP` opens its view', async () => {
    const labels = async (marked: string) => {
      const { text, offset } = cursor(marked);
      return completion(await analyzeText(text), offset).map((i) => i.label);
    };
    const base = studyText().replace('  uncertainty asymptotic level 0.9\n', '');
    const settings = await labels(base.replace('  per N\n', '  per N\n  |\n'));
    for (const k of ['over', 'per', 'target', 'minimum', 'uncertainty']) assert.ok(settings.includes(k), k);
    assert.deepEqual(await labels(base.replace('  per N\n', '  per N\n  minimum |\n')), ['parabola', 'akima']);
    assert.ok((await labels(base.replace('  per N\n', '  per N\n  minimum parabola |\n'))).includes('window'));

    const text = `${base}plot lr_star\n`;
    const a = await analyzeText(text);
    assert.deepEqual(
      a.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    const lenses = codeLenses(a, 'file:///s.scaling', undefined).filter((l) => l.command?.title === 'Show plot');
    assert.deepEqual(lenses[0].command?.arguments, ['file:///s.scaling', { view: 'sweep' }]);
    const names = documentSymbols(a).map((x) => x.name);
    assert.ok(names.includes('lr_star'), names.join(', '));
    const bad = await analyzeText(`${base}plot lr_star: L vs lr\n`);
    assert.ok(bad.diagnostics.some((d) => d.code === 'scaling.bad-value' && /plotted as it is/.test(d.message)));
  });

  it('the language server computes sweeps for every version, with their diagnostics, without the fit worker', async () => {
    const a = await analyzeText(studyText());
    const first = combine(a, 1, fitKeys(a), undefined);
    assert.equal(first.results.sweeps?.length, 1);
    assert.ok(Math.abs(first.results.sweeps![0].law!.exponent + 0.3) < 1e-3);
    // An edit that leaves one group with two learning rates: the next version says so at the sweep.
    const text = studyText()
      .split('\n')
      .filter((l) => !/^ {2}100000000 0\.(01|001|0001) /.test(l))
      .join('\n');
    const b = await analyzeText(text);
    const second = combine(b, 2, fitKeys(b), first);
    const d = second.fitDiagnostics.filter((x) => x.code === 'scaling.sweep-too-few-values');
    assert.equal(d.length, 1);
    assert.equal(d[0].range.start, text.indexOf('sweep lr_star'));
    assert.equal(second.results.sweeps![0].groups.length, 2);
    // The old version's sweep diagnostics are not carried over: one of each, from this version.
    const third = combine(b, 3, fitKeys(b), second);
    assert.equal(third.fitDiagnostics.filter((x) => x.code === 'scaling.sweep-too-few-values').length, 1);
  });
});
