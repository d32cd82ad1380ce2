// Missing values (issue 10.4): empty cells, NA, NaN, null and JSON null are missing, not errors. A
// row a `where` drops, or one a law leaves out, never errs about its other cells; a row missing a
// value a law needs is left out with one warning; comparisons with a missing value are false; and
// `check` (analyze) and `fit` report the same thing.
import assert from 'node:assert/strict';
import { catalogue } from '../../../server/src/core/laws';
import { isMissingCell, numericColumn, parseTable, type RawTable } from '../../../server/src/core/data/loader';
import { analyze, type Analysis } from '../../../server/src/core/study';
import type { Diagnostic } from '../../../server/src/core/diagnostics';
import { runFit } from '../../../server/src/fitRunner';
import { memoryLoader } from '../hosts';
import { codeActions, fieldsOf } from '../../../server/src/lsp/codeActions';
import { toLspDiagnostic } from '../../../server/src/lsp/diagnostics';

const studyPath = '/m/study.scaling';

/** Rows of L = 10 N^-0.1 (exact), N from 1e6 to 1e9, as CSV lines `N,D,L,note`. */
function rows(n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const N = 10 ** (6 + (3 * i) / (n - 1));
    return `${N},${2 * N},${10 * N ** -0.1},ok`;
  });
}

async function study(csv: string, extra = '', law = 'law k: L = A * N^(-a) {\n  fit d\n}\n'): Promise<Analysis> {
  const { loader } = memoryLoader({ '/m/runs.csv': csv });
  const text = `dataset d = csv("runs.csv") {\n  N: n\n  D: d\n  L: loss\n${extra}}\n${law}`;
  return analyze(text, { loader, studyPath, catalogue });
}

const codes = (ds: readonly Diagnostic[]) =>
  ds.filter((d) => d.severity !== 'info' && d.severity !== 'hint').map((d) => d.code);
const errors = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === 'error');

describe('missing values (issue 10.4)', function () {
  this.timeout(30_000);

  it('empty, NA, NaN, null (any case, padded) are missing; other text is not', () => {
    for (const cell of ['', '  ', 'NA', 'na', ' NaN ', 'nan', 'null', 'NULL']) assert.ok(isMissingCell(cell), cell);
    for (const cell of ['0', 'n/a?', 'none', 'nil', 'NAN1', 'x'.repeat(1000)]) assert.ok(!isMissingCell(cell), cell);
  });

  it('a numeric column: missing cells are NaN and not bad; text is bad', () => {
    const r = parseTable('/t.csv', 'x,y\n1,0\n,0\nNA,0\nnull,0\nabc,0\n2,0\n', 'csv');
    assert.ok(r.ok);
    const col = numericColumn((r as { table: RawTable }).table, 0);
    assert.deepEqual(col.badRows, [4]);
    assert.equal(col.badRow, 4);
    assert.deepEqual(
      [...col.values].map((v) => (Number.isNaN(v) ? 'NaN' : v)),
      [1, 'NaN', 'NaN', 'NaN', 'NaN', 2],
    );
  });

  it('JSON null is missing', async () => {
    const lines = rows(10).map((l) => {
      const [N, D, L] = l.split(',');
      return JSON.stringify({ n: Number(N), d: Number(D), loss: Number(L) });
    });
    lines[3] = JSON.stringify({ n: null, d: 1, loss: 2 });
    const { loader } = memoryLoader({ '/m/runs.jsonl': lines.join('\n') });
    const a = await analyze(
      'dataset d = jsonl("runs.jsonl") {\n  N: n\n  L: loss\n}\nlaw k: L = A * N^(-a) {\n  fit d\n}\n',
      {
        loader,
        studyPath,
        catalogue,
      },
    );
    assert.deepEqual(codes(a.diagnostics), ['scaling.missing-value']);
    assert.match(a.diagnostics[0].message, /^1 row\(s\) miss a value .* \('runs\.jsonl' line 4\)$/);
  });

  it('rows missing a needed value: one warning with the count and the first rows; check and fit agree', async () => {
    const lines = rows(20);
    // Data lines 3, 5, 7, 9, 11 (file lines 4, 6, …): N missing four ways, L missing once.
    lines[2] = lines[2].replace(/^[^,]*/, '');
    lines[4] = lines[4].replace(/^[^,]*/, 'NA');
    lines[6] = lines[6].replace(/^[^,]*/, 'NaN');
    lines[8] = lines[8].replace(/^[^,]*/, 'null');
    lines[10] = lines[10].replace(/,[^,]*,ok$/, ',,ok');
    const a = await study(['n,d,loss,note', ...lines].join('\n'));
    // The log of N is taken (N^-a): a missing N is not also "needs positive values".
    assert.deepEqual(codes(a.diagnostics), ['scaling.missing-value']);
    assert.match(
      a.diagnostics[0].message,
      /^5 row\(s\) miss a value of N, L and are left out of law 'k' \('runs\.csv' line 4; 'runs\.csv' line 6; 'runs\.csv' line 8; …\)$/,
    );
    assert.equal(a.diagnostics[0].severity, 'warning');
    const fit = await runFit(a, studyPath, { workers: 1 });
    assert.equal(fit.hasError, false);
    assert.deepEqual(codes(fit.diagnostics), codes(a.diagnostics), 'fit adds nothing about the same rows');
    const law = fit.results.laws[0];
    assert.deepEqual(law.points, { fit: 15, holdout: 0, dropped: 5 });
    // Exact data: the exponent comes back to optimizer precision.
    assert.ok(Math.abs(law.params.a - 0.1) < 1e-6, JSON.stringify(law.params));
  });

  it('a bad cell in a row `where` drops, or in a column the law does not read, is no error', async () => {
    const lines = rows(12);
    lines[1] = lines[1].replace(/,ok$/, ',x').replace(/^([^,]*),([^,]*),([^,]*)/, '$1,$2,oops'); // dropped by where
    lines[2] = lines[2].replace(/^([^,]*),([^,]*)/, '$1,garbage'); // D: the law does not read it
    const csv = ['n,d,loss,note', ...lines].join('\n');
    const a = await study(csv, '  where note == "ok"\n');
    assert.deepEqual(codes(a.diagnostics), []);
    const fit = await runFit(a, studyPath, { workers: 1 });
    assert.deepEqual(codes(fit.diagnostics), []);
    assert.equal(fit.results.laws[0].points.fit, 11);
  });

  it('a bad cell in a row missing another needed value is left out with it, not an error', async () => {
    const lines = rows(12);
    lines[3] = `,1,oops,ok`;
    const a = await study(['n,d,loss,note', ...lines].join('\n'));
    assert.deepEqual(codes(a.diagnostics), ['scaling.missing-value']);
  });

  it('a bad cell the law needs is an error at the column mapping, naming the line; check and fit agree', async () => {
    const lines = rows(12);
    lines[5] = lines[5].replace(/^([^,]*),([^,]*),([^,]*)/, '$1,$2,3.2x');
    const a = await study(['n,d,loss,note', ...lines].join('\n'));
    assert.deepEqual(codes(a.diagnostics), ['scaling.non-numeric']);
    const d = a.diagnostics[0];
    assert.match(d.message, /^'runs\.csv' line 7: column 'loss' has '3\.2x', not a number$/);
    assert.equal(a.text.slice(d.range.start, d.range.end), 'loss');
    // The file and line ride along, so the editor links the diagnostic to the CSV row (issue 18.4).
    assert.deepEqual(d.file, { path: '/m/runs.csv', line: 7 });
    const fit = await runFit(a, studyPath, { workers: 1 });
    assert.equal(fit.hasError, true);
    assert.deepEqual(
      errors(fit.diagnostics).map((x) => x.code),
      ['scaling.non-numeric'],
    );
  });

  it('a bad cell offers "treat as missing": the fix empties it in the CSV, and the row is then left out with a warning', async () => {
    const lines = rows(12);
    lines[5] = lines[5].replace(/^([^,]*),([^,]*),([^,]*)/, '$1,$2,"3.2x"');
    const csv = ['n,d,loss,note', ...lines].join('\n');
    const a = await study(csv);
    const lsp = a.diagnostics.filter((d) => d.code === 'scaling.non-numeric').map((d) => toLspDiagnostic(d, a.lines));
    const read = (uri: string) => (uri === 'file:///m/runs.csv' ? csv : undefined);
    const [fix] = codeActions(a, 'file:///m/study.scaling', lsp, read);
    assert.equal(fix?.title, "Treat '3.2x' as missing (empty the cell in runs.csv line 7)");
    const [edit] = fix.edit!.changes!['file:///m/runs.csv'];
    const csvLines = csv.split('\n');
    const row = csvLines[edit.range.start.line];
    assert.equal(row.slice(edit.range.start.character, edit.range.end.character), '"3.2x"');
    csvLines[edit.range.start.line] = row.slice(0, edit.range.start.character) + row.slice(edit.range.end.character);
    const fixed = await study(csvLines.join('\n'));
    assert.deepEqual(codes(fixed.diagnostics), ['scaling.missing-value']);
    // A file that changed since (the cell no longer reads '3.2x'): no fix is offered.
    assert.deepEqual(
      codeActions(a, 'file:///m/study.scaling', lsp, () => csvLines.join('\n')),
      [],
    );
    // Without a reader (or for an unreadable file): none either.
    assert.deepEqual(codeActions(a, 'file:///m/study.scaling', lsp), []);
  });

  it('fieldsOf splits a CSV line with quotes and gives each field its character range', () => {
    assert.deepEqual(fieldsOf('a,"b,""c""",,d', ','), [
      { value: 'a', start: 0, end: 1 },
      { value: 'b,"c"', start: 2, end: 11 },
      { value: '', start: 12, end: 12 },
      { value: 'd', start: 13, end: 14 },
    ]);
  });

  it('a comparison with a missing value is false: `where N > 0` and `where N != 5` drop such rows silently', async () => {
    const lines = rows(12);
    lines[4] = lines[4].replace(/^[^,]*/, 'NA');
    lines[7] = lines[7].replace(/,ok$/, ',');
    for (const cond of ['N > 0', 'N != 5', 'note != "bad"']) {
      const a = await study(['n,d,loss,note', ...lines].join('\n'), `  where ${cond}\n`);
      const missingN = cond.startsWith('N');
      assert.deepEqual(codes(a.diagnostics), missingN ? [] : ['scaling.missing-value'], cond);
      const k = a.model.laws[0];
      // N > 0 / N != 5 drop the NA row; note != "bad" drops the row whose note is empty.
      assert.equal(k.data.rowCount, 11, cond);
    }
  });

  it('a column of text only (a configuration name) maps to a text variable `where` can compare', async () => {
    const lines = rows(12).map((l, i) => l.replace(/,ok$/, i < 6 ? ',small' : ',big'));
    const { loader } = memoryLoader({ '/m/runs.csv': ['n,d,loss,note', ...lines].join('\n') });
    const text =
      'dataset d = csv("runs.csv") {\n  N: n\n  L: loss\n  cfg: note\n  where cfg == "big"\n}\nlaw k: L = A * N^(-a) {\n  fit d\n}\n';
    const a = await analyze(text, { loader, studyPath, catalogue });
    assert.deepEqual(codes(a.diagnostics), []);
    assert.equal(a.model.laws[0].data.rowCount, 6);
  });
});
