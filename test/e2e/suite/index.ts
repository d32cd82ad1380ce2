// Entry point of the extension-host mocha suite (extensionTestsPath). scripts/e2e/run.mjs bundles
// test/e2e/suite/*.ts into .vscode-test/e2e-suite/ and runs it through @vscode/test-electron's runTests.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60000, reporter: 'spec' });
  for (const f of fs.readdirSync(__dirname).sort()) {
    if (f.endsWith('.test.js')) mocha.addFile(path.join(__dirname, f));
  }
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const stats = runner.stats ?? { passes: 0, failures, pending: 0 };
      // the harness reads this to print one "N passed, N failed" line for the whole e2e run
      fs.writeFileSync(
        path.join(__dirname, 'results.json'),
        JSON.stringify({ passed: stats.passes, failed: stats.failures, pending: pendingTitles }),
      );
      if (failures > 0) reject(new Error(`${failures} tests failed.`));
      else resolve();
    });
    const pendingTitles: string[] = [];
    runner.on('pending', (t) => pendingTitles.push(t.title));
  });
}
