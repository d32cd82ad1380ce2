// New Study from data…: every format (CSV, TSV, JSONL, Parquet, gzipped) gives a study that checks
// cleanly; training curves in long format get `last by run along step` and an approach-1 envelope.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { catalogue } from '../../../server/src/core/laws';
import { analyze } from '../../../server/src/core/study';
import { scaffoldStudy } from '../../../server/src/lsp/scaffold';
import { diskLoader } from '../hosts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scaffold-formats-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** 16 runs of a Chinchilla-form law, 12 logged steps each, in long format with odd column names. */
function curveRows(): { run: string; iter: number; params: number; seen: number; metric: number }[] {
  const rows = [];
  for (let i = 0; i < 16; i++) {
    const params = Math.round(1e7 * 1.6 ** i);
    for (let s = 1; s <= 12; s++) {
      const seen = s * params * 2;
      rows.push({
        run: `r${i}`,
        iter: s * 100,
        params,
        seen,
        metric: 1.69 + 406.4 / params ** 0.34 + 410.7 / seen ** 0.28,
      });
    }
  }
  return rows;
}

async function writeAll(): Promise<string[]> {
  const rows = curveRows();
  const header = 'run,iter,params,seen,metric';
  const csv = [header, ...rows.map((r) => `${r.run},${r.iter},${r.params},${r.seen},${r.metric}`)].join('\n') + '\n';
  const files = {
    csv: path.join(dir, 'curves.csv'),
    tsv: path.join(dir, 'curves.tsv'),
    jsonl: path.join(dir, 'curves.jsonl'),
    gz: path.join(dir, 'curves.csv.gz'),
    parquet: path.join(dir, 'curves.parquet'),
  };
  fs.writeFileSync(files.csv, csv);
  fs.writeFileSync(files.tsv, csv.replace(/,/g, '\t'));
  fs.writeFileSync(files.jsonl, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  fs.writeFileSync(files.gz, zlib.gzipSync(csv));
  const db = await DuckDBInstance.create(':memory:');
  const sql = await db.connect();
  await sql.run(`COPY (SELECT * FROM read_csv('${files.csv}', header = true)) TO '${files.parquet}' (FORMAT parquet)`);
  return Object.values(files);
}

describe('lsp new study from data (every format, training curves)', () => {
  let files: string[] = [];
  before(async () => {
    files = await writeAll();
  });

  it('recognises run, step, parameters, tokens and loss by name and magnitude, in every format', async () => {
    for (const file of files) {
      const studyPath = path.join(dir, 'study.scaling');
      const loader = diskLoader();
      const text = await scaffoldStudy(file, studyPath, loader);
      const a = await analyze(text, { studyPath, loader, catalogue });
      assert.deepEqual(
        a.diagnostics.map((d) => `${d.severity} ${d.code}: ${d.message}`),
        [],
        `${path.basename(file)}:\n${text}`,
      );
      assert.match(text, / {2}N: params\n {2}D: seen\n {2}L: metric\n/, text);
      assert.match(text, /last by run along iter/);
      assert.match(text, /envelope approach1 \{\n {2}fit curves/);
      assert.equal(a.model.datasets.get('runs')?.rowCount, 16, path.basename(file));
      assert.equal(a.model.datasets.get('curves')?.rowCount, 16 * 12, path.basename(file));
    }
  });
});
