// The run planner's acceptance (issue 12.4): over seeds, the planned runs against one more 5-run
// IsoFLOP of the same compute, each judged by refitting; and the planner's time on the Epoch fit.
// Exits 1 when a median ratio is not below 1 or a plan takes over 2 s.
//   node bench/planner.mjs [seeds=15] [noise=0.02] [method=asymptotic|profile|bootstrap]
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { bundleBench } from './bundle.mjs';

const out = await bundleBench('planner-run');
const r = spawnSync(process.execPath, [path.join(out, 'planner-run.js'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
