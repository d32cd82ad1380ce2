// The editor's copy of a study, kept in sync by incremental edits. A huge study's refused runs
// tables (over MAX_INLINE_ROWS, refused unread) are kept aside: the analysed text leaves their rows
// out (core/syntax/lineIndex.ts Elision), so a one-character edit costs the rest of the study, not
// a fresh copy of 37 MB and a line index over 1.8 M lines (issue 15.3). An edit inside such a
// table's rows replaces the lines it touches (patches over the original text); one that would end
// the table (a row made `}`) or crosses its first or last line puts the document back together,
// and it is analysed whole again (then split again).
import { TextDocument, type TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import type { Position, Range } from 'vscode-languageserver';
import { LineIndex, type Elision } from '../core/syntax/lineIndex';
import { scanLine } from '../core/syntax/parser';
import { MAX_WHOLE_DOCUMENT_CHARS } from './limits';

/** A version's text as the analysis takes it, and the whole document, joined on demand. */
export interface TextSnapshot {
  text: string;
  elisions: readonly Elision[];
  whole(): string;
}

/** Rows of a refused table in a text: whole lines [start, end) (parse's refusedRows). */
export interface RefusedRows {
  start: number;
  end: number;
  lines: number;
  rows: number;
}

/** A refused table's rows as kept aside: the text they were read from, and lines edited since. */
interface Body {
  base: string;
  /** Offsets of `base`'s line starts. */
  baseLines: Uint32Array;
  /**
   * Runs of `base`'s lines edited since, by their first line: how many base lines they replace and
   * their text now, without the last one's break (a line break in it is a line of the document).
   */
  edited: ReadonlyMap<number, Region>;
}

interface Region {
  count: number;
  text: string;
}

/** How many times a document was put back together (tests check edits do not). */
export const joins = { count: 0 };

export class StudyDocument {
  /** The whole text, when the document is not split (or once joined for a version). */
  private whole: TextDocument | undefined;
  private text = '';
  private lines = new LineIndex('');
  private bodies: Body[] = [];

  private constructor(
    readonly uri: string,
    readonly languageId: string,
    private currentVersion: number,
    content: string,
  ) {
    this.whole = TextDocument.create(uri, languageId, currentVersion, content);
  }

  static create(uri: string, languageId: string, version: number, content: string): StudyDocument {
    return new StudyDocument(uri, languageId, version, content);
  }

  static update(doc: StudyDocument, changes: TextDocumentContentChangeEvent[], version: number): StudyDocument {
    for (const change of changes) {
      if (!('range' in change)) doc.whole = TextDocument.create(doc.uri, doc.languageId, version, change.text);
      else if (doc.whole || !doc.editSplit(change.range, change.text)) {
        doc.join();
        TextDocument.update(doc.whole!, [change], version);
      }
    }
    doc.currentVersion = version;
    return doc;
  }

  get version(): number {
    return this.currentVersion;
  }

  get isSplit(): boolean {
    return !this.whole;
  }

  get lineCount(): number {
    return this.whole ? this.whole.lineCount : this.lines.lineCount;
  }

  getText(range?: Range): string {
    return this.wholeDocument().getText(range);
  }

  positionAt(offset: number): Position {
    return this.wholeDocument().positionAt(offset);
  }

  offsetAt(position: Position): number {
    return this.wholeDocument().offsetAt(position);
  }

  /** This version's text for the analysis: split, the rows kept aside left out. */
  snapshot(): TextSnapshot {
    if (this.whole) {
      const text = this.whole.getText();
      return { text, elisions: [], whole: () => text };
    }
    const { text, bodies } = this;
    const elisions = this.lines.elisions;
    return { text, elisions, whole: () => joinText(text, elisions, bodies) };
  }

  /**
   * After an analysis of the whole `full` text of `version`: a study over the whole-document limit
   * keeps its refused tables' rows aside (only tables closed before the end, in a text without
   * `\r`); one that no longer has any is kept whole.
   */
  split(version: number, full: string, refused: readonly RefusedRows[]): void {
    if (version !== this.currentVersion) return;
    const kept = refused.filter((r) => r.end < full.length && r.lines > 0 && full.charCodeAt(r.start - 1) === 10);
    if (full.length <= MAX_WHOLE_DOCUMENT_CHARS || kept.length === 0 || full.includes('\r')) {
      this.whole ??= TextDocument.create(this.uri, this.languageId, version, full);
      return;
    }
    let text = '';
    let from = 0;
    const elisions: Elision[] = [];
    const bodies: Body[] = [];
    for (const r of kept) {
      text += full.slice(from, r.start);
      // A slice of the flat text: a view of it, not a copy. Its line starts are found now, after the
      // analysis, rather than on the first edit of a row.
      const base = full.slice(r.start, r.end);
      bodies.push({ base, baseLines: lineStarts(base, r.lines), edited: new Map() });
      elisions.push({ at: text.length, chars: r.end - r.start, lines: r.lines, rows: r.rows });
      from = r.end;
    }
    text += full.slice(from);
    this.text = text;
    this.lines = new LineIndex(text, elisions);
    this.bodies = bodies;
    this.whole = undefined;
  }

  /** Applies an edit to the split form; false when it cannot (the document is then joined). */
  private editSplit(range: Range, inserted: string): boolean {
    if (inserted.includes('\r')) return false;
    const start = this.locate(range.start);
    const end = this.locate(range.end);
    if (!start.row && !end.row) return this.editText(start.offset, end.offset, inserted);
    if (!start.row || !end.row || start.row.body !== end.row.body) return false; // across a body's end
    return this.editRows(start.row.body, start.row.base, start.offset, end.row.base, end.offset, inserted);
  }

  /**
   * A position as an offset in the analysed text (clamped before the line's break, as
   * TextDocument does), or in a body: the first base line of its region and the offset in its text.
   */
  private locate(p: Position): { offset: number; row?: { body: number; base: number } } {
    const offset = this.lines.offset(p.line, p.character);
    const k = this.lines.elisions.findIndex((e) => e.at === offset);
    const after = k >= 0 ? this.lines.position(offset).line : -1; // the document line after body k
    const first = k >= 0 ? after - this.lines.elisions[k].lines : -1;
    if (k >= 0 && first <= p.line && p.line < after) {
      const r = this.rowAt(k, p.line - first);
      return { offset: r.from + Math.max(0, Math.min(p.character, r.to - r.from)), row: { body: k, base: r.base } };
    }
    const atBreak = offset > this.lines.offset(p.line, 0) && this.text.charCodeAt(offset - 1) === 10;
    return { offset: atBreak ? offset - 1 : offset };
  }

  /** Line `line` of body `k`: the first base line of its region, the region's text, the line's span in it. */
  private rowAt(k: number, line: number): { base: number; text: string; from: number; to: number } {
    const body = this.bodies[k];
    let added = 0; // document lines minus base lines, over the regions before
    for (const b of [...body.edited.keys()].sort((x, y) => x - y)) {
      if (line < b + added) break;
      const { count, text } = body.edited.get(b)!;
      const breaks = text.split('\n').length - 1;
      if (line <= b + added + breaks) {
        let from = 0;
        for (let j = b + added; j < line; j++) from = text.indexOf('\n', from) + 1;
        const next = text.indexOf('\n', from);
        return { base: b, text, from, to: next < 0 ? text.length : next };
      }
      added += breaks + 1 - count;
    }
    const base = line - added;
    const text = this.region(k, base).text;
    return { base, text, from: 0, to: text.length };
  }

  private editText(start: number, end: number, inserted: string): boolean {
    // A range from before a body to after it takes the body's rows with it: not an edit of the text.
    if (this.lines.elisions.some((e) => start < e.at && end >= e.at)) return false;
    const text = this.text.slice(0, start) + inserted + this.text.slice(end);
    const delta = inserted.length - (end - start);
    const elisions = this.lines.elisions.map((e) => (e.at > start ? { ...e, at: e.at + delta } : e));
    // Each body must still start a line (an edit joining the line before it with it cannot be made here).
    if (elisions.some((e) => e.at === 0 || text.charCodeAt(e.at - 1) !== 10)) return false;
    if (!overLimit(text, elisions)) return false;
    this.text = text;
    this.lines = new LineIndex(text, elisions);
    return true;
  }

  /**
   * Replaces body `k`'s text from `start` in the region at base line `first` to `end` in the region
   * at base line `last`: those regions and the lines between become one region.
   */
  private editRows(k: number, first: number, start: number, last: number, end: number, inserted: string): boolean {
    if (last < first) return false;
    const regions: string[] = [];
    let b = first;
    let lastStart = 0; // where the last region's text starts in `before`
    for (let at = 0; b <= last;) {
      const r = this.region(k, b);
      if (b === last) lastStart = at;
      regions.push(r.text);
      at += r.text.length + 1;
      b += r.count;
    }
    const before = regions.join('\n');
    const after = before.slice(0, start) + inserted + before.slice(lastStart + end);
    const was = before.split('\n').map((l) => scanLine(`${l}\n`, 0));
    const now = after.split('\n').map((l) => scanLine(`${l}\n`, 0));
    if (now.includes('end')) return false; // the table would end here
    const rows = (kinds: string[]) => kinds.filter((kind) => kind === 'row').length;
    const chars = after.length - before.length;
    if (!overLimit(this.text, this.lines.elisions, chars)) return false;
    const body = this.bodies[k];
    const edited = new Map([...body.edited].filter(([at]) => at < first || at >= b));
    edited.set(first, { count: b - first, text: after });
    this.bodies = this.bodies.map((x, i) => (i === k ? { ...body, edited } : x));
    const elisions = this.lines.elisions.map((e, i) =>
      i === k
        ? {
            at: e.at,
            chars: e.chars + chars,
            lines: e.lines + now.length - was.length,
            rows: e.rows + rows(now) - rows(was),
          }
        : e,
    );
    this.lines = new LineIndex(this.text, elisions);
    return true;
  }

  /** The region of body `k` starting at base line `base`: edited, or that one line as read. */
  private region(k: number, base: number): Region {
    const body = this.bodies[k];
    return (
      body.edited.get(base) ?? { count: 1, text: body.base.slice(body.baseLines[base], body.baseLines[base + 1] - 1) }
    );
  }

  private wholeDocument(): TextDocument {
    if (this.whole) return this.whole;
    return TextDocument.create(this.uri, this.languageId, this.currentVersion, this.snapshot().whole());
  }

  /** Back to one whole text (a fresh copy of the document: the slow path this class avoids). */
  private join(): void {
    if (this.whole) return;
    this.whole = this.wholeDocument();
    this.text = '';
    this.lines = new LineIndex('');
    this.bodies = [];
  }
}

/**
 * Whether a split document stays over the whole-document limit: formatting and semantic tokens are
 * refused only above it, and they must never see the analysed text as if it were the document.
 */
function overLimit(text: string, elisions: readonly Elision[], added = 0): boolean {
  return text.length + elisions.reduce((n, e) => n + e.chars, added) > MAX_WHOLE_DOCUMENT_CHARS;
}

/** The `lines + 1` line starts of a text of whole lines (the last one is its length). */
function lineStarts(text: string, lines: number): Uint32Array {
  const starts = new Uint32Array(lines + 1);
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && n <= lines; i = text.indexOf('\n', i + 1)) starts[n++] = i + 1;
  return starts;
}

function joinText(text: string, elisions: readonly Elision[], bodies: readonly Body[]): string {
  joins.count++;
  const parts: string[] = [];
  let from = 0;
  elisions.forEach((e, k) => {
    parts.push(text.slice(from, e.at), bodyText(bodies[k]));
    from = e.at;
  });
  parts.push(text.slice(from));
  return parts.join('');
}

function bodyText(body: Body): string {
  if (body.edited.size === 0) return body.base;
  const starts = body.baseLines;
  const parts: string[] = [];
  let from = 0; // a base offset
  for (const line of [...body.edited.keys()].sort((a, b) => a - b)) {
    const { count, text } = body.edited.get(line)!;
    parts.push(body.base.slice(from, starts[line]), text, '\n');
    from = starts[line + count];
  }
  parts.push(body.base.slice(from));
  return parts.join('');
}
