// The standalone server driven by a real LSP client over stdio: `node dist/server.js --stdio`.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { diskLoader } from '../hosts';
import {
  CancellationTokenSource,
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { catalogue } from '../../../server/src/core/laws';
import type { StudyResults } from '../../../server/src/core/results';
import { analyze } from '../../../server/src/core/study';
import { runFit } from '../../../server/src/fitRunner';
import { formatDocument } from '../../../server/src/lsp/formatting';
import { analyzeText, FIXTURES, STUDY_PATH, STUDY_TEXT, STUDY_URI } from './helpers';

const ROOT = path.resolve(__dirname, '../../..');

interface PublishParams {
  uri: string;
  version?: number;
  diagnostics: { code: string; severity: number; message: string; range: { start: { line: number } } }[];
}

describe('lsp server over --stdio', function () {
  this.timeout(60_000);
  let server: ChildProcess;
  let conn: MessageConnection;
  const published: PublishParams[] = [];
  let stderr = '';

  before(() => {
    const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    server = spawn(process.execPath, [path.join(ROOT, 'dist', 'server.js'), '--stdio'], { cwd: ROOT });
    server.stderr!.on('data', (d) => (stderr += String(d)));
    conn = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
    conn.onNotification('textDocument/publishDiagnostics', (p: PublishParams) => {
      published.push(p);
    });
    conn.listen();
  });

  after(() => {
    conn?.dispose();
    if (server && server.exitCode === null) server.kill();
  });

  const waitFor = async <T>(fn: () => T | undefined, what: string, ms = 10_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = fn();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; stderr: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('initializes with the features', async () => {
    const init = await conn.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
      processId: process.pid,
      rootUri: 'file://' + FIXTURES,
      capabilities: {},
      initializationOptions: {
        diagnostics: { severity: { 'scaling.checklist-objective': 'off' } },
        fit: { onChange: false },
      },
    });
    for (const k of [
      'hoverProvider',
      'completionProvider',
      'documentFormattingProvider',
      'renameProvider',
      'inlayHintProvider',
      'semanticTokensProvider',
    ]) {
      assert.ok(init.capabilities[k], k);
    }
    await conn.sendNotification('initialized', {});
  });

  it('publishes diagnostics on didOpen and after an edit', async () => {
    const text = STUDY_TEXT.replace('predict chinchilla at', 'predict chinchila at');
    await conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri: STUDY_URI, languageId: 'scaling', version: 1, text },
    });
    const first = await waitFor(() => published.find((p) => p.uri === STUDY_URI && p.version === 1), 'diagnostics v1');
    const codes = first.diagnostics.map((d) => d.code);
    const line = text.split('\n').findIndex((l) => l.startsWith('predict chinchila at'));
    const character = 'predict '.length;
    assert.deepEqual(
      first.diagnostics
        .filter((d) => d.code === 'scaling.unknown-name')
        .map((d) => ({ range: d.range, message: d.message, severity: d.severity })),
      [
        {
          range: { start: { line, character }, end: { line, character: character + 'chinchila'.length } },
          message: "no law named 'chinchila' to predict with (did you mean 'chinchilla'?)",
          severity: 1,
        },
      ],
    );
    assert.ok(!codes.includes('scaling.checklist-objective'), 'the severity setting turned it off');
    await conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: STUDY_URI, version: 2 },
      contentChanges: [{ text: STUDY_TEXT }],
    });
    const second = await waitFor(() => published.find((p) => p.uri === STUDY_URI && p.version === 2), 'diagnostics v2');
    assert.ok(!second.diagnostics.some((d) => d.code === 'scaling.unknown-name'));
  });

  it('answers hover, completion and formatting', async () => {
    const lines = STUDY_TEXT.split('\n');
    const lawLine = lines.findIndex((l) => l.startsWith('law kaplan'));
    const hover = await conn.sendRequest<{ contents: { value: string } } | null>('textDocument/hover', {
      textDocument: { uri: STUDY_URI },
      position: { line: lawLine, character: lines[lawLine].indexOf('kaplan_n') + 2 },
    });
    assert.match(hover!.contents.value, /catalogue law/);
    const items = await conn.sendRequest<{ label: string }[]>('textDocument/completion', {
      textDocument: { uri: STUDY_URI },
      position: { line: lines.findIndex((l) => l.includes('fit sweep, pilot')), character: 2 },
    });
    // At the start of a law's item line: the law item keywords.
    assert.deepEqual(
      items.map((i) => i.label),
      ['fit', 'holdout', 'objective', 'param', 'search', 'uncertainty', 'weight', 'per', 'shared'],
    );
    const edits = await conn.sendRequest<unknown[]>('textDocument/formatting', {
      textDocument: { uri: STUDY_URI },
      options: { tabSize: 2, insertSpaces: true },
    });
    // Over stdio, the same edits as the in-process handler gives.
    assert.deepEqual(edits, formatDocument(await analyzeText(STUDY_TEXT), { tabSize: 2, insertSpaces: true }));
  });

  it('fits in a worker thread; the results equal fit --json', async () => {
    const states: { state: string; version: number }[] = [];
    conn.onNotification('scaling/fitState', (p: { state: string; version: number }) => {
      states.push(p);
    });
    const r = await conn.sendRequest<{ state: string; version: number }>('scaling/fit', { uri: STUDY_URI });
    assert.equal(r.state, 'fitted', JSON.stringify(r));
    assert.deepEqual(
      states.map((s) => s.state),
      ['fitting', 'fitted'],
    );
    const got = await conn.sendRequest<{ version: number; results: StudyResults }>('scaling/results', {
      uri: STUDY_URI,
    });
    const analysis = await analyze(STUDY_TEXT, { loader: diskLoader(), studyPath: STUDY_PATH, catalogue });
    const cli = (await runFit(analysis, STUDY_PATH)).results;
    // Numbers equal; the diagnostics differ by the severity setting this session turned off.
    const strip = (x: StudyResults) => ({ ...x, diagnostics: [], laws: x.laws.map((l) => ({ ...l, seconds: 0 })) });
    assert.deepEqual(strip(got.results), strip(cli));
    const lines = STUDY_TEXT.split('\n');
    const predictLine = lines.findIndex((l) => l.startsWith('predict'));
    const hover = await conn.sendRequest<{ contents: { value: string } }>('textDocument/hover', {
      textDocument: { uri: STUDY_URI },
      position: { line: predictLine, character: 2 },
    });
    // The hover shows **value** mean [lo, hi] to 4 significant digits: each shown number is within half a
    // unit of the 4th significant digit (5e-4 relative: protocol/numbers.ts shows 4) of the CLI's.
    const p = cli.predictions[0];
    const shown = /\*\*([-+.\de]+)\*\* mean \[([-+.\de]+), ([-+.\de]+)\]/.exec(hover.contents.value);
    assert.ok(shown, hover.contents.value);
    [p.value!, ...p.interval!].forEach((v, i) => {
      const got = Number(shown[i + 1]);
      assert.ok(Math.abs(got - v) <= 5e-4 * Math.abs(v), `shown ${got} for ${v} in ${hover.contents.value}`);
    });
    // A new question to the fitted law, hovered at once (before the edit's validation has run): the
    // answer comes from the cached fit (docs/editor.md), not "not fitted yet".
    const asked = lines.map((l, i) => (i === predictLine ? l.replace('N = 70B', 'N = 71B') : l)).join('\n');
    void conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: STUDY_URI, version: 3 },
      contentChanges: [{ text: asked }],
    });
    const next = await conn.sendRequest<{ contents: { value: string } }>('textDocument/hover', {
      textDocument: { uri: STUDY_URI },
      position: { line: predictLine, character: 2 },
    });
    assert.match(next.contents.value, /N = 71B/);
    assert.match(next.contents.value, /\*\*[-+.\de]+\*\* mean \[/);
  });

  it('survives garbage and requests about unknown documents', async () => {
    await conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: STUDY_URI, version: 4 },
      contentChanges: [{ text: '}{ law : = ( [ .. \u0000 "unterminated\n param' }],
    });
    const h = await conn.sendRequest('textDocument/hover', {
      textDocument: { uri: 'file:///nope.scaling' },
      position: { line: 0, character: 0 },
    });
    assert.equal(h, null);
    await waitFor(() => published.find((p) => p.version === 4), 'diagnostics v4');
    const r = await conn.sendRequest<{ version: number; results: { laws: unknown[] } } | null>('scaling/results', {
      uri: STUDY_URI,
    });
    assert.equal(r?.version, 4);
    assert.deepEqual(r?.results.laws, []);
  });

  // Issue 15 (hardening round two): $/cancelRequest stops a scaling/fit (before, only
  // scaling/cancelFit did), and a study that overflowed the stack still gets diagnostics published.
  const fitStates: { uri: string; state: string }[] = [];
  const open = async (name: string, text: string) => {
    const uri = 'file://' + path.join(FIXTURES, name);
    await conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'scaling', version: 1, text },
    });
    return uri;
  };

  it('$/cancelRequest on scaling/fit stops the fit', async () => {
    // 100,000 starts and 100,000 bootstrap refits: minutes of work, so only a cancel ends it soon.
    const text = [
      'dataset sweep = csv("runs/sweep.csv") {',
      '  N: params',
      '  D: tokens',
      '  L: loss',
      '}',
      'law slow: L = E + A / N^alpha + B / D^beta {',
      '  fit sweep',
      '  param E in (0, 10) init grid 0.1..1 by 0.1',
      '  param A in (0, inf) init grid 1..100 by 10',
      '  param B in (0, inf) init grid 1..100 by 10',
      '  param alpha in [0, 3] init grid 0.1..1 by 0.1',
      '  param beta in [0, 3] init grid 0.1..1 by 0.1',
      '  uncertainty bootstrap 100000 seed 1',
      '}',
      '',
    ].join('\n');
    conn.onNotification('scaling/fitState', (p: { uri: string; state: string }) => void fitStates.push(p));
    const uri = await open('slow.scaling', text);
    const source = new CancellationTokenSource();
    const reply = conn.sendRequest<{ state: string }>('scaling/fit', { uri }, source.token).then(
      (r) => r.state,
      (e: Error) => `rejected: ${e.message}`,
    );
    await waitFor(() => fitStates.find((s) => s.uri === uri && s.state === 'fitting'), 'the fit to start');
    await new Promise((r) => setTimeout(r, 300));
    const cancelledAt = Date.now();
    source.cancel();
    await waitFor(
      () => fitStates.find((s) => s.uri === uri && s.state === 'cancelled'),
      'the fit to be cancelled',
      5000,
    );
    assert.ok(Date.now() - cancelledAt < 5000);
    assert.ok(!fitStates.some((s) => s.uri === uri && s.state === 'fitted'), 'the fit did not run to its end');
    // The response (or the client's own cancellation) arrives; the server keeps answering.
    assert.match(await reply, /cancelled/);
    const hover = await conn.sendRequest('textDocument/hover', {
      textDocument: { uri },
      position: { line: 5, character: 5 },
    });
    assert.ok(hover !== undefined);
  });

  // The server's TextDocument is updated in place: a publish must carry the version it analysed,
  // not the one the document reached meanwhile (found by bench/load.mjs under a busy machine).
  it('a burst of edits: every publish shows the diagnostics of the version it names', async () => {
    const marked = (v: number) => STUDY_TEXT + `\npredict chinchilla at N = 70B, D = 1.4T, v${v} = 1\n`;
    const uri = await open('burst.scaling', marked(1));
    await waitFor(() => published.find((p) => p.uri === uri && p.version === 1), 'diagnostics v1');
    const last = 40;
    for (let v = 2; v <= last; v++) {
      void conn.sendNotification('textDocument/didChange', {
        textDocument: { uri, version: v },
        contentChanges: [{ text: marked(v) }],
      });
    }
    const hasMarker = (p: PublishParams, v: number) => p.diagnostics.some((d) => d.message.includes(`use 'v${v}'`));
    await waitFor(
      () => published.find((p) => p.uri === uri && p.version === last && hasMarker(p, last)),
      `diagnostics v${last}`,
      30_000,
    );
    const mismatched = published
      .filter((p) => p.uri === uri && p.version !== undefined)
      .map((p) => ({
        version: p.version,
        marker: /does not use 'v(\d+)'/.exec(p.diagnostics.map((d) => d.message).join('\n'))?.[1],
      }))
      // A publish made while data loads carries only syntax errors and "loading data…": no marker.
      .filter((p) => p.marker !== undefined && Number(p.marker) !== p.version);
    assert.deepEqual(mismatched, []);
  });

  it('a flat sum of 5,000 terms still gets its diagnostics published', async () => {
    const terms = Array.from({ length: 5000 }, () => 'E / N').join(' + ');
    const text = `runs r {\n  N L\n  1 2\n  2 1.5\n}\nlaw l: L = ${terms} { fit r }\n`;
    const uri = await open('deep.scaling', text);
    const p = await waitFor(() => published.find((x) => x.uri === uri), 'diagnostics of the deep study');
    assert.deepEqual(
      p.diagnostics.map((d) => d.code),
      ['scaling.syntax'],
    );
    assert.match(p.diagnostics[0].message, /more than 1000 levels/);
    assert.doesNotMatch(stderr, /RangeError/);
  });

  // Issue 18: a deleted data file reaches the server as workspace/didChangeWatchedFiles; the last
  // result stays visible, marked stale with the reason, and the state sent says stale.
  it('a deleted data file leaves the last result shown, marked stale', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scaling-stale-'));
    const csv = path.join(dir, 'sweep.csv');
    fs.copyFileSync(path.join(FIXTURES, 'runs', 'sweep.csv'), csv);
    const study = path.join(dir, 'stale.scaling');
    const text = [
      'dataset sweep = csv("sweep.csv") {',
      '  N: params',
      '  D: tokens',
      '  L: loss',
      '}',
      'law quick: L = E + A / N^alpha {',
      '  fit sweep',
      '  param E in (0, 10) init grid 1..2 by 1',
      '  param A in (0, inf) init grid 10..20 by 10 log',
      '  param alpha in [0, 3] init grid 0.3..0.6 by 0.3',
      '}',
      'predict quick at N = 1B',
      '',
    ].join('\n');
    const uri = 'file://' + study;
    const states: { uri: string; state: string; message?: string }[] = [];
    conn.onNotification('scaling/fitState', (p: { uri: string; state: string; message?: string }) => {
      if (p.uri === uri) states.push(p);
    });
    try {
      await conn.sendNotification('textDocument/didOpen', {
        textDocument: { uri, languageId: 'scaling', version: 1, text },
      });
      const r = await conn.sendRequest<{ state: string }>('scaling/fit', { uri });
      assert.equal(r.state, 'fitted');
      const hoverPredict = async () =>
        (
          await conn.sendRequest<{ contents: { value: string } } | null>('textDocument/hover', {
            textDocument: { uri },
            position: { line: 11, character: 2 },
          })
        )?.contents.value ?? '';
      const before = await hoverPredict();
      const value = /L = \*\*([^*]+)\*\*/.exec(before)?.[1];
      assert.ok(value, before);
      fs.rmSync(csv);
      await conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: 'file://' + csv, type: 3 }] });
      const stale = await waitFor(() => states.find((s) => s.state === 'stale'), 'the stale state');
      assert.match(stale.message ?? '', /sweep\.csv/);
      const after = await hoverPredict();
      assert.ok(after.includes(`L = **${value}**`), after);
      assert.match(after, /_stale — file not found: .*sweep\\?\.csv/); // Markdown escapes the dot
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers hover and completion while a large CSV loads, and shows "loading data…" at its dataset line', async () => {
    // 300,000 rows (about 8 MB): its load takes well over the 150 ms a hover waits for it.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scaling-loading-'));
    try {
      const rows = Array.from({ length: 300_000 }, (_, i) => `${1e6 + i},${2e9 + i},${(3 + i * 1e-7).toFixed(7)}`);
      fs.writeFileSync(path.join(dir, 'big.csv'), `N,D,L\n${rows.join('\n')}\n`);
      const text = 'dataset big = csv("big.csv") {\n  N: N\n  L: L\n}\nlaw l: L = E + A / N^a { fit big }\n';
      const uri = 'file://' + path.join(dir, 'big.scaling');
      let finalAt = 0;
      const isFinal = (p: PublishParams) =>
        p.uri === uri && !p.diagnostics.some((d) => d.code === 'scaling.loading-data');
      conn.onNotification('textDocument/publishDiagnostics', (p: PublishParams) => {
        published.push(p);
        if (isFinal(p) && finalAt === 0) finalAt = Date.now();
      });
      await conn.sendNotification('textDocument/didOpen', {
        textDocument: { uri, languageId: 'scaling', version: 1, text },
      });
      const h = await conn.sendRequest<{ contents: { value: string } }>('textDocument/hover', {
        textDocument: { uri },
        position: { line: 4, character: 'law l: L = '.length },
      });
      const hoverAt = Date.now();
      const items = await conn.sendRequest<{ label: string }[]>('textDocument/completion', {
        textDocument: { uri },
        position: { line: 5, character: 0 },
      });
      const loading = await waitFor(
        () => published.find((p) => p.uri === uri && p.diagnostics.some((d) => d.code === 'scaling.loading-data')),
        'the loading notice',
      );
      await waitFor(() => finalAt || undefined, 'the diagnostics once loaded', 60_000);
      // The hover answered before the data had loaded, from the text, and said so.
      assert.ok(hoverAt < finalAt, `hover at ${hoverAt}, data loaded at ${finalAt}`);
      assert.match(h.contents.value, /^\*loading data…/);
      assert.match(h.contents.value, /\*\*parameter\*\* `E` of law `l`/);
      assert.ok(
        items.some((i) => i.label === 'law'),
        'statement keywords completed meanwhile',
      );
      assert.deepEqual(
        loading.diagnostics.map((d) => ({
          code: d.code,
          severity: d.severity,
          line: d.range.start.line,
          message: d.message,
        })),
        [{ code: 'scaling.loading-data', severity: 3, line: 0, message: 'loading data…' }],
      );
      const after = await conn.sendRequest<{ contents: { value: string } }>('textDocument/hover', {
        textDocument: { uri },
        position: { line: 4, character: 'law l: L = '.length },
      });
      assert.doesNotMatch(after.contents.value, /loading data/);
      await conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shuts down and exits', async () => {
    await conn.sendRequest('shutdown');
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
    await conn.sendNotification('exit');
    assert.equal(await exited, 0);
  });
});
