// Where a data path written in a study points. Relative paths are relative to the study's folder, or
// to the folder the host names for an unsaved study; with neither there is no answer (never the
// process's working directory, which is an accident of how the tool was started).
import * as path from 'node:path';
import picomatch from 'picomatch';

export function resolveDataPath(written: string, studyPath?: string, baseDir?: string): string | undefined {
  if (path.isAbsolute(written)) return path.normalize(written);
  const base = studyPath ? path.dirname(studyPath) : baseDir;
  return base === undefined ? undefined : path.resolve(base, written);
}

/** Whether a written data path is a pattern (`runs/*.csv`) rather than one file. */
export function isGlob(written: string): boolean {
  return picomatch.scan(written).isGlob;
}

/** The folder a resolved pattern starts from: the part before its first wildcard. */
export function globBase(pattern: string): string {
  const base = picomatch.scan(pattern.split(path.sep).join('/')).base;
  return path.resolve(base === '' ? '.' : base);
}

/** Whether a file is one a dataset's resolved path (a file, or a pattern) names. */
export function pathMatches(resolved: string, file: string): boolean {
  const target = path.resolve(file);
  if (resolved === target) return true;
  return isGlob(resolved) && picomatch(resolved.split(path.sep).join('/'))(target.split(path.sep).join('/'));
}

/** The key of a dataset's loaded data: one file may be read as two formats by two datasets. */
export function dataKey(resolved: string, format: string): string {
  return `${format}:${resolved}`;
}
