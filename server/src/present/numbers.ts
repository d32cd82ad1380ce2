import { formatNumber } from '../core/text';

/** Numbers as the CLI prints them: 1.4T, 70B, 1.94, 5.760e+23 (one rule, core/text.ts). */
export const num = formatNumber;

export function interval(iv: [number, number] | null | undefined): string {
  return iv ? `[${num(iv[0])}, ${num(iv[1])}]` : '';
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
