// Hardening, round two (issue 15): ordinary-looking files that hung, crashed or flooded the server.
// One block per point of the issue; each test failed before its fix. Time bounds here are hang
// guards an order of magnitude above the fixed cost and below the broken one (stated per test).
import * as assert from 'node:assert/strict';
import { NodeHost } from '../../../server/src/host/nodeHost';
import { diskLoader } from '../hosts';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Writable } from 'node:stream';
import { main as cli } from '../../../server/src/cli';
import { catalogue } from '../../../server/src/core/laws';
import { MAX_STARTS } from '../../../server/src/core/semantics/binder';
import { exprToString } from '../../../server/src/core/semantics/evaluate';
import { analyze, toJsonDiagnostic, type Analysis } from '../../../server/src/core/study';
import { format } from '../../../server/src/core/syntax/formatter';
import { MAX_FORMULA_DEPTH, MAX_INLINE_ROWS, parse } from '../../../server/src/core/syntax/parser';
import { closest, MAX_MESSAGE_LENGTH, MAX_SUGGEST_CANDIDATES } from '../../../server/src/core/text';
import { runFit } from '../../../server/src/fitRunner';
import { codeActions } from '../../../server/src/lsp/codeActions';
import { codeLenses } from '../../../server/src/lsp/codeLens';
import { documentDiagnostics } from '../../../server/src/lsp/diagnostics';
import { DocumentStore } from '../../../server/src/lsp/documents';
import { formatDocument } from '../../../server/src/lsp/formatting';
import { hover } from '../../../server/src/lsp/hover';
import { inlayHints } from '../../../server/src/lsp/inlayHints';
import { MAX_WHOLE_DOCUMENT_CHARS, tooLargeFor } from '../../../server/src/lsp/limits';
import { buildMarkdownReport, MAX_REPORT_LINE } from '../../../server/src/present/reportMarkdown';
import { standaloneReportHtml } from '../../../server/src/present/reportHtml';
import { buildReportDocument } from '../../../server/src/present/reportDocument';
import { capLines, MAX_SHOWN_LINE } from '../../../server/src/present/lineCap';
import { fakeResults } from '../lsp/helpers';
import { scaffoldStudy } from '../../../server/src/lsp/scaffold';
import { semanticTokens } from '../../../server/src/lsp/semanticTokens';
import { documentSymbols } from '../../../server/src/lsp/symbols';
import { pathGuard } from '../../../server/src/lsp/trust';
import { plotModel } from '../../../server/src/present/plotModel';
import { escapeControls } from '../../../server/src/terminal';
import { mayOverwrite } from '../../../client/src/overwrite';
import '../lsp/helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scaling-round-two-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function studyIn(
  text: string,
  files: Record<string, string> = {},
): Promise<{ file: string; analysis: Analysis }> {
  const dir = fs.mkdtempSync(path.join(tmp, 's-'));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  const file = path.join(dir, 'study.scaling');
  fs.writeFileSync(file, text);
  return { file, analysis: await analyze(text, { studyPath: file, catalogue, loader: diskLoader() }) };
}

async function timed<T>(fn: () => T | Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function runCli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new Capture();
  const err = new Capture();
  const code = await cli(args, out, err);
  return { code, out: out.text, err: err.text };
}

const RUNS = ['runs r {', '  N   L', '  1   2', '  2   1.5', '  4   1.2', '  8   1.1', '  16  1.05', '  32  1.02', '}'];

/** A law over the inline runs with this formula right-hand side and these clauses. */
function lawStudy(rhs: string, clauses: string[] = ['param alpha in [0, 3] init 0.5']): string {
  return [
    ...RUNS,
    `law l: L = ${rhs} {`,
    '  fit r',
    ...clauses.map((c) => `  ${c}`),
    '}',
    'predict l at N = 64',
    '',
  ].join('\n');
}

describe('hardening round two (issue 15)', function () {
  this.timeout(60_000);

  describe('1. number parsing is linear', () => {
    it('a 2,000,000-digit cell followed by x is one non-numeric diagnostic, at once', async () => {
      // Before: the SI-suffix regex backtracked quadratically (200k digits: 12 s; 2M digits: ~20 min).
      const csv = `params,loss\n1,2\n${'7'.repeat(2_000_000)}x,3\n`;
      const text = 'dataset d = csv("big.csv") {\n  N: params\n  L: loss\n}\n';
      const { value, ms } = await timed(async () => await studyIn(text, { 'big.csv': csv }));
      const bad = value.analysis.diagnostics.filter((d) => d.code === 'scaling.non-numeric');
      assert.equal(bad.length, 1);
      assert.match(bad[0].message, /'big\.csv' line 3: column 'params' has '7777/);
      assert.ok(ms < 5000, `${ms.toFixed(0)} ms (linear: ~100 ms)`);
    });
  });

  describe('3. "did you mean" does bounded work', () => {
    it('100,000-character names: no suggestion is computed and the study checks at once', async () => {
      const long1 = 'a'.repeat(100_000);
      const long2 = 'b'.repeat(100_000);
      assert.equal(closest(long1, [long2, 'a']), undefined);
      // Before: 32 s (a 10^10-cell edit-distance table).
      const text = lawStudy('E + A / N^alpha').replace('law l:', `law ${long1}:`) + `predict ${long2} at N = 5\n`;
      const { value, ms } = await timed(async () => (await studyIn(text)).analysis);
      const unknown = value.diagnostics.find((d) => d.code === 'scaling.unknown-name');
      assert.ok(unknown, 'the unknown law is reported');
      assert.doesNotMatch(unknown.message, /did you mean/);
      assert.ok(ms < 3000, `${ms.toFixed(0)} ms`);
    });

    it(`a long column name checks at once; at most ${MAX_SUGGEST_CANDIDATES} candidates are compared`, async () => {
      const header = ['params', 'loss', 'c'.repeat(100_000)].join(',');
      const text = `dataset d = csv("w.csv") {\n  N: params\n  L: "${'d'.repeat(100_000)}"\n}\n`;
      const { value, ms } = await timed(async () => (await studyIn(text, { 'w.csv': `${header}\n1,2,3\n` })).analysis);
      assert.ok(value.diagnostics.some((d) => d.code === 'scaling.unknown-column'));
      assert.ok(ms < 3000, `${ms.toFixed(0)} ms`);
      // 'zzzz' is one edit from the last candidate, past the cap: it is not found; near the front it is.
      const far = [...Array.from({ length: MAX_SUGGEST_CANDIDATES + 10 }, (_, i) => `q${i}qq`), 'zzzy'];
      assert.equal(closest('zzzz', far), undefined);
      assert.equal(closest('zzzz', ['zzzy', ...far]), 'zzzy');
    });
  });

  describe('4. every formula walk is depth-bounded', () => {
    const sum = (terms: number) => Array.from({ length: terms }, () => 'E / N').join(' + ');

    it('a flat sum of 5,000 terms is one syntax error, in analyze, every handler, the fit and the CLI', async () => {
      const text = lawStudy(sum(5000));
      const { file, analysis } = await studyIn(text);
      const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.equal(errors[0].code, 'scaling.syntax');
      assert.match(errors[0].message, /more than 1000 levels of operators/);
      hover(analysis, undefined, text.indexOf('law l') + 4);
      semanticTokens(analysis);
      formatDocument(analysis);
      documentSymbols(analysis);
      const fitted = await runFit(analysis, file);
      assert.equal(fitted.hasError, true);
      const r = await runCli('check', file);
      assert.equal(r.code, 1, r.err);
      assert.match(r.out, /more than 1000 levels of operators/);
      assert.doesNotMatch(r.out + r.err, /RangeError|internal error/);
    });

    it(`a formula at the cap (${MAX_FORMULA_DEPTH} levels) is printed, fitted, hovered and reported`, async () => {
      // 'E / N' is 2 levels and each '+' one more: n terms are n + 1 levels deep.
      const terms = MAX_FORMULA_DEPTH - 1;
      const text = lawStudy(`${sum(terms - 1)} + A / N^alpha`, ['param alpha in [0, 3] init 0.5', 'objective squares']);
      const { file, analysis } = await studyIn(text);
      const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
      assert.deepEqual(errors, []);
      assert.equal(exprToString(analysis.model.laws[0].formula).split(' + ').length, terms);
      const { results } = await runFit(analysis, file);
      assert.ok(Number.isFinite(results.laws[0].params.alpha), JSON.stringify(results.diagnostics));
      assert.ok(hover(analysis, results, text.indexOf('law l') + 4));
      codeLenses(analysis, 'file:///s.scaling', results);
      inlayHints(analysis, results, { start: 0, end: text.length });
      buildMarkdownReport(analysis, results, { studyFile: 's.scaling', date: new Date(0) });
      plotModel(analysis, results);
    });

    it('the editor publishes a diagnostic even when the analysis throws', async () => {
      const store = new DocumentStore(new NodeHost(), () => tmp);
      store.loader.load = () => {
        throw new RangeError('Maximum call stack size exceeded');
      };
      const state = await store.get({
        uri: pathToFileURL(path.join(tmp, 'x.scaling')).toString(),
        version: 1,
        getText: () => 'dataset d = csv("a.csv")\n',
      });
      const published = documentDiagnostics(state.analysis.diagnostics, state.analysis.lines);
      assert.equal(published.length, 1);
      assert.equal(published[0].code, 'scaling.internal');
      assert.match(String(published[0].message), /RangeError: Maximum call stack/);
      assert.deepEqual(formatDocument(state.analysis), []);
      assert.equal(hover(state.analysis, undefined, 3), null);
    });
  });

  describe('5. the number of starts is capped when the study is bound', () => {
    it('three grids of 10,000 values: an error that says "starts" and gives the product; no fit runs', async () => {
      const grid = 'init grid 0..9999 by 1';
      const text = lawStudy('E + A / N^alpha', [
        `param E in [0, 1e4] ${grid}`,
        `param A in [0, 1e4] ${grid}`,
        `param alpha in [0, 1e4] ${grid}`,
      ]);
      const { file, analysis } = await studyIn(text);
      const d = analysis.diagnostics.find((x) => x.code === 'scaling.too-many-starts');
      assert.ok(d, JSON.stringify(analysis.diagnostics));
      assert.match(
        d.message,
        /1,000,000,000,000 starts \(10000 \(E\) × 10000 \(A\) × 10000 \(alpha\)\); at most 100,000/,
      );
      assert.equal(d.severity, 'error');
      assert.deepEqual(analysis.model.laws, []);
      const { value, ms } = await timed(async () => runFit(analysis, file));
      assert.equal((await value).hasError, true);
      assert.ok(ms < 2000, `${ms.toFixed(0)} ms`);
    });

    it('a grid product at the cap binds; a fixed parameter does not count', async () => {
      const side = Math.floor(Math.sqrt(MAX_STARTS));
      const text = lawStudy('E + A / N^alpha', [
        `param E in [0, 1e4] init grid 1..${side} by 1`,
        `param A in [0, 1e4] init grid 1..${side} by 1`,
        'param alpha = 0.5',
      ]);
      const { analysis } = await studyIn(text);
      assert.ok(!analysis.diagnostics.some((x) => x.code === 'scaling.too-many-starts'));
      assert.equal(analysis.model.laws.length, 1);
    });
  });

  describe('6. an inline runs table over the row limit is refused, its rows unread', () => {
    const table = (rows: number) => {
      const lines = ['runs r {', '  N    L'];
      for (let i = 0; i < rows; i++) lines.push(`  ${i + 1}     ${(2 + (i % 7) / 10).toFixed(2)}`);
      lines.push('}', 'law l: L = E + A / N^alpha {', '  fit r', '}', '');
      return lines.join('\n');
    };

    it(`${MAX_INLINE_ROWS + 1} rows: one error at the table's name saying to move the rows into a CSV`, async () => {
      const text = table(MAX_INLINE_ROWS + 1);
      const parsed = parse(text);
      const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
      assert.equal(errors.length, 1, errors.map((d) => d.message).join('\n'));
      assert.equal(errors[0].range.start, text.indexOf('r {'));
      assert.match(errors[0].message, /'r' has 100,001 rows; inline tables stop at 100,000/);
      assert.match(errors[0].message, /dataset r = csv\("r\.csv"\)/);
      const runs = parsed.file.statements.find((st) => st.kind === 'Runs');
      assert.ok(runs && runs.kind === 'Runs' && runs.rows.length === 0, 'no row is read');
      // The statements after the table still parse: the law is there.
      assert.ok(parsed.file.statements.some((st) => st.kind === 'Law'));
      // The analysis adds nothing about the law that fits it (no "no runs left to fit" cascade).
      const { analysis } = await studyIn(text);
      assert.deepEqual(
        analysis.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning').map((d) => d.code),
        ['scaling.syntax'],
      );
    });

    it(`${MAX_INLINE_ROWS} rows are read as before`, () => {
      const parsed = parse(table(MAX_INLINE_ROWS));
      assert.deepEqual(
        parsed.diagnostics.filter((d) => d.severity === 'error'),
        [],
      );
      const runs = parsed.file.statements.find((st) => st.kind === 'Runs');
      assert.equal(runs?.kind === 'Runs' && runs.rows.length, MAX_INLINE_ROWS);
    });
  });

  describe('6. whole-document features refuse huge studies with a notice', () => {
    const rows = Math.ceil(MAX_WHOLE_DOCUMENT_CHARS / 12);
    const lines = ['runs r {', '  N    L'];
    for (let i = 0; i < rows; i++) lines.push(`  ${i + 1}     ${(2 + (i % 7) / 10).toFixed(2)}`);
    lines.push('}', 'law l: L = E + A / N^alpha { fit r }', '');
    const text = lines.join('\n');

    it('formatting and semantic tokens answer empty at once, and say why', async () => {
      assert.ok(text.length > MAX_WHOLE_DOCUMENT_CHARS);
      const analysis = await analyze(text, { loader: diskLoader(), catalogue });
      const f = await timed(async () => formatDocument(analysis));
      const t = await timed(async () => semanticTokens(analysis));
      assert.deepEqual(f.value, [], 'the (badly spaced) table would otherwise be reformatted');
      assert.deepEqual(t.value.data, []);
      assert.ok(f.ms < 50 && t.ms < 50, `${f.ms} ms, ${t.ms} ms`);
      assert.match(
        tooLargeFor(analysis, 'formatting')!,
        /formatting is off for this study: it has \d+\.\d million characters, over the limit of 1\.0 million/,
      );
      // A small study still formats and highlights.
      const small = await analyze(lines.slice(0, 50).join('\n') + '\n}\n', { loader: diskLoader(), catalogue });
      assert.equal(tooLargeFor(small, 'formatting'), undefined);
      assert.equal(formatDocument(small).length, 1);
    });
  });

  describe('8. the CLI prints no terminal escape sequences', () => {
    const ESC = '\u001b';
    const title = `${ESC}]0;pwned\u0007${ESC}[2J${ESC}]8;;http://evil\u0007link\u009b31m\u202Eevil\u0007`;

    it('a title and a CSV cell with escapes are printed escaped by check and fit; --json still parses', async () => {
      const csv = `params,loss\n1,2\n2,${ESC}[2Jx\n`;
      const text = `study "${title}"\ndataset d = csv("e.csv") {\n  N: params\n  L: loss\n}\n`;
      const { file } = await studyIn(text, { 'e.csv': csv });
      const check = await runCli('check', file);
      assert.match(check.out, /has '\\u001b\[2Jx', not a number/);
      const fit = await runCli('fit', file, '--json');
      const table = await runCli('fit', file);
      const unsafe = (c: number) =>
        (c < 0x20 && c !== 10 && c !== 9) || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e);
      for (const r of [check, fit, table]) {
        const printed = r.out + r.err;
        assert.ok(![...printed].some((c) => unsafe(c.charCodeAt(0))), JSON.stringify(printed.slice(0, 300)));
      }
      assert.equal(JSON.parse(fit.out).study, title);
      assert.ok(table.out.includes('\\u001b]0;pwned'), table.out);
    });

    it('escapeControls keeps line feeds and tabs, and leaves plain text alone', async () => {
      assert.equal(escapeControls('a\tb\nc'), 'a\tb\nc');
      assert.equal(escapeControls('a\rb\u0000'), 'a\\u000db\\u0000');
      // Each edge of each unsafe range, and their neighbours that are safe.
      assert.equal(
        escapeControls('\u0008\u000b\u001f \u007f\u009f\u00a0 \u2029\u202a\u202e\u202f \u2065\u2066\u2069\u206a'),
        '\\u0008\\u000b\\u001f \\u007f\\u009f\u00a0 \u2029\\u202a\\u202e\u202f \u2065\\u2066\\u2069\u206a',
      );
    });
  });

  describe('9. diagnostic messages are capped when they are made', () => {
    it('200,000 columns: the list ends in "… and N more"; JSON, editor and the message agree', async () => {
      const header = Array.from({ length: 200_000 }, (_, i) => `col${i}`).join(',');
      const text = 'dataset d = csv("wide.csv") {\n  N: nope\n}\n';
      // One data row: a header-only file is its own error (scaling.empty-data) before any column is looked up.
      const row = Array.from({ length: 200_000 }, () => '1').join(',');
      const { analysis } = await studyIn(text, { 'wide.csv': `${header}\n${row}\n` });
      const d = analysis.diagnostics.find((x) => x.code === 'scaling.unknown-column')!;
      assert.ok(d.message.length <= MAX_MESSAGE_LENGTH, `${d.message.length} characters`);
      assert.match(d.message, /^'wide\.csv' has no column 'nope'; its columns are col0, col1, .* … and 199,980 more$/);
      assert.ok((d.data as { columns: string[] }).columns.length <= MAX_SUGGEST_CANDIDATES);
      const lsp = documentDiagnostics([d], analysis.lines)[0];
      assert.equal(lsp.message, d.message);
      assert.equal(toJsonDiagnostic(d, analysis.lines).message, d.message);
    });

    it('10 MB of stray characters: one message that keeps its start', async () => {
      const text = `study "x"\n${'§'.repeat(10_000_000)}\n`;
      const analysis = await analyze(text, { loader: diskLoader(), catalogue });
      assert.equal(analysis.diagnostics.length, 1);
      const m = analysis.diagnostics[0].message;
      assert.ok(m.length <= MAX_MESSAGE_LENGTH, `${m.length} characters`);
      assert.match(m, /^unexpected characters '§§§/);
      assert.match(m, /… \(9,999,\d+ more characters\)$/);
    });
  });

  describe('11. quick fixes write only what the language reads back', () => {
    // A column whose name the quoted cell in q.csv spells (CSV doubles its quotes).
    for (const column of ['ctl\u0001col', 'say "hi"', 'back\\slash', 'tab\there', 'two words']) {
      it(`the unknown-column fix for ${JSON.stringify(column)} re-parses to that column`, async () => {
        const text = 'dataset d = csv("q.csv") {\n  N: params\n  L: wrong\n}\n';
        const files = {
          'q.csv': `params,${column.includes('"') || column.includes(',') ? `"${column.replace(/"/g, '""')}"` : column}\n1,2\n`,
        };
        const { file, analysis } = await studyIn(text, files);
        const lsp = documentDiagnostics(analysis.diagnostics, analysis.lines).filter(
          (d) => d.code === 'scaling.unknown-column',
        );
        assert.equal(lsp.length, 1);
        const fix = codeActions(analysis, 'file:///q', lsp).find((a) => a.title === `Change to '${column}'`);
        assert.ok(fix, 'a fix to that column is offered');
        const edit = fix.edit!.changes!['file:///q'][0];
        const start = analysis.lines.offset(edit.range.start.line, edit.range.start.character);
        const end = analysis.lines.offset(edit.range.end.line, edit.range.end.character);
        const fixed = text.slice(0, start) + edit.newText + text.slice(end);
        const again = await analyze(fixed, { studyPath: file, catalogue, loader: diskLoader() });
        assert.deepEqual(
          again.diagnostics.filter((d) => d.severity === 'error'),
          [],
          `${JSON.stringify(edit.newText)} did not read back as the column`,
        );
      });
    }
  });

  describe('12. a seed is an integer in [0, 2^32)', () => {
    for (const seed of ['1.5', '1e400', '-3', '4294967296']) {
      it(`seed ${seed} is an error at the seed, naming \`seed\``, async () => {
        const text = lawStudy('E + A / N^alpha', [
          'param alpha in [0, 3] init 0.5',
          `uncertainty bootstrap 100 seed ${seed}`,
        ]);
        const { analysis } = await studyIn(text);
        const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
        assert.equal(errors.length, 1, JSON.stringify(errors));
        assert.equal(errors[0].code, 'scaling.bad-value');
        assert.match(errors[0].message, /`seed` must be a whole number from 0 to 4294967295/);
        assert.equal(text.slice(errors[0].range.start, errors[0].range.end), seed);
      });
    }

    it('seeds 0 and 4294967295 are fine', async () => {
      for (const seed of ['0', '4294967295']) {
        const text = lawStudy('E + A / N^alpha', [
          'param alpha in [0, 3] init 0.5',
          `uncertainty bootstrap 100 seed ${seed}`,
        ]);
        assert.deepEqual(
          (await studyIn(text)).analysis.diagnostics.filter((d) => d.severity === 'error'),
          [],
        );
      }
    });
  });

  describe('13. smaller gaps', () => {
    it('New Study from CSV obeys workspace trust', async () => {
      const ws = fs.mkdtempSync(path.join(tmp, 'ws-'));
      const outside = path.join(tmp, 'outside.csv');
      fs.writeFileSync(outside, 'params,tokens,loss\n1,2,3\n');
      const studyPath = path.join(ws, 'new.scaling');
      const untrusted = pathGuard({ trusted: false, roots: [ws] }, studyPath);
      await assert.rejects(scaffoldStudy(outside, studyPath, diskLoader(), untrusted), /outside the workspace/);
      const trusted = pathGuard({ trusted: true, roots: [ws] }, studyPath);
      assert.match(await scaffoldStudy(outside, studyPath, diskLoader(), trusted), /dataset outside = csv/);
    });

    it('the formatter keeps CRLF line endings and a byte-order mark', async () => {
      const text = '\uFEFFstudy   "x"\r\nruns r {\r\n N L\r\n 1 2\r\n}\r\n';
      const out = format(text);
      assert.ok(out.startsWith('\uFEFFstudy "x"\r\n'), JSON.stringify(out));
      assert.equal(out.split('\r\n').length - 1, out.split('\n').length - 1, 'every line break is CRLF');
      assert.equal(format(out), out, 'idempotent');
      assert.equal(format('study "x"\n'), 'study "x"\n');
    });

    it('Export Report asks before replacing an existing report, and writes when told to', async () => {
      const asked: string[] = [];
      const existing = new Set(['/w/s.report.md']);
      const exists = async (t: string) => existing.has(t);
      const answer = (yes: boolean) => async (q: string) => (asked.push(q), yes);
      assert.equal(await mayOverwrite(['/w/s.report.md', '/w/s.report.html'], exists, answer(false)), false);
      assert.deepEqual(asked, ['s.report.md already exists. Replace it?']);
      assert.equal(await mayOverwrite(['/w/s.report.md'], exists, answer(true)), true);
      assert.equal(
        await mayOverwrite(['/w/t.report.md'], exists, answer(false)),
        true,
        'nothing to replace: no question',
      );
      assert.equal(asked.length, 2);
    });
  });

  describe('hover and report lines are length-capped', () => {
    it('a 100,000-character law name shows its start and an ellipsis, not in full', async () => {
      const long = 'a'.repeat(100_000);
      const text = lawStudy('E + A / N^alpha')
        .replace('law l:', `law ${long}:`)
        .replace('predict l ', `predict ${long} `);
      const { analysis } = await studyIn(text);
      const lawAt = text.indexOf(long) + 10;
      const h = hover(analysis, undefined, lawAt);
      const value = (h!.contents as { value: string }).value;
      assert.ok(value.length < 5_000, `hover of ${value.length} characters`);
      assert.match(value, /`a{100,}`…/);
      for (const line of value.split('\n')) assert.ok(line.length <= MAX_SHOWN_LINE, `a line of ${line.length}`);
      const report = buildMarkdownReport(analysis, fakeResults(analysis));
      for (const line of report.split('\n'))
        assert.ok(line.length <= MAX_REPORT_LINE, `a report line of ${line.length}`);
      assert.match(report, /a{100,}…/);
      // The HTML report shows the same lines, capped the same way (the embedded plot data is data, not a line).
      const html = standaloneReportHtml(plotModel(analysis, fakeResults(analysis)), long, '', {
        document: buildReportDocument(analysis, fakeResults(analysis)),
      }).replace(/<script\b[\s\S]*?<\/script>/g, '');
      const longestRun = Math.max(...(html.match(/a+/g) ?? []).map((run) => run.length));
      assert.ok(longestRun < MAX_REPORT_LINE, `a run of ${longestRun} characters of the name in the HTML report`);
      assert.match(html, /a{100,}…/);
    });

    it("capLines keeps short text as it is, keeps each long line's start and closes a code span", () => {
      assert.equal(capLines('short\ntext'), 'short\ntext');
      assert.equal(capLines('abcdefghij', 5), 'abcd…');
      assert.equal(capLines('x `abcdefgh` y', 6), 'x `a`…');
      assert.equal(capLines('ok\n' + 'z'.repeat(20), 10, 8), 'ok\nzzzz…');
    });
  });
});
