// Text helpers of the presentation module. The number formats themselves are protocol/numbers.ts
// (shared with the webview); they are re-exported here for the server's displays.
export {
  formatExact,
  formatInterval,
  formatLevel,
  formatPercent,
  formatSize,
  formatValue,
  MISSING,
} from '../../../protocol/numbers';

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
