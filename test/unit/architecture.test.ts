// The architecture enforces itself (docs/architecture.md): a forbidden import fails `npm run lint`
// naming the layer rule, the core does no I/O of its own, custom messages are typed constants, and the
// documented table is the one the lint rule follows.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '../..');

/** Lints `source` as if it were the file at `rel` (the file need not exist), returning the layer messages. */
async function layerErrors(eslint: ESLint, rel: string, source: string): Promise<string[]> {
  const [r] = await eslint.lintText(source, { filePath: path.join(ROOT, rel) });
  return r.messages.filter((m) => m.ruleId === 'layers/allowed-imports').map((m) => m.message);
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('architecture: layers enforced by the build', function () {
  this.timeout(60_000);
  let eslint: ESLint;
  before(() => {
    eslint = new ESLint({ cwd: ROOT });
  });

  const planted: [string, string, string, RegExp][] = [
    [
      'the core imports vscode-languageserver',
      'server/src/core/planted.ts',
      "import { TextDocuments } from 'vscode-languageserver';\nexport const x = TextDocuments;\n",
      /layer rule 'core'.*'vscode-languageserver' is not one of them/,
    ],
    [
      'the core imports protocol (type-only counts too)',
      'server/src/core/planted.ts',
      "import type { FitParams } from '../../../protocol/lsp';\nexport type X = FitParams;\n",
      /layer rule 'core'.*'\.\.\/\.\.\/\.\.\/protocol\/lsp' is in the protocol layer/,
    ],
    [
      'the core reads the file system',
      'server/src/core/data/planted.ts',
      "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
      /layer rule 'core'.*'node:fs' is not one of them/,
    ],
    [
      'the core imports the presentation layer by a side-effect import',
      'server/src/core/planted.ts',
      "import '../present/numbers';\n",
      /layer rule 'core'.*is in the presentation layer/,
    ],
    [
      'the webview imports the core',
      'webview/src/planted.ts',
      "import type { StudyResults } from '../../server/src/core/results';\nexport type X = StudyResults;\n",
      /layer rule 'webview'.*is in the core layer/,
    ],
    [
      'the client imports the core (dynamically)',
      'client/src/planted.ts',
      "export const load = () => import('../../server/src/core/study');\n",
      /layer rule 'client'.*is in the core layer/,
    ],
    [
      'protocol imports a core value (only types are allowed)',
      'protocol/planted.ts',
      "import { analyze } from '../server/src/core/study';\nexport const x = analyze;\n",
      /layer rule 'protocol'.*type-only imports of it are allowed/,
    ],
    [
      'the lsp layer imports a top-level server file',
      'server/src/lsp/planted.ts',
      "import { runFit } from '../fitRunner';\nexport const x = runFit;\n",
      /layer rule 'lsp'.*is in the server layer/,
    ],
  ];
  for (const [what, rel, source, expected] of planted) {
    it(`fails lint, naming the rule, when ${what}`, async () => {
      const errors = await layerErrors(eslint, rel, source);
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.match(errors[0], expected);
    });
  }

  it('accepts what the table allows: protocol taking core types, the lsp layer taking the presentation layer', async () => {
    assert.deepEqual(
      await layerErrors(
        eslint,
        'protocol/planted.ts',
        "import type { StudyResults } from '../server/src/core/results';\nexport type X = StudyResults;\n",
      ),
      [],
    );
    assert.deepEqual(
      await layerErrors(
        eslint,
        'server/src/lsp/planted.ts',
        "import { num } from '../present/numbers';\nexport const x = num;\n",
      ),
      [],
    );
  });

  it('the core never mentions process.cwd(), not even in a comment: data comes through the host', () => {
    const offenders = walk(path.join(ROOT, 'server/src/core')).filter((f) =>
      fs.readFileSync(f, 'utf8').includes('process.cwd()'),
    );
    assert.deepEqual(offenders, []);
  });

  it('no sendRequest / sendNotification in client or server takes a method name as a string', () => {
    const offenders: string[] = [];
    for (const f of [...walk(path.join(ROOT, 'client/src')), ...walk(path.join(ROOT, 'server/src'))]) {
      const text = fs.readFileSync(f, 'utf8');
      for (const m of text.matchAll(
        /\.(sendRequest|sendNotification|onRequest|onNotification)\s*(<[^(]*>)?\(\s*['"`]/g,
      ))
        offenders.push(`${path.relative(ROOT, f)}: ${m[0]}`);
    }
    assert.deepEqual(offenders, []);
  });

  it("docs/architecture.md's import table is the one the lint rule follows", async () => {
    const { LAYERS } = (await import(path.join(ROOT, 'scripts/layers.mjs'))) as {
      LAYERS: { name: string; dir: string; text: string }[];
    };
    const doc = fs.readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');
    for (const l of LAYERS) {
      const row = doc.split('\n').find((line) => line.startsWith(`| ${l.name} | \`${l.dir}\``));
      assert.ok(row, `no row for layer '${l.name}' (${l.dir})`);
      assert.ok(row.includes(l.text), `the row for '${l.name}' does not say: ${l.text}`);
    }
  });
});
