// Parses a CSV/TSV file in a worker thread (parseWorker.ts), so a 400 MB file no longer holds the
// language server's main thread (issue 15.2). The table crosses back without a copy of its bulk:
// numbers columns and line numbers as transferred arrays, a text column as codes (a transferred
// Uint32Array) into its distinct strings, which come in messages of a bounded size. The main thread
// rebuilds the text cells a slice at a time, answering requests between slices.
import { join } from 'node:path';
import type { LoadResult, RawTable } from '../core/data/loader';

export interface ParseRequest {
  file: string;
  bytes: Uint8Array;
  format: 'csv' | 'tsv';
}

/** A table's shape on the wire: what RawTable holds, with its bulk in transferable arrays. */
interface WireTable {
  path: string;
  columns: string[];
  lines: Uint32Array;
  numbers: (Float64Array | undefined)[];
  /** Per text column: each row's index into the column's strings (the `strings` messages, in order). */
  codes: (Uint32Array | undefined)[];
}

export type WireMessage =
  | { kind: 'strings'; column: number; strings: string[] }
  | { kind: 'done'; result: { ok: true; table: WireTable } | Extract<LoadResult, { ok: false }> }
  | { kind: 'failed'; message: string };

/** Strings per message: each message is deserialised in one go on the main thread. */
const STRINGS_PER_MESSAGE = 1 << 16;
/** Distinct strings looked up per column; past this, cells are sent as they come (a Map holds 2^24 at most). */
const MAX_DICTIONARY = 1 << 20;
/** Rows rebuilt on the main thread between two yields. */
const ROWS_PER_SLICE = 1 << 18;

/** The worker side: sends a parse's result as WireMessages (the last one `done`). */
export function toWire(
  result: LoadResult,
  post: (message: WireMessage, transfer: ArrayBuffer[]) => void,
  maxDictionary = MAX_DICTIONARY,
): void {
  if (!result.ok) return post({ kind: 'done', result }, []);
  const t = result.table;
  const transfer: ArrayBuffer[] = [];
  const numbers = t.columns.map((_, c) => t.numbers?.[c]);
  const codes = t.columns.map((_, c) => (numbers[c] ? undefined : encodeColumn(t.cells[c], c, post, maxDictionary)));
  for (const array of [...numbers, ...codes]) if (array) transfer.push(array.buffer as ArrayBuffer);
  // The parse keeps lines in a Uint32Array (a file under 4 GB has fewer lines than 2^32): sent as it is.
  const lines = t.lines instanceof Uint32Array ? t.lines : Uint32Array.from(t.lines);
  transfer.push(lines.buffer as ArrayBuffer);
  post(
    { kind: 'done', result: { ok: true, table: { path: t.path, columns: t.columns, lines, numbers, codes } } },
    transfer,
  );
}

/** A text column as codes, posting its distinct strings (all cells once the dictionary is full) as they appear. */
function encodeColumn(
  cells: string[],
  column: number,
  post: (m: WireMessage, t: ArrayBuffer[]) => void,
  maxDictionary: number,
): Uint32Array {
  const codes = new Uint32Array(cells.length);
  const index = new Map<string, number>();
  let next = 0;
  let batch: string[] = [];
  for (let r = 0; r < cells.length; r++) {
    let code = index.get(cells[r]);
    if (code === undefined) {
      code = next++;
      if (index.size < maxDictionary) index.set(cells[r], code);
      batch.push(cells[r]);
      if (batch.length === STRINGS_PER_MESSAGE) {
        post({ kind: 'strings', column, strings: batch }, []);
        batch = [];
      }
    }
    codes[r] = code;
  }
  if (batch.length > 0) post({ kind: 'strings', column, strings: batch }, []);
  return codes;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The main-thread side: the RawTable a `done` message and the strings before it describe. */
export async function fromWire(
  result: Extract<WireMessage, { kind: 'done' }>['result'],
  strings: string[][],
): Promise<LoadResult> {
  if (!result.ok) return result;
  const w = result.table;
  const rows = w.lines.length;
  const cells: string[][] = [];
  for (let c = 0; c < w.columns.length; c++) {
    const codes = w.codes[c];
    const column: string[] = [];
    cells.push(column);
    if (!codes) continue;
    const dictionary = strings[c] ?? [];
    for (let r = 0; r < rows;) {
      for (const end = Math.min(rows, r + ROWS_PER_SLICE); r < end; r++) column.push(dictionary[codes[r]]);
      await yieldToEventLoop();
    }
  }
  // The line numbers stay the transferred array: the binder's row origins read them in place.
  const table: RawTable = { path: w.path, columns: w.columns, cells, lines: w.lines };
  if (w.numbers.some((n) => n)) table.numbers = w.numbers;
  return { ok: true, table };
}

type WorkerEntry = { file: string; execArgv: string[] };

/** dist/parseWorker.js beside the bundle; from source under tsx (tests), parseWorker.ts through tsx's hook. */
export function parseWorkerEntry(): WorkerEntry {
  if (__filename.endsWith('.ts'))
    return { file: join(__dirname, 'parseWorker.ts'), execArgv: ['--require', 'tsx/cjs'] };
  return { file: join(__dirname, 'parseWorker.js'), execArgv: [] };
}

/**
 * Parses a CSV/TSV file's bytes in a fresh worker thread. The bytes are handed over (transferred:
 * they are detached here afterwards). A worker that dies (out of memory, a crash) fails the load
 * with a message; it never takes the server with it.
 */
export function parseInWorker(
  file: string,
  bytes: Uint8Array,
  format: 'csv' | 'tsv',
  entry: WorkerEntry = parseWorkerEntry(),
): Promise<LoadResult> {
  return new Promise((resolve) => {
    // Loaded here, not at import: a CLI run that parses nothing in a worker never loads worker_threads.
    const { Worker } = process.getBuiltinModule('node:worker_threads');
    const worker = new Worker(entry.file, { execArgv: entry.execArgv });
    const strings: string[][] = [];
    let settled = false;
    const settle = (result: LoadResult | Promise<LoadResult>) => {
      if (settled) return;
      settled = true;
      void worker.terminate(); // its heap goes before the main thread rebuilds the table
      resolve(result);
    };
    const stopped = (why: string) => settle({ ok: false, message: `'${file}' could not be parsed: ${why}` });
    worker.on('message', (m: WireMessage) => {
      if (m.kind === 'strings') {
        const column = (strings[m.column] ??= []);
        for (const s of m.strings) column.push(s);
      } else if (m.kind === 'done') settle(fromWire(m.result, strings));
      else stopped(m.message);
    });
    worker.once('error', (e) => stopped(e.message));
    worker.once('exit', (code) => stopped(`the parse worker exited with code ${code}`));
    // A Buffer from node's pool shares its ArrayBuffer with others: copy it rather than detach theirs.
    const owned =
      bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
        ? bytes
        : new Uint8Array(bytes);
    worker.postMessage({ file, bytes: owned, format } satisfies ParseRequest, [owned.buffer as ArrayBuffer]);
  });
}
