// Training curves from Parquet: a 1,000,000-row file (1,000 runs x 1,000 logged steps of a
// Chinchilla-form law) written by DuckDB into a temp folder, then, each in a cold process:
//   - load it and reduce it to each run's final row (`last by run along step`): target < 2 s, RSS < 300 MB;
//   - approach 1 (`envelope`, 200 bootstrap resamples by run) over the whole curves: target < 2 s.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { bundleBench } from './bundle.mjs';

const folder = mkdtempSync(path.join(tmpdir(), 'scaling-curves-bench-'));
const file = path.join(folder, 'curves.parquet');
try {
  const db = await DuckDBInstance.create(':memory:');
  const sql = await db.connect();
  // Sizes log-spaced from 10M to 10B; each run logs 1,000 equal steps up to 100 tokens per parameter.
  await sql.run(`
    COPY (
      SELECT printf('r%04d', r) AS run, s AS step,
             CAST(round(1e7 * pow(1000, r / 999.0)) AS BIGINT) AS N,
             CAST(round(100 * 1e7 * pow(1000, r / 999.0) * s / 1000.0) AS BIGINT) AS D,
             1.69 + 406.4 / pow(1e7 * pow(1000, r / 999.0), 0.34)
                  + 410.7 / pow(100 * 1e7 * pow(1000, r / 999.0) * s / 1000.0, 0.28) AS loss
      FROM range(1000) t1(r), range(1, 1001) t2(s)
      ORDER BY r, s
    ) TO '${file}' (FORMAT parquet, COMPRESSION zstd)`);
  console.log(`file: 1,000,000 rows, ${(statSync(file).size / 2 ** 20).toFixed(1)} MB (zstd, written by DuckDB)`);
  const out = await bundleBench('curves-run');
  const run = (mode) => {
    const times = [];
    let last;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const r = spawnSync(process.execPath, [path.join(out, 'curves-run.js'), folder, mode], { encoding: 'utf8' });
      const wall = performance.now() - t;
      if (r.status !== 0) throw new Error(r.stderr);
      last = JSON.parse(r.stdout.trim().split('\n').pop());
      times.push({ wall, ...last });
    }
    return times;
  };
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const last = run('last');
  console.log('| what | target | measured (median of 3 cold processes) | ok |');
  console.log('| --- | --- | --- | --- |');
  const loadMs = med(last.map((r) => r.analysed));
  const rss = Math.max(...last.map((r) => r.rssMB));
  const cpu = (rows) => `${(med(rows.map((r) => r.cpuMs)) / 1000).toFixed(2)} s CPU`;
  console.log(
    `| 1M-row Parquet: load + reduce to final points (${last[0].rows} runs) | < 2 s, < 300 MB | ${(loadMs / 1000).toFixed(2)} s analyse, ${rss.toFixed(0)} MB RSS (whole process ${(med(last.map((r) => r.wall)) / 1000).toFixed(2)} s, ${cpu(last)}) | ${loadMs < 2000 && rss < 300 ? 'yes' : 'no'} |`,
  );
  const env = run('envelope');
  const fitMs = med(env.map((r) => r.fitted));
  console.log(
    `| approach 1 over it (${env[0].points} compute values, 200 resamples by run) | < 2 s | ${(fitMs / 1000).toFixed(2)} s fit after ${(med(env.map((r) => r.analysed)) / 1000).toFixed(2)} s analyse; ${Math.max(...env.map((r) => r.rssMB)).toFixed(0)} MB RSS; whole process ${cpu(env)}; exponent ${env[0].exponent?.toFixed(4)} (true 0.4516) [${env[0].interval?.map((v) => v.toFixed(4)).join(', ')}] | ${fitMs < 2000 ? 'yes' : 'no'} |`,
  );
  if (last[0].errors.length + env[0].errors.length > 0) console.log('errors:', last[0].errors, env[0].errors);
} finally {
  rmSync(folder, { recursive: true, force: true });
}
