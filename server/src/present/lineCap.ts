// Length caps on what the editor and the report show (issue 15): a 100,000-character name must not
// become a 100,000-character hover or report line. Each line keeps its start and ends in an ellipsis.

/** The longest line a hover or report line keeps. */
export const MAX_SHOWN_LINE = 500;
/** The longest hover text. */
export const MAX_SHOWN_TEXT = 20_000;

/** `text` with every line over `maxLine` characters cut to its start plus "…", and the whole cut at `maxText`. */
export function capLines(text: string, maxLine = MAX_SHOWN_LINE, maxText = MAX_SHOWN_TEXT): string {
  if (text.length <= maxLine && !text.includes('\n')) return text;
  const capped = text
    .split('\n')
    .map((line) => (line.length > maxLine ? capLine(line, maxLine) : line))
    .join('\n');
  return capped.length > maxText ? `${capped.slice(0, maxText - 1)}…` : capped;
}

/** One line cut to `max` characters ending in "…"; an open Markdown code span is closed so the rest renders. */
function capLine(line: string, max: number): string {
  let cut = line.slice(0, max - 1);
  const ticks = cut.split('`').length - 1;
  if (ticks % 2 === 1) cut = `${cut.slice(0, -1)}\``;
  return `${cut}…`;
}

/** Plain text (HTML, not Markdown) with every line over `maxLine` characters cut to its start plus "…". */
export function capPlainLines(text: string, maxLine: number): string {
  if (text.length <= maxLine) return text;
  return text
    .split('\n')
    .map((line) => (line.length > maxLine ? `${line.slice(0, maxLine - 1)}…` : line))
    .join('\n');
}
