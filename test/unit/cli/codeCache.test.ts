import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { cacheHeader, loadBundle, type CacheOutcome } from '../../../server/src/codeCache';

// The CLI's code cache (dist/cli.js loads dist/cliMain.js through it) may only ever save time: a
// cache that does not belong to the bundle on disk, byte for byte, must be ignored.

/** A small CommonJS "bundle" whose answer depends on its source text, with lazily compiled inner functions. */
const bundle = (answer: number) => `'use strict';
function inner(x) { return x * ${answer}; }
module.exports = { answer: () => inner(1), dir: () => __dirname, file: () => __filename, req: () => typeof require('node:path').join };
`;

interface Loaded {
  outcome: CacheOutcome;
  exports: { answer(): number; dir(): string; file(): string; req(): string };
  save(): void;
}

function load(file: string, cache: string | undefined): Loaded {
  const mod = { exports: {} } as NodeJS.Module;
  const { outcome, save } = loadBundle(file, cache, mod);
  const exports = mod.exports as Loaded['exports'];
  exports.answer(); // compile the lazy inner function before any save, as a real run would
  return { outcome, exports, save };
}

describe('CLI code cache (server/src/codeCache.ts)', () => {
  let dir: string;
  let file: string;
  let cache: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scaling-code-cache-'));
    file = path.join(dir, 'bundle.js');
    cache = path.join(dir, 'bundle.cache');
    fs.writeFileSync(file, bundle(41));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs the bundle as a module without a cache, writes one, and uses it on the next load', () => {
    const first = load(file, cache);
    assert.equal(first.outcome, 'absent');
    assert.equal(first.exports.answer(), 41);
    assert.equal(first.exports.dir(), dir);
    assert.equal(first.exports.file(), file);
    assert.equal(first.exports.req(), 'function');
    first.save();
    assert.ok(fs.existsSync(cache));
    const second = load(file, cache);
    assert.equal(second.outcome, 'used');
    assert.equal(second.exports.answer(), 41);
  });

  it('ignores the cache of another bundle of the same length (V8 alone keys the source by its length)', () => {
    load(file, cache).save();
    fs.writeFileSync(file, bundle(42)); // same length, one character differs
    const next = load(file, cache);
    assert.equal(next.outcome, 'stale');
    assert.equal(next.exports.answer(), 42);
  });

  it('ignores a corrupt, truncated or foreign cache file and still runs the bundle', () => {
    load(file, cache).save();
    const good = fs.readFileSync(cache);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 100] ^= 0xff;
    const otherNode = Buffer.from(good.toString('latin1').replace(process.version, 'v0.0.1'), 'latin1');
    const variants: Array<[string, Buffer]> = [
      ['a flipped payload byte', flipped],
      ['truncated', good.subarray(0, good.length - 10)],
      ['only the header', good.subarray(0, good.indexOf(10) + 1)],
      ['empty', Buffer.alloc(0)],
      ['not a cache', Buffer.from('hello\nworld')],
      ['from another Node version', otherNode],
    ];
    for (const [what, bytes] of variants) {
      fs.writeFileSync(cache, bytes);
      const next = load(file, cache);
      assert.equal(next.outcome, 'stale', what);
      assert.equal(next.exports.answer(), 41, what);
    }
  });

  it('falls back when V8 itself rejects a payload that passes the header check', () => {
    // A source this process has not compiled yet: V8's in-memory compilation cache would skip the payload.
    const source = Buffer.from(bundle(9001));
    fs.writeFileSync(file, source);
    const garbage = Buffer.alloc(4000, 7);
    const header = cacheHeader(source.length, crc32(source), garbage);
    fs.writeFileSync(cache, Buffer.concat([Buffer.from(header, 'latin1'), garbage]));
    const next = load(file, cache);
    assert.equal(next.outcome, 'rejected');
    assert.equal(next.exports.answer(), 9001);
  });

  it('runs without writing anything when the cache cannot be written, or is switched off', () => {
    const unwritable = path.join(dir, 'no-such-folder', 'bundle.cache');
    const run = load(file, unwritable);
    assert.equal(run.exports.answer(), 41);
    assert.doesNotThrow(() => run.save());
    assert.ok(!fs.existsSync(unwritable));
    const off = load(file, undefined);
    assert.equal(off.outcome, 'off');
    off.save();
    assert.deepEqual(fs.readdirSync(dir), ['bundle.js']);
  });
});
