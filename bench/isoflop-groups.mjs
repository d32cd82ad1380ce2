// Approach 2 as Porian et al. (2024) do it, all 15 configurations in one study: `isoflop … per config`
// with `minimum akima` and 200 bootstrap resamples over their 1,745 isoFLOP points
// (../shared/datasets/porian2024), fitted by `node dist/cli.js fit FILE --json` as a cold process,
// five times. Target: < 2 s on 2 cores (issue 10). Also prints each configuration's N* exponent beside
// the published n_exponent_basic (BENCHMARKS.md records them). Skipped when the dataset is absent.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const data = path.resolve(root, '../shared/datasets/porian2024');
if (!existsSync(path.join(data, 'isoflop_points.csv'))) {
  console.log(`skipped: ${data} is absent`);
  process.exit(0);
}
const folder = mkdtempSync(path.join(tmpdir(), 'scaling-isoflop-bench-'));
const study = path.join(folder, 'porian.scaling');
writeFileSync(
  study,
  `dataset pts = csv("${path.join(data, 'isoflop_points.csv')}") {
  C: C
  N: N
  D: D
  L: L
}
isoflop a2 {
  fit pts
  per config
  minimum akima
  uncertainty bootstrap 200 seed 1
}
optimize a2 for C = 1e21
`,
);
try {
  const runs = [];
  for (let i = 0; i < 5; i++) {
    // /usr/bin/time reports the child's CPU seconds (user + system), steadier than wall time under load.
    const t = performance.now();
    const r = spawnSync(
      '/usr/bin/time',
      ['-f', '%U %S', process.execPath, path.join(root, 'dist/cli.js'), 'fit', study, '--json'],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 2 ** 20,
      },
    );
    const wall = performance.now() - t;
    if (r.status !== 0) throw new Error(r.stderr);
    const [user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
    runs.push({ wall, cpu: (user + sys) * 1000, json: JSON.parse(r.stdout) });
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const wall = med(runs.map((r) => r.wall));
  const cpu = med(runs.map((r) => r.cpu));
  const iso = runs[0].json.isoflops[0];
  console.log(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log('| what | target | measured (median of 5 cold processes) | ok |');
  console.log('| --- | --- | --- | --- |');
  console.log(
    `| \`fit --json\`: ${iso.groups.length} configs, 1,745 rows, akima, 200 resamples | < 2 s | ${(wall / 1000).toFixed(2)} s wall, ${(cpu / 1000).toFixed(2)} s CPU | ${wall < 2000 ? 'yes' : 'no'} |`,
  );
  // published_fits.csv: the label (2nd column) is quoted and holds commas; n_exponent_basic is read from the end.
  const [head, ...lines] = readFileSync(path.join(data, 'published_fits.csv'), 'utf8').trim().split('\n');
  const cols = head.split(',');
  const fromEnd = cols.length - cols.indexOf('n_exponent_basic');
  console.log('\n| config | N* exponent (akima) | n_exponent_basic | difference | budgets kept |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  let worst = 0;
  for (const line of lines) {
    const cells = line.split(',');
    const basic = Number(cells[cells.length - fromEnd]);
    const g = iso.groups.find((x) => x.value === cells[0]);
    const e = g?.frontier?.N.exponent ?? NaN;
    worst = Math.max(worst, Math.abs(e - basic));
    const kept = g ? g.budgets.filter((b) => !b.edge).length : 0;
    console.log(
      `| ${cells[0]} | ${e.toFixed(4)} | ${basic.toFixed(4)} | ${(e - basic).toFixed(4)} | ${kept} of ${g?.budgets.length ?? 0} |`,
    );
  }
  console.log(`\nworst |difference|: ${worst.toFixed(4)}`);
} finally {
  rmSync(folder, { recursive: true, force: true });
}
