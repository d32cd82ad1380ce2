// Bundles a bench entry (TypeScript) with the fit worker beside it, so the bench runs cold
// processes of the real engine; returns the folder holding `<name>.js` and `fitWorker.js`.
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

export async function bundleBench(name) {
  const out = path.join(root, 'node_modules', '.cache', 'scaling-bench');
  mkdirSync(out, { recursive: true });
  return bundleEntries(
    { [name]: path.join(here, `${name}.ts`), fitWorker: path.join(root, 'server/src/core/fit/worker.ts') },
    out,
  );
}

/** Bundles entry points (name → TypeScript source) into `out` as CommonJS for node; returns `out`. */
export async function bundleEntries(entryPoints, out) {
  await esbuild.build({
    entryPoints,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outdir: out,
    logLevel: 'warning',
    // As in scripts/build.mjs: ESM-only dependencies (fdir, under tinyglobby) read import.meta.url.
    define: { 'import.meta.url': '__importMetaUrl' },
    banner: { js: "const __importMetaUrl = require('url').pathToFileURL(__filename).href;" },
  });
  return out;
}
