// Hover while a large CSV loads (issue 15.2): `node bench/loading.mjs [MB]` (default 400).
// Writes a CSV of MB megabytes (3 numeric columns, ~27 bytes a row, as the 15 M-row file)
// to the system temp folder once (never into the repository), starts the real server
// (`dist/server.js --stdio`, built first) with the memory bound raised for it, opens a study that
// reads the file, and sends a hover every 20 ms until the diagnostics of the loaded data arrive.
// Prints the hover latencies (p50, p95, max) during the load, the load's duration and the server's
// peak RSS (VmHWM).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MB = Number(process.argv[2] ?? 400);
const dir = path.join(os.tmpdir(), 'scaling-bench-loading');
const csv = path.join(dir, `big-${MB}mb.csv`);

function writeCsv() {
  fs.mkdirSync(dir, { recursive: true });
  if (fs.existsSync(csv) && fs.statSync(csv).size >= MB * 2 ** 20) return;
  const fd = fs.openSync(csv, 'w');
  fs.writeSync(fd, 'N,D,L\n');
  let written = 0;
  let i = 0;
  while (written < MB * 2 ** 20) {
    const rows = [];
    for (let k = 0; k < 100_000; k++, i++) {
      const N = 1e7 + ((i * 7919) % 9_000_000);
      const D = 1e8 + ((i * 104_729) % 90_000_000);
      rows.push(`${N},${D},${(2 + ((i * 31) % 1000) / 1000).toFixed(3)}`);
    }
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
server.on('exit', (code, signal) => (exit = { code, signal }));
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
  initializationOptions: { data: { maxMemoryMB: 16_384 }, fit: { onChange: false } },
});
await conn.sendNotification('initialized', {});
const text = `dataset big = csv("${path.basename(csv)}") {\n  N: N\n  D: D\n  L: L\n}\nlaw l: L = E + A / N^a {\n  fit big\n}\n`;
const openedAt = performance.now();
await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'scaling', version: 1, text } });
const latencies = [];
while (!loadedAt && !exit) {
  const t0 = performance.now();
  await Promise.race([
    conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 5, character: 11 } }),
    new Promise((r) => server.once('exit', r)),
  ]);
  if (!loadedAt) latencies.push(performance.now() - t0);
  await new Promise((r) => setTimeout(r, 20));
}
const hwm = /VmHWM:\s+(\d+) kB/.exec(exit ? '' : fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'));
console.log(`CSV: ${(fs.statSync(csv).size / 2 ** 20).toFixed(0)} MB (${csv})`);
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
console.log(`server peak RSS: ${hwm ? (Number(hwm[1]) / 2 ** 20).toFixed(2) : '?'} GB`);
await conn.sendRequest('shutdown');
await conn.sendNotification('exit');
conn.dispose();
