// Calibration of bootstrap prediction intervals (not a CI test; slow):
//   node bench/calibration.mjs [replicates=100] [resamples=200] [noise=0.01]
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { bundleBench } from './bundle.mjs';

const out = await bundleBench('calibration-run');
execFileSync(process.execPath, [path.join(out, 'calibration-run.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
