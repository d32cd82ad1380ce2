// One cold process of the shared-parameter bench (bench/shared.mjs): the same `per` law fitted
// with `shared alpha, beta` (one joint fit) and without (each group its own fit), alternately,
// CPU time of each fit. node shared-run.js <csv folder> <reps>
import * as path from 'node:path';
import { fitStudy } from '../server/src/core/fit';
import { DataLoader } from '../server/src/core/data/loader';
import { analyze } from '../server/src/core/study';
import { NodeHost } from '../server/src/host/nodeHost';

const [folder, repsArg] = process.argv.slice(2);
const reps = Number(repsArg ?? 3);

/** Hoffmann's grid (4,500 starts per group fit; 25 shared × 180 own per group when shared). */
const study = (shared: boolean) => `dataset d = csv("runs.csv") {
  N: N
  D: D
  L: L
}
law c: L = E + A / N^alpha + B / D^beta {
  fit d
  per group
  ${shared ? 'shared alpha, beta' : ''}
  objective huber(1e-3) on log
  param E     in (0, 10)   init grid -1..1 by 0.5 log
  param A     in (0, inf)  init grid 0..25 by 5 log
  param B     in (0, inf)  init grid 0..25 by 5 log
  param alpha in [0, 3]    init grid 0..2 by 0.5
  param beta  in [0, 3]    init grid 0..2 by 0.5
}
`;

const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

async function main(): Promise<void> {
  const loader = new DataLoader(new NodeHost());
  const studyPath = path.join(folder, 'study.scaling');
  const models = {
    shared: (await analyze(study(true), { studyPath, loader })).model,
    separate: (await analyze(study(false), { studyPath, loader })).model,
  };
  const out: Record<string, number[] | number | string> = { shared: [], separate: [] };
  for (let i = 0; i < reps; i++)
    for (const mode of i % 2 === 0 ? (['shared', 'separate'] as const) : (['separate', 'shared'] as const)) {
      const t = cpuMs();
      const { results } = await fitStudy(models[mode], { workers: 1 });
      (out[mode] as number[]).push(cpuMs() - t);
      const law = results.laws[0];
      out[`${mode}Objective`] = law.objective.value ?? NaN;
      out[`${mode}Groups`] = law.groups?.length ?? 0;
      if (mode === 'shared') out.alpha = law.params.alpha;
    }
  console.log(JSON.stringify(out));
}

void main();
