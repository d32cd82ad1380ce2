// Bundles the extension client, the language server, the CLI, the fit and data-parse workers and the webview.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', target: 'node20' };

const nodeEntries = [
  { in: 'client/src/extension.ts', out: 'client', external: ['vscode'] },
  { in: 'server/src/server.ts', out: 'server' },
  // dist/cli.js is a small loader that runs the CLI bundle dist/cliMain.js with a V8 code cache.
  { in: 'server/src/cli.ts', out: 'cliMain' },
  { in: 'server/src/cliEntry.ts', out: 'cli' },
  { in: 'server/src/core/fit/worker.ts', out: 'fitWorker' },
  { in: 'server/src/lspFitWorker.ts', out: 'lspFitWorker' },
  { in: 'server/src/host/parseWorker.ts', out: 'parseWorker' },
].filter((e) => existsSync(e.in));

mkdirSync('dist', { recursive: true });
const builds = nodeEntries.map((e) => ({
  ...common,
  platform: 'node',
  format: 'cjs',
  entryPoints: [e.in],
  outfile: `dist/${e.out}.js`,
  external: e.external ?? [],
  // ESM-only dependencies (fdir, under tinyglobby) read import.meta.url, which a CJS bundle lacks.
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl = require('url').pathToFileURL(__filename).href;" },
}));
if (existsSync('webview/src/main.ts')) {
  builds.push({
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    entryPoints: ['webview/src/main.ts'],
    outfile: 'dist/webview.js',
  });
}

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  asciiOnly('dist/cliMain.js');
  warmCodeCache();
}

/**
 * esbuild escapes every non-ASCII character in code (charset ascii) but keeps a few comments that
 * have some (×, –); those become '?', one character for one, so source-map columns stay. An ASCII
 * bundle decodes as latin1 into a one-byte string: the CLI loader reads it in a third of the time
 * (and V8 compiles one-byte source faster than two-byte).
 */
function asciiOnly(file) {
  const text = readFileSync(file, 'utf8');
  const ascii = text.replace(/[^\x00-\x7f]/g, '?');
  if (ascii !== text) writeFileSync(file, ascii);
}

/**
 * Writes dist/cliMain.cache by running the new CLI once on a small fit (the loader writes the cache
 * at exit when it has none valid), so even the first `scaling-studio fit` starts from it. A failure
 * here costs only that: the first real run writes the cache instead.
 */
function warmCodeCache() {
  rmSync('dist/cliMain.cache', { force: true });
  const dir = mkdtempSync(path.join(tmpdir(), 'scaling-cache-'));
  const study = path.join(dir, 'warm.scaling');
  const csv = path.resolve('examples/runs/sweep.csv');
  writeFileSync(
    study,
    `study "code cache warm-up"
dataset d = csv(${JSON.stringify(csv)}) {
  N: params
  D: tokens
  L: loss
}
law chinchilla: L = E + A / N^alpha + B / D^beta {
  fit d
  objective huber(1e-3) on log
  param E     in (0, 10)   init grid -1..1 by 0.5 log
  param A     in (0, inf)  init grid 0..25 by 5 log
  param B     in (0, inf)  init grid 0..25 by 5 log
  param alpha in [0, 3]    init grid 0..2 by 0.5
  param beta  in [0, 3]    init grid 0..2 by 0.5
  uncertainty none
}
`,
  );
  const run = spawnSync(process.execPath, ['dist/cli.js', 'fit', study, '--json'], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  if (run.status !== 0 || !existsSync('dist/cliMain.cache'))
    console.warn(`build: the CLI code cache was not written (${run.stderr.trim() || `exit ${run.status}`})`);
}
