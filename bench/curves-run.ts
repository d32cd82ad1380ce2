// One cold process of the curves bench (bench/curves.mjs): analyse a study over a Parquet file of
// training curves through the node host, as the language server does, and report time and memory.
//   node curves-run.js <folder> last|envelope
import * as path from 'node:path';
import { fitStudy } from '../server/src/core/fit';
import { DataLoader } from '../server/src/core/data/loader';
import { analyze } from '../server/src/core/study';
import { NodeHost } from '../server/src/host/nodeHost';

const [folder, mode] = process.argv.slice(2);

const LAST = `dataset finals = parquet("curves.parquet") {
  N: N
  D: D
  L: loss
  last by run along step
}
`;
const ENVELOPE = `compute C = 6 * N * D
dataset curves = parquet("curves.parquet") {
  N: N
  D: D
  L: loss
}
envelope a1 {
  fit curves
  run run
  uncertainty bootstrap 200 seed 1
}
`;

async function main(): Promise<void> {
  const loader = new DataLoader(new NodeHost());
  const studyPath = path.join(folder, 'study.scaling');
  const t0 = performance.now();
  const analysis = await analyze(mode === 'last' ? LAST : ENVELOPE, { studyPath, loader });
  const analysed = performance.now() - t0;
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
  const out: Record<string, unknown> = { analysed, errors };
  if (mode === 'last') {
    out.rows = analysis.model.datasets.get('finals')?.rowCount;
  } else {
    const t1 = performance.now();
    const { results } = await fitStudy(analysis.model, { workers: 1 });
    out.fitted = performance.now() - t1;
    const env = results.envelopes?.[0];
    out.exponent = env?.frontier?.N.exponent;
    out.interval = env?.intervals?.N_exponent;
    out.points = env?.points.length;
  }
  out.rssMB = process.memoryUsage().rss / 2 ** 20;
  // CPU time of the whole process so far: what a loaded machine inflates least.
  const cpu = process.cpuUsage();
  out.cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(JSON.stringify(out));
}

void main();
