/**
 * Whole lines left out of an analysed text: the rows of a refused runs table (over
 * MAX_INLINE_ROWS), which the editor keeps aside so that an edit elsewhere in a huge study neither
 * copies nor re-reads them (issue 15.3). In the document, the analysed text's offsets from `at` on
 * stand `chars` characters and `lines` lines further on.
 */
export interface Elision {
  /** Where the lines were, in the analysed text: a line start. */
  at: number;
  chars: number;
  lines: number;
  /** The rows among them, as the refused-table scan counts them (not blank, not a comment). */
  rows: number;
}

/**
 * Maps UTF-16 offsets to 0-based line/character positions and back, by binary search. With
 * elisions, offsets are the analysed text's and positions the document's.
 */
export class LineIndex {
  private readonly lineStarts: Uint32Array;
  /** Per elision, the analysed text's line that starts at its `at`. */
  private readonly elidedAfterLine: number[];

  constructor(
    readonly text: string,
    readonly elisions: readonly Elision[] = [],
  ) {
    this.lineStarts = lineStartsOf(text);
    this.elidedAfterLine = elisions.map((e) => this.textPosition(e.at).line);
  }

  get lineCount(): number {
    let n = this.lineStarts.length;
    for (const e of this.elisions) n += e.lines;
    return n;
  }

  position(offset: number): { line: number; character: number } {
    const p = this.textPosition(offset);
    for (const e of this.elisions) if (e.at <= offset) p.line += e.lines;
    return p;
  }

  offset(line: number, character: number): number {
    if (line < 0) return 0;
    const l = this.textLine(line);
    if (l.elided !== undefined) return l.elided;
    if (l.line >= this.lineStarts.length) return this.text.length;
    const start = this.lineStarts[l.line];
    const next = l.line + 1 < this.lineStarts.length ? this.lineStarts[l.line + 1] : this.text.length;
    return Math.min(start + Math.max(0, character), next);
  }

  lineStart(line: number): number {
    const l = this.textLine(line);
    if (l.elided !== undefined) return l.elided;
    return this.lineStarts[Math.max(0, Math.min(l.line, this.lineStarts.length - 1))];
  }

  private textPosition(offset: number): { line: number; character: number } {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.lineStarts[lo] };
  }

  /** A document line as a line of the analysed text, or the offset standing for an elided line. */
  private textLine(line: number): { line: number; elided?: number } {
    let before = 0; // lines elided before `line`
    for (let k = 0; k < this.elisions.length; k++) {
      const first = this.elidedAfterLine[k] + before; // the document line of the elision's first line
      if (line < first) break;
      if (line < first + this.elisions[k].lines) return { line, elided: this.elisions[k].at };
      before += this.elisions[k].lines;
    }
    return { line: line - before };
  }
}

/**
 * Offsets of the text's line starts (`\n`, `\r\n` or `\r` end a line). Counted first, then written
 * into an array of exactly that size: a growing array of 1.8 M numbers (a 37 MB study) cost several
 * copies into fresh memory.
 */
function lineStartsOf(text: string): Uint32Array {
  if (!text.includes('\r')) {
    // The common case, several times faster than a loop over every character.
    let n = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
    const starts = new Uint32Array(n);
    n = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts[n++] = i + 1;
    return starts;
  }
  const starts: number[] = [0];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 10) starts.push(i + 1);
    else if (ch === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return Uint32Array.from(starts);
}
