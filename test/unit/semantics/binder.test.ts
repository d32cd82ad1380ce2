import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { catalogue } from '../../../server/src/core/laws';
import { analyze, toJsonDiagnostic, type Analysis } from '../../../server/src/core/study';
import { diskLoader } from '../hosts';

const fixtures = path.resolve(__dirname, '../../fixtures');
const sketchPath = path.join(fixtures, 'chinchilla.scaling');
const sketch = fs.readFileSync(sketchPath, 'utf8');

/** Analyses `text` as if it were a file in test/fixtures (so `runs/sweep.csv` resolves). */
function study(text: string): Promise<Analysis> {
  return analyze(text, { loader: diskLoader(), studyPath: path.join(fixtures, 'inline.scaling'), catalogue });
}

function codes(a: Analysis, severity?: string): string[] {
  return a.diagnostics.filter((d) => !severity || d.severity === severity).map((d) => d.code);
}

function at(a: Analysis, code: string): { line: number; column: number; message: string } {
  const d = a.diagnostics.find((x) => x.code === code);
  assert.ok(d, `expected a ${code} diagnostic, got ${JSON.stringify(codes(a))}`);
  const j = toJsonDiagnostic(d, a.lines);
  return { line: j.line, column: j.column, message: j.message };
}

const header = `compute C = 6 * N * D
dataset sweep = csv("runs/sweep.csv") {
  N: params
  D: tokens
  L: loss
}
`;

describe('binder', () => {
  it('binds `search exhaustive`; screened is the default; anything else is a syntax error at the word', async () => {
    const law = (item: string) => study(`${header}law k: kaplan_n(N) {\n  fit sweep\n${item}}\n`);
    assert.equal((await law('  search exhaustive\n')).model.laws[0].search, 'exhaustive');
    assert.equal((await law('  search screened\n')).model.laws[0].search, 'screened');
    assert.equal((await law('')).model.laws[0].search, 'screened');
    const bad = await law('  search everything\n');
    const d = bad.diagnostics.find((x) => x.severity === 'error');
    assert.ok(d && /expected exhaustive .* or screened/.test(d.message), JSON.stringify(bad.diagnostics));
    assert.equal(toJsonDiagnostic(d, bad.lines).column, 10);
  });

  it('binds the language sketch example with no errors', async () => {
    const a = await analyze(sketch, { loader: diskLoader(), studyPath: sketchPath, catalogue });
    assert.deepEqual(codes(a, 'error'), []);
    assert.equal(a.model.title, 'Chinchilla approach 3');
    assert.deepEqual(
      a.model.laws.map((l) => l.name),
      ['chinchilla', 'kaplan'],
    );
    const law = a.model.laws[0];
    assert.deepEqual(law.variables, ['N', 'D']);
    assert.deepEqual(
      law.params.map((p) => [p.name, p.starts.length]),
      [
        ['E', 5],
        ['A', 6],
        ['alpha', 5],
        ['B', 6],
        ['beta', 5],
      ],
    );
    // 4,500 = the Hoffmann grid the sketch declares.
    assert.equal(
      law.params.reduce((n, p) => n * p.starts.length, 1),
      4500,
    );
    // `init grid -1..1 by 0.5 log` steps through ln(E).
    assert.deepEqual(law.params[0].starts, [-1, -0.5, 0, 0.5, 1].map(Math.exp));
    // The sweep (56 rows) and the pilot table (2 rows) are fitted together; C is computed for both.
    assert.equal(law.data.rowCount, 58);
    assert.ok(
      law.data.numeric
        .get('C')!
        .every((c, i) => c === 6 * law.data.numeric.get('N')![i] * law.data.numeric.get('D')![i]),
    );
    const heldOut = [...law.heldOut].filter(Boolean).length;
    const big = [...law.data.numeric.get('N')!].filter((n) => n >= 5e9).length;
    assert.equal(heldOut, big);
    assert.deepEqual(law.objective, { loss: 'huber', delta: 1e-3, onLog: true });
    assert.deepEqual(law.uncertainty, { method: 'bootstrap', resamples: 1000, seed: 7, level: 0.9, by: undefined });
    // The catalogue law is expanded over the user's variable.
    assert.equal(a.model.laws[1].catalogue, 'kaplan_n');
    assert.deepEqual(a.model.laws[1].variables, ['N']);
    // predict fills in the computed C from N and D.
    assert.deepEqual(a.model.predictions[0].at, { N: 70e9, D: 1.4e12, C: 6 * 70e9 * 1.4e12 });
    assert.deepEqual(a.model.optima[0].budget, { C: 5.76e23 });
    assert.equal(a.model.isoflops[0].budget, 'C');
  });

  it('reports an unknown dataset once, at the name, with a suggestion', async () => {
    const a = await study(`${header}law l: L = E + A / N^a {\n  fit swep\n}\n`);
    const d = at(a, 'scaling.unknown-name');
    assert.equal(d.line, 8);
    assert.equal(d.column, 7);
    assert.match(d.message, /did you mean 'sweep'/);
    assert.equal(codes(a, 'error').length, 1);
  });

  it('reports a missing file at the path, and nothing else cascades from it', async () => {
    const a = await study(
      `dataset d = csv("runs/nope.csv") { N: params }\nlaw l: L = E + A / N^a {\n  fit d\n}\npredict l at N = 1B\n`,
    );
    assert.deepEqual(codes(a, 'error'), ['scaling.missing-file']);
    assert.equal(at(a, 'scaling.missing-file').column, 17);
  });

  it('reports a column that is not in the header, listing the columns', async () => {
    const a = await study(`dataset d = csv("runs/sweep.csv") {\n  N: parms\n}\n`);
    const d = at(a, 'scaling.unknown-column');
    assert.equal(d.line, 2);
    assert.match(d.message, /did you mean 'params'/);
    assert.match(d.message, /run, params, tokens, loss/);
  });

  it('names the file and line of a non-numeric cell', async () => {
    const a = await study(`dataset d = csv("data/nonnumeric.csv") {\n  N: params\n}\n`);
    assert.match(at(a, 'scaling.non-numeric').message, /nonnumeric\.csv' line 4: column 'params' has 'bad'/);
  });

  it('links a ragged row to its file and line (related information in the editor)', async () => {
    const a = await study(`dataset d = csv("data/ragged.csv") { N: params }\n`);
    const d = a.diagnostics.find((x) => x.code === 'scaling.bad-data-file');
    assert.equal(d?.file?.line, 2);
    assert.match(d.file.path, /data[\\/]ragged\.csv$/);
  });

  it('names the line of a ragged row and of broken JSON', async () => {
    assert.match(
      at(await study(`dataset d = csv("data/ragged.csv") { N: params }\n`), 'scaling.bad-data-file').message,
      /line 2: 3 fields where the header has 4/,
    );
    assert.match(
      at(await study(`dataset d = jsonl("data/broken.jsonl") { N: params }\n`), 'scaling.bad-data-file').message,
      /line 1: not valid JSON/,
    );
    assert.match(
      at(await study(`dataset d = csv("data/empty.csv") { N: params }\n`), 'scaling.bad-data-file').message,
      /empty/,
    );
    assert.match(
      at(await study(`dataset d = csv("data/latin1.csv") { a: a }\n`), 'scaling.bad-data-file').message,
      /not valid UTF-8/,
    );
  });

  it('reads BOM + CRLF + quoted CSV, TSV and JSONL alike', async () => {
    for (const [fmt, file] of [
      ['csv', 'bom_crlf.csv'],
      ['tsv', 'sweep.tsv'],
      ['jsonl', 'sweep.jsonl'],
    ]) {
      const a = await study(`dataset d = ${fmt}("data/${file}") {\n  N: params\n  L: loss\n}\n`);
      assert.deepEqual(codes(a, 'error'), [], file);
      const t = a.model.datasets.get('d')!;
      assert.equal(t.rowCount, 2, file);
      assert.deepEqual([...t.numeric.get('N')!], [1e8, 2e8], file);
      assert.deepEqual([...t.numeric.get('L')!], [3.1, 2.9], file);
    }
    assert.equal(
      (await study(`dataset d = csv("data/bom_crlf.csv") { N: params }\n`)).model.datasets
        .get('d')!
        .text.get('run')![0],
      'r,1',
    );
  });

  it('filters rows with where, over file columns and variables, and reports an empty selection', async () => {
    const kept = await study(`dataset d = csv("runs/sweep.csv") {\n  N: params\n  where loss < 3 and N > 1B\n}\n`);
    const t = kept.model.datasets.get('d')!;
    assert.ok(t.rowCount > 0 && t.rowCount < 56);
    assert.ok([...t.numeric.get('N')!].every((n) => n > 1e9));
    const empty = await study(`dataset d = csv("runs/sweep.csv") {\n  N: params\n  where loss < 0\n}\n`);
    assert.equal(at(empty, 'scaling.empty-selection').line, 3);
    const text = await study(`dataset d = csv("runs/sweep.csv") {\n  N: params\n  where run == "r001"\n}\n`);
    assert.equal(text.model.datasets.get('d')!.rowCount, 1);
  });

  it('holds out by a file column on several sources as on one (the stacked data keeps the shared columns)', async () => {
    const two = `dataset other = csv("runs/sweep.csv") {\n  N: params\n  D: tokens\n  L: loss\n}\n`;
    const law = (fit: string) =>
      `law l: L = E + A / N^a + B / D^b {\n  fit ${fit}\n  holdout params > 2e9 or run == "r001"\n  uncertainty bootstrap 20 seed 1 by run\n}\n`;
    const one = await study(`${header}${law('sweep')}`);
    const both = await study(`${header}${two}${law('sweep, other')}`);
    assert.deepEqual(codes(one, 'error'), []);
    assert.deepEqual(codes(both, 'error'), []);
    const held = (a: Analysis) => a.model.laws[0].heldOut.reduce((n, h) => n + h, 0);
    assert.ok(held(one) > 1);
    assert.equal(held(both), 2 * held(one));
    assert.equal(both.model.laws[0].data.text.get('run')!.length, 2 * one.model.laws[0].data.rowCount);
  });

  it('rejects duplicate names; a law may share a catalogue name (the sketch names its law chinchilla)', async () => {
    const a = await study(
      `${header}runs sweep {\n  N L\n  1 2\n}\nlaw chinchilla: L = E + A / N^a { fit sweep }\nlaw chinchilla: kaplan_n(N) { fit sweep }\n`,
    );
    assert.deepEqual(codes(a, 'error'), ['scaling.duplicate-name', 'scaling.duplicate-name']);
    assert.equal(a.model.laws.length, 1);
  });

  it('checks catalogue calls', async () => {
    assert.match(
      at(await study(`${header}law k: kaplan(N) { fit sweep }\n`), 'scaling.unknown-law').message,
      /not a catalogue law/,
    );
    assert.match(
      at(await study(`${header}law k: kaplan_n(N, D) { fit sweep }\n`), 'scaling.catalogue-arguments').message,
      /kaplan_n takes 1 variable/,
    );
  });

  it("keeps a catalogue law's parameters parameters when a variable has the same name", async () => {
    const a = await study(`runs t {\n  N B L\n  1M 1 5\n  2M 2 4.5\n}\nlaw c: chinchilla(N, B) { fit t }\n`);
    const law = a.model.laws[0];
    assert.deepEqual(law.variables, ['N', 'B']);
    assert.deepEqual(
      law.params.map((p) => p.name),
      ['E', 'A', 'alpha', 'B_', 'beta'],
    );
    // The renamed parameter keeps the catalogue's bounds and start grid.
    const b = law.params.find((p) => p.name === 'B_')!;
    const original = catalogue.get('chinchilla')!.params.find((p) => p.name === 'B')!;
    assert.deepEqual([b.lower, b.upper, b.starts], [original.lower, original.upper, original.starts]);
    assert.match(at(a, 'scaling.param-renamed').message, /parameter 'B' is called 'B_'/);
  });

  it('tells variables from parameters by the data, and reports a variable one source lacks', async () => {
    const a = await study(
      `${header}runs extra {\n  N L\n  1M 4\n}\nlaw l: L = E + A / N^a + B / D^b {\n  fit sweep, extra\n}\n`,
    );
    const d = at(a, 'scaling.missing-variable');
    assert.match(d.message, /'extra' has no variable 'D'/);
  });

  it('evaluates bounds, grids and fixed values, and warns when a grid leaves the bounds', async () => {
    const a = await study(
      `${header}law l: L = E + A / N^a {\n  fit sweep\n  param E = 1.69\n  param A in (0, inf) init 10, 100\n  param a in [0, 1] init grid 0..2 by 0.5\n}\n`,
    );
    const law = a.model.laws[0];
    assert.equal(law.params.find((p) => p.name === 'E')!.fixed, 1.69);
    assert.deepEqual(law.params.find((p) => p.name === 'A')!.starts, [10, 100]);
    const w = at(a, 'scaling.grid-outside-bounds');
    assert.match(w.message, /2 of 5 start values of 'a' lie outside its bounds \[0, 1\]/);
  });

  it('needs a fit line and a positive huber delta', async () => {
    assert.equal(at(await study(`${header}law l: L = E + A / N^a { holdout N > 1B }\n`), 'scaling.no-fit').line, 7);
    assert.ok(
      codes(await study(`${header}law l: L = E + A / N^a {\n  fit sweep\n  objective huber(0)\n}\n`), 'error').includes(
        'scaling.bad-value',
      ),
    );
  });

  it('requires a compute line for an optimize budget, and every law variable for predict', async () => {
    const noCompute = await study(
      `dataset sweep = csv("runs/sweep.csv") { N: params }\n`.replace(
        ' { N: params }',
        ' {\n  N: params\n  D: tokens\n  L: loss\n}',
      ) + `law l: L = E + A / N^a { fit sweep }\noptimize l for C = 1e21\n`,
    );
    assert.match(at(noCompute, 'scaling.no-compute').message, /compute C = 6 \* N \* D/);
    const missing = await study(`${header}law l: L = E + A / N^a + B / D^b { fit sweep }\npredict l at N = 1B\n`);
    assert.match(at(missing, 'scaling.missing-variable').message, /predict needs D/);
  });

  it('warns when a predict point gives C that disagrees with the compute line', async () => {
    const law = `${header}law l: L = E + A / N^a + B / D^b { fit sweep }\n`;
    const off = await study(`${law}predict l at N = 1B, D = 20B, C = 1e21\n`);
    const w = at(off, 'scaling.inconsistent-compute');
    assert.match(w.message, /C = 1\.000e\+21 here, but `compute C = 6 \* N \* D` gives 1\.200e\+20/);
    assert.equal(w.column, 31);
    const consistent = await study(`${law}predict l at N = 1B, D = 20B, C = 1.2e20\n`);
    assert.ok(!consistent.diagnostics.some((d) => d.code === 'scaling.inconsistent-compute'));
  });

  it('suggests the nearest law name for predict and does not cascade from a broken law', async () => {
    const a = await study(`${header}law chin: L = E + A / N^a { fit sweep }\npredict chim at N = 1B\n`);
    assert.match(at(a, 'scaling.unknown-name').message, /did you mean 'chin'/);
    const broken = await study(
      `${header}law l: L = E + A / N^ { fit sweep }\npredict l at N = 1B\noptimize l for C = 1e20\n`,
    );
    assert.deepEqual(codes(broken, 'error'), ['scaling.syntax']);
  });
});

describe('validation rules', () => {
  it('warns about too few runs for the parameters', async () => {
    const a = await study(`runs r {\n  N L\n  1M 4\n  2M 3.9\n  4M 3.8\n}\nlaw l: L = E + A / N^a {\n  fit r\n}\n`);
    assert.match(at(a, 'scaling.too-few-runs').message, /fits 3 parameters to 3 runs; at least 6/);
  });

  it('reports a non-positive value where a log is taken', async () => {
    const a = await study(
      `runs r {\n  N L\n  1M 4\n  2M -1\n  0 3.8\n  4M 3.8\n  5M 3.7\n  6M 3.6\n  7M 3.5\n}\nlaw l: L = E + A / N^a {\n  fit r\n  objective squares on log\n}\n`,
    );
    const messages = a.diagnostics.filter((d) => d.code === 'scaling.nonpositive-log').map((d) => d.message);
    assert.equal(messages.length, 2);
    assert.match(messages[0], /L = -1 .* the objective on log/);
    assert.match(messages[1], /N = 0 .* \(a power or log of N\)/);
  });

  it('warns when a prediction is more than 10x beyond the fitted runs, saying by how much', async () => {
    const a = await study(`${header}law l: L = E + A / N^a { fit sweep }\npredict l at N = 1T\npredict l at N = 10B\n`);
    const w = a.diagnostics.filter((d) => d.code === 'scaling.extrapolation');
    assert.equal(w.length, 1);
    assert.match(w[0].message, /N = 1T is 51\.2× above the largest fitted N \(19\.54B\)/);
  });

  it('warns when a frontier reaches more than 10x past the fitted compute, at the far end only', async () => {
    const law = 'law l: L = E + A / N^a + B / D^b { fit sweep }';
    const far = await study(`${header}${law}\nfrontier l over C = 1e18..1e26\n`);
    const w = far.diagnostics.filter((d) => d.code === 'scaling.extrapolation');
    assert.equal(w.length, 1, w.map((d) => d.message).join('; '));
    assert.match(w[0].message, /^frontier: C = 1\.000e\+26 is \d+× above the largest fitted C/);
    const inside = await study(`${header}${law}\nfrontier l over C = 1e18..1e19\n`);
    assert.ok(!inside.diagnostics.some((d) => d.code === 'scaling.extrapolation'));
  });

  it('gives checklist hints with the line to insert', async () => {
    const a = await study(
      `dataset sweep = csv("runs/sweep.csv") {\n  N: params\n  C: tokens\n  L: loss\n}\nlaw l: L = E + A / C^a {\n  fit sweep\n}\n`,
    );
    const hints = a.diagnostics.filter((d) => d.severity === 'hint');
    // C is mapped from a file column (`C: tokens`): the data counts it, so no compute hint (issue 13).
    assert.deepEqual(hints.map((d) => d.code).sort(), [
      'scaling.checklist-holdout',
      'scaling.checklist-objective',
      'scaling.checklist-uncertainty',
    ]);
    const objective = hints.find((d) => d.code === 'scaling.checklist-objective')!;
    assert.deepEqual((objective.data as { insert: string }).insert, 'objective huber(1e-3) on log');
  });

  it('applies severity overrides and can turn a rule off', async () => {
    const text = `${header}law l: L = E + A / N^a { fit sweep }\npredict l at N = 1T\n`;
    const a = await analyze(text, {
      loader: diskLoader(),
      studyPath: path.join(fixtures, 'x.scaling'),
      catalogue,
      severities: { 'scaling.extrapolation': 'error', 'scaling.checklist-holdout': 'off' },
    });
    assert.equal(a.diagnostics.find((d) => d.code === 'scaling.extrapolation')!.severity, 'error');
    assert.ok(!a.diagnostics.some((d) => d.code === 'scaling.checklist-holdout'));
  });
});
