import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { catalogue } from '../../../server/src/core/laws';
import { analyze } from '../../../server/src/core/study';
import { parse } from '../../../server/src/core/syntax/parser';
import { buildMarkdownReport } from '../../../server/src/present/reportMarkdown';
import { scaffoldStudy } from '../../../server/src/lsp/scaffold';
import { analyzeText, CHINCHILLA_ROWS, fakeResults, FIXTURES, STUDY_TEXT } from './helpers';
import { diskLoader } from '../hosts';
import type { Analysis } from '../../../server/src/core/study';
import type { StudyResults } from '../../../server/src/core/results';

describe('lsp export report', () => {
  let a: Analysis;
  let results: StudyResults;
  /** The Markdown as rendered: backslash escapes removed. */
  let md: string;
  before(async () => {
    a = await analyzeText(STUDY_TEXT);
    results = fakeResults(a);
    md = buildMarkdownReport(a, results, {
      studyFile: 'chinchilla.scaling',
      date: new Date('2026-01-02T00:00:00Z'),
    }).replace(/\\(.)/g, '$1');
  });

  it("has the fit results' numbers: parameters, intervals, predictions, optima", async () => {
    // fakeResults gives law k's i-th parameter 0.25 + i + 10k + 0.123456 with interval ×0.9, ×1.1; the
    // report shows 4 significant digits (protocol/numbers.ts), so these rows are worked out by hand.
    for (const row of [
      ...CHINCHILLA_ROWS,
      '| Nc | 10.37 | [9.336, 11.41] | (0, inf) |',
      '| alphaN | 11.37 | [10.24, 12.51] | (0, 3] |',
      '| chinchilla | N = 70B, D = 1.4T, C = 5.880e+23 | 1.941 | mean [1.92, 1.973]; one new run [1.9, 1.993] (90% bootstrap) |',
      '- optimize chinchilla for C = 5.760e+23: N* = 6.700e+10 [6.000e+10, 7.500e+10], D* = 1.430e+12 [1.300e+12, 1.600e+12], D*/N* = 21.34, L* = 1.937',
    ])
      assert.ok(md.split('\n').includes(row), `missing row ${row} in\n${md}`);
  });

  it("fills the checklist from the study's declarations", async () => {
    assert.match(md, /## Reproducibility checklist/);
    assert.match(md, /\[x\] data sweep: `csv\("runs\/sweep\.csv"\)`, \d+ rows after where loss &lt; 10/);
    assert.match(md, /\[x\] data pilot: inline table, 2 rows/);
    assert.match(md, /\[x\] compute convention: `compute C = 6 \* N \* D`/);
    assert.match(md, /\[x\] objective: `objective huber\(1e-3\) on log`/);
    assert.match(md, /\[x\] hold-out: `holdout N >= 5B`: \d+ of \d+ runs held out/);
    assert.match(md, /\[x\] uncertainty: `uncertainty bootstrap 1000 seed 7 level 0\.9`/);
    assert.match(md, /start grid: 4500 starts \(E 5 \(log\) declared/);
    assert.match(md, /### Law kaplan\n\n- \[ \] objective: not declared/);
  });

  it('escapes table cells', async () => {
    const text = STUDY_TEXT.replace('study "Chinchilla approach 3"', 'study "a | b"');
    const b = await analyzeText(text);
    assert.match(buildMarkdownReport(b, fakeResults(b)), /^# a \\\| b/);
  });
});

describe('lsp new study from CSV', () => {
  it('scaffolds a study that parses and checks cleanly against the CSV', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scaffold-'));
    const csv = path.join(dir, 'data', 'sweep.csv');
    fs.mkdirSync(path.dirname(csv));
    fs.copyFileSync(path.join(FIXTURES, 'runs', 'sweep.csv'), csv);
    const studyPath = path.join(dir, 'sweep.scaling');
    const loader = diskLoader();
    const text = await scaffoldStudy(csv, studyPath, loader);
    assert.equal(parse(text).diagnostics.length, 0, text);
    const a = await analyze(text, { studyPath, loader, catalogue });
    assert.deepEqual(
      a.diagnostics.map((d) => `${d.severity} ${d.code}: ${d.message}`),
      [],
      text,
    );
    // Named after the file (`sweep` is a statement keyword now, so `sweep_data`); the unmapped `run` column listed.
    assert.match(
      text,
      /dataset sweep_data = csv\("data\/sweep\.csv"\) \{\n {2}N: params\n {2}D: tokens\n {2}L: loss\n\}\n\/\/ Unused columns: run\n/,
    );
    assert.match(text, /compute C = 6 \* N \* D/);
    assert.match(text, /holdout N >= /);
    assert.equal(a.model.laws.length, 1);
    let held = 0;
    for (const h of a.model.laws[0].heldOut) held += h;
    assert.ok(held >= 1 && held < a.model.laws[0].data.rowCount / 3, `held out ${held}`);
  });

  // Issue 18.3, on the shared data sets (read in place, never copied into the repository).
  const SHARED = path.resolve(__dirname, '../../../../shared/datasets');
  const scaffoldShared = async (rel: string) => {
    const csv = path.join(SHARED, rel);
    const studyPath = path.join(path.dirname(csv), 'study.scaling');
    const loader = diskLoader();
    const text = await scaffoldStudy(csv, studyPath, loader);
    const a = await analyze(text, { studyPath, loader, catalogue });
    const problems = a.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning');
    assert.deepEqual(
      problems.map((d) => `${d.code}: ${d.message}`),
      [],
      text,
    );
    return { text, a };
  };

  it("Epoch's Chinchilla points: C is 6·N·D, so a compute line, not a C column, and optimize works", async function () {
    if (!fs.existsSync(SHARED)) this.skip();
    const { text, a } = await scaffoldShared('epoch_chinchilla/chinchilla_svg_extracted.csv');
    assert.match(text, /\ncompute C = 6 \* N \* D\n/);
    assert.doesNotMatch(text, / {2}C: C/);
    assert.match(text, /dataset chinchilla_svg_extracted = csv/);
    assert.match(text, /\/\/ Unused columns: C, excluded_top5_loss/);
    // An optimize line on the scaffold binds at once (before, it failed: C was a data column).
    const b = await analyze(`${text}\noptimize chinchilla_fit for C = 5.76e23\n`, {
      studyPath: path.join(SHARED, 'epoch_chinchilla', 'study.scaling'),
      loader: diskLoader(),
      catalogue,
    });
    assert.deepEqual(
      b.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
      [],
    );
    assert.equal(a.model.laws.length, 1);
  });

  it('Llama 3 IsoFLOP points: N_implied mapped, an isoflop block instead of a law', async function () {
    if (!fs.existsSync(SHARED)) this.skip();
    const { text, a } = await scaffoldShared('llama3_isoflops/isoflops_points.csv');
    assert.match(text, / {2}N: N_implied/);
    assert.match(text, /isoflop approach2 \{\n {2}fit isoflops_points\n {2}budget C/);
    assert.equal(a.model.isoflops.length, 1);
    assert.equal(a.model.laws.length, 0);
  });

  it('never names the dataset after a keyword', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scaffold-'));
    const csv = path.join(dir, 'runs.csv');
    fs.copyFileSync(path.join(FIXTURES, 'runs', 'sweep.csv'), csv);
    const text = await scaffoldStudy(csv, path.join(dir, 'runs.scaling'), diskLoader());
    assert.match(text, /dataset runs_data = csv/);
    assert.match(text, /fit runs_data/);
  });

  it('maps unknown headers to variables and still parses', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scaffold-'));
    const csv = path.join(dir, 'odd.csv');
    fs.writeFileSync(csv, 'model size,steps,metric\n1,2,3\n4,5,6\n');
    const text = await scaffoldStudy(csv, path.join(dir, 'odd.scaling'), diskLoader());
    assert.equal(parse(text).diagnostics.length, 0, text);
    assert.match(text, /model_size: "model size"/);
  });
});
