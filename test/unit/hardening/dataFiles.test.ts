// Hardening: hostile data files through the editor path (DocumentStore → analyze → LSP diagnostics)
// and the CLI path (analyze without a path guard). Each case must give one clear diagnostic that
// names the file, and nothing may throw. Workspace trust: outside the folder is refused unless trusted.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { catalogue } from '../../../server/src/core/laws';
import { analyze } from '../../../server/src/core/study';
import { documentDiagnostics } from '../../../server/src/lsp/diagnostics';
import { DocumentStore } from '../../../server/src/lsp/documents';
import { pathGuard, trustFromInitOptions } from '../../../server/src/lsp/trust';
import '../lsp/helpers';
import { diskLoader } from '../hosts';
import { NodeHost } from '../../../server/src/host/nodeHost';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scaling-hardening-data-'));
const ws = path.join(tmp, 'ws');
const outside = path.join(tmp, 'outside');
fs.mkdirSync(ws);
fs.mkdirSync(outside);

const GOOD = 'params,tokens,loss\n1e6,1e9,3.5\n2e6,2e9,3.2\n4e6,4e9,3.0\n8e6,8e9,2.9\n';

function study(file: string, format = 'csv'): string {
  return [
    `dataset d = ${format}("${file.replace(/\\/g, '/')}") {`,
    '  N: params',
    '  D: tokens',
    '  L: loss',
    '}',
    'law l: L = E + A / N^alpha {',
    '  fit d',
    '}',
    '',
  ].join('\n');
}

let version = 0;
async function openInEditor(store: DocumentStore, text: string, name = 'study.scaling') {
  const uri = pathToFileURL(path.join(ws, name)).toString();
  const state = await store.get({ uri, version: ++version, getText: () => text });
  const lsp = documentDiagnostics(state.analysis.diagnostics, state.analysis.lines);
  return { state, errors: state.analysis.diagnostics.filter((d) => d.severity === 'error'), lsp };
}

function editorStore(trusted: boolean): DocumentStore {
  const store = new DocumentStore(new NodeHost(), () => ws);
  store.setPathPolicy({ trusted, roots: [ws] });
  return store;
}

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('hardening: data files', () => {
  const cases: { name: string; content: string | Buffer; expect: RegExp; ok?: boolean; format?: string }[] = [
    { name: 'empty.csv', content: '', expect: /empty/ },
    { name: 'header.csv', content: 'params,tokens,loss\n', expect: /./, ok: true },
    {
      name: 'ragged.csv',
      content: 'params,tokens,loss\n1,2,3\n4,5\n',
      expect: /line 3: 2 fields where the header has 3/,
    },
    { name: 'bom.csv', content: '\uFEFF' + GOOD.replace(/\n/g, '\r\n'), expect: /./, ok: true },
    {
      name: 'quoted.csv',
      content: '"params","tokens","loss"\n"1e6","1e9","3.5"\n"2e6","2e9","3,2"\n',
      expect: /line 3: column 'loss' has '3,2', not a number/,
    },
    {
      name: 'latin1.csv',
      content: Buffer.from('params,tokens,loss\n1,2,caf\xe9\n', 'latin1'),
      expect: /not valid UTF-8/,
    },
    { name: 'unterminated.csv', content: 'params,tokens,loss\n1,2,"3\n', expect: /line \d/ },
    { name: 'nul.csv', content: Buffer.from([0, 0, 0, 0xff, 0xfe, 10]), expect: /not valid UTF-8/ },
    { name: 'broken.jsonl', content: '{"params":1}\n{oops\n', expect: /line 2: not valid JSON/, format: 'jsonl' },
    { name: 'array.jsonl', content: '[1,2,3]\n', expect: /expected a JSON object per line/, format: 'jsonl' },
  ];

  for (const c of cases) {
    it(`${c.name}: ${c.ok ? 'loads' : 'one clear diagnostic naming the file'} (editor and CLI)`, async () => {
      const file = path.join(ws, c.name);
      fs.writeFileSync(file, c.content);
      const text = study(c.name, c.format);
      for (const errors of [
        (await openInEditor(editorStore(false), text)).errors,
        (
          await analyze(text, { loader: diskLoader(), studyPath: path.join(ws, 's.scaling'), catalogue })
        ).diagnostics.filter((d) => d.severity === 'error'),
      ]) {
        const dataErrors = errors.filter((d) => /data-file|non-numeric|unknown-column|missing-file/.test(d.code));
        if (c.ok) {
          assert.deepEqual(dataErrors, [], JSON.stringify(errors));
          continue;
        }
        assert.equal(dataErrors.length, 1, JSON.stringify(errors));
        assert.match(dataErrors[0].message, c.expect);
        assert.ok(dataErrors[0].message.includes(c.name), `names the file: ${dataErrors[0].message}`);
      }
    });
  }

  it('a 1 GB file is refused from its size in the editor, without reading it', async function () {
    const file = path.join(ws, 'huge.csv');
    const fd = fs.openSync(file, 'w');
    fs.ftruncateSync(fd, 1024 ** 3);
    fs.closeSync(fd);
    const t0 = Date.now();
    const { errors, lsp } = await openInEditor(editorStore(false), study('huge.csv'));
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /huge\.csv' is 1024 MB; files over 512 MB are not loaded/);
    assert.equal(lsp[0].code, 'scaling.bad-data-file');
    fs.rmSync(file);
  });

  it('a symlink loop is named as one', async function () {
    if (process.platform === 'win32') this.skip();
    fs.symlinkSync(path.join(ws, 'loopB.csv'), path.join(ws, 'loopA.csv'));
    fs.symlinkSync(path.join(ws, 'loopA.csv'), path.join(ws, 'loopB.csv'));
    for (const trusted of [false, true]) {
      const { errors } = await openInEditor(editorStore(trusted), study('loopA.csv'));
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.match(errors[0].message, /loopA\.csv' is a symbolic link loop/);
    }
  });

  describe('workspace trust', () => {
    const outsideFile = path.join(outside, 'secret.csv');
    before(() => {
      fs.writeFileSync(outsideFile, GOOD);
      fs.writeFileSync(path.join(ws, 'inside.csv'), GOOD);
      fs.symlinkSync(outsideFile, path.join(ws, 'link.csv'));
    });

    it('untrusted: a path outside the folder is refused, naming the file; inside loads', async () => {
      const store = editorStore(false);
      for (const p of [outsideFile, '../outside/secret.csv']) {
        const { errors, lsp } = await openInEditor(store, study(p));
        assert.equal(errors.length, 1, JSON.stringify(errors));
        assert.equal(errors[0].code, 'scaling.path-refused');
        assert.ok(errors[0].message.includes(outsideFile), errors[0].message);
        assert.match(errors[0].message, /untrusted workspace/);
        assert.equal(lsp[0].code, 'scaling.path-refused');
      }
      assert.deepEqual((await openInEditor(store, study('inside.csv'))).errors, []);
    });

    it('untrusted: a symlink inside the folder that points outside is refused too', async () => {
      const { errors } = await openInEditor(editorStore(false), study('link.csv'));
      assert.equal(errors.length, 1);
      assert.equal(errors[0].code, 'scaling.path-refused');
      assert.match(errors[0].message, /link\.csv' is outside the workspace folder \(it links to '.*secret\.csv'\)/);
    });

    it('trusted (or trust granted later): the same paths load', async () => {
      const store = editorStore(false);
      assert.equal((await openInEditor(store, study(outsideFile))).errors.length, 1);
      store.setPathPolicy({ trusted: true, roots: [ws] }); // onDidGrantWorkspaceTrust
      assert.deepEqual((await openInEditor(store, study(outsideFile))).errors, []);
      assert.deepEqual((await openInEditor(store, study('link.csv'))).errors, []);
    });

    it('the CLI trusts the paths its user gives it (no guard)', async () => {
      const a = await analyze(study(outsideFile), {
        loader: diskLoader(),
        studyPath: path.join(ws, 's.scaling'),
        catalogue,
      });
      assert.deepEqual(
        a.diagnostics.filter((d) => d.severity === 'error'),
        [],
      );
    });

    it('no folder open: only files beside the study; trust flag from initializationOptions', async () => {
      const guard = pathGuard({ trusted: false, roots: [] }, path.join(ws, 'study.scaling'))!;
      assert.equal(guard(path.join(ws, 'inside.csv')), undefined);
      assert.match(guard(outsideFile)!, /secret\.csv/);
      assert.equal(pathGuard({ trusted: true, roots: [] }, undefined), undefined);
      assert.equal(trustFromInitOptions({ workspaceTrusted: false }), false);
      assert.equal(trustFromInitOptions({ workspaceTrusted: true }), true);
      assert.equal(trustFromInitOptions(undefined), true); // editors without workspace trust
      assert.equal(trustFromInitOptions(null), true);
    });

    it('a prefix of the folder name is not inside it (ws vs ws-evil)', async () => {
      const evil = ws + '-evil';
      fs.mkdirSync(evil, { recursive: true });
      fs.writeFileSync(path.join(evil, 'x.csv'), GOOD);
      const guard = pathGuard({ trusted: false, roots: [ws] }, undefined)!;
      assert.match(guard(path.join(evil, 'x.csv'))!, /outside the workspace/);
    });
  });
});
