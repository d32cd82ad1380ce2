// Reads CSV, TSV, JSONL and Parquet files (through the caller's DataHost) into columns, cached by path,
// modification time and size; `.gz` on any of them is decompressed first.
// csv-parse does the quoting rules (RFC 4180, quoted newlines, BOM) so we don't hand-roll them.
import { parse as parseCsv } from 'csv-parse/sync';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { DataFormat } from '../syntax/ast';
import type { DataHost, FileStat, HostError } from './host';
import { SI_SUFFIX } from '../syntax/lexer';
import { pathMatches } from './paths';
import { yieldToEventLoop } from './yieldToEventLoop';

export interface RawTable {
  path: string;
  columns: string[];
  /** cells[c][r]: the text of column c in row r (JSONL numbers are kept as their JSON text). */
  cells: string[][];
  /** 1-based line in the file where each row starts (Parquet: the row's number). */
  lines: ArrayLike<number>;
  /**
   * Columns already read as numbers, parallel to `columns`; NaN where a cell is missing (empty, NA, a
   * Parquet null). Parquet's typed columns, and the CSV/TSV columns whose every cell is a number or
   * missing. Their `cells` are written out only when asked for (cellsOf): 1M strings cost more than
   * the numbers, and the garbage collector walks every string while a large file loads.
   */
  numbers?: (Float64Array | undefined)[];
  /** Every column of the file, when only some were read (Parquet decodes the ones the study names). */
  fileColumns?: string[];
  /** What `lines` counts: lines of text, or rows of a Parquet file. */
  rowWord?: 'line' | 'row';
  /** The file each row came from, when the table joins several (a glob). */
  rowFiles?: string[];
  /** The file's size and modification time as the host reported them when it was read (hover shows them). */
  stat?: { size: number; mtimeMs: number };
}

/**
 * A column read as numbers. A missing cell (see isMissingCell) is NaN and not bad; `badRows` are
 * the rows whose text is neither a number nor missing (NaN too), `badRow` the first of them.
 */
export interface NumericColumn {
  values: Float64Array;
  badRow: number | undefined;
  badRows: number[];
}

/** Cells that mean "no value": empty, NA, NaN, null (JSON null is read as empty). Case-insensitive. */
export function isMissingCell(cell: string): boolean {
  // Longer cells are never missing: no need to trim a long cell to find out.
  if (cell.length > 16) return false;
  const s = cell.trim().toLowerCase();
  return s === '' || s === 'na' || s === 'nan' || s === 'null';
}

// Parsed once per loaded table: every keystroke re-binds the study, the file has not changed.
const numericCache = new WeakMap<RawTable, Map<number, NumericColumn>>();

export function numericColumn(table: RawTable, column: number): NumericColumn {
  let perTable = numericCache.get(table);
  if (!perTable) numericCache.set(table, (perTable = new Map()));
  const cached = perTable.get(column);
  if (cached) return cached;
  const read = table.numbers?.[column];
  if (read) {
    // Already numbers (Parquet): a null cell is NaN here, a missing value as an empty CSV cell is.
    const result = { values: read, badRow: undefined, badRows: [] };
    perTable.set(column, result);
    return result;
  }
  const cells = table.cells[column];
  const values = new Float64Array(cells.length);
  const badRows: number[] = [];
  for (let r = 0; r < cells.length; r++) {
    const v = parseNumber(cells[r]);
    if (Number.isNaN(v) && !isMissingCell(cells[r])) badRows.push(r);
    values[r] = v;
  }
  const result = { values, badRow: badRows[0], badRows };
  perTable.set(column, result);
  return result;
}

/** The text of column `c`; a column read as numbers is written out on first use (NaN as an empty cell). */
export function cellsOf(table: RawTable, c: number): string[] {
  const numbers = table.numbers?.[c];
  if (numbers && table.cells[c].length !== numbers.length)
    table.cells[c] = Array.from(numbers, (v) => (Number.isNaN(v) ? '' : String(v)));
  return table.cells[c];
}

export type LoadResult =
  | { ok: true; table: RawTable }
  /** `code`: the diagnostic's code when it is not the usual scaling.bad-data-file. */
  | { ok: false; message: string; line?: number; code?: string };

/** Larger files are refused with a message rather than read into memory. */
export const MAX_FILE_BYTES = 512 * 1024 * 1024;

/**
 * Peak memory of loading and binding a CSV/TSV, by what the typed-column parse holds: the file's
 * bytes (once), per row its line number and the bound table's per-row arrays, per numeric cell its
 * 8-byte number, per text cell a string (in the parse worker, then on the main thread) and per text
 * character its bytes in both. Fitted to the server's peak RSS over its RSS before the load
 * (`node bench/loading.mjs 40|400 [--text|--short-text]`, round four, RELIABILITY.md row 2): 40 MB
 * and 400 MB numeric files, 40 MB files with long and with short text cells. Each constant is the
 * fit rounded up; every measured file's estimate is 19-35% over its peak (the 400 MB file's peak
 * varied by 11% between two runs).
 */
export const LOAD_MEMORY = {
  /**
   * Once per file of WORKER_PARSE_MIN_BYTES or more: the parse worker's isolate and the heaps' slack
   * (the intercept of the 40 MB and 400 MB numeric files, 96 MB).
   */
  overhead: 128 * 2 ** 20,
  perRow: 32,
  perNumericCell: 12,
  perTextCell: 130,
  perTextChar: 10,
};
/**
 * Before a text file is read, the least its load needs a byte of it: the bytes themselves (its
 * cells, read afterwards from a sample of its start, say the rest: delimitedMemory).
 */
export const MEMORY_PER_FILE_BYTE = 1;
/**
 * JSONL keeps every cell as a string (parseTable): the all-strings CSV parse's 14× (an 18 MB CSV
 * raised RSS by 255 MB; not re-measured for JSONL).
 */
export const MEMORY_PER_JSONL_BYTE = 14;
/**
 * Files from this size on are worth a worker thread: a host that can parses them in one (the node
 * host does), and their estimate counts its overhead. Smaller files parse faster than a worker starts.
 */
export const WORKER_PARSE_MIN_BYTES = 4 << 20;
/** How much of a delimited file's start is sampled to estimate its rows and cells. */
const MEMORY_SAMPLE_BYTES = 1 << 20;
/**
 * Peak memory of a Parquet cell decoded by hyparquet's generic reader (dates, timestamps, wide
 * decimals): its array of boxed numbers or BigInts, our copy of it and the Float64Array. Measured on
 * a 1M-row DuckDB file: a DOUBLE column raised peak RSS by 44 MB, four INT64/DOUBLE columns by 246 MB
 * (62 bytes a cell). A Parquet file's size says little (10.8 MB for 5M cells), so its estimate is
 * counted from its footer: rows × columns read, plus the file.
 */
export const MEMORY_PER_PARQUET_CELL = 64;
/**
 * The same for a cell the flat-column path reads (parquetFlat.ts): 8 bytes in a Float64Array or a
 * pointer to a string shared with the page's dictionary, plus one page's scratch. Measured on the 1M-row
 * curves file (5 columns, one of text): 149 MB peak RSS for the whole process, ~18 bytes a cell over
 * its idle RSS; rounded up.
 */
export const MEMORY_PER_FLAT_PARQUET_CELL = 24;
/** The default bound on that estimate; the editor's setting and the CLI's flag change it. */
export const DEFAULT_MAX_MEMORY_MB = 2048;

interface CacheEntry {
  mtimeMs: number;
  size: number;
  format: DataFormat;
  result: LoadResult;
  /** The load's estimated memory, what the cache's bound counts. */
  memory: number;
}

const gunzip = promisify(zlib.gunzip);

/** Whether a cached Parquet table holds every column of `wanted` its file has. */
function coversColumns(result: LoadResult, wanted: ReadonlySet<string> | undefined): boolean {
  if (!result.ok || !result.table.fileColumns) return true;
  const { columns, fileColumns } = result.table;
  if (fileColumns.length === columns.length) return true;
  if (!wanted) return false;
  const have = new Set(columns);
  return fileColumns.every((c) => !wanted.has(c) || have.has(c));
}

export interface LoaderOptions {
  /** Files whose estimated load needs more memory than this are refused (not read). */
  maxMemoryMB?: number;
}

/**
 * Loads data files through the host, cached by path, modification time and size. The cache holds at
 * most `maxMemoryMB` of estimated memory (least recently used first out), and `retainOnly` drops what
 * no open study uses.
 */
export class DataLoader {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<LoadResult>>();
  private maxMemoryMB: number;

  constructor(
    readonly host: DataHost,
    options: LoaderOptions = {},
  ) {
    this.maxMemoryMB = options.maxMemoryMB ?? DEFAULT_MAX_MEMORY_MB;
  }

  setMaxMemoryMB(mb: number): void {
    this.maxMemoryMB = mb;
    this.evictOver(mb * 2 ** 20);
  }

  /**
   * One file as a table. `wanted`: the names the study could mean by a column; a Parquet file decodes
   * only those of its columns (all when undefined). Text formats always read every column.
   */
  load(path: string, format: DataFormat, wanted?: ReadonlySet<string>): Promise<LoadResult> {
    // Analyses of several versions may ask at once: one read serves them all.
    const key = `${format}\0${path}${format === 'parquet' && wanted ? `\0${[...wanted].sort().join('\0')}` : ''}`;
    const running = this.inFlight.get(key);
    if (running) return running;
    const promise = this.loadUncached(path, format, wanted).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }

  /**
   * Several files (the matches of a glob) as one table with a `file` column naming each row's file
   * (relative to `base`). Every file needs the first one's columns; the first that differs is named.
   */
  async loadMany(
    files: readonly string[],
    base: string,
    format: DataFormat,
    wanted?: ReadonlySet<string>,
  ): Promise<LoadResult> {
    // Each file fits the bound on its own; together they must too: counted before any read from their
    // sizes, then, one file after the other, from each file's estimate once read.
    const before: number[] = [];
    for (const f of files) {
      try {
        before.push(memoryBeforeRead(f, format, (await this.host.stat(f)).size));
      } catch {
        before.push(0); // load() says what is wrong with that file.
      }
    }
    const bound = this.maxMemoryMB * 2 ** 20;
    const together = (needed: number): LoadResult => ({
      ok: false,
      message: `the ${files.length} files under '${base}' need about ${(needed / 2 ** 20).toFixed(0)} MB together, over the ${this.maxMemoryMB} MB bound for data: ${HOW_TO_PROCEED}`,
    });
    let needed = before.reduce((a, b) => a + b, 0);
    if (needed > bound) return together(needed);
    const tables: RawTable[] = [];
    for (const [i, f] of files.entries()) {
      const result = await this.load(f, format, wanted);
      if (!result.ok) return result;
      needed += (this.cache.get(f)?.memory ?? before[i]) - before[i];
      if (needed > bound) return together(needed);
      tables.push(result.table);
    }
    return joinTables(tables, base);
  }

  private async loadUncached(path: string, format: DataFormat, wanted?: ReadonlySet<string>): Promise<LoadResult> {
    let stat: FileStat;
    try {
      stat = await this.host.stat(path);
    } catch (e) {
      return { ok: false, message: describeHostError(e, path) };
    }
    if (!stat.isFile) return { ok: false, message: `'${path}' is not a file` };
    if (stat.size > MAX_FILE_BYTES) {
      return {
        ok: false,
        message: `'${path}' is ${(stat.size / 2 ** 20).toFixed(0)} MB; files over ${MAX_FILE_BYTES / 2 ** 20} MB are not loaded`,
      };
    }
    // Compressed formats (Parquet, .gz) are counted again once their bytes say how much they hold.
    const bound = this.maxMemoryMB * 2 ** 20;
    const needed = memoryBeforeRead(path, format, stat.size);
    if (needed > bound) return overBound(path, stat.size, needed, this.maxMemoryMB);
    const cached = this.cache.get(path);
    if (
      cached &&
      cached.mtimeMs === stat.mtimeMs &&
      cached.size === stat.size &&
      cached.format === format &&
      coversColumns(cached.result, wanted)
    ) {
      // Most recently used last: eviction takes from the front.
      this.cache.delete(path);
      this.cache.set(path, cached);
      return cached.result;
    }
    let bytes: Uint8Array;
    try {
      bytes = await this.host.read(path);
    } catch (e) {
      return { ok: false, message: describeHostError(e, path) };
    }
    const { result, memory, refused } = await decodeFile(path, bytes, format, wanted, this.maxMemoryMB, this.host);
    if (refused) return result; // a larger bound may load it: not cached
    if (result.ok) result.table.stat = { size: stat.size, mtimeMs: stat.mtimeMs };
    this.cache.delete(path);
    this.cache.set(path, { mtimeMs: stat.mtimeMs, size: stat.size, format, result, memory });
    this.evictOver(bound);
    return result;
  }

  /** Drops the least recently used files until the cache's estimated memory is within `bytes` (the newest stays). */
  private evictOver(bytes: number): void {
    let total = 0;
    for (const e of this.cache.values()) total += e.memory;
    for (const [path, e] of this.cache) {
      if (total <= bytes || this.cache.size <= 1) break;
      this.cache.delete(path);
      total -= e.memory;
    }
  }

  /** Forgets every cached file not in `paths` (the files and patterns the open studies name). */
  retainOnly(paths: ReadonlySet<string>): void {
    for (const path of [...this.cache.keys()]) {
      if (!paths.has(path) && ![...paths].some((p) => pathMatches(p, path))) this.cache.delete(path);
    }
  }

  /** A file's cached table in this format, without I/O (undefined when it is not cached). */
  cachedResult(path: string, format: DataFormat): LoadResult | undefined {
    const e = this.cache.get(path);
    return e && e.format === format ? e.result : undefined;
  }

  /** Whether a file is being read or parsed now. */
  isLoading(): boolean {
    return this.inFlight.size > 0;
  }

  /** The paths cached now (tests and the server's log). */
  cachedPaths(): string[] {
    return [...this.cache.keys()];
  }

  /** The header of a file already loaded, for completion (no I/O; empty when not loaded). */
  loadedColumns(path: string): string[] {
    const r = this.cache.get(path)?.result;
    return r?.ok ? (r.table.fileColumns ?? r.table.columns) : [];
  }

  invalidate(path?: string): void {
    if (path === undefined) this.cache.clear();
    else this.cache.delete(path);
  }
}

function describeHostError(e: unknown, path: string): string {
  const code = (e as HostError)?.code;
  if (code === 'ENOENT') return `file not found: '${path}'`;
  if (code === 'EACCES') return `no permission to read '${path}'`;
  if (code === 'ELOOP') return `'${path}' is a symbolic link loop`;
  if (code === 'EISDIR') return `'${path}' is a folder, not a file`;
  return `cannot read '${path}': ${(e as Error)?.message ?? String(e)}`;
}

const HOW_TO_PROCEED =
  'filter the file to the runs the study uses, or raise the bound (setting scalingStudio.data.maxMemoryMB, CLI --max-memory-mb)';

/** `unpacked`: what a .gz unpacked to, said instead of its packed size. */
function overBound(file: string, size: number, needed: number, boundMB: number, unpacked?: number): LoadResult {
  const what = unpacked === undefined ? 'is' : 'unpacks to';
  return {
    ok: false,
    message: `'${file}' ${what} ${((unpacked ?? size) / 2 ** 20).toFixed(0)} MB; loading it needs about ${(needed / 2 ** 20).toFixed(0)} MB, over the ${boundMB} MB bound for data: ${HOW_TO_PROCEED}`,
  };
}

const isGzip = (file: string) => /\.gz$/i.test(file);

/**
 * The memory a load needs, as far as the file's size tells before reading it: all of it for a text
 * file; a lower bound for compressed ones (the bytes themselves for Parquet, whose footer tells the
 * rest; text packed by gzip unpacks to at least its packed size).
 */
function memoryBeforeRead(file: string, format: DataFormat, size: number): number {
  return format === 'parquet' ? size : size * (format === 'jsonl' ? MEMORY_PER_JSONL_BYTE : MEMORY_PER_FILE_BYTE);
}

/**
 * The memory loading a CSV/TSV needs (LOAD_MEMORY), its rows and cells counted in the first
 * MEMORY_SAMPLE_BYTES and scaled to the whole file. A column counts as numeric only when every sampled
 * cell that is not missing is a number (a column that turns to text costs a string a cell); quotes
 * are not followed (an estimate: a quoted cell counts with its quotes, a quoted newline splits a row).
 */
export function delimitedMemory(bytes: Uint8Array, format: 'csv' | 'tsv'): number {
  const c = sampleCells(bytes, format);
  const scale = c.bytes > 0 ? bytes.length / c.bytes : 0;
  const m = LOAD_MEMORY;
  const perFile = c.rows * m.perRow + c.numeric * m.perNumericCell + c.text * m.perTextCell + c.chars * m.perTextChar;
  return (bytes.length >= WORKER_PARSE_MIN_BYTES ? m.overhead : 0) + bytes.length + scale * perFile;
}

/** Rows, numeric and text cells and text characters in the rows of a CSV/TSV's first MEMORY_SAMPLE_BYTES (`bytes`: their size). */
export function sampleCells(
  bytes: Uint8Array,
  format: 'csv' | 'tsv',
): { bytes: number; rows: number; numeric: number; text: number; chars: number } {
  const sample = new TextDecoder('utf-8').decode(bytes.subarray(0, MEMORY_SAMPLE_BYTES));
  const lines = sample.split('\n');
  if (bytes.length > MEMORY_SAMPLE_BYTES && lines.length > 1) lines.pop(); // cut mid-line
  const delimiter = format === 'tsv' ? '\t' : ',';
  const rows: string[][] = [];
  let header = true;
  let sampled = 0;
  for (const line of lines) {
    sampled += line.length + 1;
    if (line.trim() === '') continue;
    if (header) header = false;
    else rows.push(line.split(delimiter));
  }
  const isText: boolean[] = [];
  for (const cells of rows)
    for (let c = 0; c < cells.length; c++)
      if (!isText[c] && !isMissingCell(cells[c]) && Number.isNaN(parseNumber(cells[c]))) isText[c] = true;
  let numeric = 0;
  let text = 0;
  let chars = 0;
  for (const cells of rows)
    for (let c = 0; c < cells.length; c++) {
      if (!isText[c]) numeric++;
      else {
        text++;
        chars += cells[c].length;
      }
    }
  return { bytes: Math.min(sampled, bytes.length), rows: rows.length, numeric, text, chars };
}

/**
 * A file's bytes as a table: gunzipped first when its name ends in `.gz`, then parsed as its format.
 * `boundMB` is checked again against what the bytes say they hold (gzip's unpacked size, Parquet's
 * rows × columns); `memory` is the load's estimate.
 */
async function decodeFile(
  file: string,
  bytes: Uint8Array,
  format: DataFormat,
  wanted: ReadonlySet<string> | undefined,
  boundMB: number,
  host?: DataHost,
): Promise<{ result: LoadResult; memory: number; refused?: boolean }> {
  const bound = boundMB * 2 ** 20;
  const packed = bytes.length;
  let held = 0; // bytes kept while the unpacked ones are parsed
  if (isGzip(file)) {
    if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b)
      return { result: { ok: false, message: `'${path.basename(file)}' ends in .gz but is not gzip data` }, memory: 0 };
    // What the unpacked bytes may be, given the bound: zlib stops there, so a gzip bomb or a file
    // larger than the bound allows is refused having used no more than the bound. (The trailer's
    // size field is not trusted: a truncated file has garbage there.)
    const perByte = format === 'parquet' ? 1 : format === 'jsonl' ? MEMORY_PER_JSONL_BYTE : MEMORY_PER_FILE_BYTE;
    const cap = Math.max(1, Math.min(MAX_FILE_BYTES, Math.floor((bound - packed) / perByte)));
    try {
      // zlib works in its thread pool, off the main thread; the cap refuses a gzip bomb.
      bytes = await gunzip(bytes, { maxOutputLength: cap });
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        const why =
          cap < MAX_FILE_BYTES
            ? `it unpacks to over ${Number((cap / 2 ** 20).toPrecision(2))} MB, and loading that needs more than the ${boundMB} MB bound for data: ${HOW_TO_PROCEED}`
            : `it unpacks to over ${MAX_FILE_BYTES / 2 ** 20} MB; files over that are not loaded`;
        return { result: { ok: false, message: `'${path.basename(file)}': ${why}` }, memory: 0, refused: true };
      }
      const why = (e as Error).message;
      return {
        result: { ok: false, message: `'${path.basename(file)}': the gzip data is damaged or truncated (${why})` },
        memory: 0,
      };
    }
    held = packed;
  }
  if (format === 'parquet') {
    let memory = held + bytes.length;
    // Loaded on first use: its decompressors build their tables at load time, ~20 ms of every start.
    const { parseParquet } = await import('./parquet');
    const result = await parseParquet(file, bytes, wanted, (flatCells, genericCells) => {
      memory += flatCells * MEMORY_PER_FLAT_PARQUET_CELL + genericCells * MEMORY_PER_PARQUET_CELL;
      return memory > bound ? overBound(file, packed, memory, boundMB) : undefined;
    });
    return { result, memory };
  }
  if (format === 'jsonl') {
    const memory = held + bytes.length * MEMORY_PER_JSONL_BYTE;
    if (memory > bound) {
      const unpacked = held > 0 ? bytes.length : undefined;
      return { result: overBound(file, packed, memory, boundMB, unpacked), memory: 0, refused: true };
    }
    return { result: parseTable(file, new TextDecoder('utf-8').decode(bytes), format), memory };
  }
  // Counted before the parse (a host that parses in a worker detaches the bytes it is handed), and
  // refused before it when the file's text share makes it too much.
  const memory = held + delimitedMemory(bytes, format);
  if (memory > bound) {
    const unpacked = held > 0 ? bytes.length : undefined;
    return { result: overBound(file, packed, memory, boundMB, unpacked), memory: 0, refused: true };
  }
  const result = host?.parseDelimited
    ? await host.parseDelimited(file, bytes, format)
    : await parseDelimited(file, bytes, format);
  return { result, memory };
}

/** Stacks the tables of a glob's files, adding a `file` column (unless the files have their own). */
function joinTables(tables: RawTable[], base: string): LoadResult {
  const first = tables[0];
  const columns = first.columns;
  for (const t of tables.slice(1)) {
    const missing = columns.filter((c) => !t.columns.includes(c));
    const extra = t.columns.filter((c) => !columns.includes(c));
    if (missing.length > 0 || extra.length > 0) {
      return {
        ok: false,
        message: `'${path.basename(t.path)}' has ${missing.length > 0 ? `no column ${missing.map((c) => `'${c}'`).join(', ')}` : `column ${extra.map((c) => `'${c}'`).join(', ')} that '${path.basename(first.path)}' has not`}: every file a pattern matches needs the same columns`,
      };
    }
  }
  const rowCount = tables.reduce((n, t) => n + t.lines.length, 0);
  const numbers = columns.map((c) => {
    const parts = tables.map((t) => t.numbers?.[t.columns.indexOf(c)]);
    if (parts.some((p) => !p)) return undefined;
    const out = new Float64Array(rowCount);
    let o = 0;
    for (const p of parts as Float64Array[]) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  });
  const cells = columns.map((c, i) => (numbers[i] ? [] : tables.flatMap((t) => cellsOf(t, t.columns.indexOf(c)))));
  const rowFiles = tables.flatMap((t) => new Array<string>(t.lines.length).fill(t.path));
  const joined: RawTable = {
    path: base,
    columns: [...columns],
    cells,
    lines: tables.flatMap((t) => Array.from(t.lines)),
    numbers: numbers.some((n) => n) ? numbers : undefined,
    fileColumns: first.fileColumns,
    rowWord: first.rowWord,
    rowFiles,
    // A pattern's files together: their total size and the newest modification.
    stat: tables.every((t) => t.stat)
      ? {
          size: tables.reduce((n, t) => n + t.stat!.size, 0),
          mtimeMs: Math.max(...tables.map((t) => t.stat!.mtimeMs)),
        }
      : undefined,
  };
  if (!columns.includes('file')) {
    joined.columns.push('file');
    joined.cells.push(rowFiles.map((f) => path.relative(base, f).split(path.sep).join('/')));
    joined.numbers?.push(undefined);
    joined.fileColumns = joined.fileColumns && [...joined.fileColumns, 'file'];
  }
  return { ok: true, table: joined };
}

export function parseTable(path: string, text: string, format: DataFormat): LoadResult {
  if (text.includes('\uFFFD')) {
    const line = text.slice(0, text.indexOf('\uFFFD')).split('\n').length;
    return { ok: false, message: `'${path}' is not valid UTF-8 text (line ${line})`, line };
  }
  if (format === 'jsonl') return parseJsonl(path, text);
  try {
    const records: string[][] = parseCsv(text, {
      delimiter: format === 'tsv' ? '\t' : ',',
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: false,
    });
    if (records.length === 0) return { ok: false, message: `'${path}' is empty: expected a header line` };
    const columns = records[0].map((c) => c.trim());
    const cells: string[][] = columns.map(() => []);
    // csv-parse with `info` is slower; we recover line numbers from a cheap scan instead.
    const lines = recordLines(text, records.length);
    for (let r = 1; r < records.length; r++) {
      const rec = records[r];
      if (rec.length !== columns.length) {
        return {
          ok: false,
          message: `'${path}' line ${lines[r]}: ${rec.length} fields where the header has ${columns.length}`,
          line: lines[r],
        };
      }
      for (let c = 0; c < columns.length; c++) cells[c].push(rec[c]);
    }
    return { ok: true, table: { path, columns, cells, lines: lines.slice(1) } };
  } catch (e) {
    const err = e as { lines?: number; message: string };
    return { ok: false, message: `'${path}'${err.lines ? ` line ${err.lines}` : ''}: ${err.message}`, line: err.lines };
  }
}

/** How much text is parsed between two yields to the event loop (a few milliseconds of work). */
export const PARSE_CHUNK_BYTES = 1 << 20;

/**
 * A CSV or TSV file's bytes as a table, parsed a chunk of whole records at a time with a yield to the
 * event loop after each: a 400 MB file no longer blocks the server for the whole parse (issue 15.2),
 * and neither the whole text nor every record is held at once. Chunks end after a newline outside
 * quotes, found by one incremental scan (a quoted field spanning chunks is not rescanned).
 */
export async function parseDelimited(
  file: string,
  bytes: Uint8Array,
  format: DataFormat,
  chunkBytes = PARSE_CHUNK_BYTES,
): Promise<LoadResult> {
  const decoder = new TextDecoder('utf-8');
  const delimiter = format === 'tsv' ? '\t' : ',';
  let sink: ColumnSink | undefined;
  let pending = ''; // decoded text not parsed yet; it starts at a record's start
  let scanned = 0; // pending[0, scanned) has been scanned for quotes and newlines
  let inQuotes = false;
  let cut = 0; // just after the last newline outside quotes in pending[0, scanned)
  let newlinesBeforeCut = 0;
  let newlinesScanned = 0;
  let lineBase = 1; // the file's line at pending[0]
  for (let at = 0; at < bytes.length || pending.length > 0;) {
    const end = Math.min(bytes.length, at + chunkBytes);
    const last = end >= bytes.length;
    const piece = decoder.decode(bytes.subarray(at, end), { stream: !last });
    at = end;
    // Scan the new piece alone: it is a flat string, `pending` a concatenation (slow to index).
    for (let i = 0; i < piece.length; i++) {
      const c = piece.charCodeAt(i);
      if (c === 34) inQuotes = !inQuotes;
      else if (c === 10) {
        newlinesScanned++;
        if (!inQuotes) {
          cut = scanned + i + 1;
          newlinesBeforeCut = newlinesScanned;
        }
      }
    }
    pending += piece;
    scanned = pending.length;
    const upTo = last ? pending.length : cut;
    if (upTo === 0) continue;
    const chunk = pending.slice(0, upTo);
    const bad = chunk.indexOf('\uFFFD');
    if (bad >= 0) {
      const line = lineBase + chunk.slice(0, bad).split('\n').length - 1;
      return { ok: false, message: `'${file}' is not valid UTF-8 text (line ${line})`, line };
    }
    let failed: LoadResult | undefined;
    if (isSimpleChunk(chunk)) {
      // Quote-free text: fields are read in place, numbers straight into the columns (no record arrays).
      let from = 0;
      if (!sink) {
        const header = firstLine(chunk, delimiter);
        if (header) {
          sink = new ColumnSink(header.fields.map((c) => c.trim()));
          from = header.next;
        } else from = chunk.length;
      }
      if (sink) failed = sink.addSimple(file, chunk, from, delimiter, lineBase + lineCount(chunk, from));
    } else {
      const parsed = parseRecords(file, chunk, format, lineBase, sink === undefined);
      if (!parsed.ok) return parsed;
      for (let r = 0; r < parsed.records.length && !failed; r++) {
        const rec = parsed.records[r];
        if (!sink) sink = new ColumnSink(rec.map((c) => c.trim()));
        else if (!sink.add(rec, parsed.lines[r]))
          failed = fieldCountError(file, parsed.lines[r], rec.length, sink.columns.length);
      }
    }
    if (failed) return failed;
    if (last) break;
    pending = pending.slice(upTo);
    scanned -= upTo;
    newlinesScanned -= newlinesBeforeCut;
    lineBase += newlinesBeforeCut;
    cut = 0;
    newlinesBeforeCut = 0;
    await yieldToEventLoop();
  }
  if (sink === undefined) return { ok: false, message: `'${file}' is empty: expected a header line` };
  return { ok: true, table: sink.table(file) };
}

function fieldCountError(file: string, line: number, fields: number, columns: number): LoadResult {
  return { ok: false, message: `'${file}' line ${line}: ${fields} fields where the header has ${columns}`, line };
}

/**
 * The columns of a text file as they are read. A column whose first cell that is not missing is a
 * number is kept as numbers (a Float64Array grown by doubling, NaN for a missing cell), with no string
 * per cell; one whose first such cell is text keeps its strings. A numbers column that later meets a
 * cell that is neither number nor missing keeps that cell's text aside, and is written out as text at
 * the end (as every column was before): `where` and the diagnostics see the same table either way.
 */
class ColumnSink {
  private rows = 0;
  /** Each row's line, grown by doubling (a file under MAX_FILE_BYTES has fewer lines than 2^32). */
  private lines = new Uint32Array(64);
  /** Per column: numbers while the column is numeric (or undecided), undefined once it is text. */
  private readonly numbers: (Float64Array | undefined)[];
  /** Per column: the cells' text while undecided or text; undefined once it is numeric. */
  private readonly cells: (string[] | undefined)[];
  /** Per numeric column: the text of cells that are neither a number nor missing, by row. */
  private readonly bad: (Map<number, string> | undefined)[];

  constructor(readonly columns: string[]) {
    // Small to start: a file may have 200,000 columns (grown by doubling as rows come).
    this.numbers = columns.map(() => new Float64Array(8));
    this.cells = columns.map(() => []);
    this.bad = columns.map(() => undefined);
  }

  /**
   * Adds the lines of quote-free text from `from` (a line start, the file's line `line`), skipping empty
   * ones as csv-parse does; cells of numbers columns are read without a substring when they are plain decimals.
   */
  addSimple(file: string, text: string, from: number, delimiter: string, line: number): LoadResult | undefined {
    const width = this.columns.length;
    for (let start = from; start < text.length; line++) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const next = end + 1;
      if (end > start && text.charCodeAt(end - 1) === 13) end--;
      if (end > start) {
        let fields = 1;
        for (let d = text.indexOf(delimiter, start); d >= 0 && d < end; d = text.indexOf(delimiter, d + 1)) fields++;
        if (fields !== width) return fieldCountError(file, line, fields, width);
        const r = this.rows++;
        this.addLine(r, line);
        let cellStart = start;
        for (let c = 0; c < width; c++) {
          let cellEnd = c === width - 1 ? end : text.indexOf(delimiter, cellStart);
          if (cellEnd < 0 || cellEnd > end) cellEnd = end;
          const numbers = this.numbers[c];
          const v = numbers !== undefined && this.cells[c] === undefined ? plainDecimal(text, cellStart, cellEnd) : NaN;
          if (!Number.isNaN(v)) {
            if (r >= numbers!.length) this.grow(c);
            this.numbers[c]![r] = v;
          } else this.addCell(c, r, text.slice(cellStart, cellEnd));
          cellStart = cellEnd + 1;
        }
      }
      start = next;
    }
    return undefined;
  }

  private addLine(r: number, line: number): void {
    if (r >= this.lines.length) {
      const grown = new Uint32Array(this.lines.length * 2);
      grown.set(this.lines);
      this.lines = grown;
    }
    this.lines[r] = line;
  }

  private grow(c: number): void {
    const numbers = this.numbers[c]!;
    const grown = new Float64Array(numbers.length * 2);
    grown.set(numbers);
    this.numbers[c] = grown;
  }

  /** Adds a record (false when its field count is not the header's). */
  add(fields: readonly string[], line: number): boolean {
    if (fields.length !== this.columns.length) return false;
    const r = this.rows++;
    this.addLine(r, line);
    for (let c = 0; c < fields.length; c++) this.addCell(c, r, fields[c]);
    return true;
  }

  private addCell(c: number, r: number, cell: string): void {
    const cells = this.cells[c];
    let numbers = this.numbers[c];
    if (numbers === undefined) {
      cells!.push(cell);
      return;
    }
    const v = parseNumber(cell);
    const missing = Number.isNaN(v) && isMissingCell(cell);
    if (cells !== undefined) {
      // Undecided: only missing cells so far.
      if (Number.isNaN(v) && !missing) {
        cells.push(cell);
        this.numbers[c] = undefined; // text
        return;
      }
      if (!missing)
        this.cells[c] = undefined; // numeric from now on
      else cells.push(cell);
    } else if (Number.isNaN(v) && !missing) (this.bad[c] ??= new Map()).set(r, cell);
    if (r >= numbers.length) {
      this.grow(c);
      numbers = this.numbers[c]!;
    }
    numbers[r] = v;
  }

  table(file: string): RawTable {
    const numbers: (Float64Array | undefined)[] = [];
    const cells: string[][] = [];
    for (let c = 0; c < this.columns.length; c++) {
      const values = this.numbers[c]?.subarray(0, this.rows);
      const bad = this.bad[c];
      const text = this.cells[c];
      if (text !== undefined) {
        // Text, or never decided (every cell missing): as read.
        cells.push(text);
        numbers.push(undefined);
      } else if (bad) {
        cells.push(Array.from(values!, (v, r) => bad.get(r) ?? (Number.isNaN(v) ? '' : String(v))));
        numbers.push(undefined);
      } else {
        cells.push([]);
        numbers.push(values);
      }
    }
    return {
      path: file,
      columns: this.columns,
      cells,
      lines: this.lines.subarray(0, this.rows),
      ...(numbers.some((n) => n) ? { numbers } : {}),
    };
  }
}

/** Whether a chunk has no quotes and no lone carriage return (split at newlines and delimiters as csv-parse would). */
function isSimpleChunk(text: string): boolean {
  if (text.includes('"')) return false;
  for (let i = text.indexOf('\r'); i >= 0; i = text.indexOf('\r', i + 1)) if (text[i + 1] !== '\n') return false;
  return true;
}

/** The first non-empty line of quote-free text split at the delimiter, and where the next line starts. */
function firstLine(text: string, delimiter: string): { fields: string[]; next: number } | undefined {
  for (let start = 0; start < text.length;) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).replace(/\r$/, '');
    if (line !== '') return { fields: line.split(delimiter), next: end + 1 };
    start = end + 1;
  }
  return undefined;
}

/** The number of newlines in text[0, end). */
function lineCount(text: string, end: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * text[from, to) as a number when it is a plain decimal (`-12`, `3.25`, `1e9`) that the exact fast
 * path reads (at most 15 significant digits, a power of ten within 10^±22: one correctly rounded
 * operation on exact values, as Number() gives); NaN otherwise, and the caller reads the cell's text.
 */
function plainDecimal(text: string, from: number, to: number): number {
  let i = from;
  let negative = false;
  let c = text.charCodeAt(i);
  if (c === 45 || c === 43) {
    negative = c === 45;
    c = text.charCodeAt(++i);
  }
  let mantissa = 0;
  let digits = 0;
  let significant = 0;
  let scale = 0;
  while (i < to && c >= 48 && c <= 57) {
    mantissa = mantissa * 10 + (c - 48);
    if (mantissa > 0) significant++;
    digits++;
    c = text.charCodeAt(++i);
  }
  if (i < to && c === 46) {
    c = text.charCodeAt(++i);
    while (i < to && c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      if (mantissa > 0) significant++;
      digits++;
      scale--;
      c = text.charCodeAt(++i);
    }
  }
  if (digits === 0) return NaN;
  if (i < to && (c === 101 || c === 69)) {
    c = text.charCodeAt(++i);
    let sign = 1;
    if (c === 45 || c === 43) {
      sign = c === 45 ? -1 : 1;
      c = text.charCodeAt(++i);
    }
    let exponent = 0;
    let expDigits = 0;
    while (i < to && c >= 48 && c <= 57 && exponent < 1000) {
      exponent = exponent * 10 + (c - 48);
      expDigits++;
      c = text.charCodeAt(++i);
    }
    if (expDigits === 0) return NaN;
    scale += sign * exponent;
  }
  if (i !== to || significant > 15 || scale < -22 || scale > 22) return NaN;
  const v = scale < 0 ? mantissa / POW10[-scale] : mantissa * POW10[scale];
  return negative ? -v : v;
}

/** csv-parse on a run of whole records starting at the file's line `lineBase`; its line numbers made the file's. */
function parseRecords(
  file: string,
  text: string,
  format: DataFormat,
  lineBase: number,
  atFileStart: boolean,
): { ok: true; records: string[][]; lines: number[] } | { ok: false; message: string; line?: number } {
  try {
    const records: string[][] = parseCsv(text, {
      delimiter: format === 'tsv' ? '\t' : ',',
      bom: atFileStart,
      skip_empty_lines: true,
      relax_column_count: true,
      info: false,
    });
    const lines = recordLines(text, records.length).map((l) => l + lineBase - 1);
    return { ok: true, records, lines };
  } catch (e) {
    const err = e as { lines?: number; message: string };
    const line = err.lines === undefined ? undefined : err.lines + lineBase - 1;
    // csv-parse names the line inside this chunk: say the file's.
    const message = err.message.replace(/\bline (\d+)/g, (_, n: string) => `line ${Number(n) + lineBase - 1}`);
    return { ok: false, message: `'${file}'${line ? ` line ${line}` : ''}: ${message}`, line };
  }
}

/** 1-based start line of each record, assuming no quoted newlines (exact in the common case). */
function recordLines(text: string, count: number): number[] {
  const lines: number[] = [];
  let line = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let inQuotes = false;
  let atRecordStart = true;
  for (; i < text.length && lines.length < count; i++) {
    const c = text[i];
    if (atRecordStart && c !== '\n' && c !== '\r') {
      lines.push(line);
      atRecordStart = false;
    }
    if (c === '"') inQuotes = !inQuotes;
    if (c === '\n') {
      line++;
      if (!inQuotes) {
        atRecordStart = true;
      }
    }
  }
  while (lines.length < count) lines.push(line);
  return lines;
}

function parseJsonl(path: string, text: string): LoadResult {
  const columns: string[] = [];
  const index = new Map<string, number>();
  const rows: { values: Map<number, string>; line: number }[] = [];
  const all = text.split(/\r?\n/);
  for (let i = 0; i < all.length; i++) {
    const line = all[i].trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(i === 0 ? line.replace(/^\uFEFF/, '') : line);
    } catch (e) {
      return { ok: false, message: `'${path}' line ${i + 1}: not valid JSON (${(e as Error).message})`, line: i + 1 };
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { ok: false, message: `'${path}' line ${i + 1}: expected a JSON object per line`, line: i + 1 };
    }
    const values = new Map<number, string>();
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      let c = index.get(k);
      if (c === undefined) {
        c = columns.length;
        columns.push(k);
        index.set(k, c);
      }
      values.set(
        c,
        v === null
          ? ''
          : typeof v === 'string'
            ? v
            : typeof v === 'number' || typeof v === 'boolean'
              ? String(v)
              : JSON.stringify(v),
      );
    }
    rows.push({ values, line: i + 1 });
  }
  if (rows.length === 0 && columns.length === 0)
    return { ok: false, message: `'${path}' is empty: expected one JSON object per line` };
  const cells = columns.map((_, c) => rows.map((r) => r.values.get(c) ?? ''));
  return { ok: true, table: { path, columns, cells, lines: rows.map((r) => r.line) } };
}

/**
 * Whether s[0, end) is a plain decimal number: [-+] digits [. digits] [e [-+] digits], with a digit
 * before or after the point. One pass: a regex for this backtracked quadratically on a long run of
 * digits (issue 15: a 200k-digit cell took 12 s).
 */
function isDecimal(s: string, end: number): boolean {
  let i = 0;
  const digitsFrom = (from: number): number => {
    let j = from;
    while (j < end && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
    return j;
  };
  if (s[i] === '-' || s[i] === '+') i++;
  let j = digitsFrom(i);
  let digits = j - i;
  if (s[j] === '.' && j < end) {
    const k = digitsFrom(j + 1);
    digits += k - j - 1;
    j = k;
  }
  if (digits === 0) return false;
  if (j < end && (s[j] === 'e' || s[j] === 'E')) {
    let k = j + 1;
    if (k < end && (s[k] === '-' || s[k] === '+')) k++;
    const e = digitsFrom(k);
    if (e === k) return false;
    j = e;
  }
  return j === end;
}

/** Parses a cell as a number; accepts the language's SI suffixes too (`70B`). NaN when it is not one. */
export function parseNumber(cell: string): number {
  const s = cell.trim();
  if (s === '') return NaN;
  const n = Number(s);
  if (!Number.isNaN(n)) return n;
  const scale = SI_SUFFIX[s[s.length - 1]];
  if (scale !== undefined && isDecimal(s, s.length - 1)) return Number(s.slice(0, -1)) * scale;
  const lower = s.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower === 'inf' || lower === 'infinity' || lower === '+inf') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  return NaN;
}
