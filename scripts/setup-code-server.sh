#!/usr/bin/env bash
# Installs code-server 4.100.3 (= VS Code 1.100.3 web, with a real Node extension host) into the project's cache
# folder .vscode-test/code-server, without internet beyond the npm registry and Debian packages.
# Guarantees: idempotent (a stamp file marks a finished install; re-runs exit in well under a second when the
# binary still runs), fails loudly naming the step that failed, never leaves a half-install marked as done.
# Called by: `npm run setup:vscode`, scripts/test-all.mjs (vscode and e2e tiers), scripts/start.mjs, CI.
# Recipe: code-server's npm postinstall is skipped (it downloads ripgrep and builds native addons, which needs the
# internet beyond npm); the steps below do the same by hand: Debian's ripgrep linked in, addons rebuilt locally.
set -euo pipefail

VERSION="4.100.3"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${KAFKA_LITE_CODE_SERVER_DIR:-$ROOT/.vscode-test/code-server}"
STAMP="$DIR/.installed-$VERSION"
BIN="$DIR/node_modules/.bin/code-server"
VSCODE_DIR="$DIR/node_modules/code-server/lib/vscode"

STEP="start"
T0=$(date +%s)
log() { echo "[setup-code-server] $*"; }
on_error() {
  local rc=$?
  echo "[setup-code-server] FAILED at step: $STEP (exit $rc)" >&2
  echo "[setup-code-server] the cache folder $DIR is not marked installed; fix the cause and re-run" >&2
  exit "$rc"
}
trap on_error ERR

step() { STEP="$1"; log "step (+$(( $(date +%s) - T0 ))s): $1"; }

# --- fast path ---------------------------------------------------------------------------------------------
if [ -f "$STAMP" ] && [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1; then
  log "code-server $VERSION already installed in $DIR"
  exit 0
fi

# --- one install at a time (two test tiers or two checkouts may call this at once) ---------------------------
mkdir -p "$(dirname "$DIR")"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$DIR.lock"
  if ! flock -n 9; then
    log "another setup is running on $DIR; waiting for it"
    flock 9
  fi
  if [ -f "$STAMP" ] && [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1; then
    log "code-server $VERSION was installed by the other run"
    exit 0
  fi
fi

# --- checks --------------------------------------------------------------------------------------------------
step "check node"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$NODE_MAJOR" != "20" ]; then
  log "warning: code-server $VERSION is built for Node 20; this is Node $(node --version)"
fi

# --- system packages -----------------------------------------------------------------------------------------
step "system packages (scripts/ensure-system-deps.sh)"
bash "$(dirname "${BASH_SOURCE[0]}")/ensure-system-deps.sh"
RG="$(command -v rg)"

# --- code-server from npm, scripts off -----------------------------------------------------------------------
mkdir -p "$DIR"
rm -f "$DIR"/.installed-*
if [ ! -f "$VSCODE_DIR/package.json" ] || ! grep -q "\"version\": \"$VERSION\"" "$DIR/node_modules/code-server/package.json" 2>/dev/null; then
  step "npm install code-server@$VERSION (--ignore-scripts)"
  [ -f "$DIR/package.json" ] || echo '{ "name": "kafka-lite-code-server-cache", "private": true }' > "$DIR/package.json"
  npm install --ignore-scripts --no-audit --no-fund --loglevel=error --prefix "$DIR" "code-server@$VERSION"
else
  log "code-server $VERSION package present"
fi

cd "$VSCODE_DIR"

step "npm install lib/vscode runtime dependencies (--omit=dev --ignore-scripts)"
npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error

step "ripgrep: link @vscode/ripgrep/bin/rg -> $RG"
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sf "$RG" node_modules/@vscode/ripgrep/bin/rg

step "npm rebuild native addons in lib/vscode (node-pty, spdlog, kerberos, watcher...)"
npm_config_yes=true npm rebuild --loglevel=error

step "node_modules.asar symlink"
ln -sfn node_modules node_modules.asar

step "built-in extensions dependencies"
(cd extensions && npm install --omit=dev --no-audit --no-fund --loglevel=error)

step "npm rebuild argon2"
cd "$DIR"
npm rebuild argon2 --loglevel=error

step "verify"
VERSION_OUT="$("$BIN" --version 2>&1)" || { echo "$VERSION_OUT" >&2; false; }
log "code-server --version: $(echo "$VERSION_OUT" | grep -m1 "$VERSION")"
echo "$VERSION_OUT" | grep -q "$VERSION" || { echo "[setup-code-server] unexpected version output" >&2; false; }
# The extension host needs these native modules to load.
node -e "require('$VSCODE_DIR/node_modules/node-pty'); require('$VSCODE_DIR/node_modules/@vscode/spdlog');" \
  || { echo "[setup-code-server] native modules do not load" >&2; false; }

date -u +%FT%TZ > "$STAMP"
log "done in $(( $(date +%s) - T0 ))s: $BIN ($(du -sh "$DIR" | cut -f1))"
