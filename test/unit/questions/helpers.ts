// Runs `scaling-studio fit FILE [--json]` on a study text in a temporary directory, in process.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../../server/src/cli';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export async function fitStudyText(study: string, json = true): Promise<{ code: number; out: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scaling-questions-'));
  const file = path.join(dir, 'study.scaling');
  fs.writeFileSync(file, study);
  const out = new Capture();
  const err = new Capture();
  const code = await main(
    ['fit', file, ...(json ? ['--json'] : [])],
    out as unknown as typeof process.stdout,
    err as unknown as typeof process.stderr,
  );
  return { code, out: out.text };
}
