// Issue 15.2 and 15.7: loading is bounded by the memory it needs, and the data cache is bounded and
// evicted when no open study uses a file.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { parquetMetadata } from 'hyparquet';
import * as zlib from 'node:zlib';
import {
  DataLoader,
  delimitedMemory,
  LOAD_MEMORY,
  MEMORY_PER_FLAT_PARQUET_CELL,
  MEMORY_PER_PARQUET_CELL,
  WORKER_PARSE_MIN_BYTES,
} from '../../../server/src/core/data/loader';
import { MemoryHost } from '../../../server/src/core/data/memoryHost';
import { main } from '../../../server/src/cli';
import { DocumentStore } from '../../../server/src/lsp/documents';
import { normalizeSettings } from '../../../server/src/lsp/settings';

/** A CSV of about `mb` megabytes. */
function csvOf(mb: number): string {
  const row = '123456789,987654321,2.5\n';
  return 'params,tokens,loss\n' + row.repeat(Math.ceil((mb * 2 ** 20) / row.length));
}

describe('data memory bound and cache eviction', () => {
  it('refuses a file whose load would exceed the bound, saying how to proceed, and loads it under a larger bound', async () => {
    const host = new MemoryHost({ '/d/big.csv': csvOf(1) });
    // 1 MB of 24-byte rows of three numbers: the bytes, 32 bytes a row and 12 a number: ~3.8 MB.
    const small = new DataLoader(host, { maxMemoryMB: 3 });
    const r = await small.load('/d/big.csv', 'csv');
    assert.equal(r.ok, false);
    assert.match(
      !r.ok ? r.message : '',
      /^'\/d\/big\.csv' is 1 MB; loading it needs about 4 MB, over the 3 MB bound for data: filter the file to the runs the study uses, or raise the bound \(setting scalingStudio\.data\.maxMemoryMB, CLI --max-memory-mb\)$/,
    );
    assert.equal(host.reads.get('/d/big.csv'), 1, 'read (its cells are counted from its start), not parsed');
    // A file whose bytes alone exceed the bound is refused from its size, before any read.
    const tiny = new DataLoader(host, { maxMemoryMB: 0.5 });
    const early = await tiny.load('/d/big.csv', 'csv');
    assert.match(!early.ok ? early.message : '', /needs about 1 MB, over the 0\.5 MB bound/);
    assert.equal(host.reads.get('/d/big.csv'), 1, 'not read again');
    small.setMaxMemoryMB(5);
    assert.equal((await small.load('/d/big.csv', 'csv')).ok, true);
  });

  it('estimates a CSV from its rows, numbers and text cells: a numeric file well under a text-heavy one of the same size', () => {
    const numeric = new TextEncoder().encode(csvOf(1));
    const row = 'run-0001-abcdef,model-7,123456789\n';
    const text = new TextEncoder().encode('run,model,N\n' + row.repeat(Math.ceil(2 ** 20 / row.length)));
    const perByte = (b: Uint8Array) => delimitedMemory(b, 'csv') / b.length;
    // Numbers: 1 + (32 + 3 × 12) / 24 bytes a byte; text: two strings a row of 22 characters.
    assert.ok(Math.abs(perByte(numeric) - (1 + 68 / 24)) < 0.01, `numeric: ${perByte(numeric)}`);
    const textRow =
      LOAD_MEMORY.perRow + LOAD_MEMORY.perNumericCell + 2 * LOAD_MEMORY.perTextCell + 22 * LOAD_MEMORY.perTextChar;
    assert.ok(Math.abs(perByte(text) - (1 + textRow / row.length)) < 0.01, `text: ${perByte(text)}`);
    // A column counts as numeric only when every sampled cell is a number or missing.
    const mixed = new TextEncoder().encode('a\n1\nNA\n2\nx\n');
    const m = LOAD_MEMORY;
    // Four rows of one text cell, 5 characters in all ('1', 'NA', '2', 'x').
    assert.equal(delimitedMemory(mixed, 'csv'), mixed.length + 4 * m.perRow + 4 * m.perTextCell + 5 * m.perTextChar);
    // From the size the host parses in a worker, its overhead is counted once.
    const big = new TextEncoder().encode(csvOf(WORKER_PARSE_MIN_BYTES / 2 ** 20));
    assert.ok(delimitedMemory(big, 'csv') - perByte(numeric) * big.length > LOAD_MEMORY.overhead * 0.99);
  });

  it('keeps at most the bound in its cache, least recently used out first', async () => {
    const files = { '/d/a.csv': csvOf(0.25), '/d/b.csv': csvOf(0.25), '/d/c.csv': csvOf(0.25) };
    const host = new MemoryHost(files);
    // Each file is ~0.25 MB × 3.8 = 0.96 MB of estimated memory; 2 MB holds two of them.
    const loader = new DataLoader(host, { maxMemoryMB: 2 });
    const each = delimitedMemory(new TextEncoder().encode(files['/d/a.csv']), 'csv') / 2 ** 20;
    assert.ok(each * 2 < 2 && each * 3 > 2, `${each} MB a file`);
    await loader.load('/d/a.csv', 'csv');
    await loader.load('/d/b.csv', 'csv');
    await loader.load('/d/a.csv', 'csv'); // a is now the most recently used
    await loader.load('/d/c.csv', 'csv');
    assert.deepEqual(loader.cachedPaths().sort(), ['/d/a.csv', '/d/c.csv']);
    await loader.load('/d/b.csv', 'csv');
    assert.equal(host.reads.get('/d/b.csv'), 2, 'an evicted file is read again');
  });

  it('the editor evicts the files of a closed study that no open study names', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evict-'));
    try {
      fs.writeFileSync(path.join(dir, 'one.csv'), 'params,loss\n1,2\n');
      fs.writeFileSync(path.join(dir, 'two.csv'), 'params,loss\n1,2\n');
      const study = (f: string) => `dataset d = csv("${f}") {\n  N: params\n  L: loss\n}\n`;
      const host = new MemoryHost();
      for (const f of ['one.csv', 'two.csv']) host.write(path.join(dir, f), fs.readFileSync(path.join(dir, f)));
      const store = new DocumentStore(host);
      const uri = (n: string) => 'file://' + path.join(dir, n);
      await store.get({ uri: uri('a.scaling'), version: 1, getText: () => study('one.csv') });
      await store.get({ uri: uri('b.scaling'), version: 1, getText: () => study('two.csv') });
      assert.deepEqual(store.loader.cachedPaths().sort(), [path.join(dir, 'one.csv'), path.join(dir, 'two.csv')]);
      store.close(uri('a.scaling'));
      assert.deepEqual(store.loader.cachedPaths(), [path.join(dir, 'two.csv')]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the setting reaches the loader; the CLI obeys --max-memory-mb and rejects a bad value', async () => {
    assert.equal(normalizeSettings({ data: { maxMemoryMB: 64 } }).maxMemoryMB, 64);
    assert.equal(normalizeSettings({ data: { maxMemoryMB: -1 } }).maxMemoryMB, 2048);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-mem-'));
    try {
      fs.writeFileSync(path.join(dir, 'big.csv'), csvOf(1));
      const file = path.join(dir, 's.scaling');
      fs.writeFileSync(file, 'dataset d = csv("big.csv") {\n  N: params\n  L: loss\n}\n');
      const run = async (...args: string[]) => {
        let text = '';
        const sink = new Writable({
          write(chunk, _e, done) {
            text += String(chunk);
            done();
          },
        });
        const code = await main(args, sink, sink);
        return { code, text };
      };
      const refused = await run('check', file, '--max-memory-mb', '2');
      assert.equal(refused.code, 1);
      assert.match(
        refused.text,
        /s\.scaling:1:\d+: error scaling\.bad-data-file: '.*big\.csv' is 1 MB; loading it needs about 4 MB, over the 2 MB bound/,
      );
      const fine = await run('check', file, '--max-memory-mb', '100');
      assert.doesNotMatch(fine.text, /bad-data-file/);
      const bad = await run('check', file, '--max-memory-mb', 'lots');
      assert.equal(bad.code, 2);
      assert.match(bad.text, /--max-memory-mb takes a positive number of megabytes, not 'lots'/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('data memory bound: compressed data counted from its contents', () => {
  const fixture = (f: string) => fs.readFileSync(path.resolve(__dirname, '../../fixtures/formats', f));

  it('a Parquet file counts its file plus 24 bytes per cell read flat (rows x columns read), not 14x its size', async () => {
    const bytes = fixture('sweep.zstd.parquet');
    const rows = 8; // sweep.csv, its twin
    const wanted = new Set(['N', 'D', 'loss']);
    const needed = bytes.length + rows * wanted.size * MEMORY_PER_FLAT_PARQUET_CELL;
    assert.ok(needed < bytes.length * 14, 'the all-strings text estimate (14x) would refuse what fits');
    const load = (boundBytes: number) => {
      const host = new MemoryHost();
      host.write('/d/s.parquet', bytes);
      return new DataLoader(host, { maxMemoryMB: boundBytes / 2 ** 20 }).load('/d/s.parquet', 'parquet', wanted);
    };
    assert.equal((await load(needed)).ok, true, 'exactly at the bound: loads');
    const refused = await load(needed - 1);
    assert.equal(refused.ok, false);
    assert.match(!refused.ok ? refused.message : '', /loading it needs about 0 MB, over the 0\.\d+ MB bound for data/);
  });

  it('a Parquet column left to the generic reader (a timestamp) counts 64 bytes a cell, a flat one 24', async () => {
    const bytes = fixture('flat.parquet');
    const rows = Number(
      parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)).num_rows,
    );
    const wanted = new Set(['loss', 'at']); // a DOUBLE read flat, a TIMESTAMP through hyparquet
    const needed = bytes.length + rows * (MEMORY_PER_FLAT_PARQUET_CELL + MEMORY_PER_PARQUET_CELL);
    const load = (boundBytes: number) => {
      const host = new MemoryHost();
      host.write('/d/f.parquet', bytes);
      return new DataLoader(host, { maxMemoryMB: boundBytes / 2 ** 20 }).load('/d/f.parquet', 'parquet', wanted);
    };
    assert.equal((await load(needed)).ok, true, 'exactly at the bound: loads');
    assert.equal((await load(needed - 1)).ok, false, 'a byte less: refused');
  });

  it('a .gz may unpack only to what the bound allows: a small file of much text is refused, saying so', async () => {
    const text = csvOf(3); // 3 MB of text: ~12 MB to load
    const packed = zlib.gzipSync(text);
    assert.ok(packed.length < 0.5 * 2 ** 20, 'its packed size alone would pass a 2 MB bound');
    const host = new MemoryHost();
    host.write('/d/big.csv.gz', packed);
    // zlib stops at 2 MB less the packed bytes: every unpacked byte is held at least once.
    const tight = await new DataLoader(host, { maxMemoryMB: 2 }).load('/d/big.csv.gz', 'csv');
    assert.equal(tight.ok, false);
    assert.match(
      !tight.ok ? tight.message : '',
      /^'big\.csv\.gz': it unpacks to over 2 MB, and loading that needs more than the 2 MB bound for data: filter the file/,
    );
    // Unpacked within the bound, its cells are counted before it is parsed.
    const counted = await new DataLoader(host, { maxMemoryMB: 4 }).load('/d/big.csv.gz', 'csv');
    assert.match(
      !counted.ok ? counted.message : '',
      /^'\/d\/big\.csv\.gz' unpacks to 3 MB; loading it needs about 12 MB, over the 4 MB bound/,
    );
    assert.equal((await new DataLoader(host, { maxMemoryMB: 20 }).load('/d/big.csv.gz', 'csv')).ok, true);
  });

  it('the files of a glob are counted together', async () => {
    // Each ~0.25 MB file needs ~0.96 MB; three need ~2.9 MB, over a 2.5 MB bound that fits each alone
    // (their bytes alone, 0.75 MB, do not tell: they are counted as they are read).
    const files = { '/d/runs/a.csv': csvOf(0.25), '/d/runs/b.csv': csvOf(0.25), '/d/runs/c.csv': csvOf(0.25) };
    const host = new MemoryHost(files);
    const loader = new DataLoader(host, { maxMemoryMB: 2.5 });
    const all = await loader.loadMany(Object.keys(files), '/d/runs', 'csv');
    assert.equal(all.ok, false);
    assert.match(
      !all.ok ? all.message : '',
      /^the 3 files under '\/d\/runs' need about 3 MB together, over the 2\.5 MB bound/,
    );
    // Bytes alone over the bound: refused before any read.
    const before = await new DataLoader(host, { maxMemoryMB: 0.5 }).loadMany(Object.keys(files), '/d/runs', 'csv');
    assert.match(!before.ok ? before.message : '', /need about 1 MB together, over the 0\.5 MB bound/);
    assert.equal((await loader.loadMany(Object.keys(files).slice(0, 2), '/d/runs', 'csv')).ok, true);
  });
});
