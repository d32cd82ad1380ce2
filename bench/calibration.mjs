// Calibration of bootstrap prediction intervals (not a CI test; slow):
//   node bench/calibration.mjs [replicates=100] [resamples=200] [noise=0.01]
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const out = path.join(root, 'node_modules', '.cache', 'scaling-bench');
mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: {
    'calibration-run': path.join(here, 'calibration-run.ts'),
    fitWorker: path.join(root, 'server/src/core/fit/worker.ts'),
  },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outdir: out,
  logLevel: 'warning',
});
execFileSync(process.execPath, [path.join(out, 'calibration-run.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
