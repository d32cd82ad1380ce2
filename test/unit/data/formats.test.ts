// Parquet, gzip and globs: files written by independent writers (DuckDB, node's zlib; see
// test/fixtures/formats/make-fixtures.mjs) must give exactly the numbers of their CSV twins.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cellsOf, numericColumn, type LoadResult, type RawTable } from '../../../server/src/core/data/loader';
import { analyze } from '../../../server/src/core/study';
import { diskLoader, memoryLoader } from '../hosts';

const dir = path.resolve(__dirname, '../../fixtures/formats');
const at = (f: string) => path.join(dir, f);

function table(r: LoadResult): RawTable {
  if (!r.ok) assert.fail(r.message);
  return r.table;
}

/** Each column of `b` equals `a`'s: numbers exactly (empty cells at the same rows), text as text. */
function assertSameData(a: RawTable, b: RawTable, numericColumns: string[], textColumns: string[]): void {
  assert.equal(a.lines.length, b.lines.length);
  for (const c of numericColumns) {
    const x = numericColumn(a, a.columns.indexOf(c));
    const y = numericColumn(b, b.columns.indexOf(c));
    assert.ok(a.columns.includes(c) && b.columns.includes(c), c);
    assert.deepEqual(Array.from(y.values), Array.from(x.values), `column ${c}`);
    assert.deepEqual(
      cellsOf(a, a.columns.indexOf(c)).map((s) => s === ''),
      cellsOf(b, b.columns.indexOf(c)).map((s) => s === ''),
      `empty cells of ${c}`,
    );
  }
  for (const c of textColumns) assert.deepEqual(b.cells[b.columns.indexOf(c)], a.cells[a.columns.indexOf(c)], c);
}

describe('data formats: Parquet', () => {
  const loader = diskLoader();
  for (const codec of ['snappy', 'gzip', 'zstd']) {
    it(`a ${codec} Parquet file written by DuckDB equals its CSV twin (INT64, DECIMAL, BOOLEAN, nulls)`, async () => {
      const csv = table(await loader.load(at('sweep.csv'), 'csv'));
      const pq = table(await loader.load(at(`sweep.${codec}.parquet`), 'parquet'));
      assertSameData(csv, pq, ['N', 'D', 'loss', 'lr', 'final'], ['run']);
      // The nulls are where the CSV has empty cells (row d's loss, row e's lr).
      assert.equal(cellsOf(pq, pq.columns.indexOf('loss'))[3], '');
      assert.equal(cellsOf(pq, pq.columns.indexOf('lr'))[4], '');
    });
  }

  it('decodes only the columns the study could mean, and lists the rest', async () => {
    const pq = table(await diskLoader().load(at('sweep.zstd.parquet'), 'parquet', new Set(['N', 'loss', 'other'])));
    assert.deepEqual(pq.columns, ['N', 'loss']);
    assert.deepEqual(pq.fileColumns, ['run', 'N', 'D', 'loss', 'lr', 'final']);
  });

  it('a later request for more columns decodes them (the cache does not answer with too few)', async () => {
    const l = diskLoader();
    assert.deepEqual(table(await l.load(at('sweep.snappy.parquet'), 'parquet', new Set(['N']))).columns, ['N']);
    assert.deepEqual(table(await l.load(at('sweep.snappy.parquet'), 'parquet', new Set(['N', 'D']))).columns, [
      'N',
      'D',
    ]);
  });

  it('a study over a Parquet file fits the same rows as over the CSV', async () => {
    const study = (file: string, format: string, where: string) =>
      `dataset d = ${format}("${file}") {\n  N: N\n  D: D\n  L: loss\n${where}}\n` +
      'law l: L = E + A / N^a {\n  fit d\n}\n';
    // Row d has an empty loss, a missing value (issue 10): the CSV says line 5, the Parquet file row 4,
    // and both leave the row out of the law with the same warning.
    const csv = await analyze(study(at('sweep.csv'), 'csv', ''), { loader });
    const pq = await analyze(study(at('sweep.zstd.parquet'), 'parquet', ''), { loader });
    const missing = (a: typeof csv) => a.diagnostics.find((d) => d.code === 'scaling.missing-value')?.message ?? '';
    assert.match(missing(csv), /1 row\(s\) miss a value of .*L.* \('sweep.csv' line 5\)/);
    assert.match(missing(pq), /1 row\(s\) miss a value of .*L.* \('sweep.zstd.parquet' row 4\)/);
    // A `where` that drops the row leaves nothing to warn about, in both.
    for (const format of ['csv', 'parquet'] as const) {
      const file = format === 'csv' ? 'sweep.csv' : 'sweep.zstd.parquet';
      const a = await analyze(study(at(file), format, '  where loss > 0\n'), { loader });
      assert.deepEqual(
        a.diagnostics.filter((d) => d.code === 'scaling.missing-value'),
        [],
        format,
      );
      const law = a.model.laws[0];
      assert.deepEqual(
        Array.from(law.data.numeric.get('L') ?? []),
        Array.from(csv.model.laws[0].data.numeric.get('L') ?? []).filter((v) => v > 0),
      );
    }
  });

  it('a nested (list) column the study uses is a diagnostic naming the file and column', async () => {
    const r = await diskLoader().load(at('nested.parquet'), 'parquet', new Set(['N', 'losses']));
    assert.ok(!r.ok);
    assert.match(r.message, /nested\.parquet': column 'losses' is a nested or list column/);
    // Not used: the file reads.
    assert.ok((await diskLoader().load(at('nested.parquet'), 'parquet', new Set(['N']))).ok);
  });

  it('a truncated or non-Parquet file is a diagnostic at the dataset line, the rest of the study works', async () => {
    const text = [
      `dataset bad = parquet("${at('truncated.parquet')}")`,
      `dataset notpq = parquet("${at('sweep.csv')}")`,
      `dataset good = csv("${at('sweep.csv')}") { N: N }`,
      '',
    ].join('\n');
    const a = await analyze(text, { loader: diskLoader() });
    const errors = a.diagnostics.filter((d) => d.severity === 'error');
    assert.equal(errors.length, 2, errors.map((d) => d.message).join('\n'));
    assert.match(errors[0].message, /truncated\.parquet' is not a readable Parquet file/);
    assert.equal(a.lines.position(errors[0].range.start).line, 0);
    assert.match(errors[1].message, /sweep\.csv' is not a readable Parquet file/);
    assert.equal(a.model.datasets.get('good')?.rowCount, 8);
  });
});

describe('data formats: gzip', () => {
  it('a .csv.gz equals its plain twin, a .parquet.gz its Parquet twin', async () => {
    const loader = diskLoader();
    const csv = table(await loader.load(at('sweep.csv'), 'csv'));
    assertSameData(csv, table(await loader.load(at('sweep.csv.gz'), 'csv')), ['N', 'D', 'loss', 'lr'], ['run']);
    assertSameData(
      csv,
      table(await loader.load(at('sweep.snappy.parquet.gz'), 'parquet')),
      ['N', 'D', 'loss', 'lr', 'final'],
      ['run'],
    );
  });

  it('a .gz that is not gzip, and a truncated gzip, are diagnostics naming the file', async () => {
    const whole = fs.readFileSync(at('sweep.csv.gz'));
    const { loader } = memoryLoader();
    (loader.host as import('../../../server/src/core/data/memoryHost').MemoryHost).write(
      '/w/cut.csv.gz',
      whole.subarray(0, 40),
    );
    const a = await analyze(`dataset x = csv("${at('notgzip.csv.gz')}")\ndataset y = csv("/w/cut.csv.gz")\n`, {
      loader: diskLoader(),
    });
    assert.match(a.diagnostics[0].message, /'notgzip\.csv\.gz' ends in \.gz but is not gzip data/);
    const cut = await loader.load('/w/cut.csv.gz', 'csv');
    assert.ok(!cut.ok);
    assert.match(cut.message, /'cut\.csv\.gz': the gzip data is damaged or truncated/);
  });
});

describe('data formats: globs', () => {
  it('a glob over per-run CSVs equals the concatenated file, with a file column', async () => {
    const loader = diskLoader();
    const whole = table(await loader.load(at('curves.csv'), 'csv'));
    const text = `dataset c = csv("${at('runs/*.csv')}") {\n  N: N\n  L: loss\n  where file != "r2.csv"\n}\n`;
    const a = await analyze(text, { loader });
    assert.deepEqual(a.diagnostics, []);
    const c = a.model.datasets.get('c')!;
    assert.equal(c.rowCount, whole.lines.length - 5);
    const keep = whole.cells[0].map((run) => run !== 'r2');
    assert.deepEqual(
      Array.from(c.numeric.get('L')!),
      Array.from(numericColumn(whole, whole.columns.indexOf('loss')).values).filter((_, i) => keep[i]),
    );
    assert.deepEqual([...new Set(c.text.get('file'))], ['r1.csv', 'r3.csv', 'r4.csv']);
    // Each row points at its own file.
    assert.equal(path.basename((c.origin.at(0) as { file: string }).file), 'r1.csv');
  });

  it('a glob matching nothing is a diagnostic at the path', async () => {
    const a = await analyze(`dataset c = csv("${at('runs/*.tsv')}")\n`, { loader: diskLoader() });
    assert.equal(a.diagnostics[0]?.code, 'scaling.no-match');
    assert.match(a.diagnostics[0].message, /no file matches '.*runs\/\*\.tsv'/);
  });

  it('files whose columns differ are named', async () => {
    const { loader } = memoryLoader({ '/w/a.csv': 'x,y\n1,2\n', '/w/b.csv': 'x,z\n1,2\n' });
    const a = await analyze('dataset c = csv("*.csv")\n', { loader, baseDir: '/w' });
    assert.match(a.diagnostics[0].message, /'b\.csv' has no column 'y'/);
  });

  it('in Restricted Mode a glob whose folder is outside the workspace is refused, and so is each file outside', async () => {
    const { loader } = memoryLoader({ '/w/a.csv': 'x\n1\n', '/out/b.csv': 'x\n2\n' });
    const allowed = (p: string) =>
      p.startsWith('/w/') || p === '/w' ? undefined : `'${p}' is outside the workspace folder`;
    const up = await analyze('dataset c = csv("../out/*.csv")\n', { loader, baseDir: '/w', isPathAllowed: allowed });
    assert.equal(up.diagnostics[0]?.code, 'scaling.path-refused');
    assert.match(up.diagnostics[0].message, /'\/out' is outside/);
    // A pattern whose folder is inside but which reaches a file outside (here: any path under /).
    const all = await analyze('dataset c = csv("/**/*.csv")\n', { loader, baseDir: '/w', isPathAllowed: allowed });
    assert.equal(all.diagnostics[0]?.code, 'scaling.path-refused');
    const inside = await analyze('dataset c = csv("*.csv")\n', { loader, baseDir: '/w', isPathAllowed: allowed });
    assert.deepEqual(inside.diagnostics, []);
  });
});

describe('data formats: the editor follows a glob', () => {
  it('usesFile knows a file that matches (or newly matches) a pattern, and no other', async () => {
    const { DocumentStore } = await import('../../../server/src/lsp/documents');
    const { MemoryHost } = await import('../../../server/src/core/data/memoryHost');
    const host = new MemoryHost({ '/w/runs/a.csv': 'x\n1\n' });
    const store = new DocumentStore(host, () => '/w');
    const uri = 'file:///w/study.scaling';
    await store.get({ uri, version: 1, getText: () => 'dataset c = csv("runs/*.csv")\n' });
    assert.ok(store.usesFile(uri, '/w/runs/a.csv'));
    assert.ok(store.usesFile(uri, '/w/runs/new.csv'), 'a file that starts matching');
    assert.ok(!store.usesFile(uri, '/w/runs/a.tsv'));
    assert.ok(!store.usesFile(uri, '/w/other/a.csv'));
  });
});
