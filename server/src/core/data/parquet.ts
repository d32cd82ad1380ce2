// Reads a Parquet file (bytes from the host) into a RawTable with hyparquet, a pure-JavaScript reader,
// and its compressors (snappy, gzip, zstd, brotli, lz4), so the extension stays platform-independent.
// Only the columns the study names are decoded; numbers stay numbers (no round trip through text).
import { parquetMetadata, parquetRead, parquetSchema, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { LoadResult, RawTable } from './loader';
import { flatReading, NotFlat, readFlatColumn, type FlatColumn } from './parquetFlat';

/**
 * `wanted`: the column names the study could mean (every name and string it holds); undefined reads
 * every column. Columns of the file not in it are listed in `fileColumns` but not decoded.
 */
export async function parseParquet(
  path: string,
  bytes: Uint8Array,
  wanted: ReadonlySet<string> | undefined,
  /**
   * Asked, once the footer is read, whether decoding this many cells fits (those the flat-column
   * path reads, and those left to hyparquet's generic reader, which hold far more); an answer refuses.
   */
  refuse?: (flatCells: number, genericCells: number) => LoadResult | undefined,
  /** The fast path (tests replace it to check the generic path reads the same). */
  readFlat: typeof readFlatColumn = readFlatColumn,
): Promise<LoadResult> {
  // hyparquet reads from an ArrayBuffer-like; copy only when the view does not span its buffer.
  const buffer =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? (bytes.buffer as ArrayBuffer)
      : (Uint8Array.from(bytes).buffer as ArrayBuffer);
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(buffer);
  } catch (e) {
    return { ok: false, message: `'${path}' is not a readable Parquet file (${(e as Error).message})` };
  }
  const top = parquetSchema(metadata).children;
  const fileColumns = top.map((c) => c.element.name);
  const read = wanted ? top.filter((c) => wanted.has(c.element.name)) : top;
  const nested = read.find((c) => c.children.length > 0 || c.element.repetition_type === 'REPEATED');
  if (nested) {
    return {
      ok: false,
      message: `'${path}': column '${nested.element.name}' is a nested or list column; a study reads flat columns of numbers or text (flatten it, e.g. with DuckDB's UNNEST, first)`,
    };
  }
  const rowCount = Number(metadata.num_rows);
  const columns = read.map((c) => c.element.name);
  const flatColumns = read.filter((c) => flatReading(c)).length;
  const refused = refuse?.(rowCount * flatColumns, rowCount * (columns.length - flatColumns));
  if (refused) return refused;
  const cells: string[][] = columns.map(() => []);
  const numbers: (Float64Array | undefined)[] = columns.map(() => undefined);
  // The fast path first, column by column; what it does not read goes through hyparquet's generic reader.
  const generic: number[] = [];
  for (const [c, column] of read.entries()) {
    let fast: FlatColumn | undefined;
    try {
      if (flatReading(column)) fast = await readFlat(buffer, metadata, column, compressors);
    } catch (e) {
      if (!(e instanceof NotFlat)) return damaged(path, e);
    }
    if (!fast) generic.push(c);
    else if (fast.numbers) numbers[c] = fast.numbers;
    else cells[c] = fast.cells;
  }
  if (generic.length > 0) {
    const values: unknown[][] = generic.map(() => new Array<unknown>(rowCount));
    const index = new Map(generic.map((c, i) => [columns[c], i]));
    try {
      await parquetRead({
        file: buffer,
        metadata,
        columns: generic.map((c) => columns[c]),
        compressors,
        onChunk: ({ columnName, columnData, rowStart }) => {
          const out = values[index.get(columnName)!];
          for (let i = 0; i < columnData.length; i++) out[rowStart + i] = columnData[i];
        },
      });
    } catch (e) {
      return damaged(path, e);
    }
    for (const [i, c] of generic.entries()) {
      const converted = convertColumn(values[i]);
      if (typeof converted === 'string') {
        return { ok: false, message: `'${path}': column '${columns[c]}' ${converted}` };
      }
      cells[c] = converted.cells;
      numbers[c] = converted.numbers;
    }
  }
  // Sized first, then filled: pushing a million numbers takes four times as long in a cold process.
  const lines = new Array<number>(rowCount);
  for (let r = 0; r < rowCount; r++) lines[r] = r + 1;
  const table: RawTable = { path, columns, cells, lines, numbers, fileColumns, rowWord: 'row' };
  return { ok: true, table };
}

function damaged(path: string, e: unknown): LoadResult {
  return { ok: false, message: `'${path}' is a damaged or truncated Parquet file (${(e as Error).message})` };
}

/**
 * Numbers (INT64 as BigInt, DECIMAL, BOOLEAN as 0/1) become a Float64Array, NaN for a null (their
 * text is written only when asked for); a column with any string becomes text, a null an empty cell.
 * A string answer says what is wrong.
 */
function convertColumn(column: unknown[]): { cells: string[]; numbers: Float64Array | undefined } | string {
  const n = column.length;
  const numbers = new Float64Array(n);
  let numeric = true;
  for (let r = 0; r < n; r++) {
    const v = column[r];
    if (typeof v === 'number') numbers[r] = v;
    else if (typeof v === 'bigint') numbers[r] = Number(v);
    else if (typeof v === 'boolean') numbers[r] = v ? 1 : 0;
    else if (v === null || v === undefined) numbers[r] = NaN;
    else if (typeof v === 'string' || v instanceof Date) numeric = false;
    else return `holds ${Array.isArray(v) ? 'lists' : 'values of an unsupported type'}, not numbers or text`;
  }
  if (numeric) return { cells: [], numbers };
  const cells = new Array<string>(n);
  for (let r = 0; r < n; r++) {
    const v = column[r];
    cells[r] = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v);
  }
  return { cells, numbers: undefined };
}
