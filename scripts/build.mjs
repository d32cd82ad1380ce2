// Bundles the extension client, the language server, the CLI, the fit worker and the webview.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', target: 'node20' };

const nodeEntries = [
  { in: 'client/src/extension.ts', out: 'client', external: ['vscode'] },
  { in: 'server/src/server.ts', out: 'server' },
  { in: 'server/src/cli.ts', out: 'cli' },
  { in: 'server/src/core/fit/worker.ts', out: 'fitWorker' },
  { in: 'server/src/lspFitWorker.ts', out: 'lspFitWorker' },
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
}
