// One-character edits of a huge inline-runs study through the real language server (issue 15.3):
// `node bench/huge-edit.mjs [--rows N] [--edits N] [--root DIR] [--prof DIR]`. Bundles the server
// of --root (default: this checkout; another checkout gives an A/B), opens a study of N inline rows
// (default 1,800,000, ~37 MB: the table is over MAX_INLINE_ROWS, refused unread) over stdio, then
// sends incremental didChange notifications as an editor does and times each until
// publishDiagnostics of that version arrives. One-character edits cycle through three places: the
// title above the table, a row inside it, the law below it; then a new row, two rows joined and a
// row deleted. Budget: 50 ms (issue 4's edit diagnostics). --prof: the server's CPU profile.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleEntries } from './bundle.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const root = path.resolve(arg('root', path.join(here, '..')));
const rows = Number(arg('rows', 1_800_000));
const edits = Number(arg('edits', 30));
const BUDGET_MS = 50;

function studyLines() {
  const lines = ['study "huge"', 'runs r {', '  N     D      L'];
  for (let i = 0; i < rows; i++)
    lines.push(`  ${1 + (i % 997)}M  ${1 + (i % 89)}.5B  ${(2 + (i % 1000) / 1000).toFixed(3)}`);
  lines.push('}', 'law l: L = E + A / N^alpha {', '  fit r', '}', '');
  return lines;
}

async function bundleServer(out) {
  const entries = { server: 'server/src/server.ts', lspFitWorker: 'server/src/lspFitWorker.ts' };
  await bundleEntries(Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, path.join(root, v)])), out);
  return path.join(out, 'server.js');
}

function quantile(samples, q) {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))];
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'huge-edit-'));
  const server = await bundleServer(dir);
  const rpc = await import(pathToFileURL(path.join(here, '..', 'node_modules/vscode-jsonrpc/lib/node/main.js')).href);
  const { createMessageConnection, StreamMessageReader, StreamMessageWriter } = rpc.default ?? rpc;
  const prof = arg('prof', undefined); // a folder: the server writes a CPU profile there (--cpu-prof)
  const flags = prof ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(prof)}`] : [];
  const child = spawn(process.execPath, [...flags, server, '--stdio'], {
    cwd: dir,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const waiting = new Map();
  let lastErrors = [];
  conn.onNotification('textDocument/publishDiagnostics', (p) => {
    lastErrors = p.diagnostics.filter((d) => d.severity === 1).map((d) => `${d.range.start.line}: ${d.message}`);
    waiting.get(p.version)?.(performance.now());
  });
  conn.onRequest(() => null); // client requests (refreshes, configuration): answered empty
  conn.listen();
  await conn.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {} });
  await conn.sendNotification('initialized', {});
  const published = (version) => new Promise((resolve) => waiting.set(version, resolve));

  const lines = studyLines();
  const text = lines.join('\n');
  const uri = pathToFileURL(path.join(dir, 'huge.scaling')).href;
  let version = 1;
  let t0 = performance.now();
  let done = published(version);
  await conn.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'scaling', version, text },
  });
  const openMs = (await done) - t0;

  // Each place is edited there and back: a character inserted, then deleted.
  const titleLine = 0;
  const rowLine = 3 + Math.floor(rows / 2);
  const lawLine = lines.indexOf('law l: L = E + A / N^alpha {');
  const places = [
    ['above the table (title)', titleLine, 'study "h'.length],
    ['inside the table (a row)', rowLine, 2],
    ['below the table (law name)', lawLine, 'law l'.length],
  ];
  const samples = new Map(places.map(([name]) => [name, []]));
  for (let i = 0; i < edits; i++) {
    const [name, line, character] = places[i % places.length];
    const insert = Math.floor(i / places.length) % 2 === 0;
    const range = insert
      ? { start: { line, character }, end: { line, character } }
      : { start: { line, character }, end: { line, character: character + 1 } };
    version++;
    t0 = performance.now();
    done = published(version);
    await conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: [{ range, text: insert ? '7' : '' }],
    });
    samples.get(name).push((await done) - t0);
    await new Promise((r) => setTimeout(r, 100)); // typing pace
  }
  // Edits across the rows' lines, patched into the rows kept aside as well.
  const more = [
    ['a new row (a line break in a row)', rowLine, 4, rowLine, 4, '\n  '],
    ['two rows joined (a break deleted)', rowLine + 9, 99, rowLine + 10, 0, ''],
    ['a row deleted (Delete Line)', rowLine + 20, 0, rowLine + 21, 0, ''],
  ].map(([name, l0, c0, l1, c1, text]) => ({
    name,
    start: { line: l0, character: c0 },
    end: { line: l1, character: c1 },
    text,
  }));
  const moreMs = [];
  for (const { start, end, text } of more) {
    version++;
    t0 = performance.now();
    done = published(version);
    await conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: [{ range: { start, end }, text }],
    });
    moreMs.push((await done) - t0);
    await new Promise((r) => setTimeout(r, 100));
  }
  const usage = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const peakMB = Number(/VmHWM:\s+(\d+)/.exec(usage)?.[1] ?? NaN) / 1024;
  await conn.sendRequest('shutdown');
  await conn.sendNotification('exit');
  conn.dispose();
  fs.rmSync(dir, { recursive: true, force: true });

  console.log(
    `${rows.toLocaleString('en-US')} inline rows, ${(text.length / 1e6).toFixed(1)} MB, server from ${root}; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(`open → first diagnostics: ${openMs.toFixed(0)} ms; server peak RSS ${peakMB.toFixed(0)} MB`);
  console.log(`errors published: ${lastErrors.join(' | ').slice(0, 160)}`);
  console.log('| one-character edit → publishDiagnostics | p50 | p95 | max | budget |');
  console.log('|---|---:|---:|---:|---|');
  let over = false;
  for (const [name, s] of samples) {
    const p95 = quantile(s, 0.95);
    over ||= p95 > BUDGET_MS;
    console.log(
      `| ${name}, ${s.length} edits | ${quantile(s, 0.5).toFixed(1)} ms | ${p95.toFixed(1)} ms | ${Math.max(...s).toFixed(1)} ms | ${BUDGET_MS} ms ${p95 > BUDGET_MS ? 'NO' : 'yes'} |`,
    );
  }
  console.log(more.map((m, i) => `${m.name}: ${moreMs[i].toFixed(1)} ms`).join('; '));
  process.exitCode = over && process.argv.includes('--strict') ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
