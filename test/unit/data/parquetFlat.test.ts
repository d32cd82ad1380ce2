// The Parquet fast path (core/data/parquetFlat.ts) must read every column exactly as hyparquet's
// generic reader does (through parseParquet's conversion): files written by DuckDB (data pages v1 and
// v2, PLAIN, dictionaries, the v2 encodings, nulls, three row groups) and by hyparquet-writer (several
// pages per column chunk, REQUIRED columns). See test/fixtures/formats/make-flat-fixtures.mjs and
// make-pages-fixture.mjs. Comparisons are exact (Object.is per number): both read the same bits.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parquetMetadata, parquetSchema } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { compressors } from 'hyparquet-compressors';
import type { LoadResult, RawTable } from '../../../server/src/core/data/loader';
import { parseParquet } from '../../../server/src/core/data/parquet';
import { flatReading, NotFlat, readFlatColumn } from '../../../server/src/core/data/parquetFlat';

const dir = path.resolve(__dirname, '../../fixtures/formats');
const bytesOf = (f: string) => new Uint8Array(fs.readFileSync(path.join(dir, f)));

function table(r: LoadResult): RawTable {
  if (!r.ok) assert.fail(r.message);
  return r.table;
}

/** The file through the fast path, noting the columns it read; and through the generic path alone. */
async function bothWays(file: string): Promise<{ fast: RawTable; generic: RawTable; readFast: string[] }> {
  const readFast: string[] = [];
  const fast = table(
    await parseParquet(file, bytesOf(file), undefined, undefined, async (buffer, metadata, column, compressors) => {
      const read = await readFlatColumn(buffer, metadata, column, compressors);
      readFast.push(column.element.name);
      return read;
    }),
  );
  const generic = table(
    await parseParquet(file, bytesOf(file), undefined, undefined, () =>
      Promise.reject(new NotFlat('fast path refused')),
    ),
  );
  return { fast, generic, readFast };
}

function assertSameTable(a: RawTable, b: RawTable, except: string[] = []): void {
  assert.deepEqual(a.columns, b.columns);
  assert.deepEqual(a.lines, b.lines);
  for (const [c, name] of a.columns.entries()) {
    if (except.includes(name)) continue;
    const x = a.numbers?.[c];
    const y = b.numbers?.[c];
    assert.equal(x === undefined, y === undefined, `column ${name}: numbers in one, text in the other`);
    if (x && y) {
      assert.equal(x.length, y.length, name);
      for (let r = 0; r < x.length; r++) {
        if (!Object.is(x[r], y[r])) assert.fail(`column ${name} row ${r + 1}: ${x[r]} vs ${y[r]}`);
      }
    } else assert.deepEqual(a.cells[c], b.cells[c], name);
  }
}

/** Every page of every chunk of a column: [type, encoding] per page. */
function pagesOf(file: string, column: string): string[][] {
  const bytes = bytesOf(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const chunks = parquetMetadata(buffer).row_groups.map(
    (g) => g.columns.find((c) => c.meta_data?.path_in_schema[0] === column)!.meta_data!,
  );
  return chunks.map((m) => {
    const start = Number(m.dictionary_page_offset || m.data_page_offset);
    const reader = { view: new DataView(buffer, start, Number(m.total_compressed_size)), offset: 0 };
    const pages: string[] = [];
    while (reader.offset < reader.view.byteLength) {
      const h = parquetHeader(reader);
      pages.push(`${h.type} ${(h.data_page_header ?? h.data_page_header_v2)?.encoding ?? ''}`.trim());
      reader.offset += h.compressed_page_size;
    }
    return pages;
  });
}

const nullsIn = (t: RawTable, column: string): number => {
  const c = t.columns.indexOf(column);
  const numbers = t.numbers?.[c];
  return numbers ? numbers.filter((v) => Number.isNaN(v)).length : t.cells[c].filter((s) => s === '').length;
};

const FAST_DUCKDB = [
  'run',
  'label',
  'step',
  'N',
  'big',
  'huge',
  'loss',
  'i32',
  'f32',
  'final',
  'lr',
  'frac',
  'u32',
  'u64',
  'nothing',
];

describe('Parquet fast path: flat columns straight into typed arrays', () => {
  it('reads a DuckDB file (pages v1: PLAIN, dictionaries, nulls, 3 row groups) exactly as the generic path', async () => {
    const { fast, generic, readFast } = await bothWays('flat.parquet');
    assert.deepEqual(readFast, FAST_DUCKDB);
    assertSameTable(fast, generic);
    // The file holds what this test is about.
    assert.equal(parquetMetadata(bytesOf('flat.parquet').buffer as ArrayBuffer).row_groups.length, 3);
    assert.deepEqual(pagesOf('flat.parquet', 'run')[0], ['DICTIONARY_PAGE', 'DATA_PAGE PLAIN_DICTIONARY']);
    assert.deepEqual(pagesOf('flat.parquet', 'N')[1], ['DICTIONARY_PAGE', 'DATA_PAGE PLAIN_DICTIONARY']);
    assert.deepEqual(pagesOf('flat.parquet', 'label')[2], ['DATA_PAGE PLAIN']);
    for (const c of ['run', 'N', 'loss', 'final', 'lr']) assert.ok(nullsIn(fast, c) > 0, `${c} has nulls`);
    assert.equal(nullsIn(fast, 'nothing'), 5000);
  });

  it('reads the same rows written with pages v2 encodings (DELTA_BINARY_PACKED, BYTE_STREAM_SPLIT, DELTA_LENGTH_BYTE_ARRAY)', async () => {
    const { fast, generic, readFast } = await bothWays('flat.v2.parquet');
    assert.deepEqual(readFast, FAST_DUCKDB);
    // hyparquet 1.33 misreads DELTA_BINARY_PACKED INT32 values of 2^31 and more (u32 holds 4e9 + i:
    // it gives 4e9 + i − 2^31); the fast path decodes them in 64 bits. Every column, u32 too, equals
    // the v1 file's.
    assertSameTable(fast, generic, ['u32']);
    assert.equal(generic.numbers![generic.columns.indexOf('u32')]![0], 4e9 - 2 ** 31);
    assertSameTable(fast, table(await parseParquet('flat.parquet', bytesOf('flat.parquet'), undefined)));
    assert.deepEqual(pagesOf('flat.v2.parquet', 'step')[0], ['DATA_PAGE DELTA_BINARY_PACKED']);
    assert.deepEqual(pagesOf('flat.v2.parquet', 'loss')[0], ['DATA_PAGE BYTE_STREAM_SPLIT']);
    assert.deepEqual(pagesOf('flat.v2.parquet', 'label')[0], ['DATA_PAGE DELTA_LENGTH_BYTE_ARRAY']);
  });

  it('reads several pages per chunk, DATA_PAGE_V2 and REQUIRED columns (hyparquet-writer) exactly as the generic path', async () => {
    const { fast, generic, readFast } = await bothWays('pages.parquet');
    assert.deepEqual(readFast, ['run', 'step', 'loss', 'N', 'tag', 'x', 'k', 'ok']);
    assertSameTable(fast, generic);
    const runPages = pagesOf('pages.parquet', 'run');
    assert.equal(runPages.length, 3);
    assert.equal(runPages[0][0], 'DICTIONARY_PAGE');
    assert.ok(runPages[0].filter((p) => p === 'DATA_PAGE_V2 RLE_DICTIONARY').length >= 3, 'a dictionary spans pages');
    assert.ok(pagesOf('pages.parquet', 'x')[0].length >= 3);
    const schema = parquetSchema(parquetMetadata(bytesOf('pages.parquet').buffer as ArrayBuffer)).children;
    assert.equal(schema.find((c) => c.element.name === 'step')?.element.repetition_type, 'REQUIRED');
    for (const c of ['N', 'tag', 'x', 'k', 'ok']) assert.ok(nullsIn(fast, c) > 0, `${c} has nulls`);
  });

  it('gives the values the SQL wrote, independently of hyparquet: nulls, INT64 beyond 2^53, unsigned, DECIMAL, BOOLEAN', async () => {
    const t = table(await parseParquet('flat.parquet', bytesOf('flat.parquet'), undefined));
    const num = (c: string) => t.numbers![t.columns.indexOf(c)]!;
    const text = (c: string) => t.cells[t.columns.indexOf(c)];
    for (const i of [0, 5, 2047, 2048, 4999]) {
      assert.equal(text('run')[i], i % 97 === 5 ? '' : `run-${Math.floor(i / 250)}`);
      assert.equal(text('label')[i], `row ${i}${i % 2 === 0 ? ' ünï' : ''}`);
      assert.equal(num('step')[i], i);
      assert.ok(i % 11 === 3 ? Number.isNaN(num('N')[i]) : num('N')[i] === 1e7 * (1 + Math.floor(i / 250)));
      assert.equal(num('big')[i], i * 1234567891 - 3e12);
      assert.equal(num('huge')[i], Number(4611686018427387904n + BigInt(i) * 1000003n));
      assert.equal(num('i32')[i], i - 2000);
      assert.equal(num('f32')[i], Math.fround(i / 7));
      assert.ok(i % 17 === 0 ? Number.isNaN(num('final')[i]) : num('final')[i] === (i % 3 === 0 ? 1 : 0));
      assert.ok(i % 19 === 0 ? Number.isNaN(num('lr')[i]) : num('lr')[i] === Math.round(i * 1000) / 1e6);
      assert.equal(num('frac')[i], (i % 200) - 100 === 0 ? 0 : ((i % 200) - 100) / 100);
      assert.equal(num('u32')[i], 4e9 + i);
      assert.equal(num('u64')[i], Number(18000000000000000000n + BigInt(i)));
    }
    assert.ok(Number.isNaN(num('loss')[0]) && num('loss')[1] === 2.5 + 1 / 2);
  });

  it('leaves dates, timestamps and wide decimals to the generic path, which reads them as before', async () => {
    const schema = parquetSchema(parquetMetadata(bytesOf('flat.parquet').buffer as ArrayBuffer)).children;
    const left = schema.filter((c) => !flatReading(c)).map((c) => c.element.name);
    assert.deepEqual(left, ['at', 'day', 'wide']);
    const t = table(await parseParquet('flat.parquet', bytesOf('flat.parquet'), new Set(['at', 'day', 'wide'])));
    assert.equal(t.cells[0][61], '2024-01-01T01:01:00.000Z');
    assert.equal(t.cells[1][31], '2024-02-01T00:00:00.000Z');
    assert.equal(t.numbers![2]![3], 4.5);
  });

  it('a column the fast path cannot read falls back to the generic path for that column only', async () => {
    const refused: string[] = [];
    const t = table(
      await parseParquet('flat.parquet', bytesOf('flat.parquet'), undefined, undefined, async (b, m, column, z) => {
        if (column.element.name === 'N' || column.element.name === 'run') {
          refused.push(column.element.name);
          throw new NotFlat('not this one');
        }
        return readFlatColumn(b, m, column, z);
      }),
    );
    assert.deepEqual(refused, ['run', 'N']);
    assertSameTable(t, table(await parseParquet('flat.parquet', bytesOf('flat.parquet'), undefined)));
  });

  it('lets the event loop run after each row group of each column (a hover need not wait for the whole file)', async () => {
    let turns = 0;
    let reading = true;
    const turn = () => {
      if (!reading) return;
      turns++;
      setImmediate(turn);
    };
    setImmediate(turn);
    table(await parseParquet('flat.parquet', bytesOf('flat.parquet'), new Set(['run', 'step', 'loss'])));
    reading = false;
    assert.ok(turns >= 3 * 3 - 1, `${turns} turns of the event loop`); // 3 columns × 3 row groups
  });

  it('damaged page bytes are a diagnostic naming the file, not wrong numbers', async () => {
    const bytes = bytesOf('flat.parquet');
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const loss = parquetMetadata(buffer).row_groups[1].columns.find((c) => c.meta_data?.path_in_schema[0] === 'loss')!;
    const start = Number(loss.meta_data!.data_page_offset);
    const damaged = new Uint8Array(bytes);
    // Past the page header, into the compressed values.
    for (let i = start + 40; i < start + 80; i++) damaged[i] ^= 0x5a;
    const metadata = parquetMetadata(damaged.buffer);
    const column = parquetSchema(metadata).children.find((c) => c.element.name === 'loss')!;
    await assert.rejects(readFlatColumn(damaged.buffer, metadata, column, compressors), /RLE value 91/);
    // Reported from the fast path: hyparquet's generic reader, given this page, does not return.
    const r = await parseParquet('flat.parquet', damaged, new Set(['loss']));
    assert.equal(r.ok, false);
    if (!r.ok)
      assert.match(
        r.message,
        /'flat\.parquet' is a damaged or truncated Parquet file \(RLE value 91 wider than 1 bits\)/,
      );
  });

  it('an error of the fast path other than NotFlat is reported as damage, not retried', async () => {
    const r = await parseParquet('flat.parquet', bytesOf('flat.parquet'), new Set(['loss']), undefined, () =>
      Promise.reject(new RangeError('Offset is outside the bounds of the DataView')),
    );
    assert.deepEqual(r, {
      ok: false,
      message: "'flat.parquet' is a damaged or truncated Parquet file (Offset is outside the bounds of the DataView)",
    });
  });
});
