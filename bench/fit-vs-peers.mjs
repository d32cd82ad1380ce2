// Cold-process comparison with the peers in ../shared/peers, in one block: our CLI exactly as a
// user runs it (`node dist/cli.js fit FILE --json`, no extra flags) against
//   scipy_chinchilla.py            L-BFGS-B from every start (Epoch, (Mis)Fitting, Gemstones)
//   numpy_lm.py --screen 45        batched exact-Hessian LM from the 45 best-screened starts
//   numpy_lm.py                    the same from every start (vs our `search exhaustive`)
//   numba_lm.py [--screen 45]      when numba can be imported (skipped, and said so, otherwise)
// Python runs with OMP_NUM_THREADS=1. Runs alternate (ours, peer, ours, peer, …) so load drifts
// hit both alike; medians, objectives beside times, ratios, and the load average before and after.
//   BENCH_REPS (default 5) repetitions of the fast cases; the slow ones run fewer times.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleBench } from './bundle.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const cli = path.join(root, 'dist', 'cli.js');
const datasets = path.resolve(root, '..', 'shared', 'datasets');
const peers = path.resolve(root, '..', 'shared', 'peers');
const reps = Number(process.env.BENCH_REPS ?? 5);
const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const gnuTime = existsSync('/usr/bin/time');
/** Wall and CPU (user + sys) seconds of a whole process, and the last JSON document it printed. */
function timed(cmd, args) {
  const t = process.hrtime.bigint();
  const res = gnuTime
    ? spawnSync('/usr/bin/time', ['-f', '@@cpu %U %S', cmd, ...args], { encoding: 'utf8', env, maxBuffer: 1 << 28 })
    : spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  if (res.status !== 0 && res.status !== 1) throw new Error(`${cmd} ${args.join(' ')} failed: ${res.stderr}`);
  const m = /@@cpu ([\d.]+) ([\d.]+)/.exec(res.stderr ?? '');
  const out = res.stdout.trim();
  let json = null;
  if (out) {
    try {
      json = JSON.parse(out); // our CLI: one (indented) document
    } catch {
      json = JSON.parse(out.split('\n').pop()); // the peers: a JSON line last
    }
  }
  return { seconds, cpu: m ? Number(m[1]) + Number(m[2]) : NaN, json };
}

const dir = mkdtempSync(path.join(tmpdir(), 'scaling-bench-'));
const hoffmann = `  param E     in (0, 10)   init grid -1..1 by 0.5 log
  param A     in (0, inf)  init grid 0..25 by 5 log
  param B     in (0, inf)  init grid 0..25 by 5 log
  param alpha in [0, 3]    init grid 0..2 by 0.5
  param beta  in [0, 3]    init grid 0..2 by 0.5`;
const li2025 = `  param E     in (0, 10)   init grid -1..0.5 by 0.5 log
  param A     in (0, inf)  init grid 0..20 by 5 log
  param B     in (0, inf)  init grid 0..20 by 5 log
  param alpha in [0, 3]    init grid 0..1.5 by 0.5
  param beta  in [0, 3]    init grid 0..1.5 by 0.5`;
function study(name, csv, where, grid, extra = '') {
  const file = path.join(dir, `${name}.scaling`);
  writeFileSync(
    file,
    `study "${name}"
dataset d = csv(${JSON.stringify(csv)}) {
  N: N
  D: D
  L: L${where ? `\n  where ${where}` : ''}
}
law chinchilla: L = E + A / N^alpha + B / D^beta {
  fit d
  objective huber(1e-3) on log
${grid}
  uncertainty none
${extra}}
`,
  );
  return file;
}
const ours = (file) => {
  const r = timed(process.execPath, [cli, 'fit', file, '--json']);
  const law = r.json.laws[0];
  return { ...r, objective: law.objective.value, params: law.params, starts: law.starts, seconds_in: law.seconds };
};
const peer = (script, args) => {
  const r = timed('python3', [path.join(peers, script), ...args]);
  return { ...r, objective: r.json.objective, params: r.json };
};
const fmtRun = (label, runs) => {
  const o = runs[0];
  const w = median(runs.map((r) => r.seconds));
  const c = median(runs.map((r) => r.cpu));
  const p = o.params;
  const starts = o.starts
    ? `starts ${o.starts.declared} declared / ${o.starts.screened} screened / ${o.starts.optimized} optimized / ${o.starts.agreed} agreed`
    : `starts ${o.json.starts_optimized ?? o.json.n_inits ?? '?'} optimized`;
  console.log(
    `  ${label.padEnd(34)} objective ${o.objective.toPrecision(14)}  E ${p.E.toPrecision(7)} alpha ${p.alpha.toPrecision(7)} beta ${p.beta.toPrecision(7)}  ${starts}  wall ${w.toFixed(3)} s (runs ${runs.map((r) => r.seconds.toFixed(3)).join(', ')}), cpu ${c.toFixed(3)} s`,
  );
  return { wall: w, cpu: c, objective: o.objective };
};
const ratio = (label, a, b) =>
  console.log(
    `  => ${label}: ours ${(b.wall / a.wall).toFixed(2)}x faster on wall, ${(b.cpu / a.cpu).toFixed(2)}x on cpu; objective ours - peer = ${(a.objective - b.objective).toExponential(2)} (${a.objective <= b.objective ? 'no worse' : a.objective <= b.objective * (1 + 1e-14) ? 'equal to rounding (1e-14 relative)' : 'WORSE'})`,
  );
const times = (n, fn) => Array.from({ length: n }, () => fn());
/** Alternates ours and the peer `n` times. */
function block(n, runOurs, runPeer) {
  const a = [];
  const b = [];
  for (let i = 0; i < n; i++) {
    a.push(runOurs());
    if (runPeer) b.push(runPeer());
  }
  return [a, b];
}

console.log(`load average at start: ${load()} (2 cores); peers from ${peers}`);
const numba = spawnSync('python3', ['-c', 'import numba'], { encoding: 'utf8' }).status === 0;
if (!numba) console.log('numba: not importable here (no package index for it on this machine): numba_lm.py skipped');
const epochCsv = path.join(datasets, 'epoch_chinchilla/chinchilla_svg_extracted.csv');
if (existsSync(epochCsv)) {
  const screened = study('epoch', epochCsv, 'excluded_top5_loss == 0', hoffmann);
  const exhaustive = study('epoch-exhaustive', epochCsv, 'excluded_top5_loss == 0', hoffmann, '  search exhaustive\n');
  console.log(`\nEpoch Chinchilla points (240 rows), Hoffmann grid (4,500 starts), huber(1e-3) on log`);
  const node0 = times(reps, () => timed(process.execPath, ['-e', '0']));
  console.log(`  node -e 0: ${median(node0.map((r) => r.seconds)).toFixed(3)} s wall (median of ${reps})`);
  const [a, b] = block(
    reps,
    () => ours(screened),
    () => peer('numpy_lm.py', ['--screen', '45']),
  );
  const oursScreened = fmtRun('scaling-studio (screened)', a);
  ratio('vs numpy_lm --screen 45', oursScreened, fmtRun('numpy_lm.py --screen 45', b));
  if (numba) {
    // numba compiles on its first run and keeps the machine code on disk (cache=True): one untimed run first.
    peer('numba_lm.py', ['--screen', '45']);
    const n = times(reps, () => peer('numba_lm.py', ['--screen', '45']));
    ratio('vs numba_lm --screen 45', oursScreened, fmtRun('numba_lm.py --screen 45', n));
  }
  const s = times(1, () => peer('scipy_chinchilla.py', [epochCsv, '--exclude-top-k', '5']));
  ratio('vs scipy (every start)', oursScreened, fmtRun('scipy_chinchilla.py', s));
  const slow = Math.max(1, Math.min(3, reps));
  const [ea, eb] = block(
    slow,
    () => ours(exhaustive),
    () => peer('numpy_lm.py', []),
  );
  const oursExhaustive = fmtRun('scaling-studio (search exhaustive)', ea);
  ratio('exhaustive vs numpy_lm (every start)', oursExhaustive, fmtRun('numpy_lm.py (every start)', eb));
  if (numba) {
    const n = times(slow, () => peer('numba_lm.py', []));
    ratio('exhaustive vs numba_lm (every start)', oursExhaustive, fmtRun('numba_lm.py', n));
  }
  console.log(`  audit: exhaustive - screened objective = ${(ea[0].objective - a[0].objective).toExponential(2)}`);
}

const others = [
  [
    '(Mis)Fitting final checkpoints (261 rows), li2025 grid (1,600 starts)',
    'li2025_misfitting/final_checkpoints.csv',
    li2025,
    ['--grid', 'li2025'],
  ],
  ['Gemstones, hot runs (220 rows), Hoffmann grid (4,500 starts)', 'gemstones/fitting_hot.csv', hoffmann, []],
];
for (const [title, rel, grid, args] of others) {
  const csv = path.join(datasets, rel);
  if (!existsSync(csv)) continue;
  console.log(`\n${title}, huber(1e-3) on log, vs the scipy peer`);
  const file = study(path.basename(rel, '.csv'), csv, '', grid);
  const a = times(reps, () => ours(file));
  const s = times(1, () => peer('scipy_chinchilla.py', [csv, ...args]));
  ratio('vs scipy (every start)', fmtRun('scaling-studio (screened)', a), fmtRun('scipy_chinchilla.py', s));
}

if (existsSync(epochCsv)) {
  const out = await bundleBench('fit-epoch');
  // Warm: the screened Epoch fit repeated in one process (what the language server pays per refit).
  const w = timed(process.execPath, [path.join(out, 'fit-epoch.js'), epochCsv, '--exclude-top-k', '5', '--warm', '20']);
  console.log(
    `\nWarm fit (Epoch, screened, same process, median of 20 after a first cold fit of ${(w.json.fit_seconds * 1000).toFixed(0)} ms): ${w.json.warm_ms.toFixed(1)} ms wall, ${w.json.warm_cpu_ms.toFixed(1)} ms CPU (target < 50 ms); objective ${w.json.objective.toPrecision(14)}`,
  );
  // The bootstrap stage alone (progress events), 1,000 row resamples on 2 worker threads.
  const b = timed(process.execPath, [
    path.join(out, 'fit-epoch.js'),
    epochCsv,
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
console.log(`\nload average at end: ${load()}`);
