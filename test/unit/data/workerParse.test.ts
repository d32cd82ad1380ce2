// A CSV/TSV parsed in the worker thread (host/workerParse.ts, issue 15.2) is the table the in-thread
// parse gives: the same columns, numbers, text cells, bad cells, missing values and line numbers, and
// the same error at the same line for a ragged row or a broken quote.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataLoader, parseDelimited, type LoadResult, type RawTable } from '../../../server/src/core/data/loader';
import { NodeHost } from '../../../server/src/host/nodeHost';
import { fromWire, parseInWorker, toWire, type WireMessage } from '../../../server/src/host/workerParse';

const bytes = (s: string) => new TextEncoder().encode(s);

/** Everything a table holds, in plain arrays (NaN as a string so deepEqual tells it apart). */
function plain(t: RawTable) {
  return {
    path: t.path,
    columns: t.columns,
    cells: t.cells,
    lines: Array.from(t.lines),
    numbers: t.numbers?.map((n) => n && Array.from(n, (v) => (Number.isNaN(v) ? 'NaN' : v))),
  };
}

function assertSame(got: LoadResult, expected: LoadResult, what: string): void {
  if (expected.ok) {
    assert.ok(got.ok, `${what}: ${!got.ok && got.message}`);
    assert.deepEqual(plain(got.table), plain(expected.table), what);
  } else {
    assert.ok(!got.ok, what);
    assert.equal(got.message, expected.message, what);
    assert.equal(got.line, expected.line, what);
  }
}

const SAMPLES: [string, string, 'csv' | 'tsv'][] = [
  ['numbers, text, missing values, bad cells', 'N,name,L,blank\n1e9,a,2.5,\n70B,b,NA,\n3,c,x,\n\n4,a,,\n', 'csv'],
  [
    'a bad cell late in a numbers column',
    'a,b\n' + Array.from({ length: 500 }, (_, i) => `${i},${i}`).join('\n') + '\n7,oops\n',
    'csv',
  ],
  ['quoted fields and quoted newlines', 'name,x\r\n"a, ""b""",1\r\n"multi\nline",2\r\n\r\nlast,3\r\n', 'csv'],
  ['UTF-8 and a BOM', '\uFEFFmodèle,N\nαβγ,1e9\n日本語,70B\n"é\n\nè",3\n', 'csv'],
  ['TSV', 'a\tb\n1\t2\n\n3\t4', 'tsv'],
  ['a ragged row', 'a,b\n1,2\n3,4\n5\n6,7\n', 'csv'],
  ['a ragged row after quotes', 'a,b\n"1",2\n3,4,5\n', 'csv'],
  ['an unterminated quote', 'a,b\n1,2\n3,4\n"5,6\n', 'csv'],
  ['header only', 'a,b\n', 'csv'],
  ['empty', '', 'csv'],
  ['a column of missing cells', 'a,b\n1,\n2,NA\n', 'csv'],
];

describe('CSV/TSV parse in a worker thread', () => {
  for (const [name, text, format] of SAMPLES) {
    it(`${name}: the worker's table (or error and line) is the in-thread one`, async () => {
      const expected = await parseDelimited('f.csv', bytes(text), format);
      assertSame(await parseInWorker('f.csv', bytes(text), format), expected, name);
    });
  }

  it('hands the bytes over without a copy (they are detached here)', async () => {
    const b = bytes('a\n1\n');
    const r = await parseInWorker('f.csv', b, 'csv');
    assert.ok(r.ok);
    assert.equal(b.byteLength, 0);
  });

  it('sends text columns as codes and each distinct string once, or repeats once the dictionary is full', async () => {
    const parsed = await parseDelimited('f.csv', bytes('k,v\na,1\nb,2\na,3\nc,4\nb,5\nd,6\n'), 'csv');
    // A full dictionary still finds the strings it holds; the others are sent each time they come.
    const expectedStrings: [number, string[]][] = [
      [1, ['a', 'b', 'c', 'b', 'd']],
      [2, ['a', 'b', 'c', 'd']],
      [100, ['a', 'b', 'c', 'd']],
    ];
    for (const [maxDictionary, expected] of expectedStrings) {
      const messages: WireMessage[] = [];
      toWire(parsed, (m) => messages.push(m), maxDictionary);
      const strings: string[][] = [];
      for (const m of messages) if (m.kind === 'strings') (strings[m.column] ??= []).push(...m.strings);
      const done = messages.at(-1)!;
      assert.equal(done.kind, 'done');
      assert.deepEqual(strings[0], expected, `dictionary of ${maxDictionary}`);
      assert.equal(strings[1], undefined, 'a numbers column sends no strings');
      const rebuilt = await fromWire((done as Extract<WireMessage, { kind: 'done' }>).result, strings);
      assertSame(rebuilt, parsed, `dictionary of ${maxDictionary}`);
    }
  });

  it('a worker that dies fails the load with a message, and the caller goes on', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parse-worker-'));
    const dying = path.join(dir, 'dies.js');
    fs.writeFileSync(dying, 'process.exit(3)');
    try {
      const r = await parseInWorker('f.csv', bytes('a\n1\n'), 'csv', { file: dying, execArgv: [] });
      assert.ok(!r.ok);
      assert.match(r.message, /'f\.csv' could not be parsed: the parse worker exited with code 3/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the node host parses through the worker when asked to, and the loader gets the same table', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parse-worker-'));
    const file = path.join(dir, 'runs.csv');
    fs.writeFileSync(file, SAMPLES[0][1]);
    try {
      const viaWorker = await new DataLoader(new NodeHost({ workerMinBytes: 0 })).load(file, 'csv');
      const inThread = await new DataLoader(new NodeHost({ workerMinBytes: Infinity })).load(file, 'csv');
      assertSame(viaWorker, inThread, 'loader');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
