// Coverage study: R seeded noisy replicates of a known Chinchilla law, each fitted (Huber 1e-3 on
// log, Hoffmann grid) and bootstrapped (K resamples of rows); counts how often the 90% percentile
// interval of the predicted loss contains the true loss, at an interior and an extrapolated point.
import * as path from 'node:path';
import { fitLaw, predict } from '../server/src/core/fit';
import { evalScalar, toNode } from '../server/src/core/fit/compile';
import { mulberry32 } from '../server/src/core/fit/stats';
import { catalogue } from '../server/src/core/laws';
import type { BoundLaw } from '../server/src/core/model';

const R = Number(process.argv[2] ?? 100);
const K = Number(process.argv[3] ?? 200);
const noise = Number(process.argv[4] ?? 0.01);
const truth = { E: 1.8, A: 480, B: 2100, alpha: 0.35, beta: 0.37 };
const chin = catalogue.get('chinchilla')!;
const node = toNode(
  chin.formula,
  chin.params.map((p) => p.name),
  ['N', 'D'],
);
const L = (n: number, d: number) => evalScalar(node, Object.values(truth), [n, d]);
const points = [
  { name: 'interior N=1e9 D=2e10', at: { N: 1e9, D: 2e10 } },
  { name: 'extrapolated N=7e10 D=1.4e12', at: { N: 7e10, D: 1.4e12 } },
];
const range = { start: 0, end: 0 };

void (async () => {
  const covered = points.map(() => 0);
  const widths: number[][] = points.map(() => []);
  const t0 = performance.now();
  for (let rep = 0; rep < R; rep++) {
    const rand = mulberry32(1000 + rep);
    const N: number[] = [];
    const D: number[] = [];
    const Ls: number[] = [];
    for (let i = 0; i < 8; i++)
      for (let j = 0; j < 6; j++) {
        const n = 5e7 * 2.2 ** i;
        const d = 1e9 * 3 ** j;
        const z = Math.sqrt(-2 * Math.log(rand() + 1e-300)) * Math.cos(2 * Math.PI * rand());
        N.push(n);
        D.push(d);
        Ls.push(L(n, d) * Math.exp(noise * z));
      }
    const rows = N.length;
    const law: BoundLaw = {
      name: 'chinchilla',
      range,
      nameRange: range,
      target: 'L',
      formula: chin.formula,
      formulaText: 'E + A / N^alpha + B / D^beta',
      catalogue: 'chinchilla',
      variables: ['N', 'D'],
      params: chin.params.map((p) => ({ ...p, fixed: undefined, range })),
      objective: { loss: 'huber', delta: 1e-3, onLog: true },
      objectiveDeclared: true,
      data: {
        name: 'synthetic',
        rowCount: rows,
        numeric: new Map([
          ['N', Float64Array.from(N)],
          ['D', Float64Array.from(D)],
          ['L', Float64Array.from(Ls)],
        ]),
        text: new Map(),
        origin: [],
      },
      heldOut: new Uint8Array(rows),
      uncertainty: { method: 'bootstrap', resamples: K, seed: rep + 1, level: 0.9, by: undefined },
      uncertaintyDeclared: true,
    };
    const fit = await fitLaw(law, { workers: 2, workerFile: path.join(__dirname, 'fitWorker.js') });
    points.forEach((p, k) => {
      const { result } = predict(fit, p.at, []);
      const t = L(p.at.N, p.at.D);
      if (result.interval && result.interval[0] <= t && t <= result.interval[1]) covered[k]++;
      if (result.interval) widths[k].push((result.interval[1] - result.interval[0]) / t);
    });
  }
  const out = {
    replicates: R,
    resamples: K,
    noise,
    level: 0.9,
    coverage: Object.fromEntries(points.map((p, k) => [p.name, covered[k] / R])),
    median_relative_width: Object.fromEntries(
      points.map((p, k) => [p.name, [...widths[k]].sort((a, b) => a - b)[Math.floor(widths[k].length / 2)]]),
    ),
    seconds: (performance.now() - t0) / 1000,
  };
  console.log(JSON.stringify(out, null, 2));
})();
