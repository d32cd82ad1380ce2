// Quiet failures: every handler catches its own errors, logs them once, and answers empty.
type Log = (message: string) => void;

let log: Log = (m) => console.error(m);

export function setLog(l: Log): void {
  log = l;
}

export function logMessage(message: string): void {
  try {
    log(message);
  } catch {
    // logging must never throw
  }
}

/** Wraps a handler: on an exception it logs `name: error` and returns `empty`. */
export function safe<A extends unknown[], R>(name: string, empty: R, fn: (...args: A) => R): (...args: A) => R {
  return (...args: A) => {
    try {
      return fn(...args);
    } catch (e) {
      logMessage(`[error] ${name}: ${(e as Error)?.stack ?? String(e)}`);
      return empty;
    }
  };
}

/** The async form of `safe`. */
export function safeAsync<A extends unknown[], R>(
  name: string,
  empty: R,
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (e) {
      logMessage(`[error] ${name}: ${(e as Error)?.stack ?? String(e)}`);
      return empty;
    }
  };
}
