// Calibration of 90% prediction intervals: 3 laws × {bootstrap, asymptotic, profile} ×
// {interior, extrapolated} × {mean, observation} (not a CI test; a few minutes):
//   node bench/calibration.mjs [replicates=60] [resamples=100] [noise=0.01]
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { bundleBench } from './bundle.mjs';

const out = await bundleBench('calibration-run');
execFileSync(process.execPath, [path.join(out, 'calibration-run.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
