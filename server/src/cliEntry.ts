// dist/cli.js: loads the CLI bundle (dist/cliMain.js) with a V8 code cache beside it, so a cold
// `scaling-studio fit` does not parse and compile ~1 MB of JavaScript first (see codeCache.ts).
// SCALING_STUDIO_CODE_CACHE=0 compiles without the cache (to measure it, or rule it out).
import * as path from 'node:path';
import { runWithCodeCache } from './codeCache';

const cacheFile = process.env.SCALING_STUDIO_CODE_CACHE === '0' ? undefined : path.join(__dirname, 'cliMain.cache');
runWithCodeCache(path.join(__dirname, 'cliMain.js'), cacheFile, module);
