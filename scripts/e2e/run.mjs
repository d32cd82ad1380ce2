#!/usr/bin/env node
// `npm run test:e2e`: the end-to-end tests in a real VS Code workbench (code-server 4.139.1, Code 1.139.1).
//   1. scripts/e2e/setup.sh (tools cached in .vscode-test/), 2. npm run build, 3. vsce package → .vsix,
//   4. install it with code-server, 5. UI checks (test/e2e/ui.test.mjs) in Debian chromium via playwright-core,
//   6. the extension-host mocha suite (test/e2e/suite/) through @vscode/test-electron's runTests + a code shim.
// Prints mocha-like lines and finally exactly "N passed, N failed"; exits 1 on any failure.
// Options: --skip-setup --skip-build --only=ui|ext --grep=REGEX (UI tests by name) --extension=DIR
// Env: E2E_RUN_PENDING=1 runs the pending checks too; E2E_TIMEOUT_MS (default 300000) bounds the tests
// (everything after setup and build); on expiry every process of the run is killed and the run fails.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as lib from './lib.mjs';
import { Runner } from './runner.mjs';

const { ROOT, VT, RESULTS } = lib;
const argv = process.argv.slice(2);
const opt = (name) => {
  const a = argv.find((x) => x === `--${name}` || x.startsWith(`--${name}=`));
  return a === undefined ? undefined : a.includes('=') ? a.slice(a.indexOf('=') + 1) : true;
};
const only = opt('only');
// --extension=DIR: test another extension folder (e.g. a stub while features land); no build step then
const EXT = opt('extension') ? path.resolve(opt('extension')) : ROOT;
const grep = opt('grep') ? new RegExp(opt('grep'), 'i') : null;
const runPending = process.env.E2E_RUN_PENDING === '1';
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const step = (msg) => console.log(`[e2e ${elapsed()}] ${msg}`);

// ---- one folder per run; nothing is written outside it, .vscode-test/ and test-results/e2e/ -------------
// short paths: chromium's and VS Code's unix sockets live under TMPDIR (limit ~107 characters)
const RUN = path.join(VT, 'r', `${Date.now().toString(36)}`);
fs.mkdirSync(RUN, { recursive: true });
pruneOldRuns(3);
fs.rmSync(RESULTS, { recursive: true, force: true });
fs.mkdirSync(RESULTS, { recursive: true });
const ENV = lib.isolatedEnv(RUN, { npm_config_cache: path.join(VT, 'npm-cache'), npm_config_update_notifier: 'false' });

let totals = { passed: 0, failed: 0, pending: [] };
const failures = []; // infrastructure failures (each counts as one failed test)

// ---- never leave a process behind -------------------------------------------------------------------------
let finishing = false;
function emergencyExit(reason) {
  if (finishing) return;
  finishing = true;
  console.log(`\n[e2e] ${reason}: killing everything this run started`);
  lib.killAllSync();
  killStragglers();
  console.log(`${totals.passed} passed, ${totals.failed + 1} failed`);
  process.exit(1);
}
process.on('SIGINT', () => emergencyExit('interrupted'));
process.on('SIGTERM', () => emergencyExit('terminated'));
process.on('exit', () => lib.killAllSync());
// armed once the tools are installed and the extension is built: bounds the tests, not the downloads
let watchdog;
function armWatchdog() {
  const ms = Number(process.env.E2E_TIMEOUT_MS || 300000);
  watchdog = setTimeout(() => emergencyExit(`the tests took longer than ${ms} ms (E2E_TIMEOUT_MS)`), ms);
  watchdog.unref();
}

/** Kills what is left of this run: every process that mentions the run folder, with its process group. */
function killStragglers() {
  const ownGroup = Number(fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[2]);
  const left = lib
    .findProcesses(new RegExp(RUN.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .filter((p) => p.pid !== process.pid);
  for (const p of left) {
    try {
      process.kill(p.pgid !== ownGroup && p.pgid > 1 ? -p.pgid : p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  return left;
}

function pruneOldRuns(keep) {
  const dir = path.join(VT, 'r');
  const runs = fs.readdirSync(dir).sort();
  for (const r of runs.slice(0, Math.max(0, runs.length - keep - 1))) {
    fs.rmSync(path.join(dir, r), { recursive: true, force: true });
  }
}

function sh(cmd, args, what, { env = ENV, quiet = false, timeout = 300000, cwd = ROOT } = {}) {
  const r = lib.run(cmd, args, {
    env,
    timeout,
    cwd,
    stdio: quiet ? 'pipe' : ['ignore', 'inherit', 'inherit'],
    check: false,
  });
  if (r.status !== 0) {
    throw new Error(`${what} failed (exit ${r.status ?? r.signal})${quiet ? `:\n${r.stdout}\n${r.stderr}` : ''}`);
  }
  return r;
}

// ---- the steps ----------------------------------------------------------------------------------------------
function setup() {
  if (opt('skip-setup')) return;
  step('setup (scripts/e2e/setup.sh)');
  sh('bash', [path.join(ROOT, 'scripts/e2e/setup.sh')], 'scripts/e2e/setup.sh', {
    env: { ...process.env, CI: process.env.CI ?? '' },
  });
}

function build() {
  if (opt('skip-build') || EXT !== ROOT) return;
  step('npm run build');
  sh('npm', ['run', 'build', '--silent'], 'npm run build');
}

/** Everything the bundles load at run time must be inside the .vsix: no require of a node_modules package. */
function checkBundles() {
  const builtin = new Set(
    spawnSync(process.execPath, ['-p', "require('module').builtinModules.join(',')"], { encoding: 'utf8' })
      .stdout.trim()
      .split(','),
  );
  const problems = [];
  for (const f of fs.readdirSync(path.join(EXT, 'dist')).filter((n) => n.endsWith('.js'))) {
    const src = fs.readFileSync(path.join(EXT, 'dist', f), 'utf8');
    for (const m of src.matchAll(/\brequire\(\s*["']([^"'./][^"']*)["']\s*\)/g)) {
      const mod = m[1].replace(/^node:/, '');
      if (mod === 'vscode' || builtin.has(mod) || builtin.has(mod.split('/')[0])) continue;
      problems.push(`${f} requires "${m[1]}"`);
    }
  }
  if (problems.length)
    throw new Error(`bundles load packages that the .vsix does not ship: ${[...new Set(problems)].join('; ')}`);
}

/** The file names inside a zip (the .vsix), read from its central directory. */
function zipEntries(file) {
  const buf = fs.readFileSync(file);
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${file} is not a zip file`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const names = [];
  for (let i = 0; i < count; i++) {
    const nameLen = buf.readUInt16LE(at + 28);
    names.push(buf.toString('utf8', at + 46, at + 46 + nameLen));
    at += 46 + nameLen + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return names;
}

function packageVsix() {
  step('vsce package');
  const vsix = path.join(VT, 'scaling-studio.vsix');
  fs.rmSync(vsix, { force: true });
  const vsce = path.join(ROOT, 'node_modules/.bin/vsce');
  if (!fs.existsSync(vsce)) throw new Error('@vscode/vsce is not installed (devDependency @vscode/vsce@3.9.2)');
  checkBundles();
  const pkg = JSON.parse(fs.readFileSync(path.join(EXT, 'package.json'), 'utf8'));
  // relative README links need a base URL when the repository is not on GitHub/GitLab
  const repo = String(pkg.repository?.url ?? pkg.repository ?? 'https://example.invalid/scaling-studio').replace(
    /\.git$/,
    '',
  );
  const base = ['--baseContentUrl', `${repo}/blob/main`, '--baseImagesUrl', `${repo}/raw/main`];
  sh(vsce, ['package', '--skip-license', '--no-dependencies', ...base, '-o', vsix], 'vsce package', {
    quiet: true,
    cwd: EXT,
  });
  const files = zipEntries(vsix)
    .filter((n) => n.startsWith('extension/'))
    .map((n) => n.slice('extension/'.length));
  const missing = ['package.json', 'dist/client.js', 'dist/server.js'].filter((f) => !files.includes(f));
  if (missing.length) throw new Error(`the .vsix lacks ${missing.join(', ')} (it has: ${files.join(', ')})`);
  if (files.some((f) => f.startsWith('node_modules/'))) throw new Error('the .vsix includes node_modules/');
  const declared = [
    ...(pkg.contributes?.grammars ?? []).map((g) => g.path),
    ...(pkg.contributes?.languages ?? []).map((l) => l.configuration),
  ].filter(Boolean);
  for (const f of declared.map((p) => path.posix.normalize(p))) {
    if (!files.includes(f)) console.log(`[e2e] warning: package.json declares ${f}, but the .vsix does not contain it`);
  }
  step(`packaged ${path.relative(ROOT, vsix)}: ${files.join(', ')} (${(fs.statSync(vsix).size / 1024).toFixed(0)} KB)`);
  return vsix;
}

/** A copy of test/fixtures/ for each workbench, so tests may edit freely. */
function workspaceCopy(name) {
  const ws = path.join(RUN, name);
  fs.cpSync(path.join(ROOT, 'test/fixtures'), ws, { recursive: true });
  return ws;
}

/** What the CLI says about the fixtures: the numbers and diagnostics the UI must agree with. */
function expectations(ws) {
  const cli = path.join(EXT, 'dist/cli.js');
  const broken = path.join(ws, 'e2e/broken.scaling');
  const out = { broken: [{ severity: 'error', line: 5 }], fit: null, fitError: null, source: 'fixture' };
  if (!fs.existsSync(cli)) {
    out.fitError = 'dist/cli.js does not exist';
    return out;
  }
  const check = lib.run(process.execPath, [cli, 'check', broken], { env: ENV, timeout: 60000, check: false });
  const diags = [];
  for (const line of `${check.stdout}`.split('\n')) {
    const m = /^(.*?):(\d+):(\d+): (error|warning|info|hint) (\S+): (.*)$/.exec(line.trim());
    if (m) diags.push({ severity: m[4], code: m[5], message: m[6], line: +m[2], column: +m[3] });
  }
  if (diags.length) Object.assign(out, { broken: diags, source: 'cli' });
  const fit = lib.run(process.execPath, [cli, 'fit', path.join(ws, 'e2e/predict.scaling'), '--json'], {
    env: ENV,
    timeout: 60000,
    check: false,
  });
  if (fit.error) {
    out.fitError = `\`node dist/cli.js fit e2e/predict.scaling --json\`: ${fit.error.message}`;
    return out;
  }
  try {
    out.fit = JSON.parse(fit.stdout);
  } catch {
    out.fitError = `exit ${fit.status}: ${(fit.stderr || fit.stdout).trim().slice(0, 400)}`;
  }
  return out;
}

async function uiChecks(vsix) {
  const mod = await import(path.join(ROOT, 'test/e2e/ui.test.mjs'));
  const runner = new Runner({
    title: 'Scaling Studio in the workbench (UI)',
    pending: mod.PENDING,
    runPending,
    shotsDir: RESULTS,
  });
  mod.define(runner);
  if (grep) runner.tests = runner.tests.filter((t, i) => i === 0 || grep.test(t.name));

  const dir = path.join(RUN, 'ui');
  const userDataDir = path.join(dir, 'user-data');
  const extensionsDir = path.join(dir, 'extensions');
  lib.writeSettings(userDataDir, {
    'problems.defaultViewMode': 'tree',
    // colours in the editor then come from the TextMate grammar alone (the highlighting check is about it)
    'editor.semanticHighlighting.enabled': false,
  });
  const ws = workspaceCopy('ws-ui');
  step('CLI expectations for the fixtures');
  const expected = expectations(ws);
  fs.writeFileSync(path.join(RUN, 'expected.json'), JSON.stringify(expected, null, 2));

  let server;
  let browser;
  let page = null;
  let setupError = null;
  try {
    step('install the .vsix into code-server');
    if (!vsix) throw new Error('no .vsix (packaging failed)');
    lib.installVsix(vsix, { dir, userDataDir, extensionsDir });
    step('start code-server and chromium');
    server = await lib.startCodeServer({ dir, userDataDir, extensionsDir });
    browser = await lib.launchBrowser(dir);
    page = browser.pages()[0] || (await browser.newPage());
    page.setDefaultTimeout(15000);
    const log = fs.createWriteStream(path.join(dir, 'browser.log'));
    page.on('pageerror', (e) => log.write(`pageerror: ${e.message}\n`));
    page.on('console', (m) => m.type() === 'error' && log.write(`console: ${m.text()}\n`));
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
  } catch (e) {
    setupError = e.message.split('\n').slice(0, 6).join('\n');
    failures.push(`UI setup: ${setupError}`);
    console.log(`  ✖ UI setup failed: ${setupError}`);
  }
  const { Workbench } = await import(path.join(ROOT, 'test/e2e/workbench.mjs'));
  const wb = page && new Workbench(page);
  const summary = await runner
    .run({
      page: () => page,
      makeCtx: ({ shotPath }) => ({
        page,
        wb,
        ws,
        expected,
        shotPath,
        serverProcesses: () => lib.findProcesses(/dist\/server\.js/).filter((p) => p.cmd.includes(extensionsDir)),
      }),
      afterEach: async () => {
        if (!wb) return;
        await page.keyboard.press('Escape');
        await wb.revertAndCloseAll(); // a fresh window for the next test
      },
    })
    .catch((e) => {
      failures.push(`UI runner: ${e.message}`);
      return runner.summary();
    });
  await browser?.close().catch(() => {});
  await server?.stop();
  return summary;
}

async function extHostSuite() {
  step('extension-host suite (runTests + code shim)');
  const esbuild = await import('esbuild');
  const out = path.join(VT, 'e2e-suite');
  fs.rmSync(out, { recursive: true, force: true });
  const suiteDir = path.join(ROOT, 'test/e2e/suite');
  await esbuild.build({
    entryPoints: fs
      .readdirSync(suiteDir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(suiteDir, f)),
    outdir: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  const ws = workspaceCopy('ws-ext');
  fs.writeFileSync(path.join(out, 'expected.json'), JSON.stringify(expectations(ws), null, 2));
  const { runTests } = lib.requireTool('@vscode/test-electron');
  const shim = path.join(ROOT, 'scripts/e2e/code-shim.js');
  fs.chmodSync(shim, 0o755); // a checkout may have lost the executable bit
  const dir = path.join(RUN, 'ext');
  const userDataDir = path.join(dir, 'user-data');
  lib.writeSettings(userDataDir);
  let ok = true;
  try {
    await runTests({
      vscodeExecutablePath: shim,
      extensionDevelopmentPath: EXT,
      extensionTestsPath: path.join(out, 'index.js'),
      launchArgs: [ws, `--user-data-dir=${userDataDir}`, `--extensions-dir=${path.join(dir, 'extensions')}`],
      extensionTestsEnv: { ...ENV, E2E_RUN_PENDING: runPending ? '1' : '' },
    });
  } catch (e) {
    ok = false;
    console.log(`  runTests: ${e.message}`);
  }
  const resultsFile = path.join(out, 'results.json');
  if (!fs.existsSync(resultsFile)) {
    failures.push('extension-host suite: no results (the suite did not run)');
    return { passed: 0, failed: 0, pending: [] };
  }
  const r = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  if (!ok && r.failed === 0) failures.push('extension-host suite: runTests failed');
  return r;
}

// ---- main -----------------------------------------------------------------------------------------------------
async function main() {
  let vsix = null;
  try {
    setup();
    build();
    if (only !== 'ext') vsix = packageVsix(); // the extension-host suite loads the folder itself
    armWatchdog();
  } catch (e) {
    failures.push(e.message);
    console.log(`[e2e] ✖ ${e.message}`);
    if (/setup\.sh|npm run build/.test(e.message)) return;
    armWatchdog();
  }
  const add = (s) => {
    totals.passed += s.passed;
    totals.failed += s.failed;
    totals.pending.push(...s.pending);
  };
  if (only !== 'ext') add(await uiChecks(vsix));
  if (only !== 'ui' && fs.existsSync(path.join(EXT, 'dist/client.js'))) add(await extHostSuite());
  else if (only !== 'ui') failures.push('extension-host suite: dist/client.js does not exist');
}

await main().catch((e) => failures.push(`harness: ${e.stack || e}`));
clearTimeout(watchdog);
lib.killAllSync();
const left = killStragglers();
if (left.length) failures.push(`processes left running (killed): ${left.map((p) => p.cmd.slice(0, 80)).join('; ')}`);
finishing = true;
console.log('');
for (const f of failures) console.log(`  ✖ ${f}`);
if (totals.pending.length) console.log(`  ${totals.pending.length} pending: ${totals.pending.join('; ')}`);
step(`done; screenshots in ${path.relative(ROOT, RESULTS)}/, logs in ${path.relative(ROOT, RUN)}/`);
const failed = totals.failed + failures.length;
console.log(`${totals.passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
