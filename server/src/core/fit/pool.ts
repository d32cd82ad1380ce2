// Runs bootstrap slices on worker threads. The worker is dist/fitWorker.js next to the bundle; under
// tsx (tests) it is worker.ts loaded through tsx. If a worker fails, its slice runs in-thread (the
// numbers are identical either way, only the wall time differs) and the failure is reported.
import { join } from 'node:path';
import { DrawStatus, runBootstrap, type BootstrapSlice, type BootstrapTask } from './bootstrap';
import type { BlockResult, SearchTask } from './search';

// Decided from how this module itself was loaded, not by probing the file system (the core does no
// I/O of its own): from source under tsx the worker is worker.ts, in a bundle it is fitWorker.js.
function workerEntry(explicit?: string): WorkerEntry {
  if (explicit) return { file: explicit, execArgv: [] };
  // tsx's CommonJS hook: on Node 20 `--import tsx` does not reach a worker's entry file, so every
  // worker failed to start and its share quietly ran in-thread (tests never exercised a worker).
  if (__filename.endsWith('.ts')) return { file: join(__dirname, 'worker.ts'), execArgv: ['--require', 'tsx/cjs'] };
  return { file: join(__dirname, 'fitWorker.js'), execArgv: [] };
}

type WorkerEntry = { file: string; execArgv: string[] };

/** Thrown when the caller's signal aborts a run: the only error that means "cancelled". */
export class FitCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

/**
 * Runs one task on a fresh worker. Settles exactly once: with the worker's answer, its error
 * message, a thrown error, an exit before answering (a crash, out of memory), or an abort.
 */
function inWorker<T>(
  entry: WorkerEntry,
  message: unknown,
  read: (m: Record<string, unknown>) => T,
  signal?: AbortSignal,
): Promise<T> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new FitCancelled());
    // Loaded on first use: a fit that starts no worker (the common CLI case) never loads worker_threads.
    const { Worker } = process.getBuiltinModule('node:worker_threads');
    const w = new Worker(entry.file, { execArgv: entry.execArgv });
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void w.terminate();
      f();
    };
    const onAbort = () => settle(() => reject(new FitCancelled()));
    signal?.addEventListener('abort', onAbort, { once: true });
    w.once('message', (m: Record<string, unknown>) =>
      settle(() => (m.ok ? resolve(read(m)) : reject(new Error(String(m.error))))),
    );
    w.once('error', (e) => settle(() => reject(e)));
    w.once('exit', (code) => settle(() => reject(new Error(`the worker exited with code ${code} before answering`))));
    w.postMessage(message);
  });
}

/** The draws of all resamples, their statuses, and the errors of workers whose share ran in-thread. */
export interface BootstrapRun extends BootstrapSlice {
  workerErrors: string[];
}

/**
 * Splits resamples [0, K) into `workers` contiguous slices and concatenates the draws in order. A
 * slice whose worker fails runs on this thread instead (same numbers), and the failure is
 * returned so the caller can say so; an abort rejects with FitCancelled.
 */
export async function bootstrapParallel(
  task: Omit<BootstrapTask, 'from' | 'to'>,
  K: number,
  workers: number,
  signal?: AbortSignal,
  workerFile?: string,
): Promise<BootstrapRun> {
  const P = task.params.length;
  const slices: [number, number][] = [];
  const count = Math.max(1, Math.min(workers, K));
  for (let s = 0; s < count; s++) slices.push([Math.floor((s * K) / count), Math.floor(((s + 1) * K) / count)]);
  const entry = workers > 1 ? workerEntry(workerFile) : undefined;
  const workerErrors: string[] = [];
  const parts = await Promise.all(
    slices.map(async ([from, to]): Promise<BootstrapSlice> => {
      const t = { ...task, from, to };
      if (entry) {
        try {
          return await inWorker(entry, t, (m) => m.slice as BootstrapSlice, signal);
        } catch (e) {
          if (signal?.aborted || e instanceof FitCancelled) throw new FitCancelled();
          workerErrors.push(e instanceof Error ? e.message : String(e));
        }
      }
      // In-thread: chunks with a yield between them, so an abort can land.
      const draws = new Float64Array((to - from) * P).fill(NaN);
      const status = new Uint8Array(to - from).fill(DrawStatus.skipped);
      // Past the deadline, the remaining chunks are skipped at once (each chunk rebuilds the problem).
      const late = () => t.deadline !== undefined && Date.now() > t.deadline;
      for (let a = from; a < to && !late(); a += 16) {
        if (signal?.aborted) throw new FitCancelled();
        const b = Math.min(to, a + 16);
        const part = runBootstrap({ ...t, from: a, to: b }, () => !!signal?.aborted);
        draws.set(part.draws, (a - from) * P);
        status.set(part.status, a - from);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (signal?.aborted) throw new FitCancelled();
      return { draws, status };
    }),
  );
  const draws = new Float64Array(K * P);
  const status = new Uint8Array(K);
  slices.forEach(([from], s) => {
    draws.set(parts[s].draws, from * P);
    status.set(parts[s].status, from);
  });
  return { draws, status, workerErrors };
}

/** Runs a share of an exhaustive search on a worker thread; rejects when the worker cannot start. */
export function searchBlockInWorker(task: SearchTask, signal?: AbortSignal, workerFile?: string): Promise<BlockResult> {
  return inWorker(workerEntry(workerFile), { ...task, kind: 'search' }, (m) => m.block as BlockResult, signal);
}
