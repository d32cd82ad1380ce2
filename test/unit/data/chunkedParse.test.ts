// The chunked CSV/TSV parse (issue 15.2) gives the table the one-piece parse gives, wherever the
// chunks are cut: inside quoted fields, quoted newlines, CRLF pairs and multi-byte UTF-8 characters.
import assert from 'node:assert/strict';
import { parseDelimited, parseTable } from '../../../server/src/core/data/loader';

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
];

describe('chunked CSV parse', () => {
  for (const [name, text, format] of SAMPLES) {
    it(`${name}: every chunk size gives the one-piece table and error line`, async () => {
      const whole = parseTable('f.csv', text, format);
      for (const chunk of [1, 2, 3, 5, 8, 13, 1 << 20]) {
        const chunked = await parseDelimited('f.csv', bytes(text), format, chunk);
        if (whole.ok) {
          assert.ok(chunked.ok, `chunk ${chunk}: ${!chunked.ok && chunked.message}`);
          assert.deepEqual(chunked.table, whole.table, `chunk ${chunk}`);
        } else {
          assert.ok(!chunked.ok, `chunk ${chunk}`);
          assert.equal(chunked.line, whole.line, `chunk ${chunk}: ${chunked.message}`);
        }
      }
    });
  }

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
