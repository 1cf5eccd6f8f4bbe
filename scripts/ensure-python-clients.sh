#!/usr/bin/env bash
# The Python clients of the compat tier: a virtualenv in the project's cache folder (.vscode-test/py-venv) holding
# the PyPI wheels pinned in test/compat/python/requirements.txt (kafka-python, confluent-kafka with its bundled
# librdkafka), built on the `python3` found on PATH (3.8 or newer, with the venv module).
# Guarantees: idempotent — a stamp file in the venv records the requirements' sha256 and the base interpreter, and
# while both match (and the clients import) a re-run exits at once without touching the network; when either
# changed, the venv is recreated from scratch, and it is stamped only after every wheel installed. Fails loudly,
# naming what is missing and the command that installs it. Prints the venv's interpreter on its last line.
# Called by: scripts/ensure-system-deps.sh and test/compat/python.test.ts (before its cases).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQ="$ROOT/test/compat/python/requirements.txt"
VENV="$ROOT/.vscode-test/py-venv"
STAMP="$VENV/.kafka-lite-requirements"
VPY="$VENV/bin/python"

log() { echo "[python-clients] $*"; }
fail() {
  echo "[python-clients] $*" >&2
  exit 1
}

PY="$(command -v python3 || true)"
[ -n "$PY" ] || fail "python3 not found on PATH; install it with: sudo apt-get install -y python3 python3-venv"
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)' ||
  fail "$PY is Python $("$PY" -c 'import platform; print(platform.python_version())'); the clients need 3.8 or newer (sudo apt-get install -y python3 python3-venv)"
base="$("$PY" -c 'import os, platform, sys; print(os.path.realpath(getattr(sys, "_base_executable", sys.executable)), platform.python_version())')"
want="$(sha256sum "$REQ" | cut -d' ' -f1) $base"

current() { [ -x "$VPY" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && "$VPY" -c 'import kafka, confluent_kafka' 2>/dev/null; }

if current; then
  log "up to date in $VENV"
  echo "$VPY"
  exit 0
fi

# one install at a time (ensure-system-deps and the test may both call this)
mkdir -p "$ROOT/.vscode-test"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$VENV.lock"
  flock 9
  if current; then
    log "installed by another run in $VENV"
    echo "$VPY"
    exit 0
  fi
fi

log "creating $VENV from $REQ with $base"
rm -rf "$VENV"
"$PY" -m venv "$VENV" ||
  fail "'$PY -m venv' failed (the venv/ensurepip module is missing); install it with: sudo apt-get install -y python3-venv"
"$VPY" -m pip install --quiet --disable-pip-version-check --only-binary=:all: --requirement "$REQ" ||
  fail "pip could not install $REQ into $VENV (PyPI unreachable, or no wheel for this platform); the venv is left unstamped"
"$VPY" -c 'import kafka, confluent_kafka' || fail "the clients installed into $VENV do not import"
echo "$want" >"$STAMP"
log "installed: $("$VPY" -m pip freeze --quiet | tr '\n' ' ')"
echo "$VPY"
