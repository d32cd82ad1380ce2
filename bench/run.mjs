// `npm run bench`: engine benchmarks (the calibration study is separate: node bench/calibration.mjs).
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
execFileSync(process.execPath, [path.join(here, 'fit-vs-scipy.mjs')], { stdio: 'inherit' });
