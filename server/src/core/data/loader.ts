// Reads CSV, TSV, JSONL and Parquet files (through the caller's DataHost) into columns, cached by path,
// modification time and size; `.gz` on any of them is decompressed first.
// csv-parse does the quoting rules (RFC 4180, quoted newlines, BOM) so we don't hand-roll them.
import { parse as parseCsv } from 'csv-parse/sync';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { DataFormat } from '../syntax/ast';
import type { DataHost, FileStat, HostError } from './host';
import { parseParquet } from './parquet';

export interface RawTable {
  path: string;
  columns: string[];
  /** cells[c][r]: the text of column c in row r (JSONL numbers are kept as their JSON text). */
  cells: string[][];
  /** 1-based line in the file where each row starts (Parquet: the row's number). */
  lines: number[];
  /**
   * Columns already read as numbers (Parquet), parallel to `columns`; NaN where a cell is empty (null).
   * Their `cells` are written out only when asked for (cellsOf): 1M strings cost more than the numbers.
   */
  numbers?: (Float64Array | undefined)[];
  /** Every column of the file, when only some were read (Parquet decodes the ones the study names). */
  fileColumns?: string[];
  /** What `lines` counts: lines of text, or rows of a Parquet file. */
  rowWord?: 'line' | 'row';
  /** The file each row came from, when the table joins several (a glob). */
  rowFiles?: string[];
}

/** A column read as numbers; `badRow` is the first row that is not a number (a literal NaN is allowed). */
export interface NumericColumn {
  values: Float64Array;
  badRow: number | undefined;
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
    // Already numbers: an empty cell (a null, NaN here) is the one thing that is not, as in a CSV.
    const empty = read.findIndex(Number.isNaN);
    const result = { values: read, badRow: empty < 0 ? undefined : empty };
    perTable.set(column, result);
    return result;
  }
  const cells = table.cells[column];
  const values = new Float64Array(cells.length);
  let badRow: number | undefined;
  for (let r = 0; r < cells.length; r++) {
    const v = parseNumber(cells[r]);
    if (Number.isNaN(v) && badRow === undefined && !/^\s*nan\s*$/i.test(cells[r])) badRow = r;
    values[r] = v;
  }
  const result = { values, badRow };
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

interface CacheEntry {
  mtimeMs: number;
  size: number;
  format: DataFormat;
  result: LoadResult;
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

/** Loads data files through the host, cached by path, modification time and size. */
export class DataLoader {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<LoadResult>>();

  constructor(readonly host: DataHost) {}

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
    const results = await Promise.all(files.map((f) => this.load(f, format, wanted)));
    const failed = results.find((r) => !r.ok);
    if (failed) return failed;
    const tables = results.map((r) => (r as { table: RawTable }).table);
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
    const cached = this.cache.get(path);
    if (
      cached &&
      cached.mtimeMs === stat.mtimeMs &&
      cached.size === stat.size &&
      cached.format === format &&
      coversColumns(cached.result, wanted)
    )
      return cached.result;
    let bytes: Uint8Array;
    try {
      bytes = await this.host.read(path);
    } catch (e) {
      return { ok: false, message: describeHostError(e, path) };
    }
    const result = await decodeFile(path, bytes, format, wanted);
    this.cache.set(path, { mtimeMs: stat.mtimeMs, size: stat.size, format, result });
    return result;
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

/** A file's bytes as a table: gunzipped first when its name ends in `.gz`, then parsed as its format. */
export async function decodeFile(
  file: string,
  bytes: Uint8Array,
  format: DataFormat,
  wanted?: ReadonlySet<string>,
): Promise<LoadResult> {
  if (/\.gz$/i.test(file)) {
    if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b)
      return { ok: false, message: `'${path.basename(file)}' ends in .gz but is not gzip data` };
    try {
      // zlib works in its thread pool, off the main thread; the cap refuses a gzip bomb.
      bytes = await gunzip(bytes, { maxOutputLength: MAX_FILE_BYTES });
    } catch (e) {
      const why =
        (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE'
          ? `over ${MAX_FILE_BYTES / 2 ** 20} MB unpacked`
          : (e as Error).message;
      return { ok: false, message: `'${path.basename(file)}': the gzip data is damaged or truncated (${why})` };
    }
  }
  if (format === 'parquet') return parseParquet(file, bytes, wanted);
  return parseTable(file, new TextDecoder('utf-8').decode(bytes), format);
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
    lines: tables.flatMap((t) => t.lines),
    numbers: numbers.some((n) => n) ? numbers : undefined,
    fileColumns: first.fileColumns,
    rowWord: first.rowWord,
    rowFiles,
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

/** Parses a cell as a number; accepts the language's SI suffixes too (`70B`). NaN when it is not one. */
export function parseNumber(cell: string): number {
  const s = cell.trim();
  if (s === '') return NaN;
  const n = Number(s);
  if (!Number.isNaN(n)) return n;
  const m = /^([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)([KMBGT])$/.exec(s);
  if (m) return Number(m[1]) * { K: 1e3, M: 1e6, B: 1e9, G: 1e9, T: 1e12 }[m[2] as 'K'];
  const lower = s.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower === 'inf' || lower === 'infinity' || lower === '+inf') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  return NaN;
}
