// Training curves in long format: `last by run` keeps each run's final row (in file order, after
// `where`); `along step` checks each curve's steps.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { checkCurves, lastRows, rowsByRun } from '../../../server/src/core/data/curves';
import { mapOrigins } from '../../../server/src/core/data/origins';
import { analyze } from '../../../server/src/core/study';
import { diskLoader, memoryLoader } from '../hosts';

const CURVES = [
  'run,N,step,loss',
  'a,10,1,5', //
  'b,20,1,6',
  'a,10,2,4',
  'b,20,2,5',
  'a,10,3,3.5',
  'b,20,3,4.5',
  'c,40,1,7',
  'c,40,2,6',
  '',
].join('\n');

async function study(body: string, csv = CURVES) {
  const { loader } = memoryLoader({ '/w/curves.csv': csv });
  return analyze(`dataset d = csv("curves.csv") {\n${body}\n}\n`, { loader, baseDir: '/w' });
}

describe('training curves', () => {
  it('lastRows keeps each run’s last row, in file order', () => {
    assert.deepEqual(lastRows(['a', 'b', 'a', 'b', 'a', 'c']), [3, 4, 5]);
    assert.deepEqual(lastRows(['a', 'a', 'b', 'b', 'b', 'a']), [4, 5]);
  });

  it('rowsByRun gathers each run’s rows in file order, whether they come in blocks or interleaved', () => {
    const byRun = rowsByRun(['a', 'a', 'b', 'a', 'b', 'b', 'c']);
    assert.deepEqual(
      [...byRun],
      [
        ['a', [0, 1, 3]],
        ['b', [2, 4, 5]],
        ['c', [6]],
      ],
    );
  });

  it('checkCurves finds steps that go back, repeat, and runs with one point', () => {
    const found = checkCurves(['a', 'a', 'b', 'b', 'c', 'd', 'd'], [1, 2, 2, 1, 5, 3, 3]);
    assert.deepEqual(
      found.map((f) => [f.problem.kind, f.problem.run, f.problem.row, f.runs]),
      [
        ['out-of-order', 'b', 3, 1],
        ['one-point', 'c', 4, 1],
        ['repeated', 'd', 6, 1],
      ],
    );
    assert.deepEqual(checkCurves(['a', 'a', 'b', 'b'], [1, 2, 1, 5]), []);
  });

  it('`last by run` keeps each run’s final row after `where`', async () => {
    const a = await study('  N: N\n  L: loss\n  where step <= 2\n  last by run along step');
    assert.deepEqual(a.diagnostics, []);
    const d = a.model.datasets.get('d')!;
    assert.deepEqual(Array.from(d.numeric.get('L')!), [4, 5, 6]);
    assert.deepEqual(d.text.get('run'), ['a', 'b', 'c']);
    assert.deepEqual(
      mapOrigins(d.origin, (o) => ('line' in o ? o.line : 0)),
      [4, 5, 9],
    );
  });

  it('a curve whose steps go back or repeat is an error at the dataset path naming the file and line', async () => {
    const back = await study('  L: loss\n  last by run along step', CURVES.replace('a,10,3,3.5', 'a,10,0,3.5'));
    assert.equal(back.diagnostics[0]?.code, 'scaling.curve-order');
    assert.match(back.diagnostics[0].message, /'curves.csv' line 6: run 'a' goes back from step 2 to 0/);
    assert.equal(back.text.slice(back.diagnostics[0].range.start, back.diagnostics[0].range.end), '"curves.csv"');
    assert.equal(back.model.datasets.get('d'), undefined);
    const twice = await study('  L: loss\n  last by run along step', CURVES.replace('b,20,2,5', 'b,20,1,5'));
    assert.match(twice.diagnostics[0].message, /run 'b' logs step 1 twice/);
    // After a `where` drops rows, the line is still the file's (run 'b' is rows 2-4 of what is kept).
    const kept = await study(
      '  L: loss\n  where run != "a"\n  last by run along step',
      CURVES.replace('b,20,2,5', 'b,20,1,5'),
    );
    assert.match(kept.diagnostics[0].message, /'curves.csv' line 5: run 'b' logs step 1 twice/);
  });

  it('a run with one logged point is a warning; the dataset still binds', async () => {
    const a = await study('  L: loss\n  last by run along step', CURVES + 'd,80,1,8\ne,90,7,8\n');
    assert.equal(a.diagnostics.length, 1);
    assert.equal(a.diagnostics[0].code, 'scaling.curve-one-point');
    assert.equal(a.diagnostics[0].severity, 'warning');
    assert.match(a.diagnostics[0].message, /line 10: run 'd' has one logged point \(and 1 more run\)/);
    assert.equal(a.model.datasets.get('d')?.rowCount, 5);
  });

  it('an unknown run or step column is named', async () => {
    const a = await study('  L: loss\n  last by model');
    assert.match(a.diagnostics[0].message, /no column 'model' to name its runs/);
    const b = await study('  L: loss\n  last by run along iter');
    assert.match(b.diagnostics[0].message, /no numeric column 'iter'/);
  });

  it('reads a Parquet file of curves the same way', async () => {
    const dir = path.resolve(__dirname, '../../fixtures/formats');
    const text = (f: string, fmt: string) =>
      `dataset d = ${fmt}("${path.join(dir, f)}") {\n  N: N\n  L: loss\n  last by run along step\n}\n`;
    const loader = diskLoader();
    const csv = await analyze(text('curves.csv', 'csv'), { loader });
    const pq = await analyze(text('curves.parquet', 'parquet'), { loader });
    assert.deepEqual(pq.diagnostics, []);
    assert.deepEqual(
      Array.from(pq.model.datasets.get('d')!.numeric.get('L')!),
      Array.from(csv.model.datasets.get('d')!.numeric.get('L')!),
    );
    assert.equal(pq.model.datasets.get('d')!.rowCount, 4);
  });
});
