// Coverage study (issue 12.5): R seeded noisy replicates of three known laws (Chinchilla form, a
// pure power law, a saturating law), each fitted with `squares on log` and its 90% intervals made
// three ways (bootstrap, asymptotic, profile). Counted at an interior and an extrapolated point:
// how often the mean interval holds the true law value, and how often the observation interval
// holds one fresh noisy run there; with the median relative width of each.
import * as path from 'node:path';
import { fitLaw, predict } from '../server/src/core/fit';
import { evalScalar, toNode } from '../server/src/core/fit/compile';
import { mulberry32 } from '../server/src/core/fit/stats';
import { catalogue } from '../server/src/core/laws';
import type { BoundLaw, UncertaintySpec } from '../server/src/core/model';

const R = Number(process.argv[2] ?? 60);
const K = Number(process.argv[3] ?? 100);
const noise = Number(process.argv[4] ?? 0.01);
const level = 0.9;
const range = { start: 0, end: 0 };

interface Case {
  law: string;
  truth: Record<string, number>;
  /** The design: one row per run, values of the law's variables. */
  design: number[][];
  /** A small start grid around the truth's region (the catalogue grids cost seconds per fit). */
  starts: Record<string, number[]>;
  points: { name: string; at: number[] }[];
}

const grid = (from: number, ratio: number, count: number) => Array.from({ length: count }, (_, i) => from * ratio ** i);
const cases: Case[] = [
  {
    law: 'chinchilla',
    truth: { E: 1.8, A: 480, B: 2100, alpha: 0.35, beta: 0.37 },
    design: grid(5e7, 2.2, 8).flatMap((n) => grid(1e9, 3, 6).map((d) => [n, d])),
    starts: {
      E: [1, 2],
      A: [Math.exp(5), Math.exp(7)],
      B: [Math.exp(6), Math.exp(8)],
      alpha: [0.2, 0.5],
      beta: [0.2, 0.5],
    },
    points: [
      { name: 'interior N=1e9 D=2e10', at: [1e9, 2e10] },
      { name: 'extrapolated N=7e10 D=1.4e12', at: [7e10, 1.4e12] },
    ],
  },
  {
    law: 'kaplan_n',
    truth: { Nc: 8.8e13, alphaN: 0.076 },
    design: grid(1e7, 2.15, 10).map((n) => [n]),
    starts: { Nc: [1e12, 1e14, 1e16], alphaN: [0.05, 0.1] },
    points: [
      { name: 'interior N=3e8', at: [3e8] },
      { name: 'extrapolated N=1e12', at: [1e12] },
    ],
  },
  {
    law: 'saturating',
    truth: { E: 1.7, A: 400, a: 0.3 },
    design: grid(1e7, 2, 12).map((n) => [n]),
    starts: { E: [1, 2], A: [100, 1000], a: [0.2, 0.5] },
    points: [
      { name: 'interior x=1e8', at: [1e8] },
      { name: 'extrapolated x=1e11', at: [1e11] },
    ],
  },
];
const methods = ['bootstrap', 'asymptotic', 'profile'] as const;

function lawFor(c: Case, rows: number[][], y: number[], uncertainty: UncertaintySpec): BoundLaw {
  const entry = catalogue.get(c.law)!;
  const numeric = new Map<string, Float64Array>(entry.formals.map((v, k) => [v, Float64Array.from(rows, (r) => r[k])]));
  numeric.set(entry.target, Float64Array.from(y));
  return {
    name: c.law,
    range,
    nameRange: range,
    target: entry.target,
    formula: entry.formula,
    formulaText: c.law,
    catalogue: c.law,
    variables: entry.formals,
    params: entry.params.map((p) => ({ ...p, starts: c.starts[p.name] ?? p.starts, fixed: undefined, range })),
    objective: { loss: 'squares', onLog: true },
    objectiveDeclared: true,
    data: { name: 'synthetic', rowCount: rows.length, numeric, text: new Map(), origin: [] },
    heldOut: new Uint8Array(rows.length),
    uncertainty,
    uncertaintyDeclared: true,
  };
}

type Tally = { covered: number; widths: number[]; missing: number };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

void (async () => {
  const t0 = performance.now();
  const rowsOut: string[] = [];
  const json: Record<string, unknown> = {};
  for (const c of cases) {
    const entry = catalogue.get(c.law)!;
    const node = toNode(
      entry.formula,
      entry.params.map((p) => p.name),
      entry.formals,
    );
    const trueAt = (x: number[]) => evalScalar(node, Object.values(c.truth), x);
    const tallies = new Map<string, Tally>();
    const tally = (key: string) =>
      tallies.get(key) ?? (tallies.set(key, { covered: 0, widths: [], missing: 0 }), tallies.get(key)!);
    const seconds: Record<string, number> = {};
    for (let rep = 0; rep < R; rep++) {
      const rand = mulberry32(1000 + rep);
      const z = () => Math.sqrt(-2 * Math.log(rand() + 1e-300)) * Math.cos(2 * Math.PI * rand());
      const y = c.design.map((x) => trueAt(x) * Math.exp(noise * z()));
      // One fresh run per point: what the observation interval has to hold.
      const fresh = c.points.map((p) => trueAt(p.at) * Math.exp(noise * z()));
      for (const m of methods) {
        const spec: UncertaintySpec =
          m === 'bootstrap' ? { method: m, resamples: K, seed: rep + 1, level, by: undefined } : { method: m, level };
        const t = performance.now();
        const fit = await fitLaw(lawFor(c, c.design, y, spec), {
          workers: 2,
          workerFile: path.join(__dirname, 'fitWorker.js'),
        });
        c.points.forEach((p, k) => {
          const at = Object.fromEntries(entry.formals.map((v, i) => [v, p.at[i]]));
          const { result } = predict(fit, at, []);
          const truth = trueAt(p.at);
          for (const [kind, iv, target] of [
            ['mean', result.interval, truth],
            ['observation', result.observation_interval, fresh[k]],
          ] as const) {
            const s = tally(`${m}|${p.name}|${kind}`);
            if (!iv) {
              s.missing++;
              continue;
            }
            if (iv[0] <= target && target <= iv[1]) s.covered++;
            s.widths.push((iv[1] - iv[0]) / truth);
          }
        });
        seconds[m] = (seconds[m] ?? 0) + (performance.now() - t) / 1000;
      }
    }
    const lawJson: Record<string, unknown> = { seconds };
    for (const [key, s] of tallies) {
      const [m, point, kind] = key.split('|');
      const coverage = s.covered / R;
      const width = median(s.widths);
      lawJson[key] = { coverage, median_relative_width: width, missing: s.missing };
      const flag = coverage < 0.8 || coverage > 0.97 ? ' **outside 80–97%**' : '';
      rowsOut.push(
        `| ${c.law} | ${m} | ${point} | ${kind} | ${(100 * coverage).toFixed(0)}%${flag} | ${(100 * width).toPrecision(3)}% |${s.missing ? ` ${s.missing} without an interval` : ''}`,
      );
    }
    json[c.law] = lawJson;
  }
  console.log(`replicates ${R}, bootstrap resamples ${K}, noise ${noise} (log-normal), level ${level}`);
  console.log('| law | method | point | interval | coverage | median width (relative to the true value) |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rowsOut) console.log(r);
  console.log(
    JSON.stringify({ replicates: R, resamples: K, noise, level, laws: json, seconds: (performance.now() - t0) / 1000 }),
  );
})();
