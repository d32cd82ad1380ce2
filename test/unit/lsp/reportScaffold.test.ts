import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { catalogue } from '../../../server/src/core/laws';
import { analyze } from '../../../server/src/core/study';
import { parse } from '../../../server/src/core/syntax/parser';
import { num } from '../../../server/src/present/numbers';
import { buildMarkdownReport } from '../../../server/src/present/reportMarkdown';
import { scaffoldStudy } from '../../../server/src/lsp/scaffold';
import { analyzeText, fakeResults, FIXTURES, STUDY_TEXT } from './helpers';
import { diskLoader } from '../hosts';
import type { Analysis } from '../../../server/src/core/study';
import type { StudyResults } from '../../../server/src/core/results';

describe('lsp export report', () => {
  let a: Analysis;
  let results: StudyResults;
  let md: string;
  before(async () => {
    a = await analyzeText(STUDY_TEXT);
    results = fakeResults(a);
    md = buildMarkdownReport(a, results, {
      studyFile: 'chinchilla.scaling',
      date: new Date('2026-01-02T00:00:00Z'),
    });
  });

  it("has the fit results' numbers: parameters, intervals, predictions, optima", async () => {
    for (const law of results.laws) {
      for (const [k, v] of Object.entries(law.params)) {
        assert.ok(
          md.includes(`| ${k} | ${num(v)} | [${num(law.intervals![k]![0])}, ${num(law.intervals![k]![1])}]`),
          `${law.name}.${k}`,
        );
      }
    }
    for (const p of results.predictions)
      assert.ok(
        md.includes(
          `| ${num(p.value)} | mean [${num(p.interval![0])}, ${num(p.interval![1])}]; one new run [${num(p.observation_interval![0])}, ${num(p.observation_interval![1])}] (90%)`,
        ),
      );
    for (const o of results.optima) assert.ok(md.includes(`N* = ${num(o.at.N)}`) && md.includes(`| ${num(o.value)} |`));
  });

  it("fills the checklist from the study's declarations", async () => {
    assert.match(md, /## Reproducibility checklist/);
    assert.match(md, /\[x\] sweep: `csv\("runs\/sweep\.csv"\)`, \d+ rows after `loss < 10`/);
    assert.match(md, /\[x\] pilot: inline table, 2 rows/);
    assert.match(md, /\[x\] `compute C = 6 \* N \* D`/);
    assert.match(md, /\[x\] objective: `objective huber\(1e-3\) on log`/);
    assert.match(md, /\[x\] hold-out: `holdout N >= 5B`: \d+ of \d+ runs held out/);
    assert.match(md, /\[x\] uncertainty: `uncertainty bootstrap 1000 seed 7 level 0\.9`/);
    assert.match(md, /start grid: 4500 starts \(E 5 \(log\) declared/);
    assert.match(md, /\*\*Law kaplan\*\*\n\n- \[ \] objective: not declared/);
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
    assert.match(text, /dataset runs = csv\("data\/sweep\.csv"\) \{\n {2}N: params\n {2}D: tokens\n {2}L: loss\n\}/);
    assert.match(text, /compute C = 6 \* N \* D/);
    assert.match(text, /holdout N >= /);
    assert.equal(a.model.laws.length, 1);
    let held = 0;
    for (const h of a.model.laws[0].heldOut) held += h;
    assert.ok(held >= 1 && held < a.model.laws[0].data.rowCount / 3, `held out ${held}`);
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
