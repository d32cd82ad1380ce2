// Cold-process comparison with the scipy peer on the Epoch Chinchilla points (Hoffmann grid):
// wall time of whole processes (start-up, CSV read, fit), objectives side by side, and the ratio.
// Also times 1,000 bootstrap refits on 2 worker threads.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleBench } from './bundle.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const out = await bundleBench('fit-epoch');

const datasets = path.resolve(root, '..', 'shared', 'datasets');
const peer = path.resolve(root, '..', 'shared', 'peers', 'scipy_chinchilla.py');
const cases = [
  {
    name: 'Epoch Chinchilla, Hoffmann grid (4,500 starts)',
    csv: 'epoch_chinchilla/chinchilla_svg_extracted.csv',
    args: ['--exclude-top-k', '5'],
    grid: 'hoffmann',
  },
  {
    name: '(Mis)Fitting final checkpoints, li2025 grid (1,600 starts)',
    csv: 'li2025_misfitting/final_checkpoints.csv',
    args: [],
    grid: 'li2025',
  },
];
const reps = Number(process.env.BENCH_REPS ?? 5);
const skipScipy = process.env.BENCH_SKIP_SCIPY === '1';

// Wall time of the whole process, and its CPU time (user + sys, via /usr/bin/time when present):
// the machine is shared, and CPU time is the figure that load does not inflate.
const gnuTime = existsSync('/usr/bin/time');
function timed(cmd, args) {
  const t = process.hrtime.bigint();
  const res = gnuTime
    ? spawnSync('/usr/bin/time', ['-f', '@@cpu %U %S', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 })
    : spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  if (res.status !== 0) throw new Error(`${cmd} failed: ${res.stderr}`);
  const m = /@@cpu ([\d.]+) ([\d.]+)/.exec(res.stderr ?? '');
  const cpu = m ? Number(m[1]) + Number(m[2]) : NaN;
  const line = res.stdout.trim().split('\n').pop();
  return { seconds, cpu, json: JSON.parse(line) };
}
console.log(
  `load average at start: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} (2 cores)`,
);
const screened = {};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const c of cases) {
  const csv = path.join(datasets, c.csv);
  if (!existsSync(csv)) {
    console.log(`skip ${c.name}: ${csv} not found`);
    continue;
  }
  const ours = [];
  for (let i = 0; i < reps; i++)
    ours.push(timed(process.execPath, [path.join(out, 'fit-epoch.js'), csv, ...c.args, '--grid', c.grid]));
  const ourTime = median(ours.map((o) => o.seconds));
  const ourCpu = median(ours.map((o) => o.cpu));
  const o = ours[0].json;
  if (c.grid === 'hoffmann') screened.epoch = o.objective;
  console.log(`\n${c.name}`);
  console.log(
    `  scaling-studio: objective ${o.objective.toPrecision(12)}  E ${o.E.toPrecision(7)} alpha ${o.alpha.toPrecision(7)} beta ${o.beta.toPrecision(7)}  starts ${o.starts.declared} declared / ${o.starts.optimized} optimized  wall ${ourTime.toFixed(3)} s, cpu ${ourCpu.toFixed(3)} s (medians of ${reps} cold processes; walls ${ours.map((x) => x.seconds.toFixed(3)).join(', ')})`,
  );
  if (!skipScipy && existsSync(peer)) {
    const s = timed('python3', [
      peer,
      csv,
      '--n-col',
      'N',
      '--d-col',
      'D',
      '--l-col',
      'L',
      ...c.args,
      '--grid',
      c.grid,
    ]);
    const sj = s.json;
    console.log(
      `  scipy peer:     objective ${sj.objective.toPrecision(12)}  E ${sj.E.toPrecision(7)} alpha ${sj.alpha.toPrecision(7)} beta ${sj.beta.toPrecision(7)}  starts ${sj.n_inits}  wall ${s.seconds.toFixed(3)} s, cpu ${s.cpu.toFixed(3)} s (one cold process)`,
    );
    console.log(
      `  speed-up: wall ${(s.seconds / ourTime).toFixed(1)}x, cpu ${(s.cpu / ourCpu).toFixed(1)}x; objective ours - scipy = ${(o.objective - sj.objective).toExponential(2)} (${o.objective <= sj.objective ? 'no worse' : 'WORSE'})`,
    );
  }
}

const epoch = path.join(datasets, 'epoch_chinchilla/chinchilla_svg_extracted.csv');
if (existsSync(epoch)) {
  // Audit of the screening: optimize all 4,500 declared starts and compare.
  const ex = timed(process.execPath, [path.join(out, 'fit-epoch.js'), epoch, '--exclude-top-k', '5', '--exhaustive']);
  console.log(
    `\nExhaustive audit (all ${ex.json.starts.optimized} starts optimized): objective ${ex.json.objective.toPrecision(12)} in ${ex.seconds.toFixed(2)} s wall (exhaustive - screened = ${screened.epoch === undefined ? 'n/a' : (ex.json.objective - screened.epoch).toExponential(2)})`,
  );
  const b = timed(process.execPath, [
    path.join(out, 'fit-epoch.js'),
    epoch,
    '--exclude-top-k',
    '5',
    '--bootstrap',
    '1000',
  ]);
  const iv = b.json.intervals;
  console.log(
    `\nBootstrap: 1,000 refits of the Epoch fit on 2 worker threads: ${b.json.bootstrap_seconds.toFixed(3)} s (whole process ${b.seconds.toFixed(3)} s wall, ${b.cpu.toFixed(3)} s cpu)`,
  );
  console.log(
    `  95% intervals: E [${iv.E.map((x) => x.toFixed(3)).join(', ')}], alpha [${iv.alpha.map((x) => x.toFixed(3)).join(', ')}], beta [${iv.beta.map((x) => x.toFixed(3)).join(', ')}]`,
  );
}
