// A DataHost over a map of path → contents: the tests' host, and the one a browser build would start
// from. Modification times advance on every write so the loader's cache sees the change.
import picomatch from 'picomatch';
import * as path from 'node:path';
import { hostError, type DataHost, type Disposable, type FileStat } from './host';

export class MemoryHost implements DataHost {
  private readonly files = new Map<string, { bytes: Uint8Array; mtimeMs: number }>();
  private readonly watchers = new Set<{ paths: Set<string>; onChange: (path: string) => void }>();
  private clock = 1;
  /** How many times each path was read (tests check the loader's cache). */
  readonly reads = new Map<string, number>();

  constructor(files: Record<string, string | Uint8Array> = {}) {
    for (const [p, contents] of Object.entries(files)) this.write(p, contents);
  }

  write(p: string, contents: string | Uint8Array): void {
    const key = path.resolve(p);
    const bytes = typeof contents === 'string' ? new TextEncoder().encode(contents) : contents;
    this.files.set(key, { bytes, mtimeMs: this.clock++ });
    this.notify(key);
  }

  delete(p: string): void {
    const key = path.resolve(p);
    if (this.files.delete(key)) this.notify(key);
  }

  async stat(p: string): Promise<FileStat> {
    const f = this.files.get(path.resolve(p));
    if (f) return { size: f.bytes.length, mtimeMs: f.mtimeMs, isFile: true };
    const folder = path.resolve(p) + path.sep;
    if ([...this.files.keys()].some((k) => k.startsWith(folder))) return { size: 0, mtimeMs: 0, isFile: false };
    throw hostError('ENOENT', `no such file: ${p}`);
  }

  async read(p: string): Promise<Uint8Array> {
    const key = path.resolve(p);
    const f = this.files.get(key);
    if (!f) throw hostError('ENOENT', `no such file: ${p}`);
    this.reads.set(key, (this.reads.get(key) ?? 0) + 1);
    return f.bytes;
  }

  async list(pattern: string, base: string): Promise<string[]> {
    const isMatch = picomatch(path.resolve(base, pattern));
    return [...this.files.keys()].filter((k) => isMatch(k)).sort();
  }

  watch(paths: readonly string[], onChange: (path: string) => void): Disposable {
    const w = { paths: new Set(paths.map((p) => path.resolve(p))), onChange };
    this.watchers.add(w);
    return { dispose: () => this.watchers.delete(w) };
  }

  private notify(key: string): void {
    for (const w of this.watchers) if (w.paths.has(key)) w.onChange(key);
  }
}
