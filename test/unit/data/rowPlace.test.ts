// A row of a Parquet file is named by its row number ("'curves.parquet' row 3"), a row of a text file
// by its line: every message that names a data row goes through core/model.ts rowPlace.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { fitStudy } from '../../../server/src/core/fit';
import { analyze } from '../../../server/src/core/study';
import { diskLoader } from '../hosts';

const FORMATS = path.resolve(__dirname, '../../fixtures/formats');
const dataset = (body: string) => `dataset d = parquet("${path.join(FORMATS, 'curves.parquet')}") {\n${body}\n}\n`;

describe('data rows named by their place', () => {
  it('a Parquet curve that goes back (last by … along) names the row', async () => {
    // Loss falls along each run: ordered by loss, the second row goes back.
    const a = await analyze(dataset('  L: loss\n  last by run along loss'), { loader: diskLoader() });
    const order = a.diagnostics.find((d) => d.code === 'scaling.curve-order');
    assert.ok(order, JSON.stringify(a.diagnostics.map((d) => d.message)));
    assert.match(order.message, /^'curves.parquet' row 2: run 'r1' goes back/);
  });

  it('an envelope over Parquet curves that go back in compute names the row', async () => {
    const text = `compute C = 1 / S\n${dataset('  N: N\n  D: tokens\n  S: step\n  L: loss')}envelope a1 {\n  fit d\n  budget C\n  run run\n  size N\n  tokens D\n  target L\n  uncertainty none\n}\n`;
    const a = await analyze(text, { loader: diskLoader() });
    const { diagnostics } = await fitStudy(a.model);
    const order = diagnostics.find((d) => d.code === 'scaling.curve-order');
    assert.ok(order, JSON.stringify(diagnostics.map((d) => d.message)));
    assert.match(order.message, /^'curves.parquet' row 2: run 'r1' goes back in C/);
  });

  it('a non-positive value a law takes the log of names its Parquet row', async () => {
    const text = `compute Z = N - 50000000\n${dataset('  N: N\n  L: loss')}law l: L = E + A / Z^alpha {\n  fit d\n}\n`;
    const a = await analyze(text, { loader: diskLoader() });
    const bad = a.diagnostics.find((d) => d.code === 'scaling.nonpositive-log');
    assert.ok(bad, JSON.stringify(a.diagnostics.map((d) => d.message)));
    assert.match(bad.message, /\('curves.parquet' row 1\)/);
  });
});
