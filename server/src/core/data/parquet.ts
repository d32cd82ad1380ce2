// Reads a Parquet file (bytes from the host) into a RawTable with hyparquet, a pure-JavaScript reader,
// and its compressors (snappy, gzip, zstd, brotli, lz4), so the extension stays platform-independent.
// Only the columns the study names are decoded; numbers stay numbers (no round trip through text).
import { parquetMetadata, parquetRead, parquetSchema, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { LoadResult, RawTable } from './loader';

/**
 * `wanted`: the column names the study could mean (every name and string it holds); undefined reads
 * every column. Columns of the file not in it are listed in `fileColumns` but not decoded.
 */
export async function parseParquet(
  path: string,
  bytes: Uint8Array,
  wanted: ReadonlySet<string> | undefined,
  /** Asked, once the footer is read, whether decoding this many cells fits; an answer refuses. */
  refuse?: (cells: number) => LoadResult | undefined,
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
  const refused = refuse?.(rowCount * columns.length);
  if (refused) return refused;
  const values: unknown[][] = columns.map(() => new Array<unknown>(rowCount));
  const index = new Map(columns.map((c, i) => [c, i]));
  try {
    if (columns.length > 0) {
      await parquetRead({
        file: buffer,
        metadata,
        columns,
        compressors,
        onChunk: ({ columnName, columnData, rowStart }) => {
          const out = values[index.get(columnName)!];
          for (let i = 0; i < columnData.length; i++) out[rowStart + i] = columnData[i];
        },
      });
    }
  } catch (e) {
    return { ok: false, message: `'${path}' is a damaged or truncated Parquet file (${(e as Error).message})` };
  }
  const cells: string[][] = [];
  const numbers: (Float64Array | undefined)[] = [];
  for (const [c, column] of values.entries()) {
    const converted = convertColumn(column);
    if (typeof converted === 'string') {
      return { ok: false, message: `'${path}': column '${columns[c]}' ${converted}` };
    }
    cells.push(converted.cells);
    numbers.push(converted.numbers);
  }
  const lines = Array.from({ length: rowCount }, (_, r) => r + 1);
  const table: RawTable = { path, columns, cells, lines, numbers, fileColumns, rowWord: 'row' };
  return { ok: true, table };
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
