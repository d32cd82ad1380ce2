// The table operations the binder uses for `where`, hold-outs and multi-source fits, tested on
// their own: which rows a `where` keeps, and what stacking sources keeps of their columns.
import assert from 'node:assert/strict';
import { concatTables, selectRows, whereMask } from '../../../server/src/core/data/table';
import type { DataTable } from '../../../server/src/core/model';
import { parseExpression } from '../../../server/src/core/syntax/parser';

function table(name: string, numeric: Record<string, number[]>, text: Record<string, string[]> = {}): DataTable {
  const rowCount = Object.values(numeric)[0].length;
  return {
    name,
    rowCount,
    numeric: new Map(Object.entries(numeric).map(([k, v]) => [k, Float64Array.from(v)])),
    text: new Map(Object.entries(text)),
    origin: Array.from({ length: rowCount }, (_, i) => ({ file: `${name}.csv`, line: i + 2 })),
  };
}

describe('data tables', () => {
  const runs = table('runs', { N: [1, 2, 3, 4], L: [5, 4, 3, 2] }, { tag: ['a', 'b', 'a', '7'] });

  it('a where keeps the rows every condition holds for; file text columns compare as text', () => {
    const mask = whereMask(runs, [parseExpression('N > 1'), parseExpression('L > 2')]);
    assert.equal(mask.error, undefined);
    assert.deepEqual(Array.from(mask.error === undefined ? mask.keep! : []), [0, 1, 1, 0]);
    const byTag = whereMask(runs, [parseExpression('tag == "a"')]);
    assert.deepEqual(Array.from(byTag.error === undefined ? byTag.keep! : []), [1, 0, 1, 0]);
  });

  it('a where names what it cannot apply: a non-condition, an unknown column', () => {
    const notCondition = parseExpression('N + 1');
    assert.deepEqual(whereMask(runs, [notCondition]), { error: 'not-a-condition', at: notCondition });
    const unknown = whereMask(runs, [parseExpression('size > 1')]);
    assert.equal(unknown.error, 'unknown-name');
    assert.match(unknown.error === 'unknown-name' ? unknown.message : '', /size/);
    assert.deepEqual(whereMask(runs, []), { keep: undefined });
  });

  it('selectRows copies the kept rows of every column, with their origins', () => {
    const kept = selectRows(runs, Uint8Array.from([1, 0, 0, 1]));
    assert.equal(kept.rowCount, 2);
    assert.deepEqual(Array.from(kept.numeric.get('L')!), [5, 2]);
    assert.deepEqual(kept.text.get('tag'), ['a', '7']);
    assert.deepEqual(kept.origin, [runs.origin.at(0), runs.origin.at(3)]);
    assert.notEqual(kept.numeric.get('N'), runs.numeric.get('N'));
  });

  it('concatTables keeps the columns all sources have, as text where their kinds differ, and tags rows', () => {
    const a = table('a', { N: [1, 2], L: [3, 4], only: [0, 0] }, { id: ['x', 'y'] });
    const b = table('b', { N: [5], L: [6], id: [9] });
    const both = concatTables('law', [a, b]);
    assert.equal(both.rowCount, 3);
    assert.deepEqual(Array.from(both.numeric.get('N')!), [1, 2, 5]);
    assert.equal(both.numeric.has('only'), false);
    assert.deepEqual(both.text.get('id'), ['x', 'y', '9']);
    assert.deepEqual(both.text.get('$source'), ['a', 'a', 'b']);
    assert.equal(concatTables('law', [a]), a);
  });
});
