// Reads CSV, TSV and JSONL files (through the caller's DataHost) into text columns, cached by path,
// modification time and size.
// csv-parse does the quoting rules (RFC 4180, quoted newlines, BOM) so we don't hand-roll them.
import { parse as parseCsv } from 'csv-parse/sync';
import type { DataFormat } from '../syntax/ast';
import type { DataHost, FileStat, HostError } from './host';
import { SI_SUFFIX } from '../syntax/lexer';

export interface RawTable {
  path: string;
  columns: string[];
  /** cells[c][r]: the text of column c in row r (JSONL numbers are kept as their JSON text). */
  cells: string[][];
  /** 1-based line in the file where each row starts. */
  lines: number[];
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

export type LoadResult = { ok: true; table: RawTable } | { ok: false; message: string; line?: number };

/** Larger files are refused with a message rather than read into memory. */
export const MAX_FILE_BYTES = 512 * 1024 * 1024;

/**
 * Peak memory of loading a file, per byte of it: csv-parse's records, the text cells and the numeric
 * columns together. Measured: an 18 MB CSV of 500,000 rows raised RSS by 255 MB (14×); the issue's
 * 400 MB CSV reached 4.9 GB (12×).
 */
export const MEMORY_PER_FILE_BYTE = 14;
/** The default bound on that estimate; the editor's setting and the CLI's flag change it. */
export const DEFAULT_MAX_MEMORY_MB = 2048;

interface CacheEntry {
  mtimeMs: number;
  size: number;
  format: DataFormat;
  result: LoadResult;
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

  load(path: string, format: DataFormat): Promise<LoadResult> {
    // Analyses of several versions may ask at once: one read serves them all.
    const key = `${format}\0${path}`;
    const running = this.inFlight.get(key);
    if (running) return running;
    const promise = this.loadUncached(path, format).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }

  private async loadUncached(path: string, format: DataFormat): Promise<LoadResult> {
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
    const needed = stat.size * MEMORY_PER_FILE_BYTE;
    if (needed > this.maxMemoryMB * 2 ** 20) {
      return {
        ok: false,
        message: `'${path}' is ${(stat.size / 2 ** 20).toFixed(0)} MB; loading it needs about ${(needed / 2 ** 20).toFixed(0)} MB, over the ${this.maxMemoryMB} MB bound for data: filter the file to the runs the study uses, or raise the bound (setting scalingStudio.data.maxMemoryMB, CLI --max-memory-mb)`,
      };
    }
    const cached = this.cache.get(path);
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size && cached.format === format) {
      // Most recently used last: eviction takes from the front.
      this.cache.delete(path);
      this.cache.set(path, cached);
      return cached.result;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8').decode(await this.host.read(path));
    } catch (e) {
      return { ok: false, message: describeHostError(e, path) };
    }
    const result = parseTable(path, text, format);
    this.cache.delete(path);
    this.cache.set(path, { mtimeMs: stat.mtimeMs, size: stat.size, format, result });
    this.evictOver(this.maxMemoryMB * 2 ** 20);
    return result;
  }

  /** Drops the least recently used files until the cache's estimated memory is within `bytes` (the newest stays). */
  private evictOver(bytes: number): void {
    let total = 0;
    for (const e of this.cache.values()) total += e.size * MEMORY_PER_FILE_BYTE;
    for (const [path, e] of this.cache) {
      if (total <= bytes || this.cache.size <= 1) break;
      this.cache.delete(path);
      total -= e.size * MEMORY_PER_FILE_BYTE;
    }
  }

  /** Forgets every cached file not in `paths` (the files the open studies name). */
  retainOnly(paths: ReadonlySet<string>): void {
    for (const path of [...this.cache.keys()]) if (!paths.has(path)) this.cache.delete(path);
  }

  /** The paths cached now (tests and the server's log). */
  cachedPaths(): string[] {
    return [...this.cache.keys()];
  }

  /** The header of a file already loaded, for completion (no I/O; empty when not loaded). */
  loadedColumns(path: string): string[] {
    const r = this.cache.get(path)?.result;
    return r?.ok ? r.table.columns : [];
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
