// Analysis of a one-character edit in a huge inline-runs study (issue 15.3):
// `node --import tsx bench/inline-runs.ts [ROWS]` (default 1,800,000 rows, ~37 MB, generated here,
// never committed). Prints the study's size and the analysis time of the edited version: the table
// is over MAX_INLINE_ROWS, so it is refused unread with one error at its name.
import { DataLoader } from '../server/src/core/data/loader';
import { catalogue } from '../server/src/core/laws';
import { analyze } from '../server/src/core/study';
import { NodeHost } from '../server/src/host/nodeHost';

const rows = Number(process.argv[2] ?? 1_800_000);
const lines = ['runs r {', '  N     D      L'];
for (let i = 0; i < rows; i++)
  lines.push(`  ${1 + (i % 997)}M  ${1 + (i % 89)}.5B  ${(2 + (i % 1000) / 1000).toFixed(3)}`);
lines.push('}', 'law l: L = E + A / N^alpha {', '  fit r', '}', '');
const text = lines.join('\n');

void (async () => {
  const options = { studyPath: '/tmp/inline.scaling', catalogue, loader: new DataLoader(new NodeHost()) };
  await analyze(text, options); // the version before the edit
  const edited = text.replace('law l:', 'law m:');
  const t0 = performance.now();
  const a = await analyze(edited, options);
  const ms = performance.now() - t0;
  console.log(`${rows.toLocaleString('en-US')} inline rows, ${(text.length / 1e6).toFixed(1)} MB`);
  console.log(`analysis after a one-character edit: ${ms.toFixed(0)} ms`);
  console.log(
    `errors: ${a.diagnostics
      .filter((d) => d.severity === 'error')
      .map((d) => d.message)
      .join(' | ')}`,
  );
  console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 2 ** 20).toFixed(2)} GB`);
})();
