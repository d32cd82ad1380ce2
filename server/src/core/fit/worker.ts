// Worker-thread entry: runs a slice of bootstrap refits. Bundled to dist/fitWorker.js.
import { parentPort } from 'node:worker_threads';
import { runBootstrap, type BootstrapTask } from './bootstrap';

parentPort?.on('message', (task: BootstrapTask) => {
  try {
    const draws = runBootstrap(task);
    parentPort!.postMessage({ ok: true, draws }, [draws.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ ok: false, error: String(e) });
  }
});
