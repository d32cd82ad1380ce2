import * as assert from 'node:assert/strict';
import type { StudyResults } from '../../../server/src/core/results';
import { codeActions, insertLine } from '../../../server/src/lsp/codeActions';
import { codeLenses } from '../../../server/src/lsp/codeLens';
import { documentDiagnostics } from '../../../server/src/lsp/diagnostics';
import { hover } from '../../../server/src/lsp/hover';
import { inlayHints } from '../../../server/src/lsp/inlayHints';
import { definition, prepareRename, references, rename, RenameError } from '../../../server/src/lsp/navigation';
import { LEGEND, semanticTokens } from '../../../server/src/lsp/semanticTokens';
import { documentSymbols, foldingRanges } from '../../../server/src/lsp/symbols';
import type { Analysis } from '../../../server/src/core/study';
import { analyzeText, at, CHINCHILLA_ROWS, cursor, fakeResults, STUDY_TEXT, STUDY_URI } from './helpers';

function hoverText(a: Analysis, offset: number, withResults = true): string {
  const h = hover(a, withResults ? fakeResults(a) : undefined, offset);
  assert.ok(h, 'no hover');
  return (h.contents as { value: string }).value;
}

function applyEdits(
  text: string,
  a: Analysis,
  edits: {
    range: { start: { line: number; character: number }; end: { line: number; character: number } };
    newText: string;
  }[],
): string {
  const sorted = [...edits].sort(
    (x, y) =>
      a.lines.offset(y.range.start.line, y.range.start.character) -
      a.lines.offset(x.range.start.line, x.range.start.character),
  );
  for (const e of sorted) {
    const s = a.lines.offset(e.range.start.line, e.range.start.character);
    const t = a.lines.offset(e.range.end.line, e.range.end.character);
    text = text.slice(0, s) + e.newText + text.slice(t);
  }
  return text;
}

describe('lsp hover', () => {
  let a: Analysis;
  let r: StudyResults;
  before(async () => {
    a = await analyzeText(STUDY_TEXT);
    r = fakeResults(a);
  });

  it('on a law: formula, parameters with intervals, objective, runs, hold-out error — the results numbers', async () => {
    const t = hoverText(a, at('law chinchilla:', 5).offset);
    const law = r.laws.find((l) => l.name === 'chinchilla')!;
    assert.match(t, /E \+ A \/ N\^alpha/);
    for (const row of CHINCHILLA_ROWS) assert.ok(t.split('\n').includes(row), `missing row ${row} in\n${t}`);
    assert.match(t, /huber\(0\.001\) on log = 0\.0123456789 /, 'the objective with every digit of the JSON');
    assert.ok(t.includes(`runs: ${law.points.fit} fitted, ${law.points.holdout} held out`), t);
    assert.match(t, /MAPE 1\.23%/);
  });

  it('on a law before any fit says so', async () => {
    assert.match(hoverText(a, at('law chinchilla:', 5).offset, false), /not fitted yet/);
  });

  it('on predict: the value, its two intervals (mean, one new run) and how far it extrapolates', async () => {
    const t = hoverText(a, at('predict chinchilla', 2).offset).replace(/\\(.)/g, '$1');
    // fakeResults: mean [1.9201, 1.9733], one new run [1.9001, 1.9933], at 4 significant digits.
    assert.match(t, /\*\*1\.941\*\* mean \[1\.92, 1\.973\]; one new run \[1\.9, 1\.993\] \(90% bootstrap\)/);
    // The same warning as `check` (scaling.extrapolation): past 10× on N and on the implied C = 6ND.
    assert.match(t, /extrapolates: N = 70B is .*× above the largest fitted N/);
    assert.match(t, /extrapolates: C = 5\.880e\+23 is 196× above the largest fitted C \(3\.001e\+21\)/);
  });

  it('on optimize: N*, D*, D*/N*, L*', async () => {
    const t = hoverText(a, at('optimize chinchilla', 2).offset);
    assert.match(t, /N\* = \*\*6\.700e\+10\*\*/);
    assert.match(t, /D\* = \*\*1\.430e\+12\*\*/);
    assert.match(t, /D\\\*\/N\\\* = 21\.34/);
    assert.match(t, /L\* = \*\*1\.937\*\*/);
  });

  it('on a parameter, in its param line and in the formula: value, interval, bounds', async () => {
    for (const offset of [at('param alpha', 7).offset, at('N^alpha', 3).offset]) {
      const t = hoverText(a, offset);
      assert.ok(t.includes('value: **2.373** [2.136, 2.611] (90% bootstrap)'), t);
      assert.match(t, /bounds: \[0, 3\]/);
    }
  });

  it('on a run row of an inline table: observed, fitted, residual', async () => {
    const t = hoverText(a, at('90M    1.8B', 1).offset);
    assert.match(t, /observed 3\.04, fitted 3\.01, residual \+0\.0304/);
  });

  it('on a catalogue law name: formula and source paper', async () => {
    const t = hoverText(a, at('kaplan_n(N)', 2).offset);
    assert.match(t, /catalogue law/);
    assert.match(t, /Kaplan/);
  });

  it('escapes user text', async () => {
    const text = STUDY_TEXT.replace('study "Chinchilla approach 3"', 'study "<img src=x onerror=alert(1)>"');
    const b = await analyzeText(text);
    const t = hoverText(b, at('law chinchilla:', 5, text).offset);
    assert.ok(!t.includes('<img'));
  });

  it('answers null on white space', async () => {
    assert.equal(hover(a, r, at('\n\n// A law', 1).offset), null);
  });
});

describe('lsp inlay hints and code lenses', () => {
  let a: Analysis;
  before(async () => {
    a = await analyzeText(STUDY_TEXT);
  });
  it('puts `= value [lo, hi]` after predict and the optimum after optimize', async () => {
    const hints = inlayHints(a, fakeResults(a));
    const labels = hints.map((h) => h.label);
    assert.ok(labels.includes('= 1.941 [1.92, 1.973]'), JSON.stringify(labels));
    assert.ok(labels.includes('→ N* = 6.700e+10, D* = 1.430e+12, D*/N* = 21.34, L* = 1.937'), JSON.stringify(labels));
    const predictLine = STUDY_TEXT.split('\n').findIndex((l) => l.startsWith('predict'));
    assert.equal(hints[0].position.line, predictLine);
  });
  it('has no hints before a fit', async () => assert.deepEqual(inlayHints(a, undefined), []));
  it('puts Fit, Plot and Report above each law', async () => {
    const lenses = codeLenses(a, STUDY_URI, undefined);
    const lawLine = STUDY_TEXT.split('\n').findIndex((l) => l.startsWith('law chinchilla'));
    const mine = lenses.filter((l) => l.range.start.line === lawLine).map((l) => l.command?.command);
    assert.deepEqual(mine, ['scalingStudio.fitLawAtCursor', 'scalingStudio.showPlot', 'scalingStudio.exportReport']);
    assert.deepEqual(lenses[0].command?.arguments, [STUDY_URI, 'chinchilla']);
  });
});

describe('lsp plot lenses', () => {
  let a: Analysis;
  before(async () => {
    a = await analyzeText(STUDY_TEXT);
  });
  it('puts Show plot above each plot statement, with its view and x axis', async () => {
    const lenses = codeLenses(a, STUDY_URI, undefined);
    const lines = STUDY_TEXT.split('\n');
    const plotLine = lines.findIndex((l) => l.startsWith('plot chinchilla'));
    const mine = lenses.filter((l) => l.range.start.line === plotLine);
    assert.equal(mine.length, 1);
    assert.equal(mine[0].command?.command, 'scalingStudio.showPlot');
    assert.deepEqual(mine[0].command?.arguments, [STUDY_URI, { view: 'fit', x: 'C' }]);
  });
  it('opens an isoflop on its isoflop view', async () => {
    const b = await analyzeText(STUDY_TEXT + 'plot approach2\n');
    const lines = (STUDY_TEXT + 'plot approach2\n').split('\n');
    const line = lines.findIndex((l) => l.startsWith('plot approach2'));
    const lens = codeLenses(b, STUDY_URI, undefined).find((l) => l.range.start.line === line);
    assert.deepEqual(lens?.command?.arguments, [STUDY_URI, { view: 'isoflop' }]);
  });
});

describe('lsp quick fixes', () => {
  it('inserts a missing checklist line before the closing brace with the block indentation', async () => {
    const text = STUDY_TEXT.replace(
      '  uncertainty bootstrap 1000 seed 7 level 0.9   // or: none, asymptotic; `by COLUMN` resamples whole runs\n',
      '',
    );
    const a = await analyzeText(text);
    const ds = documentDiagnostics(a.diagnostics, a.lines).filter(
      (d) => d.code === 'scaling.checklist-uncertainty' && String(d.message).startsWith('chinchilla'),
    );
    assert.equal(ds.length, 1);
    const actions = codeActions(a, STUDY_URI, ds);
    assert.equal(actions.length, 1);
    const fixed = applyEdits(text, a, actions[0].edit!.changes![STUDY_URI]);
    assert.match(fixed, /\n {2}param beta .*\n {2}uncertainty bootstrap 1000 seed 1 level 0\.9\n\}/);
    const again = await analyzeText(fixed);
    assert.ok(
      !again.diagnostics.some(
        (d) => d.code === 'scaling.checklist-uncertainty' && String(d.message).startsWith('chinchilla'),
      ),
    );
  });

  it('breaks a one-line block to insert', async () => {
    const a = await analyzeText(STUDY_TEXT);
    const d = a.diagnostics.find((x) => x.code === 'scaling.checklist-holdout' && x.message.startsWith('kaplan'))!;
    const edit = insertLine(a, d.data as { insert: string; offset: number });
    const fixed = applyEdits(STUDY_TEXT, a, [edit]);
    assert.match(fixed, /law kaplan: kaplan_n\(N\) \{ fit sweep\n {2}holdout N >= 1B\n\}/);
    assert.equal((await analyzeText(fixed)).diagnostics.filter((x) => x.severity === 'error').length, 0);
  });

  it('adds the compute line at the top (after the study title)', async () => {
    const text = STUDY_TEXT.replace('compute C = 6 * N * D', '');
    const a = await analyzeText(text);
    const edit = insertLine(a, { insert: 'compute C = 6 * N * D', offset: 0 });
    const fixed = applyEdits(text, a, [edit]);
    assert.match(fixed, /study "Chinchilla approach 3"\ncompute C = 6 \* N \* D\n/);
    assert.equal((await analyzeText(fixed)).diagnostics.filter((d) => d.severity === 'error').length, 0);
  });

  it('offers "did you mean" for unknown names and columns', async () => {
    const text = STUDY_TEXT.replace('predict chinchilla at', 'predict chinchila at').replace('L: loss', 'L: los');
    const a = await analyzeText(text);
    const ds = documentDiagnostics(a.diagnostics, a.lines).filter(
      (d) => d.code === 'scaling.unknown-name' || d.code === 'scaling.unknown-column',
    );
    const actions = codeActions(a, STUDY_URI, ds);
    const titles = actions.map((x) => x.title);
    assert.ok(titles.includes("Change to 'chinchilla'"), JSON.stringify(titles));
    assert.ok(titles.includes("Change to 'loss'"), JSON.stringify(titles));
    const preferred = actions.filter((x) => x.isPreferred);
    const fixed = applyEdits(
      text,
      a,
      preferred.flatMap((x) => x.edit!.changes![STUDY_URI]),
    );
    assert.equal((await analyzeText(fixed)).diagnostics.filter((d) => d.severity === 'error').length, 0);
  });

  // Issue 18.4: every diagnostic whose message proposes an edit offers it.
  const fixesFor = async (text: string, code: string) => {
    const a = await analyzeText(text);
    const ds = documentDiagnostics(a.diagnostics, a.lines).filter((d) => d.code === code);
    assert.ok(ds.length > 0, `no ${code} in ${JSON.stringify(a.diagnostics.map((d) => d.code))}`);
    const actions = codeActions(a, STUDY_URI, ds);
    const apply = (i = 0) => applyEdits(text, a, actions[i].edit!.changes![STUDY_URI]);
    return { actions, apply, titles: actions.map((x) => x.title) };
  };
  const errors = async (text: string) =>
    (await analyzeText(text)).diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);

  it('declares the missing compute line an optimize needs', async () => {
    const text = STUDY_TEXT.replace('compute C = 6 * N * D', '');
    const { actions, apply } = await fixesFor(text, 'scaling.no-compute');
    assert.equal(actions[0].title, 'Declare `compute C = 6 * N * D`');
    assert.equal(actions[0].isPreferred, true);
    assert.deepEqual(await errors(apply()), []);
  });

  it('declares a parameter with bounds and a start grid, by its role in the formula', async () => {
    const text = STUDY_TEXT.replace(
      'law kaplan: kaplan_n(N) { fit sweep }',
      'law mine: L = E2 + G / N^gam { fit sweep }',
    );
    const a = await analyzeText(text);
    const ds = documentDiagnostics(a.diagnostics, a.lines).filter((d) => d.code === 'scaling.undeclared-param');
    assert.deepEqual(ds.map((d) => (d.data as { param: string }).param).sort(), ['E2', 'G', 'gam']);
    const actions = codeActions(a, STUDY_URI, ds);
    const fixed = applyEdits(
      text,
      a,
      actions.flatMap((x) => x.edit!.changes![STUDY_URI]),
    );
    assert.match(fixed, /param gam in \[0, 3\] init grid 0\.\.2 by 0\.5/);
    assert.match(fixed, /param G in \(0, inf\) init grid 0\.\.25 by 5 log/);
    const b = await analyzeText(fixed);
    assert.deepEqual(
      b.diagnostics
        .filter((d) => d.severity === 'error' || d.code === 'scaling.undeclared-param')
        .map((d) => d.message),
      [],
    );
  });

  it('maps an unknown column to the unmapped column that means the variable first (loss for L)', async () => {
    // The study's `L: L` after the file's L column was renamed to `loss`: N's `params` is mapped already.
    const text = STUDY_TEXT.replace('L: loss', 'L: L');
    const { titles, apply } = await fixesFor(text, 'scaling.unknown-column');
    assert.equal(titles[0], "Change to 'loss'", JSON.stringify(titles));
    assert.ok(titles.indexOf("Change to 'run'") < titles.indexOf("Change to 'params'"), 'unmapped before mapped');
    assert.deepEqual(await errors(apply()), []);
  });
});

describe('lsp navigation', () => {
  let a: Analysis;
  before(async () => {
    a = await analyzeText(STUDY_TEXT);
  });
  const line = (offset: number) => a.lines.position(offset).line;
  it('goes from a use to the definition of a law, a dataset and a parameter', async () => {
    const lawDecl = line(STUDY_TEXT.indexOf('law chinchilla'));
    assert.equal(definition(a, STUDY_URI, at('predict chinchilla', 10).offset)[0].range.start.line, lawDecl);
    const ds = definition(a, STUDY_URI, at('fit sweep, pilot', 5).offset);
    assert.equal(ds[0].range.start.line, line(STUDY_TEXT.indexOf('dataset sweep')));
    const p = definition(a, STUDY_URI, at('N^alpha', 3).offset);
    assert.equal(p[0].range.start.line, line(STUDY_TEXT.indexOf('param alpha')));
  });
  it('finds every reference of a law', async () => {
    const refs = references(a, STUDY_URI, at('law chinchilla', 6).offset, true);
    assert.equal(refs.length, 4); // declaration, predict, optimize, plot
    assert.equal(references(a, STUDY_URI, at('law chinchilla', 6).offset, false).length, 3);
  });
  it('renames a law, a dataset and a parameter everywhere, and the result still checks', async () => {
    for (const [needle, into, newName, count] of [
      ['law chinchilla', 6, 'hoffmann', 4],
      ['dataset sweep', 10, 'epoch', 4],
      ['runs pilot', 6, 'pilot2', 2],
      ['param beta', 7, 'b', 2],
    ] as const) {
      const edit = rename(a, STUDY_URI, at(needle, into).offset, newName)!;
      const edits = edit.changes![STUDY_URI];
      assert.equal(edits.length, count, `${needle}: ${JSON.stringify(edits)}`);
      const renamed = applyEdits(STUDY_TEXT, a, edits);
      const b = await analyzeText(renamed);
      assert.deepEqual(
        b.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
        [],
        `${needle} → ${newName}`,
      );
    }
  });
  it('refuses bad names, clashes, and catalogue parameters', async () => {
    assert.throws(() => rename(a, STUDY_URI, at('law chinchilla', 6).offset, '1x'), RenameError);
    assert.throws(() => rename(a, STUDY_URI, at('law chinchilla', 6).offset, 'sweep'), RenameError);
    assert.equal(prepareRename(a, at('kaplan_n', 2).offset), null);
  });
});

describe('lsp outline, folding, semantic tokens', () => {
  let a: Analysis;
  before(async () => {
    a = await analyzeText(STUDY_TEXT);
  });
  it('lists the statements with laws and their parameters', async () => {
    const symbols = documentSymbols(a);
    const names = symbols.map((s) => s.name);
    for (const n of ['Chinchilla approach 3', 'C', 'sweep', 'pilot', 'chinchilla', 'kaplan', 'approach2'])
      assert.ok(names.includes(n), n);
    const law = symbols.find((s) => s.name === 'chinchilla')!;
    assert.deepEqual(
      law.children?.map((c) => c.name),
      ['E', 'A', 'B', 'alpha', 'beta'],
    );
  });
  it('folds blocks and comment runs', async () => {
    const folds = foldingRanges(a);
    const lawLine = a.lines.position(STUDY_TEXT.indexOf('law chinchilla')).line;
    assert.ok(folds.some((f) => f.startLine === lawLine && f.endLine > lawLine));
    assert.ok(folds.some((f) => f.kind === 'comment'));
  });
  it('marks laws, datasets, variables, parameters and numbers', async () => {
    const data = semanticTokens(a).data;
    assert.equal(data.length % 5, 0);
    const tokens: { line: number; char: number; len: number; type: string }[] = [];
    let line = 0;
    let char = 0;
    for (let i = 0; i < data.length; i += 5) {
      line += data[i];
      char = data[i] === 0 ? char + data[i + 1] : data[i + 1];
      tokens.push({ line, char, len: data[i + 2], type: LEGEND.tokenTypes[data[i + 3]] });
    }
    const textOf = (t: (typeof tokens)[number]) => STUDY_TEXT.split('\n')[t.line].slice(t.char, t.char + t.len);
    const typed = (type: string) => new Set(tokens.filter((t) => t.type === type).map(textOf));
    assert.ok(typed('function').has('chinchilla'));
    assert.ok(typed('namespace').has('sweep'));
    assert.ok(typed('parameter').has('alpha'));
    assert.ok(typed('variable').has('N'));
    assert.ok(typed('number').has('70B'));
  });
});

describe('lsp robustness', () => {
  it('answers every handler at every offset of damaged documents without throwing', async () => {
    const variants = [
      STUDY_TEXT,
      STUDY_TEXT.slice(0, 900),
      STUDY_TEXT.replace(/\}/g, ''),
      STUDY_TEXT.replace(/law /g, 'law'),
      '{{{ law : = ( [ ..',
      '',
      'law x: L = \u0000 {\n param',
    ];
    for (const text of variants) {
      const a = await analyzeText(text);
      const r = fakeResults(a);
      for (let o = 0; o <= text.length; o += Math.max(1, Math.floor(text.length / 150))) {
        hover(a, r, o);
        definition(a, STUDY_URI, o);
        references(a, STUDY_URI, o, true);
        prepareRename(a, o);
      }
      inlayHints(a, r);
      codeLenses(a, STUDY_URI, r);
      documentSymbols(a);
      foldingRanges(a);
      semanticTokens(a);
      codeActions(a, STUDY_URI, documentDiagnostics(a.diagnostics, a.lines));
    }
    void cursor;
  });
});
