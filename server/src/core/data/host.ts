// The core reads files only through a host its caller supplies (as the markdown language service
// takes an IWorkspace): node's file system with the trust policy in the CLI and the server, a map in
// the tests, anything else in a browser worker. Every call is asynchronous, so a host may read off
// the main thread or stream.

import type { LoadResult } from './loader';

export interface FileStat {
  size: number;
  mtimeMs: number;
  isFile: boolean;
}

/** A failure of the host, with node's errno names for the common causes (ENOENT, EACCES, ELOOP, EISDIR). */
export interface HostError extends Error {
  code?: string;
}

export interface Disposable {
  dispose(): void;
}

export interface DataHost {
  /** Size, modification time and kind of a file; rejects with a HostError when it cannot be read. */
  stat(path: string): Promise<FileStat>;
  /** The whole file. */
  read(path: string): Promise<Uint8Array>;
  /** Absolute paths of the files matching a glob pattern (relative to `base`), sorted. */
  list(pattern: string, base: string): Promise<string[]>;
  /** Calls `onChange` with the path whenever one of these files changes, appears or disappears. */
  watch(paths: readonly string[], onChange: (path: string) => void): Disposable;
  /**
   * Optional: parses a CSV/TSV file's bytes (handed over: the host may detach them) into the table
   * the core's parseDelimited gives, off the caller's thread. Without it the core parses in-thread,
   * a chunk at a time.
   */
  parseDelimited?(file: string, bytes: Uint8Array, format: 'csv' | 'tsv'): Promise<LoadResult>;
}

export function hostError(code: string, message: string): HostError {
  return Object.assign(new Error(message), { code });
}
