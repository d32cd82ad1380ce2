#!/usr/bin/env node
// The CLI entry `npx scaling-studio`; builds on first use so a fresh clone works after `npm ci`.
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  require('node:child_process').execFileSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'build.mjs')], {
    cwd: path.join(__dirname, '..'),
    stdio: 'inherit',
  });
}
require(cli)
  .main(process.argv.slice(2))
  .then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`scaling-studio: internal error: ${(e && e.stack) || e}\n`);
      process.exit(3);
    },
  );
