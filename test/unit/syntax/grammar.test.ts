// The TextMate grammar, tokenized by vscode-textmate + vscode-oniguruma: the engine VS Code itself uses.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as vsctm from 'vscode-textmate';
import { EXAMPLE, ROOT } from './helpers';

const GRAMMAR_PATH = join(ROOT, 'syntaxes', 'scaling.tmLanguage.json');

let grammarPromise: Promise<vsctm.IGrammar> | undefined;

function loadGrammar(): Promise<vsctm.IGrammar> {
  grammarPromise ??= (async () => {
    const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const registry = new vsctm.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
        createOnigString: (s: string) => new oniguruma.OnigString(s),
      }),
      loadGrammar: async (scopeName: string) =>
        scopeName === 'source.scaling' ? vsctm.parseRawGrammar(readFileSync(GRAMMAR_PATH, 'utf8'), GRAMMAR_PATH) : null,
    });
    const grammar = await registry.loadGrammar('source.scaling');
    if (!grammar) throw new Error('grammar not loaded');
    return grammar;
  })();
  return grammarPromise;
}

interface Piece {
  text: string;
  scopes: string[];
}

/** Tokenizes lines in sequence (the rule stack carries over), returning the pieces of each line. */
async function tokenize(lines: string[]): Promise<Piece[][]> {
  const grammar = await loadGrammar();
  let stack = vsctm.INITIAL;
  return lines.map((line) => {
    const r = grammar.tokenizeLine(line, stack);
    stack = r.ruleStack;
    return r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
  });
}

/** The innermost scope of the piece with exactly this text (the first, or the nth). */
function scopeOf(pieces: Piece[], text: string, nth = 0): string {
  const found = pieces.filter((p) => p.text === text);
  assert.ok(found.length > nth, `no piece ${JSON.stringify(text)} in ${JSON.stringify(pieces.map((p) => p.text))}`);
  const scopes = found[nth].scopes;
  return scopes[scopes.length - 1];
}

function allScopes(pieces: Piece[], text: string): string[] {
  const found = pieces.find((p) => p.text === text);
  assert.ok(found, `no piece ${JSON.stringify(text)}`);
  return found.scopes;
}

async function line(text: string): Promise<Piece[]> {
  return (await tokenize([text]))[0];
}

describe('syntax: TextMate grammar', function () {
  this.timeout(20000);

  it('is valid JSON with the scope name package.json refers to', () => {
    const raw = JSON.parse(readFileSync(GRAMMAR_PATH, 'utf8'));
    assert.equal(raw.scopeName, 'source.scaling');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const contributed = pkg.contributes.grammars.find((g: { language: string }) => g.language === 'scaling');
    assert.equal(contributed.scopeName, 'source.scaling');
    assert.equal(join(ROOT, contributed.path), GRAMMAR_PATH);
  });

  it('tokenizes every line of the example, each piece under source.scaling', async () => {
    const lines = await tokenize(EXAMPLE.split('\n'));
    for (const pieces of lines) for (const p of pieces) assert.equal(p.scopes[0], 'source.scaling');
  });

  it('keywords: statement keywords and clause keywords', async () => {
    const study = await line('study "Chinchilla approach 3"');
    assert.equal(scopeOf(study, 'study'), 'storage.type.study.scaling');
    const law = await line('law chinchilla: L = E + A / N^alpha + B / D^beta {');
    assert.equal(scopeOf(law, 'law'), 'storage.type.law.scaling');
    assert.equal(scopeOf(law, 'chinchilla'), 'entity.name.function.law.scaling');
    const predict = await line('predict chinchilla at N = 70B, D = 1.4T');
    assert.equal(scopeOf(predict, 'predict'), 'keyword.control.predict.scaling');
    assert.equal(scopeOf(predict, 'chinchilla'), 'entity.name.function.law.scaling');
    assert.equal(scopeOf(predict, 'at'), 'keyword.other.at.scaling');
    const param = await line('  param E     in (0, 10)   init grid -1..1 by 0.5 log');
    for (const k of ['param', 'in', 'init', 'grid', 'by', 'log'])
      assert.equal(scopeOf(param, k), `keyword.other.${k}.scaling`);
    assert.equal(scopeOf(param, '..'), 'keyword.operator.range.scaling');
    const unc = await line('  uncertainty bootstrap 1000 seed 7 level 0.9');
    for (const k of ['uncertainty', 'bootstrap', 'seed', 'level'])
      assert.equal(scopeOf(unc, k), `keyword.other.${k}.scaling`);
    const where = await line('  where loss < 10 and N > 0 or D != 1');
    assert.equal(scopeOf(where, 'where'), 'keyword.other.where.scaling');
    assert.equal(scopeOf(where, 'and'), 'keyword.operator.logical.scaling');
    assert.equal(scopeOf(where, 'or'), 'keyword.operator.logical.scaling');
    assert.equal(scopeOf(where, '<'), 'keyword.operator.comparison.scaling');
    const plot = await line('plot chinchilla: L vs C by N');
    assert.equal(scopeOf(plot, 'vs'), 'keyword.other.vs.scaling');
    const optimize = await line('optimize chinchilla for C = 5.76e23');
    assert.equal(scopeOf(optimize, 'for'), 'keyword.other.for.scaling');
  });

  it('names: dataset and runs names are types, law names functions', async () => {
    const dataset = await line('dataset sweep = csv("runs/sweep.csv") {');
    assert.equal(scopeOf(dataset, 'dataset'), 'storage.type.dataset.scaling');
    assert.equal(scopeOf(dataset, 'sweep'), 'entity.name.type.dataset.scaling');
    assert.equal(scopeOf(dataset, 'csv'), 'support.function.csv.scaling');
    const runs = await line('runs pilot {');
    assert.equal(scopeOf(runs, 'pilot'), 'entity.name.type.runs.scaling');
    const iso = await line('isoflop approach2 {');
    assert.equal(scopeOf(iso, 'approach2'), 'entity.name.function.isoflop.scaling');
  });

  it('catalogue laws and functions are support.function', async () => {
    const k = await line('law kaplan: kaplan_n(N) { fit sweep }');
    assert.equal(scopeOf(k, 'kaplan'), 'entity.name.function.law.scaling');
    assert.equal(scopeOf(k, 'kaplan_n'), 'support.function.kaplan_n.scaling');
    for (const f of [
      'chinchilla',
      'kaplan_d',
      'kaplan_nd',
      'kaplan_c',
      'saturating',
      'broken_power_law',
      'lr_annealing',
    ]) {
      assert.equal(scopeOf(await line(`law x: ${f}(N)`), f), `support.function.${f}.scaling`);
    }
    const formula = await line('law s: L = max(E, min(A, exp(-log(N))))');
    for (const f of ['max', 'min', 'exp', 'log']) assert.equal(scopeOf(formula, f), `support.function.${f}.scaling`);
    const objective = await line('  objective huber(1e-3) on log');
    assert.equal(scopeOf(objective, 'huber'), 'support.function.huber.scaling');
    assert.equal(scopeOf(objective, 'on'), 'keyword.other.on.scaling');
    assert.equal(scopeOf(objective, 'log'), 'keyword.other.log.scaling');
    assert.equal(scopeOf(await line('  objective squares'), 'squares'), 'support.function.squares.scaling');
    assert.equal(scopeOf(await line('dataset t = tsv("a")'), 'tsv'), 'support.function.tsv.scaling');
    assert.equal(scopeOf(await line('dataset j = jsonl("a")'), 'jsonl'), 'support.function.jsonl.scaling');
  });

  it('numbers: the SI suffix is a separate unit scope; a bare B is a name', async () => {
    const p = await line('predict chinchilla at N = 70B, D = 1.4T');
    assert.deepEqual(allScopes(p, '1.4').slice(1), ['constant.numeric.scaling']);
    assert.deepEqual(allScopes(p, 'T').slice(1), ['constant.numeric.scaling', 'keyword.other.unit.scaling']);
    const law = await line('law chinchilla: L = E + A / N^alpha + B / D^beta {');
    assert.equal(scopeOf(law, 'B'), 'variable.other.scaling');
    const h = await line('  holdout N >= 5B');
    assert.equal(scopeOf(h, '5'), 'constant.numeric.scaling');
    assert.equal(scopeOf(h, 'B'), 'keyword.other.unit.scaling');
    assert.equal(scopeOf(h, 'N'), 'variable.other.scaling');
    const row = await line('  44M    8.8B    3.21');
    assert.equal(scopeOf(row, 'M'), 'keyword.other.unit.scaling');
    assert.equal(scopeOf(row, '3.21'), 'constant.numeric.scaling');
    const exp = await line('optimize chinchilla for C = 5.76e23');
    assert.equal(scopeOf(exp, '5.76e23'), 'constant.numeric.scaling');
    const range = await line('init grid 0..25 by 5');
    assert.equal(scopeOf(range, '0'), 'constant.numeric.scaling');
    assert.equal(scopeOf(range, '25'), 'constant.numeric.scaling');
    assert.equal(scopeOf(await line('N = 5Bx'), '5Bx'), 'invalid.illegal.number.scaling');
    assert.equal(scopeOf(await line('x1 = 2'), 'x1'), 'variable.other.scaling');
    assert.equal(scopeOf(await line('param A in (0, inf)'), 'inf'), 'constant.language.infinity.scaling');
  });

  it('strings and comments', async () => {
    const s = await line('study "Chinchilla // approach # 3"  // title');
    assert.equal(scopeOf(s, 'Chinchilla // approach # 3'), 'string.quoted.double.scaling');
    assert.equal(scopeOf(s, ' title'), 'comment.line.double-slash.scaling');
    const row = await line('  90M    1.8B    3.04    # comments with // or #');
    assert.equal(scopeOf(row, ' comments with // or #'), 'comment.line.number-sign.scaling');
    assert.equal(scopeOf(row, '#'), 'punctuation.definition.comment.scaling');
    const [first, second] = await tokenize(['study "open', 'plot x']);
    assert.ok(first.some((p) => p.scopes.includes('invalid.illegal.unterminated-string.scaling')));
    assert.equal(
      scopeOf(second, 'plot'),
      'keyword.control.plot.scaling',
      'an unterminated string ends at the line end',
    );
  });

  it('operators and punctuation', async () => {
    const f = await line('compute C = 6 * N * D');
    assert.equal(scopeOf(f, '='), 'keyword.operator.assignment.scaling');
    assert.equal(scopeOf(f, '*'), 'keyword.operator.arithmetic.scaling');
    const law = await line('law chinchilla: L = E + A / N^alpha {');
    assert.equal(scopeOf(law, '^'), 'keyword.operator.arithmetic.scaling');
    assert.equal(scopeOf(law, '{'), 'punctuation.section.block.begin.scaling');
  });
});
