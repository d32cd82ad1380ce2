// Where each row of a bound table came from, without an object per row for a file's rows: a 15 M-row
// CSV bound one {file, line} object per row cost ~1 GB and seconds of the main thread (issue 15.2).
// Inline rows keep their array of ranges (an array is a RowOrigins).
import type { RowOrigin, RowOrigins } from '../model';

/** A file's rows by their line (or Parquet row) numbers; `rowFiles` names each row's file when a glob joined several. */
export class FileRowOrigins implements RowOrigins {
  constructor(
    readonly file: string,
    readonly lines: ArrayLike<number>,
    readonly word?: 'line' | 'row',
    readonly rowFiles?: ArrayLike<string>,
  ) {}

  get length(): number {
    return this.lines.length;
  }

  at(row: number): RowOrigin | undefined {
    if (!(row >= 0 && row < this.lines.length)) return undefined;
    return { file: this.rowFiles?.[row] ?? this.file, line: this.lines[row], word: this.word };
  }
}

/** The origins of rows `idx` (in that order). */
export function selectOrigins(origins: RowOrigins, idx: readonly number[]): RowOrigins {
  if (origins instanceof FileRowOrigins) {
    const lines = Float64Array.from(idx, (i) => origins.lines[i]);
    const files = origins.rowFiles && idx.map((i) => origins.rowFiles![i]);
    return new FileRowOrigins(origins.file, lines, origins.word, files);
  }
  return idx.map((i) => origins.at(i)!);
}

/** Several tables' origins one after the other. */
export function concatOrigins(list: readonly RowOrigins[]): RowOrigins {
  if (list.length === 1) return list[0];
  const all: RowOrigin[] = [];
  for (const origins of list) for (let i = 0; i < origins.length; i++) all.push(origins.at(i)!);
  return all;
}

/** Each row's origin mapped (labels for a plot, counts for a report). */
export function mapOrigins<T>(origins: RowOrigins, f: (o: RowOrigin, row: number) => T): T[] {
  return Array.from({ length: origins.length }, (_, i) => f(origins.at(i)!, i));
}
