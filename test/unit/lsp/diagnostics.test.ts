import * as path from 'node:path';
import { NodeHost } from '../../../server/src/host/nodeHost';
import * as assert from 'node:assert/strict';
import { DiagnosticSeverity } from 'vscode-languageserver';
import { documentDiagnostics, SOURCE, toLspDiagnostic } from '../../../server/src/lsp/diagnostics';
import { LineIndex } from '../../../server/src/core/syntax/lineIndex';
import { diagnostic } from '../../../server/src/core/diagnostics';
import { DocumentStore } from '../../../server/src/lsp/documents';
import { formatDocument } from '../../../server/src/lsp/formatting';
import { normalizeSettings } from '../../../server/src/lsp/settings';
import { format } from '../../../server/src/core/syntax/formatter';
import { analyzeText, STUDY_TEXT, STUDY_URI } from './helpers';

describe('lsp diagnostics', () => {
  it('maps ranges, codes, source and severities', async () => {
    const text = STUDY_TEXT.replace('predict chinchilla at', 'predict chinchila at');
    const a = await analyzeText(text);
    const ds = documentDiagnostics(a.diagnostics, a.lines);
    const unknown = ds.find((d) => d.code === 'scaling.unknown-name');
    assert.ok(unknown, JSON.stringify(ds.map((d) => d.code)));
    assert.equal(unknown.source, SOURCE);
    assert.equal(unknown.severity, DiagnosticSeverity.Error);
    const line = text.split('\n').findIndex((l) => l.startsWith('predict chinchila'));
    assert.deepEqual(unknown.range, { start: { line, character: 8 }, end: { line, character: 17 } });
    const hint = ds.find((d) => d.code === 'scaling.checklist-objective');
    assert.equal(hint?.severity, DiagnosticSeverity.Hint);
  });

  for (const [from, to] of [
    ['fit sweep, pilot', 'fit sweep,, pilot'],
    ['6 * N * D', '6 * * N * D'],
    ['N = 70B, D', 'N = 70B,, D'],
    ['alpha in [0, 3]', 'alpha in [0 3]'],
  ]) {
    it(`reports one error for the typo '${to}' (no cascades)`, async () => {
      const store = new DocumentStore(new NodeHost());
      const text = STUDY_TEXT.replace(from, to);
      const a = (await store.get({ uri: STUDY_URI, version: 1, getText: () => text })).analysis;
      const errors = a.diagnostics.filter((d) => d.severity === 'error');
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.equal(errors[0].code, 'scaling.syntax');
    });
  }

  it('links a data error to its file and line as related information (a click opens the CSV at the row)', () => {
    const d = diagnostic(
      'error',
      'scaling.non-numeric',
      "'runs.csv' line 7: column 'loss' has 'x'",
      {
        start: 0,
        end: 4,
      },
      { file: { path: '/m/runs.csv', line: 7 } },
    );
    const out = toLspDiagnostic(d, new LineIndex('loss\n'));
    assert.deepEqual(out.relatedInformation, [
      {
        location: {
          uri: 'file:///m/runs.csv',
          range: { start: { line: 6, character: 0 }, end: { line: 6, character: 0 } },
        },
        message: 'runs.csv line 7',
      },
    ]);
    assert.equal(toLspDiagnostic({ ...d, file: undefined }, new LineIndex('loss\n')).relatedInformation, undefined);
  });

  it('applies the per-code severity setting, including off', async () => {
    const settings = normalizeSettings({
      diagnostics: {
        severity: { 'scaling.extrapolation': 'information', 'checklist-holdout': 'off', 'scaling.bogus': 'nonsense' },
      },
    });
    assert.deepEqual(settings.severities, { 'scaling.extrapolation': 'info', 'scaling.checklist-holdout': 'off' });
    const store = new DocumentStore(new NodeHost());
    const doc = { uri: STUDY_URI, version: 1, getText: () => STUDY_TEXT };
    const before = (await store.get(doc)).analysis.diagnostics;
    const extrapolations = (ds: typeof before) =>
      ds.filter((d) => d.code === 'scaling.extrapolation').map((d) => [d.severity, d.range, d.message]);
    const warned = extrapolations(before);
    // The predict (N and its compute C beyond the fitted runs) and the optimize (C beyond them) extrapolate.
    assert.deepEqual(
      warned.map(([severity, , message]) => [severity, String(message).split(':')[0]]),
      [
        ['warning', 'predict'],
        ['warning', 'predict'],
        ['warning', 'optimize'],
      ],
    );
    store.setSettings(settings);
    const after = (await store.get(doc)).analysis;
    // The same diagnostics, same places and messages, only at the configured severity.
    assert.deepEqual(
      extrapolations(after.diagnostics),
      warned.map(([, range, message]) => ['info', range, message]),
    );
    assert.ok(!after.diagnostics.some((d) => d.code === 'scaling.checklist-holdout'));
    const lsp = documentDiagnostics(after.diagnostics, after.lines);
    assert.ok(
      lsp.filter((d) => d.code === 'scaling.extrapolation').every((d) => d.severity === DiagnosticSeverity.Information),
    );
  });

  it('ignores malformed settings', async () => {
    assert.deepEqual(normalizeSettings(null).severities, {});
    assert.deepEqual(normalizeSettings({ diagnostics: { severity: 'error' } }).severities, {});
    assert.equal(normalizeSettings({ fit: { debounceMs: -5 } }).fitDebounceMs, 400);
  });

  it('analyses each document version once and drops analyses when data changes', async () => {
    const store = new DocumentStore(new NodeHost());
    const doc = { uri: STUDY_URI, version: 3, getText: () => STUDY_TEXT };
    const a1 = await store.get(doc);
    const a2 = await store.get(doc);
    assert.equal(a1, a2);
    assert.equal(store.analyses, 1);
    await store.get({ ...doc, version: 4 });
    assert.equal(store.analyses, 2);
    store.dataChanged();
    await store.get({ ...doc, version: 4 });
    assert.equal(store.analyses, 3);
    assert.ok(store.usesFile(STUDY_URI, path.join(path.dirname(STUDY_URI.slice(7)), 'runs/sweep.csv')));
    assert.ok(!store.usesFile(STUDY_URI, path.join(path.dirname(STUDY_URI.slice(7)), 'runs/other.csv')));
  });

  // vscode-languageserver's TextDocuments updates a document object in place on each edit.
  it('labels an analysis with the version it analysed, though the document moves on meanwhile', async () => {
    const store = new DocumentStore(new NodeHost());
    const doc = { uri: STUDY_URI, version: 1, text: STUDY_TEXT, getText: () => doc.text };
    const pending = store.get(doc);
    doc.version = 2;
    doc.text = STUDY_TEXT.replace('N = 70B', 'N = 71B');
    const state = await pending;
    assert.equal(state.version, 1);
    assert.equal(state.analysis.text, STUDY_TEXT);
  });
});

describe('lsp formatting', () => {
  it('returns one whole-document edit with the formatter output', async () => {
    const messy = STUDY_TEXT.replace('  fit sweep, pilot', 'fit   sweep ,pilot');
    const a = await analyzeText(messy);
    const edits = formatDocument(a, { tabSize: 2, insertSpaces: true });
    assert.equal(edits.length, 1);
    assert.deepEqual(edits[0].range.start, { line: 0, character: 0 });
    assert.equal(edits[0].newText, format(messy));
  });

  it('returns no edit for a formatted document', async () => {
    const formatted = format(STUDY_TEXT);
    assert.deepEqual(formatDocument(await analyzeText(formatted)), []);
  });
});
