// A cold-process fit of a Chinchilla-form CSV through the engine, for bench/fit-vs-peers.mjs (the bootstrap stage timing):
//   node fit-epoch.js FILE [--exclude-top-k 5] [--grid hoffmann|li2025] [--bootstrap K] [--exhaustive] [--warm K]
// Prints one JSON line: objective, parameters, starts, fit seconds, bootstrap seconds.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fitLaw } from '../server/src/core/fit';
import { catalogue } from '../server/src/core/laws';
import type { BoundLaw, ParamSpec } from '../server/src/core/model';

const t0 = performance.now();
const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const file = args[0];
const excludeTop = Number(flag('--exclude-top-k') ?? 0);
const gridName = flag('--grid') ?? 'hoffmann';
const boot = Number(flag('--bootstrap') ?? 0);

const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
const header = lines[0].split(',');
let rows = lines.slice(1).map((l) => l.split(','));
const col = (n: string) => header.indexOf(n);
if (excludeTop > 0) {
  // Drop the k rows with the highest loss, as the scipy peer and Besiroglu et al. do.
  const sorted = rows.map((r) => +r[col('L')]).sort((a, b) => b - a);
  const cut = sorted[excludeTop - 1];
  rows = rows.filter((r) => +r[col('L')] < cut);
}
const numeric = new Map(['N', 'D', 'L'].map((n) => [n, Float64Array.from(rows, (r) => +r[col(n)])]));
const range = { start: 0, end: 0 };
const chin = catalogue.get('chinchilla')!;
const g = (from: number, to: number, step: number) =>
  Array.from({ length: Math.round((to - from) / step) + 1 }, (_, i) => from + i * step);
const li = {
  E: g(-1, 0.5, 0.5).map(Math.exp),
  A: g(0, 20, 5).map(Math.exp),
  B: g(0, 20, 5).map(Math.exp),
  alpha: g(0, 1.5, 0.5),
  beta: g(0, 1.5, 0.5),
};
const params: ParamSpec[] = chin.params.map((p) => ({
  ...p,
  starts: gridName === 'li2025' ? li[p.name as keyof typeof li] : p.starts,
  fixed: undefined,
  range,
}));
const law: BoundLaw = {
  name: 'chinchilla',
  range,
  nameRange: range,
  target: 'L',
  formula: chin.formula,
  formulaText: 'E + A / N^alpha + B / D^beta',
  catalogue: 'chinchilla',
  variables: ['N', 'D'],
  params,
  objective: { loss: 'huber', delta: 1e-3, onLog: true },
  objectiveDeclared: true,
  data: { name: path.basename(file), rowCount: rows.length, numeric, text: new Map(), origin: [] },
  heldOut: new Uint8Array(rows.length),
  uncertainty:
    boot > 0 ? { method: 'bootstrap', resamples: boot, seed: 42, level: 0.95, by: undefined } : { method: 'none' },
  uncertaintyDeclared: boot > 0,
};

void (async () => {
  const tFit = performance.now();
  const fit = await fitLaw({ ...law, uncertainty: { method: 'none' } }, { exhaustive: args.includes('--exhaustive') });
  const fitSeconds = (performance.now() - tFit) / 1000;
  // Warm: the same fit again in this process, as the long-lived language server runs it.
  const warm: number[] = [];
  const warmCpu: number[] = [];
  for (let k = 0; k < Number(flag('--warm') ?? 0); k++) {
    const tw = performance.now();
    const cw = process.cpuUsage();
    await fitLaw({ ...law, uncertainty: { method: 'none' } }, { exhaustive: args.includes('--exhaustive') });
    warm.push(performance.now() - tw);
    const c = process.cpuUsage(cw);
    warmCpu.push((c.user + c.system) / 1000);
  }
  const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : null);
  let bootSeconds: number | null = null;
  if (boot > 0) {
    // Time the bootstrap stage alone (from the 'uncertainty' progress event to 'done').
    let tb = 0;
    const withBoot = await fitLaw(law, {
      workers: 2,
      workerFile: path.join(__dirname, 'fitWorker.js'),
      onProgress: (p) => {
        if (p.phase === 'uncertainty') tb = performance.now();
        if (p.phase === 'done') bootSeconds = (performance.now() - tb) / 1000;
      },
    });
    fit.result.intervals = withBoot.result.intervals;
  }
  const r = fit.result;
  process.stdout.write(
    JSON.stringify({
      engine: 'scaling-studio',
      n_points: r.points.fit,
      objective: r.objective.value,
      ...r.params,
      starts: r.starts,
      stop_reason: r.stop_reason,
      fit_seconds: fitSeconds,
      warm_ms: median(warm),
      // CPU of this process per warm fit (less sensitive than wall time to other load on the machine).
      warm_cpu_ms: median(warmCpu),
      bootstrap: boot || null,
      bootstrap_seconds: bootSeconds,
      intervals: r.intervals,
      process_seconds: (performance.now() - t0) / 1000,
    }) + '\n',
  );
})();
