// The data-parse worker thread (bundled as dist/parseWorker.js): parses one CSV/TSV file's bytes with
// the core's own parseDelimited — the table is the one an in-thread parse gives — and sends it back
// in the shape of workerParse.ts: numbers, line numbers and text-column codes as transferred arrays,
// the text columns' distinct strings in small messages. The language server's main thread never
// runs the parse (issue 15.2).
import { parentPort } from 'node:worker_threads';
import { parseDelimited } from '../core/data/loader';
import { toWire, type ParseRequest } from './workerParse';

/** Bigger than the in-thread chunks: nothing waits on this thread between them. */
const WORKER_CHUNK_BYTES = 4 << 20;

parentPort?.once('message', (request: ParseRequest) => {
  parseDelimited(request.file, request.bytes, request.format, WORKER_CHUNK_BYTES).then(
    (result) => toWire(result, (message, transfer) => parentPort!.postMessage(message, transfer)),
    (e) => parentPort!.postMessage({ kind: 'failed', message: (e as Error)?.message ?? String(e) }),
  );
});
