// `npm run bench`: every benchmark, one after another, each in its own process so they don't share
// a warm JIT or a heap. Tables go to stdout; BENCHMARKS.md records them with the machine's load.
// The calibration study is separate and slow: node bench/calibration.mjs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const benches = [
  ['parse: 10k and 100k inline runs (targets 30 / 300 ms)', 'parse.mjs'],
  [
    'fit: our CLI vs the peers (scipy, numpy_lm screened and every start, numba when importable) on cold processes; 1,000 bootstrap refits (< 5 s)',
    'fit-vs-peers.mjs',
  ],
  ['language server: hover, completion, edit diagnostics, memory', 'lsp.mjs'],
  [
    'language server: one-character edits of a 37 MB study (a refused 1.8 M-row inline table) → publishDiagnostics (50 ms)',
    'huge-edit.mjs',
  ],
  ['webview: first paint and repaint of a 10,000-run fit view (500 / 150 ms)', 'webview.mjs'],
  ['load: 50 studies open, 100 edits/s for 10 s', 'load.mjs'],
  ['shared parameters: a joint fit over 4, 8, 16 groups vs the sum of their separate fits (≤ 2×)', 'shared.mjs'],
  ['training curves: a 1,000,000-row Parquet file, final points and approach 1 (2 s / 300 MB, 2 s)', 'curves.mjs'],
  [
    'planner: planned runs vs one more 5-run IsoFLOP of the same compute, refitted over 15 seeds (median width ratio < 1); plan on the Epoch fit (< 2 s)',
    'planner.mjs',
  ],
  [
    'approach 2 as Porian et al.: 15 configs in one `isoflop … per config`, akima, 200 resamples, cold `fit --json` (< 2 s)',
    'isoflop-groups.mjs',
  ],
];
const only = process.argv.slice(2);
let failed = 0;
console.log(
  `machine: ${os.cpus().length} cores, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
for (const [title, file] of benches) {
  if (only.length > 0 && !only.some((o) => file.startsWith(o))) continue;
  if (!existsSync(path.join(here, file))) continue;
  console.log(`\n### ${title}\n`);
  const r = spawnSync(process.execPath, [path.join(here, file)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`(${file} exited with ${r.status})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
