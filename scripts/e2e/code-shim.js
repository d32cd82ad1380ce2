#!/usr/bin/env node
// A stand-in for the VS Code executable, for @vscode/test-electron's runTests({ vscodeExecutablePath }).
// VS Code desktop cannot be downloaded here, so this runs the same extension-host tests in code-server's
// real Node extension host: it starts code-server, opens the workbench in Debian chromium with the
// test payload (extensionDevelopmentPath + extensionTestsPath) and exits with the tests' exit code.
// Understood arguments: --extensionDevelopmentPath=, --extensionTestsPath=, --user-data-dir=,
// --extensions-dir=, and the first non-flag argument (the folder to open). Electron-only flags are ignored.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const util = require('node:util');

const TIMEOUT_MS = Number(process.env.E2E_EXT_TESTS_TIMEOUT_MS || 180000);
const NOISE =
  /ENOTFOUND|connection token|Creating a socket|grace time|AgentHost|AccountPolicyGate|Service Worker|builtin extensions cache|ChatModelSelection|vsda|open-vsx|Failed to load resource|\[perf\]|WebSocket|Extension host agent|rejected promise not handled|Ignoring fetching additional builtin extensions|authentication provider|^Canceled/;

function parseArgs(argv) {
  const o = { dev: [], tests: null, userDataDir: null, extensionsDir: null, folder: null };
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) {
      if (!o.folder) o.folder = path.resolve(a);
      continue;
    }
    const [, k, v] = m;
    if (k === 'extensionDevelopmentPath') o.dev.push(path.resolve(v));
    else if (k === 'extensionTestsPath') o.tests = path.resolve(v);
    else if (k === 'user-data-dir') o.userDataDir = path.resolve(v);
    else if (k === 'extensions-dir') o.extensionsDir = path.resolve(v);
  }
  return o;
}

async function main() {
  const lib = await import('./lib.mjs');
  const args = parseArgs(process.argv.slice(2));
  if (!args.tests || args.dev.length === 0) {
    console.error('code-shim: --extensionTestsPath= and --extensionDevelopmentPath= are required');
    return 2;
  }
  const userDataDir = args.userDataDir || path.join(lib.VT, 'user-data');
  const extensionsDir = args.extensionsDir || path.join(lib.VT, 'extensions');
  const dir = path.join(path.dirname(userDataDir), `${path.basename(userDataDir)}-shim`); // HOME, TMPDIR, logs
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  if (!fs.existsSync(path.join(userDataDir, 'User/settings.json'))) lib.writeSettings(userDataDir);

  let server;
  let browser;
  const cleanup = async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
  };
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      lib.killAllSync();
      process.exit(130);
    });
  }
  process.on('exit', lib.killAllSync);

  let code = 1;
  try {
    server = await lib.startCodeServer({ dir, userDataDir, extensionsDir });
    const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
    browser = await lib.launchBrowser(dir);
    const page = browser.pages()[0] || (await browser.newPage());
    const exited = new Promise((resolve) => page.exposeFunction('codeAutomationExit', (c) => resolve(c)));
    await page.exposeFunction('codeAutomationLog', (_type, a) => {
      const line = util.format(...(Array.isArray(a) ? a : [a]));
      if (!NOISE.test(line)) console.log(line);
    });
    const payload = JSON.stringify([
      ...args.dev.map((d) => ['extensionDevelopmentPath', remote(d)]),
      ['extensionTestsPath', remote(args.tests)],
    ]);
    const folder = args.folder ? `folder=${encodeURIComponent(args.folder)}&` : '';
    await page.goto(`${server.url}/?${folder}payload=${encodeURIComponent(payload)}`);
    let timer;
    code = await Promise.race([
      exited,
      new Promise((r) => {
        timer = setTimeout(() => r(`timeout after ${TIMEOUT_MS} ms`), TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    if (code !== 0) {
      console.log(`code-shim: extension host exit code: ${code}`);
      await page.screenshot({ path: path.join(lib.RESULTS, 'ext-host-failure.png') }).catch(() => {});
    }
  } catch (e) {
    console.error(`code-shim: ${e.stack || e}`);
    code = 1;
  } finally {
    await cleanup();
  }
  return code === 0 ? 0 : 1;
}

main().then(
  (c) => process.exit(c),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
