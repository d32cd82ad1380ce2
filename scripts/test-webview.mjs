#!/usr/bin/env node
// Browser tests of the chart webview: `node scripts/test-webview.mjs [--grep TEXT] [--no-build]`
// (--no-build: use the existing dist/webview.js, e.g. after `npm run build`).
// Builds dist/webview.js, serves a test page from 127.0.0.1, drives Debian chromium through playwright-core
// (see test/webview/harness.ts). Screenshots go to test-results/webview/. Last line: "N passed, N failed".
import { register } from 'tsx/esm/api';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
register();
const require = createRequire(import.meta.url);
require('tsx/cjs'); // TypeScript for CommonJS-style test modules too
const Mocha = require('mocha');

const args = process.argv.slice(2);
const grepAt = args.indexOf('--grep');
if (args.includes('--no-build')) process.env.WEBVIEW_NO_BUILD = '1';
const mocha = new Mocha({ reporter: 'spec', timeout: 60_000, grep: grepAt >= 0 ? args[grepAt + 1] : undefined });
for (const f of fs.readdirSync('test/webview').sort())
  if (f.endsWith('.test.ts')) mocha.addFile(path.join(root, 'test/webview', f));

await mocha.loadFilesAsync();
const { passed, failed } = await new Promise((resolve) => {
  let p = 0;
  let f = 0;
  const runner = mocha.run(() => resolve({ passed: p, failed: f }));
  runner.on('pass', () => p++);
  runner.on('fail', () => f++);
});
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
