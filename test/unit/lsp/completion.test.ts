import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { completion } from '../../../server/src/lsp/completion';
import { analyzeText, cursor, FIXTURES, STUDY_TEXT, TEST_LOADER } from './helpers';

// analyzeText's loader has read every file the fixture names; completion reads headers from it.
const ctx = {
  columns: (d: { path?: { value: string }; format?: { text: string } }) =>
    d.path ? TEST_LOADER.loadedColumns(path.resolve(FIXTURES, d.path.value)) : [],
};

async function labels(marked: string): Promise<string[]> {
  const { text, offset } = cursor(marked);
  return completion(await analyzeText(text), offset, ctx).map((i) => i.label);
}

/** The fixture with `|` inserted where `needle` ends (or at `needle`'s `|`). */
function inStudy(needle: string, replacement: string): string {
  assert.ok(STUDY_TEXT.includes(needle), needle);
  return STUDY_TEXT.replace(needle, replacement);
}

describe('lsp completion', () => {
  it('offers top-level keywords at the start of a line', async () => {
    const l = await labels(inStudy('\npredict chinchilla', '\n|\npredict chinchilla'));
    for (const k of ['study', 'compute', 'dataset', 'runs', 'law', 'isoflop', 'predict', 'optimize', 'plot'])
      assert.ok(l.includes(k), k);
    assert.ok(!l.includes('param'));
  });

  it('offers law keywords inside a law block, isoflop keywords inside an isoflop block', async () => {
    const law = await labels(inStudy('  fit sweep, pilot\n', '  fit sweep, pilot\n  |\n'));
    assert.deepEqual(law.sort(), [
      'fit',
      'holdout',
      'objective',
      'param',
      'per',
      'search',
      'shared',
      'uncertainty',
      'weight',
    ]);
    const iso = await labels(inStudy('  budget C\n', '  budget C\n  |\n'));
    assert.ok(iso.includes('budget') && iso.includes('weighted') && !iso.includes('param'));
  });

  it('offers the two search strategies after `search`', async () => {
    const l = await labels(inStudy('  fit sweep, pilot\n', '  fit sweep, pilot\n  search |\n'));
    assert.deepEqual(l.sort(), ['exhaustive', 'screened']);
  });

  it('offers catalogue laws after `law NAME:`', async () => {
    const l = await labels(inStudy('law kaplan: kaplan_n(N) { fit sweep }', 'law kaplan: |'));
    for (const k of ['chinchilla', 'kaplan_n', 'kaplan_d']) assert.ok(l.includes(k), `${k} in ${l}`);
    assert.ok(l.includes('published("hoffmann2022")'), `published("hoffmann2022") in ${l}`);
  });

  it('offers variables, parameters and functions in a formula', async () => {
    const l = await labels(
      inStudy('law chinchilla: L = E + A / N^alpha + B / D^beta {', 'law chinchilla: L = E + A / N^alpha + B / | {'),
    );
    for (const k of ['N', 'D', 'C', 'alpha', 'beta', 'E', 'log']) assert.ok(l.includes(k), `${k} in ${l}`);
  });

  it('offers datasets after `fit`, the undeclared parameters after `param`, methods after `uncertainty`', async () => {
    assert.deepEqual((await labels(inStudy('  fit sweep, pilot\n', '  fit |\n'))).sort(), ['pilot', 'sweep']);
    const text = STUDY_TEXT.replace('  param beta  in [0, 3]    init grid 0..2 by 0.5\n', '  param |\n');
    assert.deepEqual(await labels(text), ['beta']);
    assert.deepEqual((await labels(inStudy('  uncertainty bootstrap 1000', '  uncertainty |'))).sort(), [
      'asymptotic',
      'bootstrap',
      'none',
      'profile',
    ]);
  });

  it("offers the dataset file's columns after `VAR:` and in `where`", async () => {
    const after = await labels(inStudy('  L: loss ', '  L: |'));
    assert.deepEqual([...after].sort(), ['loss', 'params', 'run', 'tokens']);
    const where = await labels(inStudy('  where loss < 10', '  where |'));
    for (const k of ['loss', 'params', 'N', 'D']) assert.ok(where.includes(k), `${k} in ${where}`);
  });

  it('offers `where` and `last` at the start of a dataset line, `by` after `last`', async () => {
    assert.deepEqual(await labels(inStudy('  D: tokens ', '  |\n  D: tokens ')), ['where', 'last']);
    assert.deepEqual(await labels(inStudy('  D: tokens ', '  last |\n  D: tokens ')), ['by']);
  });

  it('offers the envelope settings (with `run`, without `weighted`) inside an envelope block', async () => {
    const l = await labels(inStudy('\npredict chinchilla', '\nenvelope a1 {\n  |\n}\npredict chinchilla'));
    assert.deepEqual(l.sort(), ['budget', 'fit', 'holdout', 'run', 'size', 'target', 'tokens', 'uncertainty']);
  });

  it('offers laws after predict / optimize / plot, and variables after `at`', async () => {
    assert.ok((await labels(inStudy('predict chinchilla at', 'predict |'))).includes('chinchilla'));
    const vars = await labels(inStudy('predict chinchilla at N = 70B, D = 1.4T', 'predict chinchilla at |'));
    assert.deepEqual(vars.sort(), ['D', 'N']);
    // A budget, the law's target (issue 11: the least compute reaching it), or inference tokens.
    assert.deepEqual(await labels(inStudy('optimize chinchilla for C = 5.76e23', 'optimize chinchilla for |')), [
      'C',
      'L',
      'inference',
    ]);
    const plot = await labels(inStudy('plot chinchilla: L vs C by N', 'plot |'));
    assert.ok(plot.includes('chinchilla') && plot.includes('approach2'));
  });

  it('plan: laws, then at/for, then the law’s variables or the computes, then budget', async () => {
    assert.ok((await labels(inStudy('predict chinchilla at', 'plan |'))).includes('chinchilla'));
    assert.deepEqual(await labels(inStudy('predict chinchilla at', 'plan chinchilla |')), ['at', 'for']);
    assert.deepEqual((await labels(inStudy('predict chinchilla at', 'plan chinchilla at |'))).sort(), ['D', 'N']);
    assert.deepEqual(await labels(inStudy('predict chinchilla at', 'plan chinchilla for |')), ['C']);
    assert.deepEqual(await labels(inStudy('predict chinchilla at', 'plan chinchilla for C = 1e23 |')), ['budget']);
  });

  it('completes a partly typed word with the same list', async () => {
    const l = await labels(inStudy('  fit sweep, pilot\n', '  fit sweep, pilot\n  obj|\n'));
    assert.ok(l.includes('objective'));
  });

  it('never throws on odd input', async () => {
    for (const marked of ['|', '{|', '}}|{', 'law x: L = |', 'dataset d = csv("nope.csv") {\n  N: |\n}', 'law : {|'])
      await labels(marked);
  });
});
