// Worker-thread entry: runs a slice of bootstrap refits, or a share of an exhaustive search.
// Bundled to dist/fitWorker.js.
import { parentPort } from 'node:worker_threads';
import { runBootstrap, type BootstrapTask } from './bootstrap';
import { runSearchTask, type SearchTask } from './search';

parentPort?.on('message', (task: BootstrapTask | (SearchTask & { kind: 'search' })) => {
  try {
    if ('kind' in task && task.kind === 'search') {
      parentPort!.postMessage({ ok: true, block: runSearchTask(task) });
      return;
    }
    const slice = runBootstrap(task as BootstrapTask);
    parentPort!.postMessage({ ok: true, slice }, [
      slice.draws.buffer as ArrayBuffer,
      slice.status.buffer as ArrayBuffer,
    ]);
  } catch (e) {
    parentPort!.postMessage({ ok: false, error: String(e) });
  }
});
