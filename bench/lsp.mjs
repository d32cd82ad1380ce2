// LSP latency and memory bench: `node bench/lsp.mjs` (builds what it needs with esbuild).
//   hover p95 and completion p95 on a 10,000-run study with a cached fit (the handlers read
//   StudyResults; a stand-in with the fit's shape is cached, so the numbers measure the editor path),
//   diagnostics after a one-character edit (analysis of the new version + LSP conversion),
//   and the resident memory of the real server (`dist/server.js --stdio`) holding a 100,000-row CSV.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const ENTRY = `
export { analyze } from './server/src/core/study';
export { catalogue } from './server/src/core/laws';
export { DataLoader } from './server/src/core/data/loader';
export { DocumentStore } from './server/src/lsp/documents';
export { documentDiagnostics } from './server/src/lsp/diagnostics';
export { hover } from './server/src/lsp/hover';
export { completion } from './server/src/lsp/completion';
export { inlayHints } from './server/src/lsp/inlayHints';
export { semanticTokens } from './server/src/lsp/semanticTokens';
export { fitKeys } from './server/src/lsp/incremental';
export { setLog } from './server/src/lsp/safe';
export { NodeHost } from './server/src/host/nodeHost';
`;

function writeSweep(file, rows, seed = 1) {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines = ['run,params,tokens,loss'];
  for (let i = 0; i < rows; i++) {
    const N = Math.exp(Math.log(1e7) + rand() * Math.log(1e4));
    const D = Math.exp(Math.log(1e8) + rand() * Math.log(1e4));
    const L = 1.69 + 406.4 / N ** 0.34 + 410.7 / D ** 0.28 + (rand() - 0.5) * 0.01;
    lines.push(`r${i},${N.toPrecision(6)},${D.toPrecision(6)},${L.toFixed(5)}`);
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

function studyText(csv) {
  return `study "bench"
compute C = 6 * N * D
dataset sweep = csv("${csv}") {
  N: params
  D: tokens
  L: loss
  where loss < 10
}
law chinchilla: L = E + A / N^alpha + B / D^beta {
  fit sweep
  holdout N >= 50B
  objective huber(1e-3) on log
  param E     in (0, 10)   init grid -1..1 by 0.5 log
  param A     in (0, inf)  init grid 0..25 by 5 log
  param B     in (0, inf)  init grid 0..25 by 5 log
  param alpha in [0, 3]    init grid 0..2 by 0.5
  param beta  in [0, 3]    init grid 0..2 by 0.5
  uncertainty bootstrap 1000 seed 7 level 0.9
}
law kaplan: kaplan_n(N) {
  fit sweep
}
predict chinchilla at N = 70B, D = 1.4T
optimize chinchilla for C = 5.76e23
plot chinchilla: L vs C by N
`;
}

function fakeResults(a) {
  return {
    study: a.model.title ?? null,
    laws: a.model.laws.map((law) => ({
      name: law.name,
      formula: law.formulaText,
      params: Object.fromEntries(law.params.map((p, i) => [p.name, 0.3 + i])),
      intervals: Object.fromEntries(law.params.map((p, i) => [p.name, [0.2 + i, 0.4 + i]])),
      objective: { kind: 'huber', delta: 1e-3, space: 'log', value: 0.01 },
      points: { fit: law.data.rowCount, holdout: 0, dropped: 0 },
      holdout: null,
      starts: { declared: 4500, optimized: 10 },
      converged: true,
      stop_reason: 'gradient',
      seed: 7,
      seconds: 1,
      residuals: Array.from(law.data.numeric.get(law.target), (o) => ({ observed: o, fitted: o, heldOut: false })),
      level: 0.9,
    })),
    isoflops: [],
    predictions: a.model.predictions.map((p) => ({
      law: p.law,
      at: p.at,
      value: 1.94,
      interval: [1.92, 1.97],
      level: 0.9,
    })),
    optima: a.model.optima.map((o) => ({
      law: o.law,
      budget: o.budget,
      at: { N: 7e10, D: 1.4e12 },
      value: 1.93,
      intervals: {},
    })),
    diagnostics: [],
  };
}

function p50(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function p95(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))];
}

async function serverMemory(dir, csv) {
  const server = path.join(ROOT, 'dist', 'server.js');
  if (!fs.existsSync(server)) return { rssMB: NaN, note: 'dist/server.js missing (node scripts/build.mjs)' };
  const rpc = await import(pathToFileURL(path.join(ROOT, 'node_modules/vscode-jsonrpc/lib/node/main.js')).href);
  const { createMessageConnection, StreamMessageReader, StreamMessageWriter } = rpc.default ?? rpc;
  const child = spawn(process.execPath, [server, '--stdio'], { cwd: ROOT });
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  let published = false;
  conn.onNotification('textDocument/publishDiagnostics', () => {
    published = true;
  });
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(dir).href,
    capabilities: {},
    initializationOptions: { fit: { onChange: false } },
  });
  await conn.sendNotification('initialized', {});
  const uri = pathToFileURL(path.join(dir, 'big.scaling')).href;
  const t0 = performance.now();
  await conn.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'scaling', version: 1, text: studyText(path.basename(csv)) },
  });
  while (!published) await new Promise((r) => setTimeout(r, 10));
  const openMs = performance.now() - t0;
  // Hover over the wire too (no fit: the path is the same minus the numbers).
  const samples = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 7, character: 6 } });
    samples.push(performance.now() - t);
  }
  await new Promise((r) => setTimeout(r, 300));
  const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const rssKB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  await conn.sendRequest('shutdown');
  await conn.sendNotification('exit');
  conn.dispose();
  return { rssMB: rssKB / 1024, openMs, hoverWireP95: p95(samples) };
}

export async function benchLsp({ print = true } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsp-bench-'));
  const bundle = path.join(dir, 'lsp-bench.cjs');
  await esbuild.build({
    stdin: { contents: ENTRY, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: bundle,
    logLevel: 'warning',
    // As scripts/build.mjs: ESM-only dependencies (fdir, under tinyglobby) read import.meta.url.
    define: { 'import.meta.url': '__importMetaUrl' },
    banner: { js: "const __importMetaUrl = require('url').pathToFileURL(__filename).href;" },
  });
  const { createRequire } = await import('node:module');
  const lsp = createRequire(import.meta.url)(bundle);
  lsp.setLog(() => {});

  // 10,000 runs, a cached fit.
  const csv10k = path.join(dir, 'sweep10k.csv');
  writeSweep(csv10k, 10_000);
  const studyPath = path.join(dir, 'study.scaling');
  const text = studyText('sweep10k.csv');
  // The store the server uses: analyses through the Node data host, awaited (get is async).
  const store = new lsp.DocumentStore(new lsp.NodeHost(), () => dir);
  const uri = pathToFileURL(studyPath).href;
  let version = 1;
  const doc = { uri, version, getText: () => text };
  const state = await store.get(doc);
  const results = fakeResults(state.analysis);
  const lines = text.split('\n');
  const offsets = [];
  for (const needle of [
    'law chinchilla',
    'N^alpha',
    'param beta',
    'predict chinchilla',
    'optimize chinchilla',
    'kaplan_n',
    'fit sweep',
  ]) {
    offsets.push(text.indexOf(needle) + 3);
  }
  const hoverMs = [];
  for (let i = 0; i < 2000; i++) {
    const o = offsets[i % offsets.length];
    const t = performance.now();
    const a = (await store.get(doc)).analysis;
    const h = lsp.hover(a, results, o);
    if (i < offsets.length && process.env.BENCH_DEBUG) console.log('hover', JSON.stringify(h)?.slice(0, 120));
    hoverMs.push(performance.now() - t);
  }
  const completionMs = [];
  const columns = (d) => (d.path ? store.loader.loadedColumns(path.resolve(dir, d.path.value)) : []);
  const completionOffsets = [
    text.indexOf('  fit sweep\n') + 2,
    text.indexOf('  L: loss') + 5,
    text.indexOf('predict chinchilla at') + 8,
    text.indexOf('B / D^beta') + 4,
  ];
  for (let i = 0; i < 2000; i++) {
    const t = performance.now();
    lsp.completion((await store.get(doc)).analysis, completionOffsets[i % completionOffsets.length], { columns });
    completionMs.push(performance.now() - t);
  }
  // One-character edits: analyse the new version and convert its diagnostics.
  const editMs = [];
  for (let i = 0; i < 60; i++) {
    if (i === 10) editMs.length = 0; // the first edits warm the JIT up
    const edited = text
      .replace('init grid -1..1 by 0.5 log', `init grid -1..1 by 0.5 log${i % 2 ? ' ' : ''}`)
      .replace('"bench"', `"bench${i}"`);
    version++;
    const t = performance.now();
    const s = await store.get({ uri, version, getText: () => edited });
    lsp.documentDiagnostics(s.analysis.diagnostics, s.analysis.lines);
    editMs.push(performance.now() - t);
    if (process.env.BENCH_DEBUG) console.log('edit', (performance.now() - t).toFixed(1));
  }
  const keysMs = [];
  const lastAnalysis = (await store.get({ uri, version, getText: () => text })).analysis;
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    lsp.fitKeys(lastAnalysis);
    keysMs.push(performance.now() - t);
  }

  // 100,000 rows, the real server process.
  const csv100k = path.join(dir, 'big.csv');
  writeSweep(csv100k, 100_000, 2);
  const mem = await serverMemory(dir, csv100k);

  const rows = [
    ['hover p95 (10,000 runs, cached fit)', hoverMs, 5],
    ['completion p95 (10,000 runs)', completionMs, 20],
    ['diagnostics after a 1-char edit p95 (10,000 runs)', editMs, 50],
  ].map(([name, samples, limit]) => ({ name, value: p95(samples), unit: 'ms', limit }));
  rows.splice(2, 0, {
    name: 'diagnostics after a 1-char edit p50 (10,000 runs)',
    value: p50(editMs),
    unit: 'ms',
    limit: NaN,
  });
  rows.push({ name: 'fit-input keys (per edit, off the request path)', value: p95(keysMs), unit: 'ms', limit: NaN });
  rows.push({ name: 'hover p95 over stdio (100,000-row CSV)', value: mem.hoverWireP95, unit: 'ms', limit: 5 });
  rows.push({ name: 'open → first diagnostics (100,000-row CSV)', value: mem.openMs, unit: 'ms', limit: NaN });
  rows.push({ name: 'server RSS with a 100,000-row CSV', value: mem.rssMB, unit: 'MB', limit: 200 });
  if (print) {
    console.log('\nLSP bench');
    console.log('| measure | value | limit | ok |');
    console.log('|---|---:|---:|---|');
    for (const r of rows) {
      const ok = Number.isNaN(r.limit) ? '' : r.value < r.limit ? 'yes' : 'NO';
      console.log(
        `| ${r.name} | ${r.value.toFixed(r.unit === 'MB' ? 0 : 2)} ${r.unit} | ${Number.isNaN(r.limit) ? '' : `${r.limit} ${r.unit}`} | ${ok} |`,
      );
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return rows;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  benchLsp().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
