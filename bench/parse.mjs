// Parser benchmark (not a unit test): parse + syntax diagnostics on studies with 10,000 and
// 100,000 inline runs. Targets: under 30 ms and 300 ms. Runnable standalone:
//   node bench/parse.mjs            (prints a table; exit code 0 either way)
// or imported: `const rows = await benchParse()`.
import * as esbuild from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

/** Bundles the syntax module with esbuild to a temp file and loads it. */
async function loadSyntax() {
  const dir = mkdtempSync(join(tmpdir(), 'scaling-bench-'));
  const outfile = join(dir, 'syntax.cjs');
  await esbuild.build({
    stdin: {
      contents:
        "export { parse } from './server/src/core/syntax/parser';\nexport { format } from './server/src/core/syntax/formatter';\n",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    logLevel: 'warning',
  });
  const mod = createRequire(pathToFileURL(outfile))(outfile);
  rmSync(dir, { recursive: true, force: true });
  return mod;
}

/** The example study with `runs` extra inline runs appended as one table. */
export function generateStudy(runs) {
  const example = readFileSync(join(root, 'test', 'fixtures', 'chinchilla.scaling'), 'utf8');
  const lines = [example, '', 'runs big {', '  N      D       L'];
  let seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  for (let i = 0; i < runs; i++) {
    const n = 10 + Math.floor(rand() * 990) + 'M';
    const d = (1 + rand() * 99).toFixed(1) + 'B';
    const l = (1.8 + rand() * 2).toFixed(3);
    lines.push(`  ${n.padEnd(7)}${d.padEnd(8)}${l}${i % 100 === 0 ? '   # checkpoint' : ''}`);
  }
  lines.push('}', '');
  return lines.join('\n');
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function benchParse({ sizes = [10_000, 100_000], repeats = 9, warmup = 3 } = {}) {
  const { parse } = await loadSyntax();
  const targets = { 10000: 30, 100000: 300 };
  const rows = [];
  for (const runs of sizes) {
    const text = generateStudy(runs);
    for (let i = 0; i < warmup; i++) parse(text);
    const times = [];
    const heap = [];
    const cpu = [];
    let diagnostics = 0;
    for (let i = 0; i < repeats; i++) {
      globalThis.gc?.();
      const before = process.memoryUsage().heapUsed;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const result = parse(text);
      times.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      heap.push(process.memoryUsage().heapUsed - before);
      diagnostics = result.diagnostics.length;
      if (result.file.statements.length === 0) throw new Error('nothing parsed');
    }
    const ms = median(times);
    rows.push({
      runs,
      chars: text.length,
      'median ms': +ms.toFixed(1),
      'min ms': +Math.min(...times).toFixed(1),
      // CPU time of the process (GC threads included): steadier than wall time on a busy machine.
      'cpu ms': +median(cpu).toFixed(1),
      'heap Δ MB': +(median(heap) / 2 ** 20).toFixed(1),
      diagnostics,
      target: targets[runs] ? `< ${targets[runs]} ms` : '',
      ok: targets[runs] ? ms < targets[runs] : '',
    });
  }
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await benchParse();
  console.table(rows);
}
