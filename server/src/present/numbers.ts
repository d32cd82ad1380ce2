// Text helpers of the presentation module. The number formats themselves are protocol/numbers.ts
// (shared with the webview); they are re-exported here for the server's displays.
import { formatInterval } from '../../../protocol/numbers';
export {
  formatExact,
  formatInterval,
  formatLevel,
  formatPercent,
  formatSize,
  formatValue,
  MISSING,
} from '../../../protocol/numbers';

/** Said where the engine withholds an interval because the data cannot pin the quantity down. */
export const NOT_IDENTIFIABLE = 'no interval (not identifiable)';

/** An entry of an `intervals` record: null is withheld (not identifiable), undefined is not asked for. */
export function intervalOrWhy(iv: readonly [number, number] | null | undefined): string {
  if (iv === undefined) return '';
  return iv ? formatInterval(iv) : NOT_IDENTIFIABLE;
}

/** Escapes text for Markdown (user-written names, titles and messages). */
export function md(text: string): string {
  return text.replace(/[\\`*_{}[\]()<>#+\-.!|~]/g, (c) => `\\${c}`);
}

/** Text inside a Markdown code span: backticks cannot be escaped, so use a longer fence. */
export function code(text: string): string {
  const clean = text.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((s) => s.length));
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}
