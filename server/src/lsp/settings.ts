// The `scalingStudio.*` settings the server reads, normalised into the core's terms.
import type { Severity } from '../core/diagnostics';
import { DEFAULT_MAX_MEMORY_MB } from '../core/data/loader';

export interface ServerSettings {
  /** Per diagnostic code: a severity, or 'off' to hide it (the core's `severities`). */
  severities: Record<string, Severity | 'off'>;
  /** Refit in the background after edits settle and when a data file changes. */
  fitOnChange: boolean;
  /** Milliseconds of quiet after an edit before the background fit starts. */
  fitDebounceMs: number;
  /** Inlay hints after `predict` / `optimize`. */
  inlayHints: boolean;
  /** Data files whose load would need more memory than this (MB) are refused with a diagnostic. */
  maxMemoryMB: number;
}

export const DEFAULT_SETTINGS: ServerSettings = {
  severities: {},
  fitOnChange: true,
  fitDebounceMs: 400,
  inlayHints: true,
  maxMemoryMB: DEFAULT_MAX_MEMORY_MB,
};

const SEVERITY_NAMES: Record<string, Severity | 'off'> = {
  error: 'error',
  warning: 'warning',
  information: 'info',
  info: 'info',
  hint: 'hint',
  off: 'off',
  none: 'off',
};

/** Accepts the raw `scalingStudio` section (or anything else) and returns usable settings; never throws. */
export function normalizeSettings(raw: unknown): ServerSettings {
  const out: ServerSettings = { ...DEFAULT_SETTINGS, severities: {} };
  if (!raw || typeof raw !== 'object') return out;
  const r = raw as Record<string, unknown>;
  const diagnostics = r.diagnostics as Record<string, unknown> | undefined;
  const severity = (diagnostics?.severity ?? r['diagnostics.severity']) as unknown;
  if (severity && typeof severity === 'object') {
    for (const [code, value] of Object.entries(severity as Record<string, unknown>)) {
      const s = typeof value === 'string' ? SEVERITY_NAMES[value.toLowerCase()] : undefined;
      if (s) out.severities[code.startsWith('scaling.') ? code : `scaling.${code}`] = s;
    }
  }
  const fit = r.fit as Record<string, unknown> | undefined;
  if (typeof fit?.onChange === 'boolean') out.fitOnChange = fit.onChange;
  if (typeof fit?.debounceMs === 'number' && Number.isFinite(fit.debounceMs) && fit.debounceMs >= 0) {
    out.fitDebounceMs = fit.debounceMs;
  }
  const hints = r.inlayHints as Record<string, unknown> | undefined;
  if (typeof hints?.enabled === 'boolean') out.inlayHints = hints.enabled;
  const data = r.data as Record<string, unknown> | undefined;
  if (typeof data?.maxMemoryMB === 'number' && Number.isFinite(data.maxMemoryMB) && data.maxMemoryMB > 0)
    out.maxMemoryMB = data.maxMemoryMB;
  return out;
}
