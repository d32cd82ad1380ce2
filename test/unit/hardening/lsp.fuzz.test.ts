// Hardening fuzz: random and mutated study files (fixtures, examples, the examples in
// docs/language.md) through analyze → every LSP handler at random positions, and through runFit
// with small start grids. Nothing may throw, every request answers within a bound, every range is a
// valid position in the document, formatting never changes the parse, and no NaN is shown.
// Seeded; FUZZ_RUNS=20000 (npm run fuzz) runs longer. Counts are printed for RELIABILITY.md.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { MAX_STARTS } from '../../../server/src/core/semantics/binder';
import { MAX_MESSAGE_LENGTH } from '../../../server/src/core/text';
import { catalogue } from '../../../server/src/core/laws';
import type { StudyResults } from '../../../server/src/core/results';
import { analyze, type Analysis } from '../../../server/src/core/study';
import { runFit } from '../../../server/src/fitRunner';
import { codeActions } from '../../../server/src/lsp/codeActions';
import { codeLenses } from '../../../server/src/lsp/codeLens';
import { completion } from '../../../server/src/lsp/completion';
import { documentDiagnostics } from '../../../server/src/lsp/diagnostics';
import { formatDocument } from '../../../server/src/lsp/formatting';
import { hover } from '../../../server/src/lsp/hover';
import { inlayHints } from '../../../server/src/lsp/inlayHints';
import { definition, prepareRename, references, rename, RenameError } from '../../../server/src/lsp/navigation';
import { semanticTokens } from '../../../server/src/lsp/semanticTokens';
import { documentSymbols, foldingRanges } from '../../../server/src/lsp/symbols';
import { fakeResults } from '../lsp/helpers';
import { assertFailuresExplained } from './explained';
import { shape } from '../syntax/helpers';
import { diskLoader } from '../hosts';
import { word } from '../vocabulary';

const RUNS = Number(process.env.FUZZ_RUNS ?? 400) || 400;
const FIT_RUNS = Math.max(10, Math.round(RUNS / 5));
const SEED = Number(process.env.FUZZ_SEED ?? 7_2024);
/** A hang guard per request on a shared 2-core machine, not a performance target. */
const LIMIT_MS = 1500;
/** A fit with one start per parameter and a tiny bootstrap must finish well within this. */
const FIT_LIMIT_MS = 8000;

const ROOT = path.resolve(__dirname, '../../..');

/** [study path (data paths resolve beside it), text] for every seed study. */
function corpus(): [string, string][] {
  const out: [string, string][] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, e);
      if (fs.statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.scaling')) out.push([p, fs.readFileSync(p, 'utf8')]);
    }
  };
  walk(path.join(ROOT, 'test/fixtures'));
  walk(path.join(ROOT, 'examples'));
  const doc = fs.readFileSync(path.join(ROOT, 'docs/language.md'), 'utf8');
  for (const m of doc.matchAll(/```[a-z]*\n([\s\S]*?)```/g)) {
    out.push([path.join(ROOT, 'test/fixtures/docs-example.scaling'), m[1].replace(/^ {2}/gm, '')]);
  }
  return out;
}
const SEEDS = corpus();

type Mutation = { kind: 'insert' | 'delete' | 'dupLine' | 'swap' | 'truncate'; at: number; len: number; word: string };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('insert', 'insert', 'insert', 'delete', 'dupLine', 'swap', 'truncate'),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 40 }),
  word: fc.oneof(word, fc.string({ maxLength: 6 })),
});

function mutate(text: string, muts: Mutation[]): string {
  for (const m of muts) {
    const at = text.length === 0 ? 0 : m.at % (text.length + 1);
    if (m.kind === 'insert') text = text.slice(0, at) + m.word + text.slice(at);
    else if (m.kind === 'delete') text = text.slice(0, at) + text.slice(at + m.len);
    else if (m.kind === 'truncate' && m.len < 4) text = text.slice(0, at);
    else {
      const lines = text.split('\n');
      const i = m.at % lines.length;
      const j = (m.at + m.len) % lines.length;
      if (m.kind === 'dupLine') lines.splice(i, 0, lines[i]);
      else if (m.kind === 'swap') [lines[i], lines[j]] = [lines[j], lines[i]];
      text = lines.join('\n');
    }
  }
  return text;
}

const studyCase = fc.record({
  seed: fc.nat({ max: SEEDS.length - 1 }),
  muts: fc.array(mutation, { maxLength: 8 }),
  positions: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
  newName: fc.oneof(fc.constantFrom('x', 'N2', 'law', '1a', '', 'a b', '__proto__'), fc.string({ maxLength: 5 })),
});

const loader = diskLoader();
function analyzeAt(studyPath: string, text: string): Promise<Analysis> {
  return analyze(text, { studyPath, loader, catalogue });
}

// ----------------------------------------------------------------------------- checks

function rangeProblems(doc: TextDocument, value: unknown, where = '$', out: string[] = []): string[] {
  const isPos = (p: unknown): p is { line: number; character: number } =>
    !!p && typeof p === 'object' && 'line' in p && 'character' in p;
  const check = (w: string, p: { line: number; character: number }) => {
    const ok =
      Number.isInteger(p.line) &&
      Number.isInteger(p.character) &&
      p.line >= 0 &&
      p.character >= 0 &&
      p.line < doc.lineCount &&
      // positionAt(offsetAt(p)) === p exactly when p is inside its line (offsetAt clamps otherwise)
      JSON.stringify(doc.positionAt(doc.offsetAt(p))) === JSON.stringify({ line: p.line, character: p.character });
    if (!ok) out.push(`${w}: ${JSON.stringify(p)} (lines ${doc.lineCount})`);
  };
  if (Array.isArray(value)) value.forEach((v, i) => rangeProblems(doc, v, `${where}[${i}]`, out));
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (isPos(o.start) && isPos(o.end)) {
      check(`${where}.start`, o.start);
      check(`${where}.end`, o.end);
      if (doc.offsetAt(o.start) > doc.offsetAt(o.end)) out.push(`${where}: start after end`);
    }
    for (const [k, v] of Object.entries(o)) {
      if (k === 'position' && isPos(v)) check(`${where}.position`, v);
      else if (k !== 'start' && k !== 'end') rangeProblems(doc, v, `${where}.${k}`, out);
    }
  }
  return out;
}

const SHOWS_RESULTS = new Set(['hover', 'inlayHints', 'codeLens']);

function shownText(value: unknown): string {
  return JSON.stringify(value) ?? '';
}

const stats = {
  cases: 0,
  requests: 0,
  maxMs: 0,
  maxName: '',
  fits: 0,
  fittedLaws: 0,
  failedResults: 0,
  fitMaxMs: 0,
  formatted: 0,
  renameRefused: 0,
};

function timed<T>(name: string, fn: () => T): T {
  const t0 = performance.now();
  const r = fn();
  recordTime(name, performance.now() - t0);
  return r;
}

/** The analysis is asynchronous (data loads through the host): timed from call to resolution. */
async function timedAsync<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  recordTime(name, performance.now() - t0);
  return r;
}

function recordTime(name: string, ms: number): void {
  stats.requests++;
  if (ms > stats.maxMs) {
    stats.maxMs = ms;
    stats.maxName = name;
  }
  assert.ok(ms < LIMIT_MS, `${name} took ${ms.toFixed(0)} ms`);
}

/** Every handler at the given offsets; throws (failing the property) on any violation. */
function exerciseHandlers(
  text: string,
  a: Analysis,
  results: StudyResults | undefined,
  offsets: number[],
  newName: string,
) {
  const uri = 'file:///fuzz/study.scaling';
  const doc = TextDocument.create(uri, 'scaling', 1, text);
  const problems: string[] = [];
  const collect = (name: string, v: unknown) => {
    problems.push(...rangeProblems(doc, v, name));
    // Numbers from results must never show as NaN (diagnostics may quote a NaN cell of a data file).
    if (results && v !== null && SHOWS_RESULTS.has(name))
      assert.ok(!/NaN|undefined|\bnull\b/.test(shownText(v)), `${name} shows NaN/undefined/null: ${shownText(v)}`);
    return v;
  };
  const diags = collect(
    'diagnostics',
    timed('diagnostics', () => documentDiagnostics(a.diagnostics, a.lines)),
  );
  collect(
    'symbols',
    timed('symbols', () => documentSymbols(a)),
  );
  const folds = timed('folding', () => foldingRanges(a));
  for (const f of folds) assert.ok(f.startLine >= 0 && f.startLine <= f.endLine && f.endLine < doc.lineCount);
  const tokens = timed('semanticTokens', () => semanticTokens(a)).data;
  assert.equal(tokens.length % 5, 0);
  for (let i = 0, line = 0, ch = 0; i < tokens.length; i += 5) {
    line += tokens[i];
    ch = tokens[i] === 0 ? ch + tokens[i + 1] : tokens[i + 1];
    const lineText = doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } });
    assert.ok(line < doc.lineCount && ch + tokens[i + 2] <= lineText.length, `semantic token ${line}:${ch}`);
  }
  collect(
    'codeActions',
    timed('codeActions', () => codeActions(a, uri, diags as ReturnType<typeof documentDiagnostics>)),
  );
  collect(
    'codeLens',
    timed('codeLens', () => codeLenses(a, uri, results)),
  );
  collect(
    'inlayHints',
    timed('inlayHints', () => inlayHints(a, results, { start: 0, end: text.length })),
  );
  // Formatting: whole-document edits whose result parses to the same tree (comments and all).
  const edits = timed('formatting', () => formatDocument(a, { tabSize: 2, insertSpaces: true }));
  collect('formatting', edits);
  if (edits.length > 0) {
    stats.formatted++;
    const formatted = TextDocument.applyEdits(doc, edits);
    assert.deepEqual(shape(formatted), shape(text), 'formatting changed the parse');
  }
  for (const raw of offsets) {
    const offset = raw % (text.length + 1);
    const pos = doc.positionAt(offset);
    const off = a.lines.offset(pos.line, pos.character);
    collect(
      'hover',
      timed('hover', () => hover(a, results, off)),
    );
    collect(
      'completion',
      timed('completion', () => completion(a, off, { columns: () => ['params', 'x y'] })),
    );
    collect(
      'definition',
      timed('definition', () => definition(a, uri, off)),
    );
    collect(
      'references',
      timed('references', () => references(a, uri, off, true)),
    );
    collect(
      'prepareRename',
      timed('prepareRename', () => prepareRename(a, off)),
    );
    try {
      collect(
        'rename',
        timed('rename', () => rename(a, uri, off, newName)),
      );
    } catch (e) {
      if (!(e instanceof RenameError)) throw e;
      stats.renameRefused++;
    }
  }
  assert.deepEqual(problems, []);
}

/** Results made up from the model (the handlers only read them); undefined when the model has no laws. */
function safeFake(a: Analysis): StudyResults | undefined {
  try {
    return a.model.laws.length > 0 ? fakeResults(a) : undefined;
  } catch {
    return undefined; // the helper assumes a target column; a mutated study may lack one
  }
}

/** One start per parameter and a tiny bootstrap, so a fit stays fast whatever the mutation. */
function smallGrids(text: string): string {
  return text
    .replace(/init grid\s+(-?[\d.e+-]+)\s*\.\.\s*(-?[\d.e+-]+)\s+by\s+[\d.e+-]+/g, 'init grid $1..$1 by 1')
    .replace(/bootstrap\s+\d+/g, 'bootstrap 8');
}

// ----------------------------------------------------------------------------- hostile sizes (issue 15)

/** Long tokens, long operator chains, deep nesting and huge start grids, inserted into a seed study. */
type SizeAttack =
  | { kind: 'token'; token: 'ident' | 'digits' | 'badNumber' | 'string' | 'stray' | 'lawName'; length: number }
  | { kind: 'chain'; op: '+' | '*' | 'or'; terms: number }
  | { kind: 'nesting'; depth: number }
  | { kind: 'grids'; params: number; values: number }
  | { kind: 'cell'; length: number };
const sizeAttack: fc.Arbitrary<SizeAttack> = fc.oneof(
  fc.record({
    kind: fc.constant('token' as const),
    token: fc.constantFrom('ident', 'digits', 'badNumber', 'string', 'stray', 'lawName'),
    length: fc.integer({ min: 1_000, max: 300_000 }),
  }),
  fc.record({
    kind: fc.constant('chain' as const),
    op: fc.constantFrom('+', '*', 'or'),
    terms: fc.integer({ min: 100, max: 6_000 }),
  }),
  fc.record({ kind: fc.constant('nesting' as const), depth: fc.integer({ min: 50, max: 400 }) }),
  fc.record({
    kind: fc.constant('grids' as const),
    params: fc.integer({ min: 1, max: 4 }),
    values: fc.integer({ min: 10, max: 10_000 }),
  }),
  fc.record({ kind: fc.constant('cell' as const), length: fc.integer({ min: 1_000, max: 500_000 }) }),
);

const attackDir = fs.mkdtempSync(path.join(os.tmpdir(), 'scaling-fuzz-sizes-'));
after(() => fs.rmSync(attackDir, { recursive: true, force: true }));

/** The attack as lines of study text (a CSV it reads is written beside `studyPath`). */
function attackText(a: SizeAttack, studyPath: string): string {
  switch (a.kind) {
    case 'token': {
      const n = a.length;
      if (a.token === 'ident') return `compute ${'a'.repeat(n)} = N\npredict ${'b'.repeat(n)} at N = 1\n`;
      if (a.token === 'digits') return `compute Z = ${'7'.repeat(n)}\n`;
      if (a.token === 'badNumber') return `compute Z = ${'7'.repeat(n)}x\n`;
      if (a.token === 'string') return `study "${'s'.repeat(n)}"\n`;
      if (a.token === 'stray') return `${'§'.repeat(n)}\n`;
      return `law ${'l'.repeat(n)}: L = E + A / N^alpha { fit nope }\n`;
    }
    case 'chain':
      return `compute Z = ${Array.from({ length: a.terms }, (_, i) => (i % 2 ? 'N' : 'D')).join(` ${a.op} `)}\n`;
    case 'nesting':
      return `compute Z = ${'('.repeat(a.depth)}N${')'.repeat(a.depth)}\n`;
    case 'grids': {
      const names = ['E', 'A', 'alpha', 'beta'].slice(0, a.params);
      const params = names.map((n) => `  param ${n} in [0, 1e5] init grid 0..${a.values - 1} by 1`);
      return [
        'runs big {',
        '  N L',
        '  1 2',
        '  2 1.5',
        '  4 1.2',
        '}',
        'law g: L = E + A / N^alpha + 0 * beta {',
        '  fit big',
        ...params,
        '}',
        '',
      ].join('\n');
    }
    case 'cell': {
      const file = path.join(path.dirname(studyPath), `cell${a.length}.csv`);
      fs.writeFileSync(file, `params,loss\n1,2\n${'9'.repeat(a.length)}x,${'"'.repeat(3)}${'q'.repeat(a.length)}\n`);
      return `dataset cells = csv("${path.basename(file)}") {\n  N: params\n  L: loss\n}\n`;
    }
  }
}

describe('hardening fuzz: mutated studies through every LSP handler', function () {
  this.timeout(120_000);

  after(() => {
    console.log(
      `      [fuzz] ${stats.cases} studies, ${stats.requests} requests (max ${stats.maxMs.toFixed(1)} ms: ${stats.maxName}), ` +
        `${stats.formatted} formatted, ${stats.renameRefused} renames refused; ${stats.fits} fits of ${stats.fittedLaws} laws, ${stats.failedResults} failed predictions/optima each with a diagnostic (max ${stats.fitMaxMs.toFixed(0)} ms)`,
    );
  });

  it(`seed studies (${SEEDS.length}) pass every check unmutated`, async () => {
    for (const [p, text] of SEEDS) {
      const a = await analyzeAt(p, text);
      stats.cases++;
      exerciseHandlers(text, a, undefined, [0, text.length >> 1, text.length], 'renamed');
      exerciseHandlers(text, a, safeFake(a), [1, text.length >> 2], 'renamed');
    }
  });

  it(`${RUNS} mutated studies: no throw, bounded time, valid ranges, formatting keeps the parse`, async () => {
    await fc.assert(
      fc.asyncProperty(studyCase, async ({ seed, muts, positions, newName }) => {
        const [p, base] = SEEDS[seed];
        const text = mutate(base, muts);
        const a = await timedAsync('analyze', () => analyzeAt(p, text));
        stats.cases++;
        exerciseHandlers(text, a, undefined, positions, newName);
        exerciseHandlers(text, a, safeFake(a), positions, newName);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  const SIZE_RUNS = Math.max(8, Math.round(RUNS / 200));
  it(`${SIZE_RUNS} studies with hostile sizes (long tokens, long chains, deep nesting, huge grids, long cells)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: SEEDS.length - 1 }), sizeAttack, fc.nat(), async (seed, attack, where) => {
        const studyPath = path.join(attackDir, 'study.scaling');
        const base = SEEDS[seed][1];
        const lines = base.split('\n');
        // At a line boundary, so the attack is a statement of its own (or breaks the one it lands in).
        const at = where % (lines.length + 1);
        const text = [...lines.slice(0, at), attackText(attack, studyPath), ...lines.slice(at)].join('\n');
        const a = await timedAsync('analyze', () => analyzeAt(studyPath, text));
        stats.cases++;
        for (const d of a.diagnostics)
          assert.ok(d.message.length <= MAX_MESSAGE_LENGTH, `${d.code}: ${d.message.length} characters`);
        if (attack.kind === 'grids' && attack.values ** attack.params > MAX_STARTS)
          assert.ok(
            a.diagnostics.some((d) => d.code === 'scaling.too-many-starts'),
            JSON.stringify(attack),
          );
        exerciseHandlers(text, a, undefined, [where, text.length >> 1], 'renamed');
      }),
      { numRuns: SIZE_RUNS, seed: SEED + 2 },
    );
  });

  it(`${FIT_RUNS} mutated studies fitted (small grids): never throws, no NaN without a diagnostic`, async () => {
    await fc.assert(
      fc.asyncProperty(studyCase, async ({ seed, muts, positions, newName }) => {
        const [p, base] = SEEDS[seed];
        const text = smallGrids(mutate(base, muts));
        const a = await analyzeAt(p, text);
        const t0 = performance.now();
        const run = await runFit(a, p, { workers: 0, signal: AbortSignal.timeout(FIT_LIMIT_MS) });
        const ms = performance.now() - t0;
        stats.fits++;
        stats.fitMaxMs = Math.max(stats.fitMaxMs, ms);
        assert.ok(ms < FIT_LIMIT_MS + 1000, `fit took ${ms.toFixed(0)} ms`);
        const r = run.results;
        stats.fittedLaws += r.laws.length;
        for (const x of [...r.predictions, ...r.optima]) if (!Number.isFinite(x.value)) stats.failedResults++;
        // Each failed law, prediction and optimum has its own diagnostic on its own statement.
        assertFailuresExplained(a.model, r, run.diagnostics);
        assert.doesNotThrow(() => JSON.stringify(r));
        exerciseHandlers(text, a, r, positions, newName);
      }),
      { numRuns: FIT_RUNS, seed: SEED + 1 },
    );
  });
});
