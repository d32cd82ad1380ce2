// Property-based tests: random token soups and mutated study files never make the syntax layer
// throw or hang, every range stays inside the document, and formatting never changes the parse
// and is idempotent. Seeded; FUZZ_RUNS=20000 runs longer (npm run fuzz).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { format } from '../../../server/src/core/syntax/formatter';
import { lex } from '../../../server/src/core/syntax/lexer';
import { parse, parseWithWindow } from '../../../server/src/core/syntax/parser';
import { tokenSoup, word } from '../vocabulary';
import { rangeProblems, scalingFixtures, shape } from './helpers';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300) || 300;
const SEED = Number(process.env.FUZZ_SEED ?? 20240611);
const LIMIT_MS = 1000; // a hang guard for a 2-core machine, not a performance test

const FIXTURES = scalingFixtures().map(([, text]) => text);

type Mutation = { op: number; at: number; len: number; other: number; text: string };
const mutation = fc.record({
  op: fc.integer({ min: 0, max: 7 }),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 12 }),
  other: fc.nat(),
  text: fc.oneof(word, fc.string({ maxLength: 4 })),
});

function mutate(text: string, m: Mutation): string {
  const n = text.length + 1;
  const i = m.at % n;
  const lines = text.split('\n');
  const a = m.at % lines.length;
  const b = m.other % lines.length;
  switch (m.op) {
    case 0: // delete characters
      return text.slice(0, i) + text.slice(i + m.len);
    case 1: // insert characters
      return text.slice(0, i) + m.text + text.slice(i);
    case 2: // duplicate characters
      return text.slice(0, i) + text.slice(i, i + m.len) + text.slice(i);
    case 3: {
      // swap two characters
      const j = m.other % n;
      if (i >= text.length || j >= text.length) return text;
      const c = text.split('');
      [c[i], c[j]] = [c[j], c[i]];
      return c.join('');
    }
    case 4: // delete a line
      lines.splice(a, 1);
      return lines.join('\n');
    case 5: // duplicate a line
      lines.splice(a, 0, lines[b]);
      return lines.join('\n');
    case 6: // swap two lines
      [lines[a], lines[b]] = [lines[b], lines[a]];
      return lines.join('\n');
    default: // replace characters
      return text.slice(0, i) + m.text + text.slice(i + m.len);
  }
}

const mutatedStudy = fc
  .tuple(fc.integer({ min: 0, max: FIXTURES.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([k, ms]) => ms.reduce(mutate, FIXTURES[k]));

function timed<T>(what: string, f: () => T): T {
  const t0 = performance.now();
  const result = f();
  const ms = performance.now() - t0;
  assert.ok(ms < LIMIT_MS, `${what} took ${ms.toFixed(0)} ms`);
  return result;
}

/** The syntax layer's invariants on any text. */
function check(text: string): void {
  const result = timed('parse', () => parse(text));
  assert.deepEqual(rangeProblems(text, result), []);
  // The parser drops tokens behind it as it goes; how often must not change the result.
  const keepAll = parseWithWindow(text, Infinity);
  const dropOften = parseWithWindow(text, 65);
  assert.deepEqual(dropOften.file, keepAll.file, 'the token window does not change the tree');
  assert.deepEqual(dropOften.diagnostics, keepAll.diagnostics, 'the token window does not change the diagnostics');
  assert.deepEqual(dropOften.comments, keepAll.comments);
  assert.deepEqual(result.file, keepAll.file);
  assert.deepEqual(result.diagnostics, keepAll.diagnostics);
  const { tokens } = lex(text);
  for (const t of tokens) assert.ok(0 <= t.start && t.start <= t.end && t.end <= text.length, `token ${t.text}`);
  const once = timed('format', () => format(text, undefined, result));
  assert.equal(format(once), once, 'format is idempotent');
  assert.deepEqual(shape(once), shape(text), 'format never changes the parse');
  const comments = (s: string) => lex(s).comments.map((c) => c.text.trimEnd());
  assert.deepEqual(comments(once), comments(text), 'comments survive formatting');
}

describe('syntax: properties (fast-check)', function () {
  this.timeout(Math.max(60_000, RUNS * 200));

  it(`random token soups (${RUNS} runs)`, () => {
    fc.assert(fc.property(tokenSoup(), check), { seed: SEED, numRuns: RUNS });
  });

  it(`mutated study files (${RUNS} runs)`, () => {
    fc.assert(fc.property(mutatedStudy, check), { seed: SEED + 1, numRuns: RUNS });
  });

  it('arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), check), {
      seed: SEED + 2,
      numRuns: RUNS,
    });
  });

  it('deeply nested input gives a diagnostic, not a stack overflow', () => {
    for (const text of [
      'compute C = ' + '('.repeat(30000) + 'N' + ')'.repeat(30000),
      'compute C = ' + '-'.repeat(30000) + 'N',
      'compute C = N' + '^N'.repeat(30000),
      'compute C = ' + 'max('.repeat(30000) + 'N' + ')'.repeat(30000),
    ]) {
      const result = timed('parse', () => parse(text));
      assert.deepEqual(
        result.diagnostics.map((d) => d.message),
        ['this formula is nested more than 200 levels deep'],
      );
      timed('format', () => format(text, undefined, result));
    }
    for (const text of ['law l: L = a ' + '{'.repeat(3000), '}'.repeat(3000), 'compute C = 1 +\n'.repeat(3000) + '1']) {
      check(text);
    }
  });
});
