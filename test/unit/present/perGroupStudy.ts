// A study of `per` fits (a law per config, an isoflop per config) on exact synthetic runs, really fitted, and its
// plot model: shared by the plot model's unit test and the chromium test of the fit and isoflop views.
import * as assert from 'node:assert/strict';
import { fitStudy } from '../../../server/src/core/fit';
import type { StudyResults } from '../../../server/src/core/results';
import { analyze } from '../../../server/src/core/study';
import { plotModel } from '../../../server/src/present/plotModel';
import type { PlotModel } from '../../../protocol/plot';
import { memoryLoader } from '../hosts';

export const CONFIGS = [
  { name: 'small', A: 20, a: 0.1, from: 6 },
  { name: 'big', A: 50, a: 0.2, from: 7 },
  { name: 'wide', A: 30, a: 0.3, from: 6.5 },
];

/** Exact power laws L = A N^-a per config, each over its own decades of N (so the groups' ranges differ). */
function lawCsv(): string {
  const lines = ['config,n,loss'];
  for (const c of CONFIGS)
    for (let i = 0; i < 8; i++) {
      const N = 10 ** (c.from + (2 * i) / 7);
      lines.push(`${c.name},${N},${c.A * N ** -c.a}`);
    }
  return lines.join('\n') + '\n';
}

/** Two configs of IsoFLOP runs: L is a parabola in ln N around N*(C) = k C^0.5, with k per config. */
function isoCsv(): string {
  const lines = ['config,C,N,D,L'];
  for (const [config, k] of [
    ['a', 0.1],
    ['b', 0.3],
  ] as const)
    for (const C of [1e18, 1e19, 1e20])
      for (const f of [0.25, 0.5, 1, 2, 4]) {
        const N = k * C ** 0.5 * f;
        lines.push(`${config},${C},${N},${C / (6 * N)},${2 + 0.05 * Math.log(f) ** 2 + 10 / C ** 0.05}`);
      }
  return lines.join('\n') + '\n';
}

export const STUDY = `dataset d = csv("runs.csv") {
  N: n
  L: loss
}
dataset pts = csv("iso.csv") {
  C: C
  N: N
  D: D
  L: L
}
law k: L = A * N^(-a) {
  fit d
  per config
}
predict k at N = 1e10
isoflop a2 {
  fit pts
  budget C
  size N
  tokens D
  target L
  per config
}
`;

/** The fitted results and the plot model the server would send (`extra`: lines added to the study). */
export async function perGroupPlot(extra = ''): Promise<{ model: PlotModel; results: StudyResults }> {
  const { loader } = memoryLoader({ '/w/runs.csv': lawCsv(), '/w/iso.csv': isoCsv() });
  const analysis = await analyze(STUDY + extra, { loader, baseDir: '/w' });
  assert.deepEqual(
    analysis.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  const fitted = await fitStudy(analysis.model);
  const results = { ...fitted.results, study: null, diagnostics: [] };
  return { model: plotModel(analysis, results), results };
}
