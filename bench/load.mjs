// Load bench: `node scripts/build.mjs && node bench/load.mjs` (or import { benchLoad }).
// Starts the real server (`node dist/server.js --stdio`), opens 50 studies at once, then edits one of
// them 100 times a second for 10 seconds while hovering it. Reports hover p95, the server's RSS over
// time, and checks that nothing from an old version is shown after a newer one: each version v puts
// N = (1000 + v)B into its `predict` line, which the hover and the extrapolation diagnostic echo.
// With background fits, the edits start once the edited study's first fit is in (its fit state
// `fitted`), as a user edits a fitted study: the edits change only the predict line, so the editor's
// design (docs/editor.md, "Cheap questions don't refit") promises every hover the value answered from
// the cached fit; a hover without it is counted as a violation. Without fits no value can be shown:
// the hovers are checked for freshness only.
// Traffic is stdio only; every loop is bounded in count and time.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function studyText(i, v) {
  return `study "s${i} v${v}"
compute C = 6 * N * D
dataset d = csv("runs.csv") {
  N: params
  D: tokens
  L: loss
}
law l: L = E + A / N^alpha + B / D^beta {
  fit d
  objective huber(1e-3) on log
  param E in (0, 10) init grid 1..1 by 1
  param A in (0, inf) init grid 6..6 by 1 log
  param alpha in [0, 3] init grid 0.3..0.3 by 1
  param B in (0, inf) init grid 6..6 by 1 log
  param beta in [0, 3] init grid 0.3..0.3 by 1
  uncertainty none
}
predict l at N = ${1000 + v}B, D = 1.4T, v${v} = 1
`;
}

function rssKb(pid) {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};

export async function benchLoad({
  studies = 50,
  editsPerSecond = 100,
  seconds = 10,
  backgroundFits = true,
  log = console.log,
} = {}) {
  const server = path.join(ROOT, 'dist', 'server.js');
  if (!fs.existsSync(server)) throw new Error('dist/server.js is missing: run node scripts/build.mjs first');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scaling-load-'));
  const rows = ['params,tokens,loss'];
  for (let i = 0; i < 40; i++) {
    const N = 1e7 * 1.25 ** i;
    const D = 2e8 * 1.3 ** ((i * 7) % 40);
    rows.push(`${N.toPrecision(6)},${D.toPrecision(6)},${(1.7 + 400 / N ** 0.34 + 410 / D ** 0.28).toPrecision(6)}`);
  }
  fs.writeFileSync(path.join(dir, 'runs.csv'), rows.join('\n') + '\n');
  const uris = [];
  for (let i = 0; i < studies; i++) {
    const f = path.join(dir, `study${i}.scaling`);
    fs.writeFileSync(f, studyText(i, 1));
    uris.push(pathToFileURL(f).toString());
  }

  const child = spawn(process.execPath, [server, '--stdio'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const published = new Map(); // uri → [{version, diagnostics, at}]
  const violations = [];
  const target = uris[0];
  let latestPublishedVersion = 0;
  conn.onNotification('textDocument/publishDiagnostics', (p) => {
    const list = published.get(p.uri) ?? [];
    list.push({ version: p.version, at: performance.now() });
    published.set(p.uri, list);
    if (p.uri !== target) return;
    // The unused-variable warning names this version's `vN`: it must match the version the publish carries.
    const ex = p.diagnostics.find((d) => d.code === 'scaling.unused-variable');
    const m = ex && /'v(\d+)'/.exec(ex.message);
    if (!m) violations.push(`diagnostics v${p.version} without the version marker`);
    else if (p.version !== undefined && Number(m[1]) !== p.version)
      violations.push(`diagnostics v${p.version} come from v${m[1]}: ${ex.message}`);
    if (p.version !== undefined) {
      if (p.version < latestPublishedVersion)
        violations.push(`diagnostics v${p.version} published after v${latestPublishedVersion}`);
      latestPublishedVersion = Math.max(latestPublishedVersion, p.version);
    }
  });
  conn.onRequest('workspace/configuration', () => []);
  conn.onRequest('client/registerCapability', () => null);
  conn.onNotification('window/logMessage', () => {});
  const fitStates = []; // the edited study's states, in order
  conn.onNotification('scaling/fitState', (p) => {
    if (p.uri === target) fitStates.push({ version: p.version, state: p.state, at: performance.now() });
  });
  conn.listen();

  const rss = [];
  const t0 = performance.now();
  const sampler = setInterval(() => rss.push({ t: (performance.now() - t0) / 1000, kb: rssKb(child.pid) }), 250);
  try {
    await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(dir).toString(),
      workspaceFolders: [{ uri: pathToFileURL(dir).toString(), name: 'load' }],
      capabilities: {},
      initializationOptions: { workspaceTrusted: true, fit: { onChange: backgroundFits } },
    });
    await conn.sendNotification('initialized', {});

    // 1. 50 studies at once.
    const tOpen = performance.now();
    for (let i = 0; i < studies; i++) {
      await conn.sendNotification('textDocument/didOpen', {
        textDocument: { uri: uris[i], languageId: 'scaling', version: 1, text: studyText(i, 1) },
      });
    }
    const deadline = performance.now() + 60_000;
    while (uris.some((u) => !published.has(u)) && performance.now() < deadline) await sleep(10);
    const openMs = performance.now() - tOpen;
    const allPublished = uris.every((u) => published.has(u));
    let firstFitMs = NaN;
    if (backgroundFits) {
      const fitDeadline = performance.now() + 120_000;
      while (!fitStates.some((f) => f.state === 'fitted') && performance.now() < fitDeadline) await sleep(20);
      const fitted = fitStates.find((f) => f.state === 'fitted');
      if (fitted) firstFitMs = fitted.at - tOpen;
      else violations.push('the edited study was never fitted (no fitted state within 120 s)');
    }

    // 2. editsPerSecond edits a second on one study for `seconds`, hovering the predict line meanwhile.
    const predictLine = studyText(0, 1)
      .split('\n')
      .findIndex((l) => l.startsWith('predict'));
    const hoverMs = [];
    const hoverAt = [];
    let version = 1;
    let hoverMaxSeen = 0;
    let hovers = 0;
    let staleHovers = 0;
    let hoversWithValue = 0;
    const pendingHovers = [];
    const total = editsPerSecond * seconds;
    const tEdit = performance.now();
    for (let k = 0; k < total; k++) {
      const due = tEdit + (k * 1000) / editsPerSecond;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      version++;
      await conn.sendNotification('textDocument/didChange', {
        textDocument: { uri: target, version },
        contentChanges: [{ text: studyText(0, version) }],
      });
      if (k % 2 === 0) {
        const sentAfter = version;
        const ts = performance.now();
        hovers++;
        pendingHovers.push(
          conn
            .sendRequest('textDocument/hover', {
              textDocument: { uri: target },
              position: { line: predictLine, character: 2 },
            })
            .then((h) => {
              hoverMs.push(performance.now() - ts);
              hoverAt.push([(ts - tEdit) / 1000, performance.now() - ts]);
              const text = h ? (h.contents.value ?? JSON.stringify(h.contents)).replaceAll('\\', '') : '';
              // The value line (`L = **1.94**…`), answered from the cached fit while only the question changes.
              if (/L = \*\*/.test(text)) hoversWithValue++;
              else if (backgroundFits) violations.push(`hover without the predicted value: ${text.slice(0, 160)}`);
              const m = /at N = (\d+(?:\.\d+)?)T/.exec(text);
              if (!m) return violations.push(`hover without the predict line's N: ${text.slice(0, 160)}`);
              const v = Math.round(Number(m[1]) * 1000 - 1000);
              // Messages are ordered: a hover sent after version `sentAfter` must see it (or a newer one).
              if (v < sentAfter) {
                staleHovers++;
                violations.push(`hover sent after v${sentAfter} shows v${v}`);
              }
              if (v < hoverMaxSeen) violations.push(`hover shows v${v} after v${hoverMaxSeen} was shown`);
              hoverMaxSeen = Math.max(hoverMaxSeen, v);
            }),
        );
      }
    }
    const editSeconds = (performance.now() - tEdit) / 1000;
    await Promise.race([Promise.all(pendingHovers), sleep(30_000)]);
    // The last version's diagnostics must arrive.
    const lastDeadline = performance.now() + 15_000;
    while (latestPublishedVersion < version && performance.now() < lastDeadline) await sleep(20);
    if (latestPublishedVersion < version) violations.push(`the last version v${version} was never published`);
    await sleep(500);

    const kb = rss.map((r) => r.kb).filter(Number.isFinite);
    const result = {
      studies,
      openAllMs: Math.round(openMs),
      allPublished,
      firstFitMs: Math.round(firstFitMs),
      edits: total,
      editSeconds: Number(editSeconds.toFixed(2)),
      hovers,
      hoverP50Ms: Number(pct(hoverMs, 50).toFixed(1)),
      hoverP95Ms: Number(pct(hoverMs, 95).toFixed(1)),
      hoverMaxMs: Number(Math.max(...hoverMs).toFixed(1)),
      hoversWithValue,
      staleHovers,
      fitStatesDuringEdits: [...new Set(fitStates.filter((f) => f.at >= tEdit).map((f) => f.state))],
      slowHovers: hoverAt.filter(([, ms]) => ms > 100).length,
      slowHoverWindow: hoverAt
        .filter(([, ms]) => ms > 100)
        .map(([t]) => t.toFixed(1))
        .filter((t, i, a) => i === 0 || i === a.length - 1),
      publishesOfEditedStudy: published.get(target)?.length ?? 0,
      rssStartMb: Math.round((kb[0] ?? NaN) / 1024),
      rssMaxMb: Math.round(Math.max(...kb) / 1024),
      rssEndMb: Math.round((kb[kb.length - 1] ?? NaN) / 1024),
      rssTimeline: rss.filter((_, i) => i % 8 === 0).map((r) => `${r.t.toFixed(0)}s:${Math.round(r.kb / 1024)}MB`),
      violations: violations.slice(0, 10),
      violationCount: violations.length,
    };
    log(JSON.stringify(result, null, 2));
    return result;
  } finally {
    clearInterval(sampler);
    try {
      await Promise.race([conn.sendRequest('shutdown'), sleep(2000)]);
      conn.sendNotification('exit');
    } catch {
      /* the server may already be gone */
    }
    conn.dispose();
    await sleep(200);
    if (child.exitCode === null) child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
    if (stderr.trim()) log(`server stderr: ${stderr.slice(0, 2000)}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchLoad({ backgroundFits: !process.argv.includes('--no-fits') }).then(
    (r) => process.exit(r.violationCount === 0 && r.allPublished ? 0 : 1),
    (e) => {
      console.error(e);
      process.exit(2);
    },
  );
}
