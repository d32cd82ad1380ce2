// The DataHost of the CLI and the language server: node's file system. Reads are asynchronous, so the
// server's main thread keeps answering while a file loads; workspace trust is applied by the caller
// (analyze's isPathAllowed) before any read.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataHost, Disposable, FileStat } from '../core/data/host';
import { parseDelimited, WORKER_PARSE_MIN_BYTES, type LoadResult } from '../core/data/loader';
import { parseInWorker, parseWorkerEntry } from './workerParse';

export interface NodeHostOptions {
  /** Parse CSV/TSV files of at least this many bytes in a worker thread (default WORKER_PARSE_MIN_BYTES). */
  workerMinBytes?: number;
}

export class NodeHost implements DataHost {
  private readonly workerMinBytes: number;
  /** The parse running now: one worker at a time (2 cores: the other one is the editor's). */
  private parsing: Promise<unknown> = Promise.resolve();

  constructor(options: NodeHostOptions = {}) {
    this.workerMinBytes = options.workerMinBytes ?? WORKER_PARSE_MIN_BYTES;
  }

  async stat(p: string): Promise<FileStat> {
    const s = await fs.promises.stat(p);
    return { size: s.size, mtimeMs: s.mtimeMs, isFile: s.isFile() };
  }

  async read(p: string): Promise<Uint8Array> {
    return fs.promises.readFile(p);
  }

  /**
   * A large CSV/TSV is parsed in a worker thread, so the server's main thread keeps answering hover
   * and completion (issue 15.2); small ones, or all when the worker's bundle is missing, in-thread.
   */
  parseDelimited(file: string, bytes: Uint8Array, format: 'csv' | 'tsv'): Promise<LoadResult> {
    const entry = parseWorkerEntry();
    if (bytes.length < this.workerMinBytes || !fs.existsSync(entry.file)) return parseDelimited(file, bytes, format);
    const run = this.parsing.then(() => parseInWorker(file, bytes, format, entry));
    this.parsing = run.catch(() => undefined);
    return run;
  }

  async list(pattern: string, base: string): Promise<string[]> {
    const { glob } = await import('tinyglobby'); // only studies with a glob pay for loading it
    const found = await glob(pattern, { cwd: base, absolute: true, onlyFiles: true, followSymbolicLinks: true });
    return found.map((f) => path.resolve(f)).sort();
  }

  /** One fs.watch per file's folder; events for other files in it are ignored. */
  watch(paths: readonly string[], onChange: (path: string) => void): Disposable {
    const byFolder = new Map<string, Set<string>>();
    for (const p of paths.map((x) => path.resolve(x))) {
      const dir = path.dirname(p);
      if (!byFolder.has(dir)) byFolder.set(dir, new Set());
      byFolder.get(dir)!.add(path.basename(p));
    }
    const watchers: fs.FSWatcher[] = [];
    for (const [dir, names] of byFolder) {
      try {
        const w = fs.watch(dir, { persistent: false }, (_event, name) => {
          if (name && names.has(name.toString())) onChange(path.join(dir, name.toString()));
        });
        w.on('error', () => w.close());
        watchers.push(w);
      } catch {
        // A folder that does not exist (yet) cannot be watched; the file is reported missing anyway.
      }
    }
    return { dispose: () => watchers.forEach((w) => w.close()) };
  }
}
