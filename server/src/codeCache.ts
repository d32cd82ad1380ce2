// Runs a CommonJS bundle through vm.Script with a V8 code cache, so a cold CLI process skips most of
// parsing and compiling its ~1 MB bundle (Node 20 has no module.enableCompileCache).
//
// The cache can only ever cost time, never correctness: V8 checks its own version and flags, but
// keys the source by its LENGTH alone, and on release builds does not checksum the payload. So the
// cache file carries its own header: the bundle's length and CRC-32 and the payload's CRC-32. A
// cache that is missing, for another bundle, truncated or corrupt is ignored (the bundle compiles
// as without a cache) and rewritten at exit, atomically (temporary file + rename); a cache that
// cannot be written (read-only install) is simply not written.
import { isAscii } from 'node:buffer';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { crc32 } from 'node:zlib';

const MAGIC = 'scaling-studio code cache 1';
/** Node's own CommonJS wrapper, on the bundle's first line so stack traces keep their line numbers. */
const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const WRAP_TAIL = '\n})';

/** What happened to the cache on this run (for tests and the bench). */
export type CacheOutcome = 'used' | 'absent' | 'stale' | 'rejected' | 'off';

/** The first line of a cache file: what it was made for, and a checksum of what follows. */
export function cacheHeader(sourceLength: number, sourceCrc: number, payload: Uint8Array): string {
  return `${MAGIC} ${process.version} ${sourceLength} ${sourceCrc} ${payload.length} ${crc32(payload)}\n`;
}

/** The payload of `raw` when it is a cache of exactly this source, whole; undefined otherwise. */
export function validPayload(raw: Buffer, sourceLength: number, sourceCrc: number): Buffer | undefined {
  const eol = raw.indexOf(10);
  if (eol < 0 || eol > 200) return undefined;
  const fields = raw.subarray(0, eol).toString('latin1').split(' ');
  const [version, sLen, sCrc, pLen, pCrc] = fields.slice(-5);
  if (fields.slice(0, -5).join(' ') !== MAGIC || version !== process.version) return undefined;
  if (Number(sLen) !== sourceLength || Number(sCrc) !== sourceCrc) return undefined;
  const payload = raw.subarray(eol + 1);
  if (payload.length !== Number(pLen) || crc32(payload) !== Number(pCrc)) return undefined;
  return payload;
}

/**
 * Runs `bundleFile` as the module `mod` (its exports become mod.exports), compiled with the code
 * cache in `cacheFile` when that is valid; when it was not, writes a new one as the process exits,
 * so the functions this run compiled lazily are in it too.
 */
export function runWithCodeCache(bundleFile: string, cacheFile: string | undefined, mod: NodeJS.Module): CacheOutcome {
  const loaded = loadBundle(bundleFile, cacheFile, mod);
  if (loaded.outcome !== 'used' && loaded.outcome !== 'off') process.once('exit', loaded.save);
  return loaded.outcome;
}

/** Compiles and runs the bundle (see runWithCodeCache); `save` writes the cache as of now. */
export function loadBundle(
  bundleFile: string,
  cacheFile: string | undefined,
  mod: NodeJS.Module,
): { outcome: CacheOutcome; save: () => void } {
  const bytes = fs.readFileSync(bundleFile);
  const sourceLength = bytes.length;
  const sourceCrc = crc32(bytes);
  let cachedData: Buffer | undefined;
  let outcome: CacheOutcome = cacheFile === undefined ? 'off' : 'absent';
  if (cacheFile !== undefined) {
    try {
      cachedData = validPayload(fs.readFileSync(cacheFile), sourceLength, sourceCrc);
      outcome = cachedData ? 'used' : 'stale';
    } catch {
      // No cache yet (or unreadable): compile without one.
    }
  }
  // The build writes an ASCII bundle (scripts/build.mjs asciiOnly): latin1 is then the same text, decoded faster.
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const script = new vm.Script(WRAP_HEAD + source + WRAP_TAIL, { filename: bundleFile, cachedData });
  if (cachedData && script.cachedDataRejected) outcome = 'rejected';
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(mod.exports, mod.exports, createRequire(bundleFile), mod, bundleFile, path.dirname(bundleFile));
  const save = () => {
    if (cacheFile !== undefined) writeCache(script, cacheFile, sourceLength, sourceCrc);
  };
  return { outcome, save };
}

function writeCache(script: vm.Script, cacheFile: string, sourceLength: number, sourceCrc: number): void {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    const payload = script.createCachedData();
    const header = cacheHeader(sourceLength, sourceCrc, payload);
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(header, 'latin1'), payload]));
    fs.renameSync(tmp, cacheFile);
  } catch {
    // A read-only install, a full disk: the next run compiles without a cache, as this one did.
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // nothing to clean up
    }
  }
}
