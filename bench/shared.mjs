// Shared parameters (issue 10.2): a `per` law with `shared alpha, beta` (one joint fit over every
// group) against the same law without (each group fitted on its own, the sum of their times).
// Target: shared ≤ 2 × the sum of the separate fits, at 4, 8 and 16 groups (the cost should grow
// linearly with them). Synthetic Chinchilla-form data (30 runs per group, common exponents, ±1%
// noise), Huber on log, Hoffmann's 4,500-point grid; CPU time of each fit in one cold process per
// group count, the two alternating, medians of BENCH_REPS (default 3).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { bundleBench } from './bundle.mjs';

const reps = Number(process.env.BENCH_REPS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** Writes `groups` groups × 30 runs into a fresh folder. */
function dataset(groups) {
  const folder = mkdtempSync(path.join(tmpdir(), 'scaling-shared-bench-'));
  const lines = ['group,N,D,L'];
  let i = 0;
  for (let g = 0; g < groups; g++) {
    const E = 1.5 + 0.05 * g;
    const A = 300 + 20 * g;
    const B = 900 - 30 * g;
    for (const N of [3e7, 1e8, 3e8, 1e9, 3e9, 1e10])
      for (const D of [1e9, 4e9, 2e10, 8e10, 3e11]) {
        const noise = 1 + 0.01 * Math.sin(12.9898 * i++ + 1.7);
        lines.push(`g${g},${N},${D},${(E + A / N ** 0.34 + B / D ** 0.28) * noise}`);
      }
  }
  writeFileSync(path.join(folder, 'runs.csv'), lines.join('\n'));
  return folder;
}

const out = await bundleBench('shared-run');
console.log(`load average before: ${load()}`);
console.log(`Hoffmann grid, huber(1e-3) on log, 30 runs per group, CPU ms (median of ${reps}, alternating):`);
console.log(
  '| groups | shared alpha, beta (joint) | separate fits (sum) | ratio (target ≤ 2) | joint objective | separate objective | alpha |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|');
let over = false;
for (const groups of [4, 8, 16]) {
  const folder = dataset(groups);
  try {
    const r = spawnSync(process.execPath, [path.join(out, 'shared-run.js'), folder, String(reps)], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(r.stderr);
    const res = JSON.parse(r.stdout.trim().split('\n').pop());
    const shared = median(res.shared);
    const separate = median(res.separate);
    const ratio = shared / separate;
    over ||= ratio > 2;
    console.log(
      `| ${groups} | ${shared.toFixed(0)} | ${separate.toFixed(0)} | ${ratio.toFixed(2)}${ratio <= 2 ? '' : ' OVER'} | ${res.sharedObjective.toPrecision(6)} | ${res.separateObjective.toPrecision(6)} | ${res.alpha.toFixed(4)} |`,
    );
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
console.log(`load average after: ${load()}${over ? '  (a ratio is over its target)' : ''}`);
