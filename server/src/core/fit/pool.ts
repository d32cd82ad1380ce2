// Runs bootstrap slices on worker threads. The worker is dist/fitWorker.js next to the bundle; under
// tsx (tests) it is worker.ts loaded through tsx. If no worker can start, the slices run in-thread:
// the numbers are identical either way, only the wall time differs.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { runBootstrap, type BootstrapTask } from './bootstrap';
import type { BlockResult, SearchTask } from './search';

// Decided from how this module itself was loaded, not by probing the file system (the core does no
// I/O of its own): from source under tsx the worker is worker.ts, in a bundle it is fitWorker.js.
function workerEntry(explicit?: string): WorkerEntry {
  if (explicit) return { file: explicit, execArgv: [] };
  if (__filename.endsWith('.ts')) return { file: join(__dirname, 'worker.ts'), execArgv: ['--import', 'tsx'] };
  return { file: join(__dirname, 'fitWorker.js'), execArgv: [] };
}

type WorkerEntry = { file: string; execArgv: string[] };

/** Posts one message to a fresh worker and resolves with the field `key` of its reply. */
function runWorker<T>(entry: WorkerEntry, message: unknown, key: 'draws' | 'block', signal?: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const w = new Worker(entry.file, { execArgv: entry.execArgv });
    const onAbort = () => {
      void w.terminate();
      reject(new Error('cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    w.once('message', (m: { ok: boolean; draws?: Float64Array; block?: BlockResult; error?: string }) => {
      signal?.removeEventListener('abort', onAbort);
      void w.terminate();
      if (m.ok) resolve(m[key] as T);
      else reject(new Error(m.error));
    });
    w.once('error', (e) => {
      signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    w.postMessage(message);
  });
}

function runInWorker(entry: WorkerEntry, task: BootstrapTask, signal?: AbortSignal): Promise<Float64Array> {
  return runWorker<Float64Array>(entry, task, 'draws', signal);
}

/** Splits resamples [0, K) into `workers` contiguous slices and concatenates the draws in order. */
export async function bootstrapParallel(
  task: Omit<BootstrapTask, 'from' | 'to'>,
  K: number,
  workers: number,
  signal?: AbortSignal,
  workerFile?: string,
): Promise<Float64Array> {
  const P = task.params.length;
  const slices: [number, number][] = [];
  const count = Math.max(1, Math.min(workers, K));
  for (let s = 0; s < count; s++) slices.push([Math.floor((s * K) / count), Math.floor(((s + 1) * K) / count)]);
  const entry = workers > 1 ? workerEntry(workerFile) : undefined;
  const parts = await Promise.all(
    slices.map(async ([from, to]) => {
      const t = { ...task, from, to };
      if (entry) {
        try {
          return await runInWorker(entry, t, signal);
        } catch (e) {
          if (signal?.aborted) throw e;
        }
      }
      // In-thread: chunks with a yield between them, so an abort can land.
      const P = task.params.length;
      const out = new Float64Array((to - from) * P).fill(NaN);
      // Past the deadline, the remaining chunks are left NaN at once (each chunk rebuilds the problem).
      const late = () => t.deadline !== undefined && Date.now() > t.deadline;
      for (let a = from; a < to && !signal?.aborted && !late(); a += 16) {
        const b = Math.min(to, a + 16);
        out.set(
          runBootstrap({ ...t, from: a, to: b }, () => !!signal?.aborted),
          (a - from) * P,
        );
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return out;
    }),
  );
  const out = new Float64Array(K * P);
  slices.forEach(([from], s) => out.set(parts[s], from * P));
  return out;
}

/** Runs a share of an exhaustive search on a worker thread; rejects when the worker cannot start. */
export function searchBlockInWorker(task: SearchTask, signal?: AbortSignal, workerFile?: string): Promise<BlockResult> {
  return runWorker<BlockResult>(workerEntry(workerFile), { ...task, kind: 'search' }, 'block', signal);
}
