// The fuzzers' vocabulary keeps up with the language: every keyword and symbol of the grammar in
// docs/language.md and every catalogue law is a word they use.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogue } from '../../server/src/core/laws';
import { WORDS } from './vocabulary';

describe('fuzz vocabulary', () => {
  it('has every quoted word and symbol of the grammar, and every catalogue law', () => {
    const doc = readFileSync(join(__dirname, '../../docs/language.md'), 'utf8');
    // The EBNF block: the fenced block that defines `statement`.
    const grammar = [...doc.matchAll(/```[a-z]*\n([\s\S]*?)```/g)]
      .map((m) => m[1])
      .find((b) => /^statement\s+=/m.test(b));
    assert.ok(grammar, 'no grammar block in docs/language.md');
    const quoted = [...grammar.matchAll(/'([^'\s]+)'/g)].map((m) => m[1]);
    assert.ok(quoted.includes('law') && quoted.includes('..'), 'the grammar block was not found');
    const missing = [...new Set([...quoted, ...catalogue.keys()])].filter((w) => !WORDS.includes(w));
    assert.deepEqual(missing, []);
  });
});
