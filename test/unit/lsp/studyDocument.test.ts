// A huge study in the editor (issue 15.3): its refused tables' rows are kept aside, so a
// one-character edit neither copies the document nor re-reads the rows. Every version's analysis
// must equal a from-scratch analysis of the whole text; timing lives in bench/huge-edit.mjs.
import * as assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { catalogue } from '../../../server/src/core/laws';
import { analyze, type Analysis } from '../../../server/src/core/study';
import { LineIndex, type Elision } from '../../../server/src/core/syntax/lineIndex';
import { MAX_INLINE_ROWS } from '../../../server/src/core/syntax/parser';
import { documentDiagnostics } from '../../../server/src/lsp/diagnostics';
import { DocumentStore } from '../../../server/src/lsp/documents';
import { FitManager, type FitJob } from '../../../server/src/lsp/fitManager';
import { MAX_WHOLE_DOCUMENT_CHARS, tooLargeFor } from '../../../server/src/lsp/limits';
import { joins, StudyDocument } from '../../../server/src/lsp/studyDocument';
import { documentSymbols, foldingRanges } from '../../../server/src/lsp/symbols';
import { buildReportDocument } from '../../../server/src/present/reportDocument';
import { NodeHost } from '../../../server/src/host/nodeHost';
import { diskLoader } from '../hosts';
import './helpers';

const ROWS_A = MAX_INLINE_ROWS + 10;
const ROWS_B = MAX_INLINE_ROWS + 50;
const rows = (n: number, salt: number) =>
  Array.from({ length: n }, (_, i) => `  ${1 + ((i * salt) % 997)}M  ${(2 + (i % 1000) / 1000).toFixed(3)}`);
const LINES = [
  'study "huge"',
  'runs a {',
  '  N  L',
  ...rows(ROWS_A, 7),
  '}',
  'law l: L = E + A / N^alpha + zz {',
  '  fit a',
  '}',
  '# a comment',
  'runs b {',
  '  N L',
  ...rows(ROWS_B, 13),
  '}',
  'predict l at N = 1e9',
  '',
];
const TEXT = LINES.join('\n');
const ROW_A = 3 + 5_000; // a line of table a's rows
const LAW = LINES.indexOf('law l: L = E + A / N^alpha + zz {');
const ROW_B = LINES.indexOf('runs b {') + 2 + 70_000;

const uri = 'file:///tmp/huge-study/huge.scaling';
const options = { studyPath: '/tmp/huge-study/huge.scaling', loader: diskLoader(), catalogue };

/** What the editor sees of an analysis: diagnostics, symbols and folding ranges, in positions. */
function seen(a: Analysis) {
  return {
    diagnostics: documentDiagnostics(a.diagnostics, a.lines),
    symbols: documentSymbols(a),
    folding: foldingRanges(a),
    lineCount: a.lines.lineCount,
  };
}

type Edit = { line: number; character: number; endCharacter?: number; endLine?: number; text: string };

describe('a huge study keeps its refused rows aside while it is edited (issue 15.3)', function () {
  this.timeout(120_000);

  it('every version analyses as the whole text does, and edits on one line never join the document', async () => {
    assert.ok(TEXT.length > MAX_WHOLE_DOCUMENT_CHARS);
    const store = new DocumentStore(new NodeHost());
    const doc = StudyDocument.create(uri, 'scaling', 1, TEXT);
    const reference = TextDocument.create(uri, 'scaling', 1, TEXT);
    await store.get(doc);
    assert.ok(doc.isSplit, 'the refused rows are kept aside after the first analysis');

    const steps: [string, Edit, { joins: boolean }][] = [
      ['a character in the title, above the tables', { line: 0, character: 8, text: 'x' }, { joins: false }],
      ['a space past the end of the title line', { line: 0, character: 999, text: ' ' }, { joins: false }],
      ['a digit of a row of table a', { line: ROW_A, character: 2, endCharacter: 3, text: '9' }, { joins: false }],
      ['a row of table b becomes a comment', { line: ROW_B, character: 0, text: '#' }, { joins: false }],
      ['a row of table a emptied', { line: ROW_A + 1, character: 0, endCharacter: 99, text: '' }, { joins: false }],
      ['a line break in the law, between the tables', { line: LAW, character: 33, text: '\n  ' }, { joins: false }],
      ['the law fixed', { line: LAW, character: 26, endCharacter: 31, text: '' }, { joins: false }],
      [
        'a character at the start of the line after table a',
        { line: ROW_A + ROWS_A, character: 0, text: ' ' },
        { joins: false },
      ],
      [
        'a new row typed into table b (a line break, then the row)',
        { line: ROW_B, character: 99, text: '\n' },
        { joins: false },
      ],
      ['... then the row', { line: ROW_B + 1, character: 0, text: '  5 6' }, { joins: false }],
      ['a row of table b split in two', { line: ROW_B + 3, character: 5, text: '\n  ' }, { joins: false }],
      [
        'the break typed in table b deleted again',
        { line: ROW_B, character: 99, endLine: ROW_B + 1, endCharacter: 0, text: '' },
        { joins: false },
      ],
      [
        'a row pasted into table a (two lines)',
        { line: ROW_A + 2, character: 3, text: '1\n  7 8\n  9' },
        { joins: false },
      ],
      [
        'a row of table b joined to the one above (its break deleted)',
        { line: ROW_B + 100, character: 99, endLine: ROW_B + 101, endCharacter: 0, text: '' },
        { joins: false },
      ],
      [
        'a row of table b deleted (Delete Line)',
        { line: ROW_B + 99, character: 0, endLine: ROW_B + 100, endCharacter: 0, text: '' },
        { joins: false },
      ],
      [
        'rows of table b deleted across edited ones',
        { line: ROW_B - 1, character: 3, endLine: ROW_B + 20, endCharacter: 4, text: '9' },
        { joins: false },
      ],
      [
        'a row of table b becomes its closing brace',
        { line: ROW_B + 200, character: 0, endCharacter: 1, text: '}' },
        { joins: true },
      ],
    ];
    let version = 1;
    for (const [name, e, expect] of steps) {
      version++;
      const range = {
        start: { line: e.line, character: e.character },
        end: { line: e.endLine ?? e.line, character: e.endCharacter ?? e.character },
      };
      const before = joins.count;
      StudyDocument.update(doc, [{ range, text: e.text }], version);
      TextDocument.update(reference, [{ range, text: e.text }], version);
      const state = await store.get(doc);
      assert.equal(joins.count > before, expect.joins, `${name}: joined ${joins.count - before} times`);
      if (!expect.joins) assert.ok(state.analysis.text.length < 1000, `${name}: the rows are not in the analysed text`);
      const whole = await analyze(reference.getText(), options);
      assert.deepEqual(seen(state.analysis), seen(whole), name);
      assert.equal(doc.getText(), reference.getText(), name);
      assert.equal(doc.lineCount, reference.lineCount, name);
    }
    // The brace joined the document; its analysis split it again.
    assert.ok(doc.isSplit);
    // A report's study text says where the refused rows were left out (in the next version: this one was analysed whole).
    StudyDocument.update(
      doc,
      [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '#' }],
      version + 1,
    );
    const { analysis } = await store.get(doc);
    // Table b ends at that brace now, under the row limit: only table a's rows are kept aside.
    assert.equal(analysis.lines.elisions.length, 1);
    const results = { study: null, laws: [], isoflops: [], predictions: [], optima: [], diagnostics: [] };
    const source = buildReportDocument(analysis, results).blocks.find((b) => b.kind === 'source');
    assert.ok(source && 'text' in source);
    assert.match(String(source.text), /runs a \{\n {2}N {2}L\n {2}# 100,011 rows left out \(refused\)\n\}/);
  });

  it('random edits near and inside the rows kept aside keep the text and the analysis the whole text gives', async () => {
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * n;
    const pick = <T>(xs: T[]) => xs[Math.floor(random(xs.length))];
    const store = new DocumentStore(new NodeHost());
    const doc = StudyDocument.create(uri, 'scaling', 1, TEXT);
    const reference = TextDocument.create(uri, 'scaling', 1, TEXT);
    await store.get(doc);
    for (let version = 2; version < 14; version++) {
      // Around the tables' first and last rows, their braces and headers, or anywhere.
      const edges = [1, 2, 3, 4, ROW_A + ROWS_A - 1, ROW_A + ROWS_A, ROW_B - 70_000, ROW_B + 49, ROW_B + 50];
      const line = Math.max(0, pick(edges) + Math.floor(random(5)) - 2);
      const start = { line, character: Math.floor(random(14)) };
      const end = pick([start, { line: line + Math.floor(random(3)), character: Math.floor(random(14)) }]);
      const text = pick(['', '7', '\n', '  5 6\n', '#', 'x', '\n  8 9', '}']);
      const range =
        end.line < start.line || (end.line === start.line && end.character < start.character)
          ? { start: end, end: start }
          : { start, end };
      StudyDocument.update(doc, [{ range, text }], version);
      TextDocument.update(reference, [{ range, text }], version);
      const name = `v${version}: ${JSON.stringify({ range, text })}`;
      const state = await store.get(doc);
      assert.deepEqual(seen(state.analysis), seen(await analyze(reference.getText(), options)), name);
      assert.equal(doc.getText(), reference.getText(), name);
    }
  });

  it('rows no longer inside a refused table are analysed whole (the table lost its brace)', async () => {
    const store = new DocumentStore(new NodeHost());
    const doc = StudyDocument.create(uri, 'scaling', 1, TEXT);
    await store.get(doc);
    assert.ok(doc.isSplit);
    const range = { start: { line: 1, character: 7 }, end: { line: 1, character: 8 } }; // `runs a {` → `runs a `
    StudyDocument.update(doc, [{ range, text: '' }], 2);
    const reference = TextDocument.create(uri, 'scaling', 1, TEXT);
    TextDocument.update(reference, [{ range, text: '' }], 2);
    const state = await store.get(doc);
    assert.deepEqual(seen(state.analysis), seen(await analyze(reference.getText(), options)));
    assert.equal(doc.getText(), reference.getText());
  });

  it('a fit job carries the elisions: the worker analyses the study the editor analysed', async () => {
    const fitted = `${TEXT}runs c {\n  N L\n  1M 2.5\n  2M 2.4\n  4M 2.3\n  8M 2.2\n}\nlaw m: L = E + A / N^alpha {\n  fit c\n}\n`;
    const store = new DocumentStore(new NodeHost());
    const doc = StudyDocument.create(uri, 'scaling', 1, fitted);
    await store.get(doc);
    StudyDocument.update(
      doc,
      [{ range: { start: { line: 0, character: 8 }, end: { line: 0, character: 8 } }, text: 'x' }],
      2,
    );
    const { analysis } = await store.get(doc);
    assert.equal(analysis.lines.elisions.length, 2);
    const jobs: FitJob[] = [];
    const manager = new FitManager({
      backend: { run: (job) => (jobs.push(job), Promise.resolve({ ok: false, message: 'not fitted here' })) },
      current: () => ({ version: 2, analysis, studyPath: options.studyPath }),
      severities: () => ({}),
      debounceMs: () => 0,
      enabled: () => true,
      onState: () => {},
      onRecord: () => {},
    });
    manager.update(uri, 2, analysis);
    for (let i = 0; i < 200 && jobs.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    manager.dispose();
    assert.ok(jobs[0]?.laws.includes('m'));
    assert.deepEqual(jobs[0].elisions, analysis.lines.elisions);
    const worker = await analyze(jobs[0].text, { ...options, elisions: jobs[0].elisions });
    assert.deepEqual(seen(worker), seen(analysis));
  });

  it('a study that falls under the whole-document limit is joined (formatting must see the whole text)', async () => {
    const comment = `# ${'x'.repeat(500_000)}`;
    const lines = ['runs r {', '  N L', ...rows(MAX_INLINE_ROWS + 10, 3).map((r) => r.slice(0, 6)), '}', comment, ''];
    const text = lines.join('\n');
    assert.ok(text.length > MAX_WHOLE_DOCUMENT_CHARS && text.length - comment.length < MAX_WHOLE_DOCUMENT_CHARS);
    const store = new DocumentStore(new NodeHost());
    const doc = StudyDocument.create(uri, 'scaling', 1, text);
    await store.get(doc);
    assert.ok(doc.isSplit);
    const line = lines.length - 2;
    const range = { start: { line, character: 0 }, end: { line, character: comment.length } };
    StudyDocument.update(doc, [{ range, text: '' }], 2);
    assert.equal(doc.isSplit, false);
    const { analysis } = await store.get(doc);
    assert.equal(analysis.lines.elisions.length, 0);
    assert.equal(tooLargeFor(analysis, 'formatting'), undefined);
  });

  it('a study under the whole-document limit is never split', async () => {
    const small = ['runs r {', '  N L', ...rows(MAX_INLINE_ROWS + 1, 3).map((r) => r.slice(0, 6)), '}', ''].join('\n');
    assert.ok(small.length < MAX_WHOLE_DOCUMENT_CHARS);
    const doc = StudyDocument.create(uri, 'scaling', 1, small);
    await new DocumentStore(new NodeHost()).get(doc);
    assert.equal(doc.isSplit, false);
  });
});

describe('LineIndex with elided lines', () => {
  it('maps offsets and positions as the whole text does, outside the elided lines', () => {
    const whole = 'a\nbb\n  1 2\n  3 4\n\n}\nc\n  5\n  6\n}\n';
    // Left out: "  1 2\n  3 4\n\n" (3 lines, 2 rows) and "  5\n  6\n" (2 lines, 2 rows).
    const cut1 = [whole.indexOf('  1 2'), whole.indexOf('}')];
    const cut2 = [whole.indexOf('  5'), whole.lastIndexOf('}')];
    const text = whole.slice(0, cut1[0]) + whole.slice(cut1[1], cut2[0]) + whole.slice(cut2[1]);
    const elisions: Elision[] = [
      { at: cut1[0], chars: cut1[1] - cut1[0], lines: 3, rows: 2 },
      { at: cut2[0] - (cut1[1] - cut1[0]), chars: cut2[1] - cut2[0], lines: 2, rows: 2 },
    ];
    const split = new LineIndex(text, elisions);
    const full = new LineIndex(whole);
    const toWhole = (o: number) => o + elisions.filter((e) => e.at <= o).reduce((n, e) => n + e.chars, 0);
    for (let o = 0; o <= text.length; o++) {
      assert.deepEqual(split.position(o), full.position(toWhole(o)), `offset ${o}`);
      const p = split.position(o);
      assert.equal(split.offset(p.line, p.character), o, `position ${JSON.stringify(p)}`);
    }
    assert.equal(split.lineCount, full.lineCount);
    // An elided line stands for the offset where its lines were.
    assert.equal(split.offset(3, 1), elisions[0].at);
    assert.equal(split.lineStart(9), elisions[1].at);
  });
});
