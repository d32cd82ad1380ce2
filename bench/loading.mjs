// Hover while a large CSV loads (issue 15.2): `node bench/loading.mjs [MB] [--text|--short-text]
// [--bound=MB]` (default 400 MB, numeric, bound 16,384 MB).
// Writes a CSV of MB megabytes to the system temp folder once (never into the repository): by default
// 3 numeric columns, ~27 bytes a row, as the 15 M-row file; `--text` adds a run name unique
// per row and a model name out of 50 (text-heavy, ~60 bytes a row); `--short-text` is 3 columns of
// short distinct text cells (the most strings per byte a file can give). Starts the real server
// (`dist/server.js --stdio`, built first) with the memory bound given (`--bound=`, default raised to
// 16 GB so the load happens), opens a study that reads the file, and sends a hover every 20 ms until
// the diagnostics of the loaded data arrive. Prints the hover latencies (p50, p95, max) during the
// load, the load's duration, the server's RSS before the load and its peak RSS (VmHWM), and the peak
// over the idle RSS per byte of the file (what MEMORY_PER_FILE_BYTE estimates).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const MB = Number(args.find((a) => !a.startsWith('--')) ?? 400);
const kind = args.includes('--short-text') ? 'short-text' : args.includes('--text') ? 'text' : 'numeric';
const bound = Number(args.find((a) => a.startsWith('--bound='))?.slice('--bound='.length) ?? 16_384);
const dir = path.join(os.tmpdir(), 'scaling-bench-loading');
const csv = path.join(dir, kind === 'numeric' ? `big-${MB}mb.csv` : `big-${kind}-${MB}mb.csv`);

const HEADERS = { numeric: 'N,D,L', text: 'run,model,N,D,L', 'short-text': 'a,b,N,c' };

function row(i) {
  const N = 1e7 + ((i * 7919) % 9_000_000);
  const D = 1e8 + ((i * 104_729) % 90_000_000);
  const L = (2 + ((i * 31) % 1000) / 1000).toFixed(3);
  if (kind === 'text') return `run-${i.toString(36)}-${(i * 2654435761) % 99991},model-${i % 50},${N},${D},${L}`;
  // Short distinct cells: base-36 digits of the row number, three ways.
  if (kind === 'short-text') return `x${i.toString(36)},z${(i * 7).toString(36)},${N},y${(i * 13).toString(36)}`;
  return `${N},${D},${L}`;
}

function writeCsv() {
  fs.mkdirSync(dir, { recursive: true });
  if (fs.existsSync(csv) && fs.statSync(csv).size >= MB * 2 ** 20) return;
  const fd = fs.openSync(csv, 'w');
  fs.writeSync(fd, HEADERS[kind] + '\n');
  let written = 0;
  let i = 0;
  while (written < MB * 2 ** 20) {
    const rows = [];
    for (let k = 0; k < 100_000; k++, i++) rows.push(row(i));
    const chunk = rows.join('\n') + '\n';
    fs.writeSync(fd, chunk);
    written += chunk.length;
  }
  fs.closeSync(fd);
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

writeCsv();
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
if (build.status !== 0) throw new Error(build.stderr);
const server = spawn(process.execPath, [path.join(ROOT, 'dist', 'server.js'), '--stdio'], { cwd: ROOT });
let stderr = '';
server.stderr.on('data', (d) => (stderr += String(d)));
let exit;
const exited = new Promise((resolve) => server.on('exit', (code, signal) => resolve((exit = { code, signal }))));
const conn = createMessageConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
let loadedAt = 0;
let loadedDiagnostics;
const uri = 'file://' + path.join(dir, 'big.scaling');
conn.onNotification('textDocument/publishDiagnostics', (p) => {
  if (p.uri === uri && !p.diagnostics.some((d) => d.code === 'scaling.loading-data') && !loadedAt) {
    loadedAt = performance.now();
    loadedDiagnostics = p.diagnostics;
  }
});
conn.listen();
await conn.sendRequest('initialize', {
  processId: process.pid,
  rootUri: 'file://' + dir,
  capabilities: {},
  initializationOptions: { data: { maxMemoryMB: bound }, fit: { onChange: false } },
});
await conn.sendNotification('initialized', {});
const columns = kind === 'short-text' ? '  N: N\n  L: N\n' : '  N: N\n  D: D\n  L: L\n';
const text = `dataset big = csv("${path.basename(csv)}") {\n${columns}}\nlaw l: L = E + A / N^a {\n  fit big\n}\n`;
const lawLine = text.split('\n').findIndex((l) => l.startsWith('law '));
const idle = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'));
const openedAt = performance.now();
await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'scaling', version: 1, text } });
const latencies = [];
while (!loadedAt && !exit) {
  const t0 = performance.now();
  await Promise.race([
    conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: lawLine, character: 11 } }),
    exited,
  ]);
  if (!loadedAt) latencies.push(performance.now() - t0);
  await new Promise((r) => setTimeout(r, 20));
}
const hwm = /VmHWM:\s+(\d+) kB/.exec(exit ? '' : fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'));
console.log(
  `CSV (${kind}): ${(fs.statSync(csv).size / 2 ** 20).toFixed(0)} MB (${csv}); bound ${bound} MB; load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
if (exit) {
  console.log(`server exited during the load: ${JSON.stringify(exit)}\n${stderr.slice(-2000)}`);
  process.exit(1);
}
console.log(
  `load to diagnostics: ${((loadedAt - openedAt) / 1000).toFixed(1)} s; diagnostics: ${loadedDiagnostics.map((d) => d.code).join(', ') || 'none'}`,
);
console.log(
  `hover during the load: ${latencies.length} requests, p50 ${quantile(latencies, 0.5).toFixed(0)} ms, p95 ${quantile(latencies, 0.95).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`,
);
const size = fs.statSync(csv).size;
console.log(
  `server RSS before the load ${(Number(idle[1]) / 2 ** 10).toFixed(0)} MB; peak RSS: ${hwm ? (Number(hwm[1]) / 2 ** 20).toFixed(2) : '?'} GB` +
    (hwm ? `; (peak - before) per file byte: ${(((Number(hwm[1]) - Number(idle[1])) * 1024) / size).toFixed(2)}` : ''),
);
await conn.sendRequest('shutdown');
await conn.sendNotification('exit');
conn.dispose();
