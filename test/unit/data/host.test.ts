import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { catalogue } from '../../../server/src/core/laws';
import { analyze } from '../../../server/src/core/study';
import { NodeHost } from '../../../server/src/host/nodeHost';
import { memoryLoader } from '../hosts';

const STUDY = `dataset runs = csv("data/runs.csv") {
  N: params
  L: loss
}
law l: L = E + A / N^alpha {
  fit runs
}
`;
const CSV = 'params,loss\n1e8,3.1\n2e8,2.9\n4e8,2.8\n8e8,2.7\n';

describe('data host: the core reads only through the host it is given', () => {
  it('binds a study whose data lives only in memory, and reads each file once per version of it', async () => {
    const { loader, host } = memoryLoader({ '/mem/data/runs.csv': CSV });
    const a = await analyze(STUDY, { studyPath: '/mem/study.scaling', loader, catalogue });
    assert.deepEqual(
      a.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    assert.deepEqual([...a.model.laws[0].data.numeric.get('N')!], [1e8, 2e8, 4e8, 8e8]);
    await analyze(STUDY, { studyPath: '/mem/study.scaling', loader, catalogue });
    assert.equal(host.reads.get('/mem/data/runs.csv'), 1, 'the second analysis is served from the cache');
    host.write('/mem/data/runs.csv', CSV + '16e8,2.6\n');
    const b = await analyze(STUDY, { studyPath: '/mem/study.scaling', loader, catalogue });
    assert.equal(host.reads.get('/mem/data/runs.csv'), 2, 'a changed file is read again');
    assert.equal(b.model.laws[0].data.rowCount, 5);
  });

  it('names a file the host does not have, at its path in the study', async () => {
    const { loader } = memoryLoader({});
    const a = await analyze(STUDY, { studyPath: '/mem/study.scaling', loader, catalogue });
    const d = a.diagnostics.find((x) => x.code === 'scaling.missing-file');
    assert.equal(d?.message, "file not found: '/mem/data/runs.csv'");
    assert.equal(STUDY.slice(d!.range.start, d!.range.end), '"data/runs.csv"');
  });

  it('resolves a relative path against baseDir for an unsaved study, and refuses to guess without one', async () => {
    const { loader } = memoryLoader({ '/ws/data/runs.csv': CSV });
    const inFolder = await analyze(STUDY, { baseDir: '/ws', loader, catalogue });
    assert.equal(inFolder.model.laws[0].data.rowCount, 4);
    const nowhere = await analyze(STUDY, { loader, catalogue });
    const d = nowhere.diagnostics.find((x) => x.code === 'scaling.missing-file');
    assert.match(d?.message ?? '', /'data\/runs\.csv' is relative, and this study has no folder to resolve it against/);
  });

  it('applies the trust policy before any read', async () => {
    const { loader, host } = memoryLoader({ '/mem/data/runs.csv': CSV });
    const a = await analyze(STUDY, {
      studyPath: '/mem/study.scaling',
      loader,
      catalogue,
      isPathAllowed: (p) => `refused ${p}`,
    });
    assert.equal(a.diagnostics.find((x) => x.code === 'scaling.path-refused')?.message, 'refused /mem/data/runs.csv');
    assert.equal(host.reads.get('/mem/data/runs.csv'), undefined);
  });

  it('memory host: globs and watches', async () => {
    const { host } = memoryLoader({ '/m/runs/a.csv': 'x', '/m/runs/b.csv': 'y', '/m/other.txt': 'z' });
    assert.deepEqual(await host.list('runs/*.csv', '/m'), ['/m/runs/a.csv', '/m/runs/b.csv']);
    const seen: string[] = [];
    const w = host.watch(['/m/runs/a.csv'], (p) => seen.push(p));
    host.write('/m/runs/a.csv', 'changed');
    host.write('/m/runs/b.csv', 'not watched');
    w.dispose();
    host.write('/m/runs/a.csv', 'after dispose');
    assert.deepEqual(seen, ['/m/runs/a.csv']);
  });

  it('node host: stat, read, glob and a watch that fires when a watched file changes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'host-'));
    try {
      fs.mkdirSync(path.join(dir, 'runs'));
      for (const n of ['b.csv', 'a.csv', 'c.tsv']) fs.writeFileSync(path.join(dir, 'runs', n), 'x\n1\n');
      const host = new NodeHost();
      assert.deepEqual(await host.list('runs/*.csv', dir), [
        path.join(dir, 'runs/a.csv'),
        path.join(dir, 'runs/b.csv'),
      ]);
      const s = await host.stat(path.join(dir, 'runs/a.csv'));
      assert.equal(s.size, 4);
      assert.equal(s.isFile, true);
      assert.equal(new TextDecoder().decode(await host.read(path.join(dir, 'runs/a.csv'))), 'x\n1\n');
      await assert.rejects(host.stat(path.join(dir, 'nope.csv')), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
      const fired = new Promise<string>((resolve) => {
        const w = host.watch([path.join(dir, 'runs/a.csv')], (p) => {
          w.dispose();
          resolve(p);
        });
      });
      fs.writeFileSync(path.join(dir, 'runs/a.csv'), 'x\n2\n');
      assert.equal(await fired, path.join(dir, 'runs/a.csv'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
