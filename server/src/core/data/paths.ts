// Where a data path written in a study points. Relative paths are relative to the study's folder, or
// to the folder the host names for an unsaved study; with neither there is no answer (never the
// process's working directory, which is an accident of how the tool was started).
import * as path from 'node:path';

export function resolveDataPath(written: string, studyPath?: string, baseDir?: string): string | undefined {
  if (path.isAbsolute(written)) return path.normalize(written);
  const base = studyPath ? path.dirname(studyPath) : baseDir;
  return base === undefined ? undefined : path.resolve(base, written);
}
