import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { MAX_FILE_BYTES, parseNumber, parseTable } from '../../../server/src/core/data/loader';
import { diskLoader } from '../hosts';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'scaling-loader-'));
}

describe('data loader', () => {
  it('parses numbers with SI suffixes, exponents and infinities; junk is NaN', async () => {
    assert.equal(parseNumber('70B'), 70e9);
    assert.equal(parseNumber('1.4T'), 1.4e12);
    assert.equal(parseNumber(' 5.76e23 '), 5.76e23);
    assert.equal(parseNumber('-inf'), -Infinity);
    assert.ok(Number.isNaN(parseNumber('')));
    assert.ok(Number.isNaN(parseNumber('12abc')));
    assert.ok(Number.isNaN(parseNumber('B')));
  });

  it('reads SI-suffixed numbers exactly as the old pattern did (now without a regex)', async () => {
    const old = (cell: string): number => {
      const s = cell.trim();
      if (s === '') return NaN;
      const n = Number(s);
      if (!Number.isNaN(n)) return n;
      const m = /^([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)([KMBGT])$/.exec(s);
      if (m) return Number(m[1]) * { K: 1e3, M: 1e6, B: 1e9, G: 1e9, T: 1e12 }[m[2] as 'K'];
      return parseNumber(s); // nan / inf spellings: unchanged code
    };
    const chars = fc.constantFrom(...'0123456789.eE+-KMBGTx '.split(''));
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 9 }), (cs) => {
        const s = cs.join('');
        assert.ok(Object.is(parseNumber(s), old(s)), `'${s}': ${parseNumber(s)} vs ${old(s)}`);
      }),
      { numRuns: 20_000, seed: 15 },
    );
    for (const s of ['1.K', '.5M', '1e3B', '-2.5e-3T', '+7G', '.K', '1e+K', '1eK'])
      assert.ok(Object.is(parseNumber(s), old(s)), s);
  });

  it('handles header-only, quoted fields with commas and newlines, and CRLF', async () => {
    const headerOnly = parseTable('h.csv', 'a,b\n', 'csv');
    assert.ok(headerOnly.ok);
    assert.equal(headerOnly.table.lines.length, 0);
    const quoted = parseTable('q.csv', 'name,x\r\n"a, ""b""",1\r\n"multi\nline",2\r\nlast,3\r\n', 'csv');
    assert.ok(quoted.ok);
    assert.deepEqual(quoted.table.cells[0], ['a, "b"', 'multi\nline', 'last']);
    // Line numbers follow quoted newlines: the third record starts on line 5.
    assert.deepEqual(quoted.table.lines, [2, 3, 5]);
  });

  it('reports an unterminated quote with its line', async () => {
    const r = parseTable('u.csv', 'a,b\n1,2\n"3,4\n', 'csv');
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.message : '', /u\.csv/);
  });

  it('caches by path and modification time, and reloads when the file changes', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'd.csv');
    fs.writeFileSync(file, 'x\n1\n');
    const loader = diskLoader();
    const first = await loader.load(file, 'csv');
    assert.equal(await loader.load(file, 'csv'), first, 'second load is the cached object');
    fs.writeFileSync(file, 'x\n1\n2\n');
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(file, later, later);
    const second = await loader.load(file, 'csv');
    assert.notEqual(second, first);
    assert.ok(second.ok && second.table.lines.length === 2);
  });

  it('refuses a file over the size limit without reading it (a sparse 1 GB file)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'huge.csv');
    const fd = fs.openSync(file, 'w');
    fs.ftruncateSync(fd, 1024 ** 3); // sparse: takes no disk, but stat says 1 GiB
    fs.closeSync(fd);
    assert.ok(1024 ** 3 > MAX_FILE_BYTES);
    const before = process.memoryUsage().rss;
    const r = await diskLoader().load(file, 'csv');
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.message : '', /huge\.csv' is 1024 MB; files over 512 MB are not loaded/);
    // It was refused from its size alone: nothing near a gigabyte was read.
    assert.ok(process.memoryUsage().rss - before < 100 * 2 ** 20);
  });

  it('names a symlink loop, a folder and a missing file', async () => {
    const dir = tempDir();
    fs.symlinkSync(path.join(dir, 'b'), path.join(dir, 'a'));
    fs.symlinkSync(path.join(dir, 'a'), path.join(dir, 'b'));
    const loader = diskLoader();
    const loop = await loader.load(path.join(dir, 'a'), 'csv');
    assert.match(!loop.ok ? loop.message : '', /symbolic link loop/);
    const folder = await loader.load(dir, 'csv');
    assert.match(!folder.ok ? folder.message : '', /not a file/);
    const missing = await loader.load(path.join(dir, 'nope.csv'), 'csv');
    assert.match(!missing.ok ? missing.message : '', /^file not found/);
  });
});
