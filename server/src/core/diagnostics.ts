import type { Range } from './syntax/ast';
import { capText } from './text';

export type Severity = 'error' | 'warning' | 'info' | 'hint';

/**
 * A problem found in a study. `code` is stable (`scaling.unknown-name`); settings key on it. Made by
 * `diagnostic()`, which caps the message, so JSON, the editor and the report show the same text.
 */
export interface Diagnostic {
  severity: Severity;
  code: string;
  message: string;
  range: Range;
  /** Where a diagnostic concerns another file (a CSV row), that file's path and 1-based line. */
  file?: { path: string; line: number };
  /** Payload for quick fixes. */
  data?: unknown;
}

export function diagnostic(
  severity: Severity,
  code: string,
  message: string,
  range: Range,
  extra: Partial<Pick<Diagnostic, 'file' | 'data'>> = {},
): Diagnostic {
  return { severity, code, message: capText(message), range, ...extra };
}
