// The fast path of the Parquet reader: a flat column (not nested, at most one definition level: what
// DuckDB, pandas and pyarrow write for a table, every column OPTIONAL) read page by page straight into
// a Float64Array (NaN for a null) or an array of strings ('' for a null). hyparquet's generic reader
// assembles each value of an OPTIONAL column through its Dremel path into arrays of boxed numbers and
// BigInts: 3 s and 400 MB for a million rows of five columns. The page header, decompression and the
// value encodings are hyparquet's own exported modules; only the walk over pages and the scatter of
// values by definition level are ours. Anything else (nested columns, dates, wide decimals, other
// encodings) throws NotFlat, and the caller reads that column through hyparquet's generic path.
import type {
  ColumnMetaData,
  Compressors,
  FileMetaData,
  PageHeader,
  ParquetType,
  SchemaElement,
  SchemaTree,
} from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { decompressPage } from 'hyparquet/src/datapage.js';
import { deltaBinaryUnpack, deltaByteArray, deltaLengthByteArray } from 'hyparquet/src/delta.js';
import { byteStreamSplit } from 'hyparquet/src/encoding.js';
import { readPlain } from 'hyparquet/src/plain.js';
import { readHybrid, type ByteReader } from './rleHybrid';
import { yieldToEventLoop } from './yieldToEventLoop';

/**
 * What the fast path does not read (a page type or encoding): the caller reads the column through
 * hyparquet's generic path instead. Any other error is damage, reported as such: retrying a damaged
 * page through the generic path can hang it.
 */
export class NotFlat extends Error {}

/** A column read by the fast path: numbers (NaN for a null) or text ('' for a null). */
export type FlatColumn = { numbers: Float64Array; cells?: undefined } | { cells: string[]; numbers?: undefined };

/** How a column's stored values become ours. */
interface Reading {
  type: ParquetType;
  text: boolean;
  unsigned: boolean;
  /** DECIMAL: the stored integer is divided by 10^scale, as hyparquet does (dividing is exact where multiplying by 10^-scale is not). */
  divisor: number;
  /** The column is OPTIONAL: each page starts with its definition levels (bit width 1). */
  optional: boolean;
}

// Integer annotations that leave the value a plain number (hyparquet returns it as stored).
const PLAIN_INTEGERS = new Set(['INT_8', 'INT_16', 'INT_32', 'INT_64', 'UINT_8', 'UINT_16', 'UINT_32', 'UINT_64']);

/** What the fast path makes of a top-level column of the schema, or undefined when it leaves it to hyparquet. */
export function flatReading(column: SchemaTree): Reading | undefined {
  const e: SchemaElement = column.element;
  if (column.children.length > 0 || e.repetition_type === 'REPEATED' || !e.type) return undefined;
  const optional = e.repetition_type === 'OPTIONAL';
  const ctype = e.converted_type;
  const ltype = e.logical_type?.type;
  const base = { type: e.type, optional, unsigned: false, divisor: 1, text: false };
  if (e.type === 'BYTE_ARRAY') {
    // Text: annotated UTF8/STRING, or none (hyparquet decodes an unannotated BYTE_ARRAY as UTF-8 too).
    const text = (ctype === undefined || ctype === 'UTF8') && (ltype === undefined || ltype === 'STRING');
    return text ? { ...base, text: true } : undefined;
  }
  if (e.type === 'DOUBLE' || e.type === 'FLOAT' || e.type === 'BOOLEAN') {
    return ctype === undefined && ltype === undefined ? base : undefined;
  }
  if (e.type === 'INT32' || e.type === 'INT64') {
    if (ctype === 'DECIMAL') return { ...base, divisor: 10 ** (e.scale ?? 0) };
    if (ctype !== undefined && !PLAIN_INTEGERS.has(ctype)) return undefined; // dates, times, timestamps
    if (ltype !== undefined && ltype !== 'INTEGER') return undefined;
    const unsigned =
      ctype?.startsWith('UINT') === true || (e.logical_type?.type === 'INTEGER' && !e.logical_type.isSigned);
    return { ...base, unsigned };
  }
  return undefined; // INT96 timestamps, FIXED_LEN_BYTE_ARRAY (wide decimals, UUIDs, float16)
}

/**
 * Reads a top-level column of every row group, letting the event loop run after each (a row group of
 * DuckDB's is 122,880 rows: ~10 ms). Throws when the column or one of its pages is not one the fast
 * path reads, or the bytes are damaged.
 */
export async function readFlatColumn(
  buffer: ArrayBuffer,
  metadata: FileMetaData,
  column: SchemaTree,
  compressors: Compressors,
): Promise<FlatColumn> {
  const reading = flatReading(column);
  if (!reading) throw new NotFlat(`column '${column.element.name}' is not a flat column of numbers or text`);
  const rows = Number(metadata.num_rows);
  const out: Float64Array | string[] = reading.text ? new Array<string>(rows) : new Float64Array(rows);
  let rowStart = 0;
  const scratch: Scratch = { numbers: new Float64Array(0), keys: new Uint32Array(0), levels: new Uint8Array(0) };
  // One row group at a time, one page at a time: only the page being decoded is held decompressed.
  for (const group of metadata.row_groups) {
    const name = column.element.name;
    const meta = group.columns.find((c) => isTopLevel(c.meta_data?.path_in_schema, name))?.meta_data;
    if (!meta || meta.type !== reading.type)
      throw new NotFlat(`a row group has no column '${name}' of ${reading.type}`);
    const groupRows = Number(group.num_rows);
    if (rowStart + groupRows > rows) throw new Error('row groups hold more rows than the file says');
    readChunk(buffer, meta, reading, compressors, scratch, out, rowStart, groupRows);
    rowStart += groupRows;
    await yieldToEventLoop();
  }
  if (rowStart !== rows) throw new Error(`row groups hold ${rowStart} rows, the file says ${rows}`);
  return reading.text ? { cells: out as string[] } : { numbers: out as Float64Array };
}

/**
 * A page's levels, keys and numbers, reused from page to page: a fresh megabyte per page of a million
 * rows costs more in garbage collection than the decoding.
 */
interface Scratch {
  numbers: Float64Array;
  keys: Uint32Array;
  levels: Uint8Array;
}

function ensure(scratch: Scratch, count: number): void {
  if (scratch.numbers.length >= count) return;
  scratch.numbers = new Float64Array(count);
  scratch.keys = new Uint32Array(count);
  scratch.levels = new Uint8Array(count);
}

function isTopLevel(path: string[] | undefined, name: string): boolean {
  return path?.length === 1 && path[0] === name;
}

/** One column chunk (a column of one row group) into out[rowStart, rowStart + rows). */
function readChunk(
  buffer: ArrayBuffer,
  meta: ColumnMetaData,
  reading: Reading,
  compressors: Compressors,
  scratch: Scratch,
  out: Float64Array | string[],
  rowStart: number,
  rows: number,
): void {
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  const length = Number(meta.total_compressed_size);
  if (!(start >= 0 && length >= 0 && start + length <= buffer.byteLength)) {
    throw new Error(`column chunk at ${start} (+${length}) is outside the file`);
  }
  const reader = { view: new DataView(buffer, start, length), offset: 0 };
  let dictionary: Float64Array | string[] | undefined;
  let done = 0;
  while (done < rows) {
    if (reader.offset >= length) throw new Error(`column chunk ends after ${done} of ${rows} rows`);
    const header = parquetHeader(reader);
    const size = header.compressed_page_size;
    if (!(size >= 0 && reader.offset + size <= length)) throw new Error('page runs past its column chunk');
    const compressed = new Uint8Array(buffer, start + reader.offset, size);
    reader.offset += size;
    if (header.type === 'DICTIONARY_PAGE') {
      const count = header.dictionary_page_header?.num_values ?? 0;
      const page = decompressPage(compressed, header.uncompressed_page_size, meta.codec, compressors);
      const pageReader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
      dictionary = reading.text
        ? decodeText(readPlain(pageReader, reading.type, count, undefined))
        : plainNumbers(pageReader, reading, count, new Float64Array(count));
    } else if (header.type === 'DATA_PAGE' || header.type === 'DATA_PAGE_V2') {
      const page = dataPage(header, compressed, meta, reading, compressors, scratch);
      if (done + page.count > rows) throw new Error('data page holds more rows than its row group');
      // Numbers of a page without nulls are decoded straight into their rows.
      const at = rowStart + done;
      const into =
        out instanceof Float64Array && page.present === page.count
          ? out.subarray(at, at + page.count)
          : scratch.numbers;
      const values = readValues(page.reader, page.encoding, reading, page.present, dictionary, scratch.keys, into);
      const inPlace = into !== scratch.numbers && values instanceof Float64Array && values.buffer === into.buffer;
      if (!inPlace) scatter(values, page.defined, out, at, page.count);
      done += page.count;
    } else {
      throw new NotFlat(`page type ${header.type} is not read by the fast path`); // index pages
    }
  }
}

interface DataPage {
  count: number;
  /** Each row's definition level (1 present, 0 null), for an OPTIONAL column. */
  defined: Uint8Array | undefined;
  present: number;
  encoding: string;
  /** At the page's first value. */
  reader: ByteReader;
}

/**
 * A data page's levels, decompressed. Version 1 compresses levels and values together, the levels
 * prefixed by their length; version 2 stores the levels uncompressed before the values, their length
 * in the header.
 */
function dataPage(
  header: PageHeader,
  compressed: Uint8Array,
  meta: ColumnMetaData,
  reading: Reading,
  compressors: Compressors,
  scratch: Scratch,
): DataPage {
  const v1 = header.data_page_header;
  const v2 = header.data_page_header_v2;
  const count = (v1 ?? v2)?.num_values;
  if (count === undefined || !(count >= 0)) throw new Error('data page without its header');
  ensure(scratch, count);
  const defined = reading.optional ? scratch.levels.subarray(0, count) : undefined;
  let reader: ByteReader;
  if (v1) {
    const page = decompressPage(compressed, header.uncompressed_page_size, meta.codec, compressors);
    reader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
    if (defined && v1.definition_level_encoding !== 'RLE') throw new NotFlat('definition levels not RLE');
    if (defined) readHybrid(reader, 1, defined);
  } else {
    const { repetition_levels_byte_length: repeated, definition_levels_byte_length: levels } = v2!;
    if (repeated !== 0 || (!defined && levels !== 0)) throw new NotFlat('levels in a page of a flat column');
    if (defined) {
      const view = new DataView(compressed.buffer, compressed.byteOffset, compressed.byteLength);
      readHybrid({ view, offset: 0 }, 1, defined, levels);
    }
    let page = compressed.subarray(levels);
    const size = header.uncompressed_page_size - levels;
    if (v2!.is_compressed !== false && size > 0) page = decompressPage(page, size, meta.codec, compressors);
    reader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
  }
  let present = count;
  if (defined) {
    present = 0;
    for (let i = 0; i < count; i++) {
      if (defined[i] > 1) throw new Error(`definition level ${defined[i]} where the most is 1`);
      present += defined[i];
    }
  }
  return { count, defined, present, encoding: (v1 ?? v2)!.encoding, reader };
}

/**
 * Text values: `strings[keys[i]]` (a dictionary page's entries, looked up as they are scattered), or
 * `strings[i]` without keys.
 */
interface Text {
  strings: string[];
  keys?: Uint32Array;
}

/** The page's `count` present values, in our form. */
function readValues(
  reader: ByteReader,
  encoding: string,
  reading: Reading,
  count: number,
  dictionary: Float64Array | string[] | undefined,
  keyScratch: Uint32Array,
  into: Float64Array,
): Float64Array | Text {
  const { type } = reading;
  if (encoding === 'PLAIN') {
    if (reading.text) return { strings: decodeText(readPlain(reader, type, count, undefined)) };
    return plainNumbers(reader, reading, count, into);
  }
  if (encoding === 'PLAIN_DICTIONARY' || encoding === 'RLE_DICTIONARY') {
    // (A writer that leaves the dictionary page out of the chunk's range: the generic path looks further.)
    if (!dictionary) throw new NotFlat('dictionary-encoded page without a dictionary');
    const width = reader.view.getUint8(reader.offset++);
    const keys = keyScratch.subarray(0, count);
    readHybrid(reader, width, keys, reader.view.byteLength - reader.offset);
    return Array.isArray(dictionary) ? { strings: dictionary, keys } : lookupNumbers(dictionary, keys, into);
  }
  if (encoding === 'RLE' && type === 'BOOLEAN') {
    const bits = new Uint8Array(count);
    readHybrid(reader, 1, bits);
    return new Float64Array(bits);
  }
  if (encoding === 'DELTA_BINARY_PACKED' && (type === 'INT32' || type === 'INT64')) {
    // Always in 64 bits: hyparquet 1.33's 32-bit decoder misreads a first value of 2^31 or more (a
    // UINT_32 as DuckDB writes it). An INT32's value is the low half (the spec's arithmetic is mod 2^32).
    const raw = new BigInt64Array(count);
    deltaBinaryUnpack(reader, count, raw);
    if (type === 'INT64') return wrap(toOurs(raw, reading));
    const halves = new Int32Array(raw.buffer, raw.byteOffset, 2 * count);
    return wrap(
      toOurs(
        Int32Array.from({ length: count }, (_, i) => halves[2 * i]),
        reading,
      ),
    );
  }
  if (encoding === 'BYTE_STREAM_SPLIT' && type !== 'BYTE_ARRAY' && type !== 'BOOLEAN') {
    return wrap(toOurs(byteStreamSplit(reader, count, type, undefined), reading));
  }
  if ((encoding === 'DELTA_LENGTH_BYTE_ARRAY' || encoding === 'DELTA_BYTE_ARRAY') && type === 'BYTE_ARRAY') {
    const raw = new Array<Uint8Array>(count);
    if (encoding === 'DELTA_LENGTH_BYTE_ARRAY') deltaLengthByteArray(reader, count, raw);
    else deltaByteArray(reader, count, raw);
    return wrap(toOurs(raw, reading));
  }
  throw new NotFlat(`encoding ${encoding} of ${type} is not read by the fast path`);
}

function wrap(values: Float64Array | string[]): Float64Array | Text {
  return Array.isArray(values) ? { strings: values } : values;
}

const utf8 = new TextDecoder();

function decodeText(raw: ArrayLike<unknown>): string[] {
  return Array.from(raw as ArrayLike<Uint8Array>, (bytes) => utf8.decode(bytes));
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const BYTES: Partial<Record<ParquetType, number>> = { DOUBLE: 8, INT64: 8, FLOAT: 4, INT32: 4 };

/** `count` PLAIN numbers from the reader into[0, count), read in place (no copy of the page). */
function plainNumbers(reader: ByteReader, reading: Reading, count: number, into: Float64Array): Float64Array {
  const { view } = reader;
  const at = reader.offset;
  const size = reading.type === 'BOOLEAN' ? Math.ceil(count / 8) : count * (BYTES[reading.type] ?? NaN);
  if (!(at + size <= view.byteLength)) throw new Error(`${count} PLAIN values run past the page`);
  const { type, unsigned } = reading;
  if (type === 'DOUBLE' && LITTLE_ENDIAN) {
    // Parquet's doubles are little-endian: on such a machine, the bytes are the numbers.
    new Uint8Array(into.buffer, into.byteOffset, size).set(new Uint8Array(view.buffer, view.byteOffset + at, size));
  } else if (type === 'DOUBLE') for (let i = 0; i < count; i++) into[i] = view.getFloat64(at + 8 * i, true);
  else if (type === 'FLOAT') for (let i = 0; i < count; i++) into[i] = view.getFloat32(at + 4 * i, true);
  else if (type === 'INT32' && unsigned) for (let i = 0; i < count; i++) into[i] = view.getUint32(at + 4 * i, true);
  else if (type === 'INT32') for (let i = 0; i < count; i++) into[i] = view.getInt32(at + 4 * i, true);
  else if (type === 'INT64') {
    // hi·2^32 + lo is rounded once, as Number(bigint) is, without a BigInt per value.
    for (let i = 0; i < count; i++) {
      const hi = unsigned ? view.getUint32(at + 8 * i + 4, true) : view.getInt32(at + 8 * i + 4, true);
      into[i] = hi * 4294967296 + view.getUint32(at + 8 * i, true);
    }
  } else if (type === 'BOOLEAN')
    for (let i = 0; i < count; i++) into[i] = (view.getUint8(at + (i >> 3)) >> (i & 7)) & 1;
  else throw new NotFlat(`PLAIN ${type}`);
  reader.offset = at + size;
  if (reading.divisor !== 1) for (let i = 0; i < count; i++) into[i] /= reading.divisor;
  return into.subarray(0, count);
}

/** hyparquet's decoded values (typed arrays of the v2 encodings) as numbers or text. */
function toOurs(raw: ArrayLike<unknown>, reading: Reading): Float64Array | string[] {
  if (reading.text) return decodeText(raw);
  const n = raw.length;
  let values: Float64Array;
  if (raw instanceof BigInt64Array) {
    // Each half as a 32-bit integer: hi·2^32 + lo is rounded once, as Number(bigint) is, without a
    // BigInt per value.
    const halves = new Int32Array(raw.buffer, raw.byteOffset, 2 * n);
    values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const hi = halves[2 * i + 1];
      values[i] = (reading.unsigned ? hi >>> 0 : hi) * 4294967296 + (halves[2 * i] >>> 0);
    }
  } else if (raw instanceof Int32Array && reading.unsigned) {
    values = new Float64Array(new Uint32Array(raw.buffer, raw.byteOffset, n));
  } else if (raw instanceof Float64Array) {
    values = raw;
  } else if (raw instanceof Int32Array || raw instanceof Float32Array) {
    values = new Float64Array(raw);
  } else {
    throw new Error(`values of ${reading.type} decoded as ${Object.prototype.toString.call(raw)}`);
  }
  if (reading.divisor !== 1) for (let i = 0; i < n; i++) values[i] /= reading.divisor;
  return values;
}

/** Each key's dictionary entry, into `values`. */
function lookupNumbers(dictionary: Float64Array, keys: Uint32Array, values: Float64Array): Float64Array {
  const n = dictionary.length;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (k >= n) throw new Error(`dictionary key ${k} beyond its ${n} entries`);
    values[i] = dictionary[k];
  }
  return values.subarray(0, keys.length);
}

/** The page's present values into its rows out[at, at + count); a row whose definition level is 0 is null. */
function scatter(
  values: Float64Array | Text,
  defined: Uint8Array | undefined,
  out: Float64Array | string[],
  at: number,
  count: number,
): void {
  const present = values instanceof Float64Array ? values.length : (values.keys ?? values.strings).length;
  if (present > count || (!defined && present < count)) {
    throw new Error(`page holds ${present} values for ${count} rows`);
  }
  if (values instanceof Float64Array) scatterNumbers(values, defined, out as Float64Array, at);
  else scatterText(values, defined, out as string[], at);
}

function scatterNumbers(values: Float64Array, defined: Uint8Array | undefined, out: Float64Array, at: number): void {
  if (!defined || values.length === defined.length) {
    out.set(values, at);
    return;
  }
  let k = 0;
  for (let i = 0; i < defined.length; i++) out[at + i] = defined[i] ? values[k++] : NaN;
}

function scatterText({ strings, keys }: Text, defined: Uint8Array | undefined, out: string[], at: number): void {
  const n = strings.length;
  const count = defined ? defined.length : (keys ?? strings).length;
  let k = 0;
  for (let i = 0; i < count; i++) {
    if (defined && !defined[i]) {
      out[at + i] = '';
      continue;
    }
    const key = keys ? keys[k++] : k++;
    if (key >= n) throw new Error(`dictionary key ${key} beyond its ${n} entries`);
    out[at + i] = strings[key];
  }
}
