// `npm test`: every check a change must pass, in order, with one closing count.
//   lint (eslint + prettier) → types (tsc) → build → unit (mocha) → webview (chromium) → e2e (real VS Code)
// Installs what the browser tests need when it is missing (apt chromium when run as root).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const only = process.argv.slice(2);
const STAGE_TIMEOUT_MS = 15 * 60 * 1000;
const totals = { passed: 0, failed: 0, pending: 0 };
const failures = [];

function run(name, command, args, { parse } = {}) {
  if (only.length > 0 && !only.includes(name)) return;
  console.log(`\n=== ${name}: ${command} ${args.join(' ')}`);
  const started = Date.now();
  // A stage that hangs is killed and fails, instead of holding CI until its deadline.
  const r = spawnSync(command, args, {
    stdio: parse ? ['inherit', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
    timeout: STAGE_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) console.log(`=== ${name}: ${r.error.message}`);
  let counts = { passed: r.status === 0 ? 1 : 0, failed: r.status === 0 ? 0 : 1, pending: 0 };
  if (parse) {
    process.stdout.write(r.stdout ?? '');
    counts = parse(r.stdout ?? '', r.status);
  }
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.pending += counts.pending;
  const ok = r.status === 0 && counts.failed === 0;
  if (!ok) failures.push(name);
  console.log(`=== ${name}: ${ok ? 'ok' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

/** mocha's "N passing / N failing / N pending", or a runner's own "N passed, N failed" line. */
function parseCounts(out, status) {
  const grab = (re) => Number(re.exec(out)?.[1] ?? 0);
  let passed = grab(/(\d+) passing/);
  let failed = grab(/(\d+) failing/);
  const pending = grab(/(\d+) pending/);
  const plain = /^(?:\w+: )?(\d+) passed, (\d+) failed/m.exec(out);
  if (plain) {
    passed = Number(plain[1]);
    failed = Number(plain[2]);
  }
  if (status !== 0 && failed === 0) failed = 1; // a crash before any count is a failure
  return { passed, failed, pending };
}

function ensureChromium() {
  if (existsSync('/usr/bin/chromium')) return true;
  if (process.getuid?.() !== 0) {
    console.error(
      'Browser tests need Debian chromium. Run once:\n  sudo apt-get update && sudo apt-get install -y chromium libkrb5-dev',
    );
    return false;
  }
  console.log('Installing chromium and libkrb5-dev with apt (once)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const u = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const i = spawnSync('apt-get', ['install', '-y', '-qq', 'chromium', 'libkrb5-dev'], { stdio: 'inherit', env });
  return u.status === 0 && i.status === 0;
}

// Browser-backed tests (the unit suite's security checks, webview, e2e) need chromium: install it
// first so that nothing skips for want of it.
const needsBrowser = only.length === 0 || only.some((s) => ['unit', 'webview', 'e2e'].includes(s));
const haveBrowser = !needsBrowser || ensureChromium();
if (!haveBrowser) {
  failures.push('chromium');
  totals.failed++;
}

run('lint', 'npx', ['eslint', '.']);
run('format', 'npx', ['prettier', '--check', '.']);
run('types', 'npm', ['run', 'typecheck']);
run('build', 'node', ['scripts/build.mjs']);
run('unit', 'npx', ['mocha'], { parse: parseCounts });
if (haveBrowser) {
  run('webview', 'node', ['scripts/test-webview.mjs'], { parse: parseCounts });
  run('e2e', 'node', ['scripts/e2e/run.mjs'], { parse: parseCounts });
}

console.log(`\n${failures.length ? `failed stages: ${failures.join(', ')}` : 'all stages passed'}`);
console.log(
  `tests: ${totals.passed} passed, ${totals.failed} failed${totals.pending ? `, ${totals.pending} skipped` : ''}`,
);
process.exit(failures.length > 0 ? 1 : 0);
