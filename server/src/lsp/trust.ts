// Workspace trust for data files. In an untrusted (restricted) workspace a study may only read data
// files inside the workspace folders (or, with no folder open, beside the study itself); a trusted
// workspace reads anything, as the CLI does. Paths are compared after resolving symbolic links, so
// a link inside the folder that points outside it is refused too.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What the server knows: whether the workspace is trusted and its folders (absolute paths). */
export interface PathPolicy {
  trusted: boolean;
  roots: string[];
}

/** `initializationOptions.workspaceTrusted`: false only when the client says so (editors without trust send nothing). */
export function trustFromInitOptions(options: unknown): boolean {
  if (!options || typeof options !== 'object') return true;
  return (options as Record<string, unknown>).workspaceTrusted !== false;
}

function real(p: string): string {
  try {
    return fs.realpathSync.native(p);
  } catch {
    // Missing files (and links that lead nowhere) are reported by the loader; compare the path as written.
    return path.resolve(p);
  }
}

function inside(file: string, root: string): boolean {
  const rel = path.relative(root, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * The `isPathAllowed` that analyze() takes: undefined when the file may be read, else the message of
 * a diagnostic naming the file. `studyPath` is the study's own file (used when no folder is open).
 */
export function pathGuard(
  policy: PathPolicy,
  studyPath: string | undefined,
): ((absolutePath: string) => string | undefined) | undefined {
  if (policy.trusted) return undefined;
  const roots = policy.roots.length > 0 ? policy.roots : studyPath ? [path.dirname(studyPath)] : [];
  const realRoots = roots.map(real);
  return (file: string) => {
    const target = real(file);
    if (realRoots.some((r) => inside(target, r))) return undefined;
    const link = target !== path.resolve(file) ? ` (it links to '${target}')` : '';
    return `'${file}' is outside the workspace folder${link}: in an untrusted workspace data files are read only from inside it (trust the workspace to read it)`;
  };
}
