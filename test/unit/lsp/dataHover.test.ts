// Hovers on the lines where a question about the data arises (issue 18.5): `holdout`, `where`,
// `objective`, `compute`, a column mapping and a dataset. Expected figures are read from the CSV
// here, independently of the loader and binder, so a wrong count or range fails.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { catalogue } from '../../../server/src/core/laws';
import { analyze, type Analysis } from '../../../server/src/core/study';
import type { StudyResults } from '../../../server/src/core/results';
import { hover } from '../../../server/src/lsp/hover';
import { memoryLoader } from '../hosts';
import { analyzeText, at, fakeResults, FIXTURES, STUDY_TEXT } from './helpers';

const CSV_PATH = path.join(FIXTURES, 'runs/sweep.csv');

/** The fixture CSV's rows: the file line each starts on, and its numbers by column. */
function csvRows(): { line: number; params: number; tokens: number; loss: number }[] {
  const lines = fs.readFileSync(CSV_PATH, 'utf8').split('\n');
  const header = lines[0].split(',');
  const rows = [];
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i].trim()) continue;
    const cells = lines[i].split(',');
    const cell = (name: string) => Number(cells[header.indexOf(name)]);
    rows.push({ line: i + 1, params: cell('params'), tokens: cell('tokens'), loss: cell('loss') });
  }
  return rows;
}

function text(a: Analysis, offset: number, results: StudyResults | undefined): string {
  const h = hover(a, results, offset);
  assert.ok(h, 'no hover');
  return (h.contents as { value: string }).value;
}

/** 4 significant digits in e-notation, as every value ≥ 1e4 is shown (written out here, not the code's formatter). */
const e4 = (v: number) => v.toExponential(3);

describe('hover: data questions (issue 18.5)', () => {
  it('a holdout line says how many runs it holds out, and the first few by file and line', async () => {
    const a = await analyzeText(STUDY_TEXT);
    const held = csvRows().filter((r) => r.params >= 5e9);
    assert.ok(held.length > 5, 'the fixture holds out more runs than the hover lists');
    const total = csvRows().length + 2; // the sweep plus the two inline pilot runs
    const t = text(a, at('holdout N >= 5B', 2).offset, fakeResults(a));
    assert.match(t, /^\*\*holdout\*\* `N >= 5B` of law `chinchilla`/);
    assert.ok(t.includes(`holds out ${held.length} of ${total} runs from the fit`), t);
    const first = held
      .slice(0, 5)
      .map((r) => `'sweep\\.csv' line ${r.line}`)
      .join(', ');
    assert.ok(t.includes(`first: ${first} … and ${held.length - 5} more`), t);
  });

  it('a holdout of inline runs names their lines of the study', async () => {
    const small = STUDY_TEXT.replace('holdout N >= 5B', 'holdout N < 50M');
    const a = await analyzeText(small);
    const csv = csvRows().filter((r) => r.params < 50e6);
    const pilotLine = small.slice(0, small.indexOf('44M    8.8B')).split('\n').length;
    const t = text(a, at('holdout N < 50M', 2, small).offset, undefined);
    const places = [...csv.map((r) => `'sweep\\.csv' line ${r.line}`), `study line ${pilotLine}`];
    assert.ok(t.includes(`holds out ${places.length} of ${csvRows().length + 2} runs`), t);
    assert.ok(t.endsWith(places.join(', ')), t);
  });

  it('an objective line gives its meaning, and its fitted value once results exist', async () => {
    const a = await analyzeText(STUDY_TEXT);
    const o = at('objective huber', 3).offset;
    const fitted = text(a, o, fakeResults(a));
    assert.ok(fitted.startsWith('**objective** `huber(0.001) on log` of law `chinchilla`'), fitted);
    assert.ok(fitted.includes('the Huber loss of log\\(observed\\) − log\\(fitted\\)'), fitted);
    assert.ok(fitted.includes('δ = 0\\.001'), fitted);
    assert.ok(fitted.includes('value: **0.0123456789**'), fitted); // fakeResults' objective, every digit
    const before = text(a, o, undefined);
    assert.ok(!before.includes('value: **'), before);
    const squares = await analyzeText(STUDY_TEXT.replace('objective huber(1e-3) on log', 'objective squares'));
    const s = text(squares, at('objective squares', 3, squares.text).offset, undefined);
    assert.ok(s.includes('minimises the sum of squared residuals of observed − fitted'), s);
  });

  it('a compute line gives the range of the variable over the data of the laws that read it', async () => {
    const a = await analyzeText(STUDY_TEXT);
    const c = csvRows().map((r) => 6 * r.params * r.tokens);
    const t = text(a, at('compute C = 6', 12).offset, undefined);
    assert.ok(t.startsWith('**compute** `C = 6 * N * D`'), t);
    // Only the isoflop block reads C (the laws read N and D), over the sweep's rows.
    assert.ok(t.includes('over the runs of `approach2`'), t);
    const range = `min ${e4(Math.min(...c))}, max ${e4(Math.max(...c))}, count ${c.length}, missing 0`;
    assert.ok(t.includes(range), t);
  });

  it('a column mapping gives min, max, count and missing of its variable', async () => {
    const a = await analyzeText(STUDY_TEXT);
    const n = csvRows().map((r) => r.params);
    const t = text(a, at('N: params', 5).offset, undefined);
    assert.ok(t.startsWith('**N** ← column `params` of `sweep`'), t);
    assert.ok(t.includes(`min ${e4(Math.min(...n))}, max ${e4(Math.max(...n))}, count ${n.length}, missing 0`), t);
  });

  it('a where line says how many rows it kept and dropped; the dataset hover names the file, its size and time', async () => {
    // The last row's 'n/a' is not a number, but the `where` drops its row: no error, and no crash.
    const csv = ['params,tokens,loss', '1e8,2e9,3.5', '2e8,4e9,', '4e8,8e9,abc', '8e8,1.6e10,2.9', '1.6e9,3.2e10,n/a'];
    const study = 'dataset d = csv("d.csv") {\n  N: params\n  D: tokens\n  L: loss\n  where tokens < 2e10\n}\n';
    const { loader, host } = memoryLoader({ '/mem/d.csv': csv.join('\n') + '\n' });
    const a = await analyze(study, { studyPath: '/mem/s.scaling', loader, catalogue });
    const where = text(a, study.indexOf('where') + 2, undefined);
    assert.ok(where.includes('kept 4 of 5 rows, dropped 1'), where);
    // Of the 4 kept, one loss is empty and one is 'abc': missing, not counted; 2.9 and 3.5 bound it.
    const loss = text(a, study.indexOf('L: loss') + 1, undefined);
    assert.ok(loss.includes('min 2.9, max 3.5, count 2, missing 2 (1 not a number)'), loss);
    const d = text(a, study.indexOf('dataset d') + 8, undefined);
    const stat = await host.stat('/mem/d.csv');
    const time = new Date(stat.mtimeMs).toISOString().slice(0, 19).replace('T', ' ');
    assert.ok(d.includes('rows: 4 \\(of 5 in the file\\)'), d);
    assert.ok(d.includes(`file: \`/mem/d.csv\` (${stat.size} bytes, modified ${time.replace(/-/g, '\\-')} UTC)`), d);
  });

  it('the real dataset hover reports the size and modification time the disk has', async () => {
    const a = await analyzeText(STUDY_TEXT);
    const st = fs.statSync(CSV_PATH);
    const t = text(a, at('dataset sweep', 9).offset, undefined);
    assert.ok(t.includes(`rows: ${csvRows().length}`), t);
    assert.ok(t.includes(`file: \`${CSV_PATH}\``), t);
    const time = new Date(st.mtimeMs).toISOString().slice(0, 19).replace('T', ' ').replace(/-/g, '\\-');
    assert.ok(t.includes(`modified ${time} UTC`), t);
    // The fixture is 1–10 KB, shown to 3 significant digits (a trailing zero dropped).
    assert.ok(t.includes(`${String(Number((st.size / 1024).toPrecision(3))).replace('.', '\\.')} KB`), t);
  });
});
