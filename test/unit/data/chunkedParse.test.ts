// The chunked CSV/TSV parse (issue 15.2) gives the table the one-piece parse gives, wherever the
// chunks are cut: inside quoted fields, quoted newlines, CRLF pairs and multi-byte UTF-8 characters.
import assert from 'node:assert/strict';
import {
  cellsOf,
  numericColumn,
  parseDelimited,
  parseNumber,
  parseTable,
  type RawTable,
} from '../../../server/src/core/data/loader';

/**
 * What a table means to the binder: per column its numbers and bad rows (numericColumn), and the
 * text of the columns not read as numbers. A column read as numbers while parsing has no text of
 * its own (cellsOf writes the numbers out), so the text is compared only where both keep it.
 */
function meaning(t: RawTable) {
  return {
    columns: t.columns,
    lines: Array.from(t.lines),
    columnsData: t.columns.map((_, c) => {
      const { values, badRows } = numericColumn(t, c);
      return { values: Array.from(values, (v) => (Number.isNaN(v) ? 'NaN' : v)), badRows };
    }),
    text: t.columns.map((_, c) => (t.numbers?.[c] ? undefined : cellsOf(t, c))),
  };
}

const bytes = (s: string) => new TextEncoder().encode(s);

const SAMPLES: [string, string, 'csv' | 'tsv'][] = [
  ['quoted', 'name,x\r\n"a, ""b""",1\r\n"multi\nline",2\r\n\r\nlast,3\r\n', 'csv'],
  ['utf8', '\uFEFFmodèle,N\nαβγ,1e9\n日本語,70B\n"é\n\nè",3\n', 'csv'],
  ['tsv', 'a\tb\n1\t2\n\n3\t4', 'tsv'],
  ['short row', 'a,b\n1,2\n3,4\n5\n6,7\n', 'csv'],
  ['bad quote', 'a,b\n1,2\n3,4\n"5,6\n', 'csv'],
  ['plain', 'a,b\n1,2\n3,4\n', 'csv'],
  ['plain CRLF, blank lines, spaces', 'a,b\r\n1,2\r\n\r\n 3 ,4 \r\n\r\n5,6', 'csv'],
  ['plain, a blank-looking line', 'a,b\n1,2\n  \n3,4\n', 'csv'],
  ['lone carriage returns', 'a,b\r1,2\r3,4\r', 'csv'],
  ['trailing delimiter', 'a,b,\n1,2,\n', 'csv'],
  ['header only', 'a,b\n', 'csv'],
  ['empty lines only', '\n\n\n', 'csv'],
  ['missing, then numbers; text; a bad cell late', 'a,b,c,d\nNA,x,1,\n,y,2,\n3,z,oops,\n4,w,5,\n', 'csv'],
];

describe('chunked CSV parse', () => {
  for (const [name, text, format] of SAMPLES) {
    it(`${name}: every chunk size gives the one-piece table and error line`, async () => {
      const whole = parseTable('f.csv', text, format);
      for (const chunk of [1, 2, 3, 5, 8, 13, 1 << 20]) {
        const chunked = await parseDelimited('f.csv', bytes(text), format, chunk);
        if (whole.ok) {
          assert.ok(chunked.ok, `chunk ${chunk}: ${!chunked.ok && chunked.message}`);
          const expected = meaning(whole.table);
          const got = meaning(chunked.table);
          // The one-piece parse keeps every column as text: compare text only where both have it.
          got.text = got.text.map((t, c) => (t === undefined ? undefined : (expected.text[c] ?? t)));
          expected.text = expected.text.map((t, c) => (got.text[c] === undefined ? undefined : t));
          assert.deepEqual(got, expected, `chunk ${chunk}`);
        } else {
          assert.ok(!chunked.ok, `chunk ${chunk}`);
          assert.equal(chunked.line, whole.line, `chunk ${chunk}: ${chunked.message}`);
        }
      }
    });
  }

  it('reads number columns as numbers, with no string per cell, and keeps text columns and columns with a bad cell as text', async () => {
    const text = 'N,name,L,blank\n1e9,a,2.5,\n70B,b,NA,\n3,c,x,\n';
    for (const chunk of [3, 1 << 20]) {
      const r = await parseDelimited('f.csv', bytes(text), 'csv', chunk);
      assert.ok(r.ok);
      assert.deepEqual(Array.from(r.table.numbers?.[0] ?? []), [1e9, 70e9, 3], `chunk ${chunk}`);
      assert.deepEqual(r.table.cells[0], [], 'no strings kept for a numbers column');
      assert.equal(r.table.numbers?.[1], undefined);
      assert.deepEqual(r.table.cells[1], ['a', 'b', 'c']);
      // 'x' is neither number nor missing: the column is text as before, its cells as written or read.
      assert.equal(r.table.numbers?.[2], undefined);
      assert.deepEqual(r.table.cells[2], ['2.5', '', 'x']);
      assert.deepEqual(numericColumn(r.table, 2).badRows, [2]);
      assert.deepEqual(r.table.cells[3], ['', '', ''], 'a column of missing cells stays as written');
    }
  });

  it('reads plain decimals in place exactly as parseNumber reads their text', async () => {
    let seed = 7;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 10)).join('');
    const cells = ['0', '-0', '+5', '1.', '.5', '007', '0x10', '1e-400', '1e400', '9007199254740993', '70B'];
    for (let i = 0; i < 3000; i++) {
      const sign = ['', '-', '+'][Math.floor(rand() * 3)];
      const int = digits(Math.floor(rand() * 12));
      const frac = rand() < 0.6 ? '.' + digits(Math.floor(rand() * 12)) : '';
      const exp = rand() < 0.3 ? `e${['', '-', '+'][Math.floor(rand() * 3)]}${Math.floor(rand() * 40)}` : '';
      cells.push(sign + (int || '1') + frac + exp);
    }
    const r = await parseDelimited('f.csv', bytes('x\n' + cells.join('\n') + '\n'), 'csv');
    assert.ok(r.ok && r.table.numbers?.[0]);
    const got = Array.from(r.table.numbers[0]);
    assert.deepEqual(
      got.map((v, i) => [cells[i], v]).filter(([cell, v]) => !Object.is(v, parseNumber(cell as string))),
      [],
    );
  });

  it('names the line of an invalid UTF-8 byte in a later chunk', async () => {
    const good = bytes('a,b\n1,2\n3,4\n');
    const withBad = new Uint8Array([...good, 0xff, 0x2c, 0x35, 0x0a]);
    const r = await parseDelimited('f.csv', withBad, 'csv', 4);
    assert.ok(!r.ok);
    assert.equal(r.line, 4);
    assert.match(r.message, /not valid UTF-8 text \(line 4\)/);
  });

  it('yields to the event loop between chunks', async () => {
    const text = 'a,b\n' + '1,2\n'.repeat(10_000);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const r = await parseDelimited('f.csv', bytes(text), 'csv', 64);
    clearInterval(timer);
    assert.ok(r.ok && r.table.lines.length === 10_000);
    // 625 chunks with a macrotask yield after each: a timer can fire between them (0 when parsed in one go).
    assert.ok(ticks > 0, `timer ticks during the parse: ${ticks}`);
  });
});
